"""Grouping: ISO weeks, pagination, related-entry ranking, the weekly lede."""

from __future__ import annotations

import datetime as dt
import math
import random

from generator import group
from generator.model import DEFAULT_FACETS, Digest, Entry, Source, Term


def entry(slug: str, day: str, actors: tuple[str, ...], topics: tuple[str, ...]) -> Entry:
    date = dt.date.fromisoformat(day)
    return Entry(
        slug=slug,
        path=f"content/entries/{date.year}/{slug}.md",
        title=slug.replace("-", " ").capitalize(),
        date=date,
        published=dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC),
        summary="A summary.",
        body="A body.\n",
        terms=(("actors", actors), ("topics", topics)),
        sources=(Source("Outlet"),),
    )


def digest(*entries: Entry) -> Digest:
    actors = sorted({a for e in entries for a in e.terms_of("actors")})
    topics = sorted({t for e in entries for t in e.terms_of("topics")})
    ordered = tuple(sorted(entries, key=lambda e: (e.published, e.slug), reverse=True))
    return Digest(
        ordered,
        DEFAULT_FACETS,
        (
            ("actors", tuple(Term("actors", k, k.capitalize(), "d", kind="state") for k in actors)),
            ("topics", tuple(Term("topics", k, k.capitalize(), "d") for k in topics)),
        ),
    )


def test_iso_weeks_cross_the_year() -> None:
    weeks = group.by_week([entry("a", "2026-01-01", ("x",), ("t",)), entry("b", "2025-12-29", ("x",), ("t",)), entry("c", "2025-12-28", ("x",), ("t",))])
    assert [(w.key, w.start.isoformat(), len(w.entries)) for w in weeks] == [
        ("2026-W01", "2025-12-29", 2),
        ("2025-W52", "2025-12-22", 1),
    ]


def test_paginate() -> None:
    items = [entry(f"e{i}", "2026-01-01", ("x",), ("t",)) for i in range(5)]
    assert [len(p) for p in group.paginate(items, 2)] == [2, 2, 1]
    assert group.paginate([], 2) == [()]


def test_related_prefers_rare_shared_terms_and_closeness_in_time() -> None:
    d = digest(
        entry("seed", "2026-05-12", ("china", "anthropic"), ("model-access",)),
        # shares only the very common actor
        entry("common-only", "2026-05-11", ("china",), ("chips",)),
        # shares the rare actor and the topic, a year earlier
        entry("rare-and-topic", "2025-05-12", ("anthropic",), ("model-access",)),
        # shares the rare actor and the topic, a week earlier: closer in time wins
        entry("rare-and-topic-recent", "2026-05-05", ("anthropic",), ("model-access",)),
        entry("unrelated", "2026-05-12", ("japan",), ("chips",)),
        *[entry(f"filler-{i}", f"2026-0{1 + i % 4}-1{i % 9}", ("china",), ("chips",)) for i in range(8)],
    )
    related = group.related(d, limit=3)
    seed_url = "entries/2026/seed/"
    assert [e.slug for e in related[seed_url]] == ["rare-and-topic-recent", "rare-and-topic", "common-only"]
    assert all(e.slug != "unrelated" for e in related[seed_url])
    assert all(e.slug != "seed" for e in related[seed_url])


def test_related_compares_only_neighbours_in_time() -> None:
    """A term on every entry contributes at most 2 x NEIGHBOURS candidates each."""
    many = [entry(f"e{i:03d}", (dt.date(2024, 1, 1) + dt.timedelta(days=i)).isoformat(), ("china",), ("chips",)) for i in range(200)]
    related = group.related(digest(*many), limit=50)
    assert max(len(v) for v in related.values()) == 2 * group.NEIGHBOURS
    middle = related["entries/2024/e100/"]
    assert {e.slug for e in middle} == {f"e{i:03d}" for i in range(100 - group.NEIGHBOURS, 101 + group.NEIGHBOURS) if i != 100}
    assert [e.slug for e in middle[:2]] in (["e099", "e101"], ["e101", "e099"])


def _related_by_definition(d: Digest, limit: int) -> dict[str, list[str]]:
    """Every candidate scored and sorted: what related() must give, without its shortcut."""
    entries, total = d.entries, len(d.entries)
    scores: dict[str, dict[str, float]] = {e.url: {} for e in entries}
    for facet in d.facets:
        for members in group.by_term(d, facet.key).values():
            weight = math.log((total + 1) / len(members)) + 0.1
            oldest_first = list(reversed(members))
            for index, me in enumerate(oldest_first):
                for other in oldest_first[max(0, index - group.NEIGHBOURS) : index + group.NEIGHBOURS + 1]:
                    if other is not me:
                        scores[me.url][other.url] = scores[me.url].get(other.url, 0.0) + weight
    day = {e.url: e.date.toordinal() for e in entries}
    return {
        url: [o for _, o in sorted((-s * 0.5 ** (abs(day[url] - day[o]) / group.HALF_LIFE_DAYS), o) for o, s in found.items())[:limit]]
        for url, found in scores.items()
    }


def test_related_equals_scoring_every_candidate() -> None:
    """related() stops looking once no candidate can make the list; that must never
    change it, ties (same scores, same days) included."""
    rng = random.Random(3)
    actors, topics = [f"a{i}" for i in range(12)], [f"t{i}" for i in range(8)]
    many = [
        entry(
            f"e{i:04d}",
            (dt.date(2023, 1, 1) + dt.timedelta(days=rng.choice([0, 1, 2, 30, 400, rng.randrange(900)]))).isoformat(),
            tuple(sorted(set(rng.sample(actors, rng.randint(1, 3))))),
            tuple(sorted(set(rng.sample(topics, rng.randint(1, 2))))),
        )
        for i in range(1500)
    ]
    d = digest(*many)
    for limit in (1, 5, 30):
        assert {url: [e.url for e in found] for url, found in group.related(d, limit).items()} == _related_by_definition(d, limit)


def test_lede() -> None:
    d = digest(
        entry("a", "2026-05-11", ("china", "anthropic"), ("model-access", "rivalry")),
        entry("b", "2026-05-12", ("china", "us"), ("rivalry",)),
        entry("c", "2026-05-13", ("china",), ("talks",)),
    )
    lede = group.lede(d, d.entries)
    assert lede.stories == 3
    assert [(t.key, n) for t, n in lede.actors] == [("china", 3), ("anthropic", 1), ("us", 1)]
    assert [(t.key, n) for t, n in lede.topics] == [("rivalry", 2), ("model-access", 1), ("talks", 1)]
    assert lede.sentence() == "3 stories; most active: China (3), Anthropic (1), Us (1); on Rivalry, Model-access, Talks."
