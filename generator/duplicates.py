"""Near-duplicate entries: two entries citing the same source, or two entries close in
date with near-identical titles. Both are warnings from `digest check`, each naming
both files: the curator decides whether one story was filed twice.

Pure functions over what the validator recorded (Report.urls, Report.titles), so a
cached check finds the same pairs as a fresh one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode

from rapidfuzz import fuzz, process

from .model import Problem

# Query parameters that say where a reader came from, not what the page is.
TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|_ga|_gl|yclid|ocid|cmpid|at_medium|at_campaign)$", re.IGNORECASE)
# Titles at least this similar (rapidfuzz's ratio, 0-100, of the titles case-folded,
# punctuation dropped) of entries at most DAYS apart are flagged. 90.5 catches a title
# repeated with a word added ("US tightens chip export rules" / "... rules again": 90.6)
# or a tense changed ("refuses" / "refused": 98), but not two stories of one pattern
# ("China sought access to Anthropic's newest model" / "... OpenAI's ...": 90.1).
THRESHOLD = 90.5
DAYS = 14

Url = tuple[str, str, int, int, str]  # (url, path, line, col, field)
Title = tuple[str, str, dt.date, int, int]  # (path, title, date, line, col)


# scheme, user info, `www.`, host and port, path, query (validated http(s) URLs only).
PARTS = re.compile(r"[a-z][a-z0-9+.-]*://(?:[^@/?#]*@)?(?:www\.)?([^/?#]*)([^?#]*)(?:\?([^#]*))?", re.IGNORECASE)


def normal_url(url: str) -> str:
    """The address with what does not change the page taken away: the scheme (http and
    https alike), `www.`, the port a scheme implies, a trailing slash, the fragment,
    tracking parameters. Host names are case-blind; paths are not. (A regular
    expression, not urlsplit: it runs on every source of the digest, at a quarter of
    the cost.)"""
    found = PARTS.match(url.strip())
    if found is None:
        return url
    host, path, query = found.groups()
    host = host.lower().removesuffix(":80").removesuffix(":443")
    if query:
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not TRACKING.match(k)])
    return f"{host}{path.rstrip('/')}{'?' + query if query else ''}"


def shared_sources(urls: Sequence[Url]) -> list[Problem]:
    """A warning on each entry citing a source URL that an earlier file (by path)
    already cites, normalised (normal_url). Within one entry a repeat is no duplicate."""
    problems: list[Problem] = []
    first: dict[str, tuple[str, str]] = {}
    for link, path, line, col, name in sorted(urls, key=lambda u: (u[1], u[2], u[3])):
        if not name.endswith(".url"):  # an archived copy is not the story's source
            continue
        where, original = first.setdefault(normal_url(link), (path, link))
        if where != path:
            same = "" if original == link else f" (as {original})"
            problems.append(Problem(path, line, col, name, f"{link} is already cited by {where}{same}", "warning"))
    return problems


def _normal_title(title: str) -> str:
    folded = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def similar_titles(titles: Sequence[Title], threshold: float = THRESHOLD, days: int = DAYS) -> list[Problem]:
    """A warning for each pair of entries at most `days` apart whose titles score at
    least `threshold`, on the later file (by path) of the pair, naming the other.

    In date order, each title is compared with those of the next `days` days, in one
    call to rapidfuzz (compiled) per title."""
    ordered = sorted(titles, key=lambda t: (t[2], t[0]))
    normal = [_normal_title(t[1]) for t in ordered]
    problems = []
    end = 0
    for index, (path, _, day, _, _) in enumerate(ordered):
        last = day + dt.timedelta(days=days)
        end = max(end, index + 1)
        while end < len(ordered) and ordered[end][2] <= last:
            end += 1
        found = process.extract(normal[index], normal[index + 1 : end], scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
        for _, score, offset in found:
            other = ordered[index + 1 + offset]
            if other[0] != path:
                problems.append(_similar(ordered[index], other, round(score)))
    return sorted(problems, key=Problem.sort_key)


def _similar(a: Title, b: Title, score: int) -> Problem:
    """The warning for a pair, on the later file by path, naming the earlier."""
    one, two = sorted((a, b), key=lambda t: t[0])
    apart = abs((two[2] - one[2]).days)
    message = (
        f"near-identical to the title of {one[0]} ({score}% alike, {apart} day{'' if apart == 1 else 's'} apart): "
        f"{one[1]!r}; the same story twice?"
    )
    return Problem(two[0], two[3], two[4], "title", message, "warning")
