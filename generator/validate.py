"""Stage 2, validate: the schema in code, one normaliser per field.

Every problem in every file is collected; the caller fails once. Normalisers take a
located YAML node and return a clean value or add a Problem naming the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .bodies import body_problems
from .model import Correction, Entry, Facet, Problem, Source, Term
from .read import RawFile, YamlNode
from .text import did_you_mean, fold, position

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|z|[+-]\d{2}:?\d{2})?$"
)

SUMMARY_MAX = 500
TITLE_MAX = 200
ENTRY_KEYS = ("title", "date", "summary", "sources", "updated", "corrections", "draft")
SOURCE_KEYS = ("publisher", "title", "url", "date", "archived")
CORRECTION_KEYS = ("date", "text")
TERM_KEYS = ("name", "description", "aliases", "kind", "country")


@dataclass
class Report:
    """Problems found so far, and what cross-file checks need; `add` keeps code short."""

    problems: list[Problem] = field(default_factory=list)
    used: set[tuple[str, str]] = field(default_factory=set)  # (facet, key) named by any entry
    urls: list[tuple[str, str, int, int, str]] = field(default_factory=list)  # (url, path, line, col, field)
    places: dict[tuple[str, str], tuple[str, int, int]] = field(default_factory=dict)  # term -> file position
    dates: list[tuple[str, dt.date, int, int]] = field(default_factory=list)  # (path, entry date, line, col)
    titles: list[tuple[str, str, dt.date, int, int]] = field(default_factory=list)  # (path, title, date, line, col)

    def add(self, path: str, node: YamlNode | None, name: str, message: str, severity: str = "error") -> None:
        line, col = (node.line, node.col) if node else (1, 1)
        self.problems.append(Problem(path, line, col, name, message, severity))

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)


# --- scalar normalisers -------------------------------------------------------------


def text(report: Report, path: str, node: YamlNode, name: str, *, max_len: int | None = None) -> str | None:
    """Plain text: a string as written. `yes`, `2024` or `null` unquoted is not text."""
    if node.kind == "scalar" and node.plain and node.text == "":
        report.add(path, node, name, "must not be empty")
        return None
    if node.kind != "scalar" or node.tag != "tag:yaml.org,2002:str":
        hint = " (put it in quotes if it is meant as text)" if node.kind == "scalar" else ""
        report.add(path, node, name, f"expected text, got {node.type_name}{hint}")
        return None
    value = node.text
    # Whitespace collapsed to single spaces. Every character str.split() splits on but
    # the space is unprintable, so printable text without doubled or outer spaces is
    # already collapsed: most values, left as they are.
    if not (value.isprintable() and "  " not in value and value[:1] != " " and value[-1:] != " "):
        value = " ".join(value.split())
    if not value:
        report.add(path, node, name, "must not be empty")
        return None
    if max_len is not None and len(value) > max_len:
        report.add(path, node, name, f"is {len(value)} characters; at most {max_len} allowed")
        return None
    return value


def date(report: Report, path: str, node: YamlNode, name: str) -> tuple[dt.date, dt.datetime] | None:
    """A calendar date or an ISO 8601 datetime with an offset -> (local date, aware UTC)."""
    if node.kind != "scalar" or not node.text:
        report.add(path, node, name, f"expected a date (YYYY-MM-DD), got {node.type_name}")
        return None
    raw = node.text.strip()
    if DATE.match(raw):
        try:
            day = _day(raw)
        except ValueError:
            report.add(path, node, name, f"'{raw}' is not a real calendar date")
            return None
        return _in_range(report, path, node, name, raw, day)
    match = DATETIME.match(raw)
    if not match:
        report.add(path, node, name, f"'{raw}' is not a date (YYYY-MM-DD) or an ISO 8601 datetime")
        return None
    if match.group(3) is None:
        report.add(path, node, name, f"'{raw}' has no UTC offset; add one, e.g. {raw}+00:00")
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace(" ", "T").replace("z", "Z"))
    except ValueError:
        report.add(path, node, name, f"'{raw}' is not a real date and time")
        return None
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:  # the offset moves it past year 1 or 9999
        utc = None
    return _in_range(report, path, node, name, raw, (moment.date(), utc))


# The last year whose ISO weeks, and their ends, fit in Python's dates (9999-12-31 is in a
# week that ends in year 10000).
LAST_YEAR = 9998


def _in_range(
    report: Report, path: str, node: YamlNode, name: str, raw: str, value: tuple[dt.date, dt.datetime | None]
) -> tuple[dt.date, dt.datetime] | None:
    day, utc = value
    if utc is None or utc.year > LAST_YEAR or day.year > LAST_YEAR:
        report.add(path, node, name, f"'{raw}' is out of range: dates run from 0001-01-01 to {LAST_YEAR}-12-31 (in UTC)")
        return None
    return day, utc


@functools.lru_cache(maxsize=4096)
def _day(raw: str) -> tuple[dt.date, dt.datetime]:
    """A YYYY-MM-DD date and its midnight UTC (kept: entries and sources share dates)."""
    day = dt.date.fromisoformat(raw)
    return day, dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


_URL_REFUSED = re.compile(r"[\s\"'<>\\`]")
_HTTP_URL = re.compile(r"^https?://[^/?#]+", re.IGNORECASE)


def url_problem(value: str) -> str | None:
    """Why `value` is not a URL an entry may give (None when it is one): for `url`
    and `archived` fields, and for an archive's answer before it goes into an entry."""
    if _URL_REFUSED.search(value):
        return "a URL must not contain spaces, quotes or angle brackets"
    return None if _HTTP_URL.match(value) else f"'{value}' is not an http(s) URL"


def url(report: Report, path: str, node: YamlNode, name: str) -> str | None:
    value = text(report, path, node, name)
    if value is None:
        return None
    problem = url_problem(value)  # whitespace collapsed still shows as a space
    if problem is not None:
        report.add(path, node, name, problem)
        return None
    return value


def boolean(report: Report, path: str, node: YamlNode, name: str) -> bool | None:
    if node.kind == "scalar" and node.plain and node.text in ("true", "false"):
        return node.text == "true"
    if node.kind != "scalar":
        message = f"expected true or false, got {node.type_name}"
    elif not node.plain:
        message = f'expected true or false, got the text "{node.text}" (remove the quotes)'
    else:
        message = f"expected true or false, got '{node.text}'"
    report.add(path, node, name, message)
    return None


def mapping(report: Report, path: str, node: YamlNode, name: str, allowed: tuple[str, ...]) -> bool:
    """Check that `node` is a mapping with only `allowed` keys (did-you-mean for others)."""
    if node.kind != "map":
        report.add(path, node, name, f"expected a mapping, got {node.type_name}")
        return False
    for key, _ in node.pairs:
        if key.text not in allowed:
            hint = did_you_mean(key.text, allowed)
            report.add(path, key, f"{name}.{key.text}" if name else key.text, f"unknown field{hint}")
    return True


def items(report: Report, path: str, node: YamlNode, name: str) -> tuple[YamlNode, ...] | None:
    if node.kind != "seq":
        report.add(path, node, name, f"expected a list, got {node.type_name}")
        return None
    if not node.items:
        report.add(path, node, name, "must not be an empty list")
        return None
    return node.items


# --- taxonomy -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The terms of every facet, and how a reference (key, name, alias) resolves."""

    facets: tuple[Facet, ...]
    terms: tuple[tuple[str, tuple[Term, ...]], ...]
    lookup: dict[str, dict[str, str]]  # facet -> folded reference -> key

    def resolve(self, facet: str, reference: str) -> str | None:
        return self.lookup.get(facet, {}).get(fold(reference))

    def references(self, facet: str) -> list[str]:
        return [t.key for t in dict(self.terms).get(facet, ())] + [
            name for t in dict(self.terms).get(facet, ()) for name in (t.name, *t.aliases)
        ]


def validate_taxonomy(facet: Facet, root: YamlNode | None, path: str, report: Report) -> tuple[Term, ...]:
    if root is None:
        return ()
    if root.kind != "map":
        report.add(path, root, "", f"expected a mapping of {facet.singular} keys, got {root.type_name}")
        return ()
    allowed = ("name", "description", "aliases") + (("kind",) if facet.kinds else ()) + (
        ("country",) if facet.country else ()
    )
    terms: list[Term] = []
    claimed: dict[str, str] = {}  # folded key/name/alias -> term key that claimed it
    for key_node, body in root.pairs:
        key = key_node.text
        if not SLUG.match(key):
            report.add(path, key_node, key, "a key must be lowercase words joined by hyphens")
            continue
        if not mapping(report, path, body, key, allowed):
            continue
        fields = {k.text: v for k, v in body.pairs}
        values: dict[str, str | None] = {}
        for required in ("name", "description"):
            if required in fields:
                values[required] = text(report, path, fields[required], f"{key}.{required}")
            else:
                report.add(path, key_node, f"{key}.{required}", "required field is missing")
        kind = None
        if facet.kinds:
            if "kind" not in fields:
                report.add(path, key_node, f"{key}.kind", "required field is missing")
            else:
                kind = text(report, path, fields["kind"], f"{key}.kind")
                if kind is not None and kind not in facet.kinds:
                    hint = did_you_mean(kind, facet.kinds)
                    report.add(path, fields["kind"], f"{key}.kind", f"'{kind}' is not one of {', '.join(facet.kinds)}{hint}")
                    kind = None
        country = None
        if "country" in fields and facet.country:
            country = text(report, path, fields["country"], f"{key}.country")
            if country is not None and not COUNTRY.match(country):
                report.add(path, fields["country"], f"{key}.country", f"'{country}' is not an ISO 3166-1 alpha-2 code (two capital letters)")
                country = None
        aliases: list[str] = []
        refs: list[tuple[YamlNode | None, str | None]] = [(key_node, key)]
        if "aliases" in fields:
            node = fields["aliases"]
            if node.kind != "seq":
                report.add(path, node, f"{key}.aliases", f"expected a list, got {node.type_name}")
            else:
                for item in node.items:
                    alias = text(report, path, item, f"{key}.aliases")
                    if alias is not None:
                        aliases.append(alias)
                        refs.append((item, alias))
        name, description = values.get("name"), values.get("description")
        refs.insert(1, (fields.get("name"), name))
        for ref_node, ref in refs:
            if ref is None:
                continue
            owner = claimed.get(fold(ref))
            if owner is not None and owner != key:
                label = key if ref_node is key_node else f"{key}.name" if ref_node is fields.get("name") else f"{key}.aliases"
                report.add(path, ref_node, label, f"'{ref}' is already used by '{owner}'")
            claimed.setdefault(fold(ref), key)
        report.places[(facet.key, key)] = (path, key_node.line, key_node.col)
        # A term with a bad field still resolves, so entries naming it get no second,
        # misleading "unknown" error; the report has the error, so nothing is built.
        terms.append(Term(facet.key, key, name or key, description or "", tuple(aliases), kind, country))
    return tuple(terms)


def build_taxonomy(facets: tuple[Facet, ...], terms: dict[str, tuple[Term, ...]]) -> Taxonomy:
    lookup: dict[str, dict[str, str]] = {}
    for facet in facets:
        table: dict[str, str] = {}
        for term in terms.get(facet.key, ()):
            for ref in (term.key, term.name, *term.aliases):
                table.setdefault(fold(ref), term.key)
        lookup[facet.key] = table
    ordered = tuple((f.key, terms.get(f.key, ())) for f in facets)
    return Taxonomy(facets, ordered, lookup)


# --- entries --------------------------------------------------------------------------


def check_markdown(report: Report, path: str, body: str, first_line: int, *, within_site: bool = False) -> None:
    """Report raw HTML (MkDocs would pass it through), refused links and images.
    `within_site`: a hand-written page, which may link the site's own pages and files."""
    seen: set[tuple[int, str]] = set()
    for offset, message in body_problems(body, within_site):
        line, col = position(body, offset, first_line)
        if (line, message) in seen:  # one problem of a kind per line, at its first spot
            continue
        seen.add((line, message))
        report.problems.append(Problem(path, line, col, "body", message))


def _body(report: Report, raw: RawFile) -> str | None:
    if not raw.body.strip():
        report.problems.append(Problem(raw.path, raw.body_line, 1, "body", "the write-up is empty"))
        return None
    check_markdown(report, raw.path, raw.body, raw.body_line)
    return raw.body.strip("\n") + "\n"


def _sources(report: Report, path: str, node: YamlNode) -> tuple[Source, ...]:
    found: list[Source] = []
    for index, item in enumerate(items(report, path, node, "sources") or ()):
        name = f"sources[{index}]"
        if not mapping(report, path, item, name, SOURCE_KEYS):
            continue
        fields = {k.text: v for k, v in item.pairs}
        publisher = None
        if "publisher" not in fields:
            report.add(path, item, f"{name}.publisher", "required field is missing")
        else:
            publisher = text(report, path, fields["publisher"], f"{name}.publisher", max_len=200)
        title = text(report, path, fields["title"], f"{name}.title", max_len=300) if "title" in fields else None
        link = url(report, path, fields["url"], f"{name}.url") if "url" in fields else None
        if link is not None:
            report.urls.append((link, path, fields["url"].line, fields["url"].col, f"{name}.url"))
        when = date(report, path, fields["date"], f"{name}.date") if "date" in fields else None
        archived = url(report, path, fields["archived"], f"{name}.archived") if "archived" in fields else None
        if archived is not None:  # a snapshot of the source (`digest links --archive`), checked like its url
            report.urls.append((archived, path, fields["archived"].line, fields["archived"].col, f"{name}.archived"))
        if "url" not in fields:
            report.add(path, item, f"{name}.url", "no URL: readers cannot follow this source", "warning")
        if publisher is not None:
            found.append(Source(publisher, title, link, when[0] if when else None, archived))
    return tuple(found)


def _corrections(report: Report, path: str, node: YamlNode) -> tuple[Correction, ...]:
    found: list[Correction] = []
    for index, item in enumerate(items(report, path, node, "corrections") or ()):
        name = f"corrections[{index}]"
        if not mapping(report, path, item, name, CORRECTION_KEYS):
            continue
        fields = {k.text: v for k, v in item.pairs}
        for required in CORRECTION_KEYS:
            if required not in fields:
                report.add(path, item, f"{name}.{required}", "required field is missing")
        when = date(report, path, fields["date"], f"{name}.date") if "date" in fields else None
        note = text(report, path, fields["text"], f"{name}.text", max_len=1000) if "text" in fields else None
        if when and note:
            found.append(Correction(when[0], note))
    return tuple(found)


def _terms(report: Report, path: str, node: YamlNode, facet: Facet, taxonomy: Taxonomy) -> tuple[str, ...]:
    keys: list[str] = []
    written: dict[str, str] = {}  # key -> the reference that first named it
    for item in items(report, path, node, facet.key) or ():
        ref = text(report, path, item, facet.key)
        if ref is None:
            continue
        key = taxonomy.resolve(facet.key, ref)
        if key is None:
            hint = did_you_mean(ref, taxonomy.references(facet.key))
            report.add(path, item, facet.key, f"unknown {facet.singular} '{ref}'{hint}; terms are listed in content/{facet.file}")
        elif key in written:
            first = written[key]
            same = fold(first) == fold(ref)
            message = f"'{ref}' is listed twice" if same else f"'{ref}' is the same {facet.singular} as '{first}', already listed"
            report.add(path, item, facet.key, message)
        else:
            keys.append(key)
            written[key] = ref
            report.used.add((facet.key, key))
    return tuple(keys)


def future_dates(dates: Sequence[tuple[str, dt.date, int, int]], today: dt.date) -> list[Problem]:
    """A warning for each entry dated after `today`."""
    return [
        Problem(path, line, col, "date", f"{day} is in the future (today is {today}): the entry is published on that day", "warning")
        for path, day, line, col in dates
        if day > today
    ]


def validate_entry(raw: RawFile, taxonomy: Taxonomy, report: Report) -> Entry | None:
    """Check one entry's front matter and body; return the Entry when it is clean.

    Nothing here depends on the day it runs (so results can be cached): the entry's
    date is recorded in `report.dates` for `future_dates`."""
    mark = len(report.problems)  # this entry's findings are those after the mark
    path = raw.path
    # String work, not PurePosixPath: the path is relative() already, and this runs per file.
    parts = path.split("/")
    dot = parts[-1].rfind(".")
    slug = parts[-1][:dot] if 0 < dot < len(parts[-1]) - 1 else parts[-1]
    if not SLUG.match(slug):
        report.add(path, None, "file", f"'{parts[-1]}': file names must be lowercase words joined by hyphens, e.g. chip-rules-tightened.md")
    body = _body(report, raw)
    front = raw.front
    if front is None:
        return None
    facet_keys = tuple(f.key for f in taxonomy.facets)
    allowed = ENTRY_KEYS[:3] + facet_keys + ENTRY_KEYS[3:]
    mapping(report, path, front, "", allowed)
    fields = {k.text: v for k, v in front.pairs}
    required = ("title", "date", "summary", *(f.key for f in taxonomy.facets if f.required), "sources")
    for name in required:
        if name not in fields:
            report.add(path, front, name, "required field is missing")

    get: Callable[[str], YamlNode | None] = fields.get
    title = text(report, path, fields["title"], "title", max_len=TITLE_MAX) if get("title") else None
    summary = text(report, path, fields["summary"], "summary", max_len=SUMMARY_MAX) if get("summary") else None
    when = date(report, path, fields["date"], "date") if get("date") else None
    if when and len(parts) >= 2 and parts[-2] != str(when[0].year):
        report.add(path, fields["date"], "date", f"the entry is dated {when[0].year} but filed under {parts[-2]}/; move it to entries/{when[0].year}/")
    if when:
        report.dates.append((path, when[0], fields["date"].line, fields["date"].col))
        if title:
            report.titles.append((path, title, when[0], fields["title"].line, fields["title"].col))
    updated = None
    if get("updated"):
        stamp = date(report, path, fields["updated"], "updated")
        updated = stamp[0] if stamp else None
        if updated and when and updated < when[0]:
            report.add(path, fields["updated"], "updated", f"{updated} is before the entry's date {when[0]}")
    terms = tuple(
        (facet.key, _terms(report, path, fields[facet.key], facet, taxonomy))
        for facet in taxonomy.facets
        if facet.key in fields
    )
    sources = _sources(report, path, fields["sources"]) if get("sources") else ()
    corrections = _corrections(report, path, fields["corrections"]) if get("corrections") else ()
    draft = boolean(report, path, fields["draft"], "draft") if get("draft") else False

    failed = any(p.severity == "error" for p in report.problems[mark:])
    if failed or not (title and summary and when and body):
        return None
    return Entry(
        slug=slug,
        path=path,
        title=title,
        date=when[0],
        published=when[1],
        summary=summary,
        body=body,
        terms=terms,
        sources=sources,
        updated=updated,
        corrections=corrections,
        draft=bool(draft),
    )
