"""Near-duplicates: a source cited by two entries (after normalising its address), and
near-identical titles of entries at most 14 days apart, each a warning naming both files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator.duplicates import normal_url, shared_sources, similar_titles
from support import run_check

D = dt.date(2026, 5, 12)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("https://www.example.org/story", "http://example.org/story/"),
        ("https://example.org/story#part-2", "https://EXAMPLE.org/story"),
        ("https://example.org/story?utm_source=x&utm_medium=rss&id=7", "https://example.org/story?id=7"),
        ("https://example.org/story?fbclid=abc", "https://example.org:443/story"),
        ("https://example.org/a?gclid=1&mc_cid=2", "https://example.org/a"),
    ],
)
def test_addresses_that_name_the_same_page(one: str, two: str) -> None:
    assert normal_url(one) == normal_url(two)


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("https://example.org/story", "https://example.org/Story"),  # paths are case-sensitive
        ("https://example.org/story?id=7", "https://example.org/story?id=8"),
        ("https://example.org/story", "https://example.com/story"),
        ("https://news.example.org/story", "https://example.org/story"),  # only www. goes
        ("https://example.org:8443/story", "https://example.org/story"),
    ],
)
def test_addresses_that_do_not(one: str, two: str) -> None:
    assert normal_url(one) != normal_url(two)


def test_a_shared_source_names_both_files() -> None:
    urls = [
        ("https://www.example.org/story/?utm_source=feed", "b.md", 9, 10, "sources[0].url"),
        ("https://example.org/story", "a.md", 12, 10, "sources[1].url"),
        ("https://example.org/story", "a.md", 15, 10, "sources[2].url"),  # repeated within one entry: no pair
        ("https://example.org/story", "c.md", 9, 15, "sources[0].archived"),  # a snapshot is not a source
        ("https://example.org/other", "d.md", 9, 10, "sources[0].url"),
    ]
    assert [p.format() for p in shared_sources(urls)] == [
        "b.md:9:10: warning: sources[0].url: https://www.example.org/story/?utm_source=feed "
        "is already cited by a.md (as https://example.org/story)"
    ]


def test_near_identical_titles_close_in_date() -> None:
    titles = [
        ("entries/2026/b.md", "US tightens chip export rules again", D + dt.timedelta(days=3), 2, 8),
        ("entries/2026/a.md", "US tightens chip export rules", D, 2, 8),
    ]
    assert [p.format() for p in similar_titles(titles)] == [
        "entries/2026/b.md:2:8: warning: title: near-identical to the title of entries/2026/a.md "
        "(91% alike, 3 days apart): 'US tightens chip export rules'; the same story twice?"
    ]


def test_case_and_punctuation_do_not_hide_a_pair() -> None:
    titles = [("a.md", "China's new AI rules", D, 2, 8), ("b.md", "CHINA'S NEW AI RULES!", D, 2, 8)]
    assert [p.path for p in similar_titles(titles)] == ["b.md"]


@pytest.mark.parametrize(
    ("first", "second", "days"),
    [
        # Far apart: the same headline a month later is a new story (a yearly summit).
        ("US tightens chip export rules", "US tightens chip export rules", 15),
        # One pattern, two stories.
        ("China sought access to Anthropic's newest model", "China sought access to OpenAI's newest model", 0),
        ("Nvidia wins licence to sell H20 chips to China", "AMD wins licence to sell MI308 chips to China", 1),
    ],
)
def test_titles_that_are_not_a_pair(first: str, second: str, days: int) -> None:
    titles = [("a.md", first, D, 2, 8), ("b.md", second, D + dt.timedelta(days=days), 2, 8)]
    assert similar_titles(titles) == []


def test_fourteen_days_apart_is_still_a_pair() -> None:
    titles = [("a.md", "Summit opens", D, 2, 8), ("b.md", "Summit opens", D + dt.timedelta(days=14), 2, 8)]
    assert [p.path for p in similar_titles(titles)] == ["b.md"]


def test_every_pair_in_a_crowded_fortnight() -> None:
    # Three versions of one story among many others: each pair once, nothing else.
    others = [
        "Nvidia books record data-centre sales", "EU AI Act obligations begin for general-purpose models",
        "Dutch government takes control of Nexperia", "India announces sovereign compute programme",
        "Japan funds Rapidus two-nanometre line", "UK AI Security Institute publishes evaluations",
        "Gulf states sign chip purchase agreements", "Taiwan tightens rules on engineer travel",
        "South Korea backs memory makers with loans", "OpenAI opens an office in Singapore",
    ]
    titles = [(f"other-{i:02d}.md", title, D + dt.timedelta(days=i), 2, 8) for i, title in enumerate(others)]
    titles += [(f"dup-{n}.md", "Beijing summit weighs an AI deconfliction channel", D + dt.timedelta(days=n), 2, 8) for n in range(3)]
    found = similar_titles(titles)
    pairs = sorted((p.path, p.message.split(" (")[0].rsplit(" ", 1)[-1]) for p in found if p.path.startswith("dup"))
    assert pairs == [("dup-1.md", "dup-0.md"), ("dup-2.md", "dup-0.md"), ("dup-2.md", "dup-1.md")]
    assert all(p.path.startswith("dup") for p in found)


def test_digest_check_warns_of_a_near_duplicate(fixture_site: Path) -> None:
    seed = fixture_site / "content/entries/2026/beijing-summit-deconfliction-channel.md"
    text = seed.read_text(encoding="utf-8")
    copy = fixture_site / "content/entries/2026/summit-weighs-deconfliction.md"
    copy.write_text(
        text.replace("title: Beijing summit weighs an AI deconfliction channel", "title: Beijing summit weighs AI deconfliction channel")
        .replace("date: 2026-05-13T09:30:00+08:00", "date: 2026-05-20"),
        encoding="utf-8",
    )
    result = run_check(fixture_site)
    assert (
        "content/entries/2026/summit-weighs-deconfliction.md:2:8: warning: title: near-identical to the title of "
        "content/entries/2026/beijing-summit-deconfliction-channel.md (97% alike, 7 days apart): "
        "'Beijing summit weighs an AI deconfliction channel'; the same story twice?"
    ) in result.stdout.splitlines()
    assert result.returncode == 0
