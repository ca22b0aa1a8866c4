"""Publishing on a date: an entry dated after the as-of date is checked but not
published (no page, feed item, export or search record); the live preview shows it,
marked; the weekly feed carries only weeks that have ended.

The fixture's newest entry (beijing-summit-deconfliction-channel) is dated Wednesday
2026-05-13, in ISO week 2026-W20 (Monday 11 to Sunday 17 May).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import feedparser
import pytest

from generator.cli import main
from generator.config import load_project
from generator.pipeline import generate
from support import pagefind_pages, run

NEWEST = "entries/2026/beijing-summit-deconfliction-channel/"
TITLE = "Beijing summit weighs an AI deconfliction channel"


def _generate(project: Path, out: Path, *args: str) -> Path:
    result = run(project, "generate", "--out", str(out), *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _published(out: Path) -> dict[str, bool]:
    """Where the newest entry shows in `digest generate`'s output."""
    site_feed = feedparser.parse((out / "feed.xml").read_bytes())
    topic_feed = json.loads((out / "topics/us-china-rivalry/feed.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO((out / "entries.csv").read_text(encoding="utf-8"))))
    exported = json.loads((out / "entries.json").read_text(encoding="utf-8"))
    return {
        "page": (out / "entries/2026/beijing-summit-deconfliction-channel.md").exists(),
        "citation": (out / NEWEST / "citation.bib").exists(),
        "site feed": any(NEWEST in e.link for e in site_feed.entries),
        "topic feed": any(NEWEST in i["url"] for i in topic_feed["items"]),
        "entries.csv": any(NEWEST in row["url"] for row in rows),
        "entries.json": NEWEST in json.dumps(exported),
        "home": NEWEST in (out / "index.md").read_text(encoding="utf-8"),
        "archive": NEWEST in (out / "archive/2026/05/index.md").read_text(encoding="utf-8"),
    }


def _weekly(out: Path) -> tuple[list[str], str]:
    """The weekly feed's issues (week keys) and the weekly index's line for 2026-W20."""
    feed = feedparser.parse((out / "weekly/feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    keys = [e.title.split()[2].rstrip(":") for e in feed.entries]
    index = (out / "weekly/index.md").read_text(encoding="utf-8")
    line = next((li for li in index.splitlines() if "2026-W20</a>" in li), "")
    return keys, line


def test_an_entry_is_published_on_its_date(fixture_site: Path, tmp_path: Path) -> None:
    before = _published(_generate(fixture_site, tmp_path / "before", "--as-of", "2026-05-12"))
    assert not any(before.values()), before
    on = _published(_generate(fixture_site, tmp_path / "on", "--as-of", "2026-05-13"))
    assert all(on.values()), on


def test_the_weekly_feed_waits_for_the_week_to_end(fixture_site: Path, tmp_path: Path) -> None:
    # The week has entries from Tuesday; until its Sunday is over it is "so far".
    for day in ("2026-05-12", "2026-05-13", "2026-05-17"):
        out = _generate(fixture_site, tmp_path / day, "--as-of", day)
        keys, line = _weekly(out)
        assert keys == ["2026-W19", "2026-W17", "2026-W01"], day
        assert "so far" in line, day
        assert "This week so far" in (out / "index.md").read_text(encoding="utf-8")
        week = (out / "weekly/2026-W20/index.md").read_text(encoding="utf-8")
        assert "This week so far: the issue is complete, and goes to the weekly feed, after 17 May 2026." in week
    out = _generate(fixture_site, tmp_path / "after", "--as-of", "2026-05-18")
    keys, line = _weekly(out)
    assert keys == ["2026-W20", "2026-W19", "2026-W17", "2026-W01"]
    assert line and "so far" not in line
    assert "so far" not in (out / "weekly/2026-W20/index.md").read_text(encoding="utf-8")
    home = (out / "index.md").read_text(encoding="utf-8")
    assert "Latest weekly issue" in home and "This week so far" not in home


def test_the_environment_gives_the_date_and_the_option_wins(fixture_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_AS_OF", "2026-05-12")
    assert not _published(_generate(fixture_site, tmp_path / "env"))["page"]
    assert _published(_generate(fixture_site, tmp_path / "option", "--as-of", "2026-05-13"))["page"]


def test_same_content_and_date_give_the_same_bytes(fixture_site: Path, tmp_path: Path) -> None:
    first = _generate(fixture_site, tmp_path / "one", "--as-of", "2026-05-13")
    second = _generate(fixture_site, tmp_path / "two", "--as-of", "2026-05-13")
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("value", ["2026-5-13", "13/05/2026", "2026-02-30", "20260513"])
def test_a_bad_date_is_a_usage_error(fixture_site: Path, tmp_path: Path, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(fixture_site, "generate", "--out", str(tmp_path / "out"), "--as-of", value)
    assert result.returncode == 2
    assert result.stderr == f"digest: error: --as-of: {value!r} is not a date (YYYY-MM-DD)\n"
    monkeypatch.setenv("DIGEST_AS_OF", value)
    result = run(fixture_site, "build")
    assert result.returncode == 2
    assert result.stderr == f"digest: error: DIGEST_AS_OF: {value!r} is not a date (YYYY-MM-DD)\n"
    assert "Traceback" not in result.stdout + result.stderr


def test_the_preview_shows_a_scheduled_entry_marked(fixture_site: Path) -> None:
    import datetime as dt

    project = load_project(fixture_site)
    output, _ = generate(project, drafts=True, as_of=dt.date(2026, 5, 12))
    assert output is not None
    page = output.pages["entries/2026/beijing-summit-deconfliction-channel.md"].page().text
    assert "Scheduled: published on 13 May 2026, the first build on or after that day." in page
    published, _ = generate(project, drafts=True, as_of=dt.date(2026, 5, 13))
    assert published is not None
    assert "Scheduled" not in published.pages["entries/2026/beijing-summit-deconfliction-channel.md"].page().text


def test_a_scheduled_entry_is_checked(fixture_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    entry = fixture_site / "content/entries/2026/beijing-summit-deconfliction-channel.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("topics: [", "topics: [no-such-topic, "), encoding="utf-8")
    monkeypatch.chdir(fixture_site)
    assert main(["build", "--as-of", "2026-05-01"]) == 1
    assert "unknown topic 'no-such-topic'" in capsys.readouterr().out


def test_the_built_site_and_its_search_index_leave_it_out(fixture_site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(fixture_site)
    assert main(["build", "--as-of", "2026-05-12"]) == 0, capsys.readouterr()
    site = fixture_site / "site"
    assert not (site / NEWEST).exists()
    assert (site / "entries/2026/china-sought-anthropic-model-access/index.html").is_file()
    indexed = pagefind_pages(site)
    assert "entries/2026/china-sought-anthropic-model-access/" in indexed
    assert not [url for url in indexed if "deconfliction" in url]
    assert not [url for url, page in indexed.items() if TITLE in json.dumps(page)]
    assert NEWEST not in (site / "sitemap-pages.xml").read_text(encoding="utf-8")
