"""Stage 4, group: pure functions from the digest to the lists the pages show.

Every function keeps the digest's order (newest first, slug as tiebreak) or sorts with
an explicit key, so output never depends on set or dict iteration order.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import operator
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

from .model import Digest, Entry, Term


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week that has entries: `2026-W20`, its Monday and Sunday, its entries, and
    whether it has ended by the publishing date (if not, the issue is "so far" and no
    feed sends it yet)."""

    key: str
    start: dt.date
    end: dt.date
    entries: tuple[Entry, ...]
    complete: bool = True

    @property
    def url(self) -> str:
        return f"weekly/{self.key}/"


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    entries: tuple[Entry, ...]

    @property
    def url(self) -> str:
        return f"archive/{self.year}/{self.month:02d}/"


def by_term(digest: Digest, facet: str) -> dict[str, tuple[Entry, ...]]:
    """Term key -> its entries, newest first; every term present, even when unused.
    (Kept by the digest: do not change it.)"""
    return digest.by_term(facet)


def terms_by_count(digest: Digest, facet: str) -> list[tuple[Term, int]]:
    """Terms with their entry counts, most used first, then by name."""
    counts = by_term(digest, facet)
    pairs = [(digest.term(facet, key), len(entries)) for key, entries in counts.items()]
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0].name.casefold(), pair[0].key))


def by_week(entries: Sequence[Entry], as_of: dt.date | None = None) -> tuple[Week, ...]:
    """ISO weeks that have entries, newest first. A week is complete once its Sunday
    is over: `as_of` is a later day (or there is no `as_of`)."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.week, []).append(entry)
    weeks = []
    for key, members in groups.items():
        year, week = key.split("-W")
        start = dt.date.fromisocalendar(int(year), int(week), 1)
        end = start + dt.timedelta(days=6)
        weeks.append(Week(key, start, end, tuple(members), as_of is None or end < as_of))
    return tuple(sorted(weeks, key=lambda w: w.key, reverse=True))


def by_month(entries: Sequence[Entry]) -> tuple[Month, ...]:
    """Calendar months that have entries, newest first."""
    groups: dict[tuple[int, int], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.date.year, entry.date.month), []).append(entry)
    return tuple(
        Month(year, month, tuple(groups[(year, month)]))
        for year, month in sorted(groups, reverse=True)
    )


def by_primary_topic(digest: Digest, entries: Sequence[Entry], facet: str) -> list[tuple[Term, tuple[Entry, ...]]]:
    """Group entries under their first term of `facet`; largest group first.

    An entry appears once, under the term its author listed first, so a weekly issue
    never repeats a story.
    """
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        keys = entry.terms_of(facet)
        if keys:
            groups.setdefault(keys[0], []).append(entry)
    order = sorted(groups, key=lambda k: (-len(groups[k]), digest.term(facet, k).name.casefold(), k))
    return [(digest.term(facet, key), tuple(groups[key])) for key in order]


def paginate(items: Sequence[Entry], size: int) -> list[tuple[Entry, ...]]:
    """Split into pages of `size`; an empty list still makes one (empty) page."""
    if not items:
        return [()]
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def co_occurring(digest: Digest, entries: Sequence[Entry], facet: str, exclude: str | None = None) -> list[tuple[Term, int]]:
    """Terms of `facet` that appear in `entries`, with counts, most frequent first."""
    keys = digest.keys_of(facet)
    counts = Counter(chain.from_iterable([keys[entry.url] for entry in entries]))
    if exclude is not None:
        counts.pop(exclude, None)
    return sorted(
        ((digest.term(facet, k), n) for k, n in counts.items()),
        key=lambda pair: (-pair[1], pair[0].name.casefold(), pair[0].key),
    )


# How many neighbours in time, on each side, an entry is compared with in each of its
# terms' lists. This is what keeps related entries near-linear: a term shared by half
# the digest contributes 2 * NEIGHBOURS candidates, not thousands.
NEIGHBOURS = 12
# Days over which closeness in time halves a candidate's score.
HALF_LIFE_DAYS = 365.0


def related(digest: Digest, limit: int = 5) -> dict[str, tuple[Entry, ...]]:
    """Entry URL -> up to `limit` related entries, best first.

    Score: for each shared term, its rarity (log of how many entries there are per
    entry using it), times a factor that halves every HALF_LIFE_DAYS apart. Candidates
    are an entry's NEIGHBOURS nearest entries in time within each of its terms' lists,
    so the work is O(entries x terms x NEIGHBOURS), never entries squared.
    """
    entries = digest.entries
    total = len(entries)
    number = {entry.url: i for i, entry in enumerate(entries)}
    days = [entry.date.toordinal() for entry in entries]
    scores: list[dict[int, float]] = [{} for _ in entries]
    for facet in digest.facets:
        for members in by_term(digest, facet.key).values():
            if len(members) < 2:
                continue
            weight = math.log((total + 1) / len(members)) + 0.1
            ids = [number[m.url] for m in reversed(members)]  # oldest first
            for index, me in enumerate(ids):
                mine = scores[me]
                get = mine.get
                # The neighbours before and after: an entry is not related to itself.
                for other in ids[index - NEIGHBOURS if index > NEIGHBOURS else 0 : index]:
                    mine[other] = get(other, 0.0) + weight
                for other in ids[index + 1 : index + NEIGHBOURS + 1]:
                    mine[other] = get(other, 0.0) + weight
    # Closeness in time, by days apart: a table, not a power per candidate.
    span = (max(days) - min(days) + 1) if days else 1
    decay = [0.5 ** (d / HALF_LIFE_DAYS) for d in range(span)]
    urls = [entry.url for entry in entries]
    by_shared = operator.itemgetter(1)
    result: dict[str, tuple[Entry, ...]] = {}
    for me, entry in enumerate(entries):
        day = days[me]
        # The best `limit` by score, then URL (a stable order for equal scores). The
        # candidates come highest shared score first; as closeness in time is at most
        # 1, once one's shared score is below the last kept score none after can win.
        best: list[tuple[float, str, int]] = []
        for other, shared in sorted(scores[me].items(), key=by_shared, reverse=True):
            if len(best) == limit and shared < -best[-1][0]:
                break
            bisect.insort(best, (-shared * decay[abs(day - days[other])], urls[other], other))
            del best[limit:]
        result[entry.url] = tuple(entries[other] for _, _, other in best)
    return result


@dataclass(frozen=True, slots=True)
class Lede:
    """What a weekly issue is about, computed from its entries."""

    stories: int
    actors: tuple[tuple[Term, int], ...]  # the most active, with their counts
    topics: tuple[tuple[Term, int], ...]

    def sentence(self) -> str:
        parts = [f"{self.stories} {'story' if self.stories == 1 else 'stories'}"]
        if self.actors:
            parts.append("most active: " + ", ".join(f"{t.name} ({n})" for t, n in self.actors))
        if self.topics:
            parts.append("on " + ", ".join(t.name for t, _ in self.topics))
        return "; ".join(parts) + "."


def lede(digest: Digest, entries: Sequence[Entry], size: int = 3) -> Lede:
    facets = [f.key for f in digest.facets]
    actor_facet = "actors" if "actors" in facets else facets[0]
    topic_facet = "topics" if "topics" in facets else facets[-1]
    return Lede(
        len(entries),
        tuple(co_occurring(digest, entries, actor_facet)[:size]),
        tuple(co_occurring(digest, entries, topic_facet)[:size]),
    )
