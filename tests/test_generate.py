"""Generator output: golden pages, the emitter's no-op rewrites, strict builds, determinism."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.emit import emit
from generator.incremental import MANIFEST
from support import comparable_site, copy_site

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def generate(project: Path, out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(project)
    assert main(["generate", "--out", str(out)]) == 0
    return capsys.readouterr().out


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST and not p.relative_to(folder).as_posix().startswith("assets/")
    }


def test_golden_pages(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    produced = tree(out)
    # Shared fragments stand for the way up to the root with render.UP until a page
    # puts in its own: none may be left in any file.
    assert not [rel for rel, data in produced.items() if b"\x00" in data]
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in produced.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = tree(GOLDEN)
    assert sorted(produced) == sorted(expected)
    for rel in expected:
        assert produced[rel].decode() == expected[rel].decode(), f"{rel} differs from tests/fixtures/golden (UPDATE_GOLDEN=1 to accept)"


def test_generate_writes_hand_written_pages_and_assets(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    assert (out / "about.md").read_bytes() == (fixture_site / "content/pages/about.md").read_bytes()
    assert (out / "assets/digest.css").stat().st_size > 0
    assert not (out / "entries/2026/draft-entry.md").exists()


def test_second_generate_rewrites_nothing(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = generate(fixture_site, out, capsys, monkeypatch)
    total = int(re.match(r"(\d+) written", first).group(1))
    assert total > 30
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = generate(fixture_site, out, capsys, monkeypatch)
    assert second.startswith(f"0 written, {total} unchanged, 0 removed")
    assert stamps == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_one_changed_entry_rewrites_only_the_pages_that_show_it(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("began a new dialogue", "opened a dialogue"), encoding="utf-8")
    stats_line = generate(fixture_site, out, capsys, monkeypatch)
    assert stats_line.startswith("24 written")  # 6 pages, 15 feeds, entries.json and .csv, citation.ris
    written = sorted(
        p.relative_to(out).as_posix() for p, stamp in before.items() if p.stat().st_mtime_ns != stamp and p.name != MANIFEST
    )
    showing = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and "opened a dialogue" in p.read_text(encoding="utf-8", errors="replace")
    )
    assert written == showing
    assert [p for p in written if p.endswith(".md")] == [
        "actors/china/page/2/index.md",
        "actors/united-nations/index.md",
        "archive/2026/04/index.md",
        "entries/2026/un-ai-dialogue-opens.md",
        "topics/ai-diplomacy/index.md",
        "weekly/2026-W17/index.md",
    ]
    feeds = sorted({p.rsplit("/", 1)[0] if "/" in p else "" for p in written if not p.endswith(".md")})
    assert feeds == ["", "actors/china", "actors/united-nations", "entries/2026/un-ai-dialogue-opens", "topics/ai-diplomacy", "weekly"]


def test_removed_entry_removes_its_page(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    (out / "keep.txt").parent.mkdir(parents=True)
    (out / "keep.txt").write_text("not ours")
    generate(fixture_site, out, capsys, monkeypatch)
    (fixture_site / "content/entries/2025/chip-rules-tightened.md").unlink()
    line = generate(fixture_site, out, capsys, monkeypatch)
    assert not (out / "entries/2025/chip-rules-tightened.md").exists()
    assert not (out / "weekly/2026-W01/index.md").exists()
    assert "7 removed" in line  # the entry, its citation files, its week, its month, two last pages of lists
    assert (out / "keep.txt").read_text() == "not ours"


def test_emit_refuses_paths_outside_the_output(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        emit({"../escape.md": "x"}, tmp_path / "out")
    assert not (tmp_path / "escape.md").exists()


def test_generator_never_changes_content(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    before = tree(fixture_site / "content")
    generate(fixture_site, tmp_path / "out", capsys, monkeypatch)
    from generator.mkdocs_plugin import build_site

    build_site(fixture_site)
    assert tree(fixture_site / "content") == before


def _mkdocs(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", *args], cwd=project, capture_output=True, text=True, env=env)


def test_plain_mkdocs_build_strict(fixture_site: Path, tmp_path: Path) -> None:
    """`mkdocs build --strict` alone runs the generator through the plugin."""
    result = _mkdocs(fixture_site, "build", "--strict", "-d", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site/entries/2026/china-sought-anthropic-model-access/index.html").is_file()
    assert (tmp_path / "site/actors/china/index.html").is_file()


def test_strict_build_fails_on_a_mkdocs_warning(fixture_site: Path, tmp_path: Path) -> None:
    about = fixture_site / "content/pages/about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nSee [the missing page](missing.md).\n", encoding="utf-8")
    result = _mkdocs(fixture_site, "build", "--strict", "-d", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "missing.md" in result.stderr


def test_mkdocs_build_stops_on_content_errors(fixture_site: Path, tmp_path: Path) -> None:
    bad = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("actors: [united-nations, china]", "actors: [united-nashuns]"), encoding="utf-8")
    result = _mkdocs(fixture_site, "build", "--strict", "-d", str(tmp_path / "site"))
    assert result.returncode == 1
    assert "content/entries/2026/un-ai-dialogue-opens.md:5:10: error: actors: unknown actor 'united-nashuns'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


def test_digest_build_reports_like_check_and_keeps_the_old_site(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    assert main(["build"]) == 0
    capsys.readouterr()
    before = tree(fixture_site / "site")
    bad = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("date: 2026-04-20", "date: 2026-04-31"), encoding="utf-8")
    assert main(["build"]) == 1
    built = capsys.readouterr().out
    assert main(["check"]) == 1
    checked = capsys.readouterr().out
    assert built == checked
    assert "content/entries/2026/un-ai-dialogue-opens.md:3:7: error: date: '2026-04-31' is not a real calendar date" in built
    assert tree(fixture_site / "site") == before


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    from generator.mkdocs_plugin import build_site

    one = build_site(copy_site(tmp_path / "one"))
    two = build_site(copy_site(tmp_path / "two"))
    first, second = comparable_site(one), comparable_site(two)
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []
    assert len(list(one.rglob("*.html"))) > 30
    assert len([p for p in first if p.startswith("pagefind/fragment/")]) == 15  # the search index
    # Only Pagefind's filter and meta files are compared decoded: all else byte for byte.
    assert len([p for p in first if not isinstance(first[p], bytes)]) == 6


def test_hand_written_pages_are_checked_and_escaped(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    about = fixture_site / "content/pages/about.md"
    about.write_text("---\ntitle: About <img src=x onerror=alert(1)>\ntemplate: 404.html\n---\n\n# About\n\n<b>bold</b>\n", encoding="utf-8")
    monkeypatch.chdir(fixture_site)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "content/pages/about.md:3:1: error: template: unknown field" in out
    assert "content/pages/about.md:8:1: error: body: raw HTML is not allowed" in out
    about.write_text("---\ntitle: About <img src=x onerror=alert(1)>\n---\n\n# About\n\nPlain.\n", encoding="utf-8")
    assert main(["build"]) == 0
    html = (fixture_site / "site/about/index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html
    assert "<title>About &lt;img src=x onerror=alert(1)&gt; - Fixture Digest</title>" in html


def test_killed_build_leaves_the_previous_site(fixture_site: Path) -> None:
    """`digest build` writes a staging folder and swaps it in last: killing it midway
    leaves the previous site/ exactly as it was."""
    import signal
    import time

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [sys.executable, "-m", "generator.cli", "build"]
    assert subprocess.run(build, cwd=fixture_site, env=env, capture_output=True).returncode == 0
    before = tree(fixture_site / "site")
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("began a new dialogue", "opened a dialogue"), encoding="utf-8")
    process = subprocess.Popen(build, cwd=fixture_site, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(fixture_site.glob(".site-build-*/*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert process.poll() is None, "the build finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert tree(fixture_site / "site") == before
    # The next build cleans up what the killed one left, and publishes the change.
    assert subprocess.run(build, cwd=fixture_site, env=env, capture_output=True).returncode == 0
    assert not list(fixture_site.glob(".site-build-*"))
    assert "opened a dialogue" in (fixture_site / "site/entries/2026/un-ai-dialogue-opens/index.html").read_text(encoding="utf-8")


def test_generate_timings(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    assert main(["generate", "--out", str(tmp_path / "out"), "--timings"]) == 0
    err = capsys.readouterr().err
    stages = dict(re.findall(r"([a-z][a-z ]*?) ([0-9.]+) s", err.removeprefix("timings: ")))
    assert list(stages) == ["load", "entry pages", "other files", "total"], err
    assert float(stages["total"]) >= float(stages["load"]) + float(stages["entry pages"])
    assert float(stages["other files"]) > 0  # measured in the process that made them


def _made_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every page whose text is made (a page skipped by its key is not)."""
    from generator import procs, render

    monkeypatch.setattr(procs, "can_fork", lambda: False)  # every page made here, where the spy is
    made: list[str] = []
    real = render.Planned.page

    def page(self: render.Planned) -> render.Page:
        made.append(self.front.split("\n", 2)[1])
        return real(self)

    monkeypatch.setattr(render.Planned, "page", page)
    return made


def _fresh_equals(project: Path, out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """What an incremental run left in `out` is exactly what a run from nothing (no
    manifest, no cache) makes."""
    fresh = tmp_path / "fresh"
    with monkeypatch.context() as m:
        m.setenv("DIGEST_CACHE", "off")
        generate(project, fresh, capsys, monkeypatch)
    assert tree(out) == tree(fresh)


def test_second_generate_makes_no_page(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    made = _made_pages(monkeypatch)
    assert generate(fixture_site, out, capsys, monkeypatch).startswith("0 written")
    assert made == []


def test_incremental_generate_equals_a_fresh_one(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    total = len(tree(out))
    made = _made_pages(monkeypatch)
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("began a new dialogue", "opened a dialogue"), encoding="utf-8")
    generate(fixture_site, out, capsys, monkeypatch)
    assert 0 < len(made) < total // 3  # only the pages that show the entry, and the digest-wide ones
    _fresh_equals(fixture_site, out, tmp_path / "a", capsys, monkeypatch)
    # A term renamed in the taxonomy: every page is made again, and right.
    actors = fixture_site / "content/actors.yml"
    actors.write_text(actors.read_text(encoding="utf-8").replace("name: United Nations", "name: United Nations (UN)"), encoding="utf-8")
    made.clear()
    generate(fixture_site, out, capsys, monkeypatch)
    assert len(made) == len([p for p in tree(out) if p.endswith(".md") and p != "about.md"])
    _fresh_equals(fixture_site, out, tmp_path / "b", capsys, monkeypatch)


def test_a_file_changed_in_the_output_is_made_again(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    generate(fixture_site, out, capsys, monkeypatch)
    page = out / "topics/model-access/index.md"
    original = page.read_bytes()
    page.write_text("edited by hand\n", encoding="utf-8")
    (out / "feed.xml").unlink()
    assert generate(fixture_site, out, capsys, monkeypatch).startswith("2 written")
    assert page.read_bytes() == original
    _fresh_equals(fixture_site, out, tmp_path / "a", capsys, monkeypatch)


def test_feed_items_are_made_once(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An item's HTML is kept in the cache: after one entry changes, only its own is made."""
    from generator import feeds, procs
    from generator.model import Entry

    monkeypatch.setattr(procs, "can_fork", lambda: False)  # feeds made here, where the spy is

    generate(fixture_site, tmp_path / "out", capsys, monkeypatch)
    made: list[str] = []
    real = feeds.writeup_html

    def writeup_html(entry: Entry) -> str:
        made.append(entry.url)
        return real(entry)

    monkeypatch.setattr(feeds, "writeup_html", writeup_html)
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("began a new dialogue", "opened a dialogue"), encoding="utf-8")
    generate(fixture_site, tmp_path / "out", capsys, monkeypatch)
    assert made == ["entries/2026/un-ai-dialogue-opens/"]
    _fresh_equals(fixture_site, tmp_path / "out", tmp_path / "a", capsys, monkeypatch)


def test_feeds_written_beside_the_pages_equal_one_process(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`digest generate` makes feeds and data in a forked process: the same files, and
    the same manifest, as making everything in one process."""
    from generator import procs

    with monkeypatch.context() as m:
        # Forked whatever threads earlier tests left behind: the forked path is tested.
        m.setattr(procs, "can_fork", lambda: True)
        generate(fixture_site, tmp_path / "two", capsys, monkeypatch)
    with monkeypatch.context() as m:
        m.setattr(procs, "can_fork", lambda: False)
        generate(fixture_site, tmp_path / "one", capsys, monkeypatch)
    assert tree(tmp_path / "two") == tree(tmp_path / "one")
    assert (tmp_path / "two" / MANIFEST).read_text() == (tmp_path / "one" / MANIFEST).read_text()
    assert "feed.xml" in tree(tmp_path / "two") and "topics/model-access/index.md" in tree(tmp_path / "two")


def test_a_failure_in_the_feeds_process_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import procs
    from generator.emit import Lazy, emit

    def broken() -> str:
        raise ValueError("no feed today")

    monkeypatch.setattr(procs, "can_fork", lambda: True)
    with pytest.raises(procs.ChildError, match="no feed today"):
        emit([("a.md", "x")], tmp_path / "out", beside=[("feed.xml", Lazy("k", broken))])


def test_dates_at_the_edge_of_the_calendar_are_errors_not_crashes(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """An offset that moves a date past year 9999 or before year 1, or a date whose ISO
    week ends in year 10000, is reported with its file and line, with the other files'
    problems, and no traceback."""
    monkeypatch.chdir(fixture_site)
    entries = fixture_site / "content/entries"
    seed = (entries / "2026/un-ai-dialogue-opens.md").read_text(encoding="utf-8")
    for year, date in (("9999", "9999-12-31T23:00:00-10:00"), ("1", "0001-01-01T00:30:00+01:00"), ("9999", "9999-12-31")):
        (entries / year).mkdir(exist_ok=True)
        (entries / year / f"edge-{len(date)}.md").write_text(seed.replace("date: 2026-04-20", f"date: {date}"), encoding="utf-8")
    other = entries / "2026/chip-rules.md"
    other.write_text(seed.replace("actors: [united-nations, china]", "actors: [united-nashuns]"), encoding="utf-8")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "content/entries/9999/edge-25.md:3:7: error: date: '9999-12-31T23:00:00-10:00' is out of range: dates run from 0001-01-01 to 9998-12-31 (in UTC)" in out
    assert "content/entries/1/edge-25.md:3:7: error: date: '0001-01-01T00:30:00+01:00' is out of range" in out
    assert "content/entries/9999/edge-10.md:3:7: error: date: '9999-12-31' is out of range" in out
    assert "unknown actor 'united-nashuns'" in out
    assert main(["build"]) == 1
    assert "Traceback" not in capsys.readouterr().out


def test_a_digest_dated_past_2106_builds(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The newest date stamps the sitemap's gzip header, which holds only up to 2106.
    monkeypatch.chdir(fixture_site)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    seed = (fixture_site / "content/entries/2026/un-ai-dialogue-opens.md").read_text(encoding="utf-8")
    (fixture_site / "content/entries/9998").mkdir()
    (fixture_site / "content/entries/9998/far.md").write_text(seed.replace("date: 2026-04-20", "date: 9998-12-31"), encoding="utf-8")
    assert main(["build", "--as-of", "9998-12-31"]) == 0, capsys.readouterr().out
    assert (fixture_site / "site/entries/9998/far/index.html").is_file()
    assert (fixture_site / "site/sitemap.xml.gz").is_file()
