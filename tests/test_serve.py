"""Live preview: `digest serve` rebuilds when an entry in content/ changes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.preview import fetch, free_port


def wait_for(condition: Callable[[], bool], what: str, limit: float = 60.0) -> None:
    """Poll until `condition` holds; the bound only stops a broken server hanging the suite."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def preview(project: Path) -> Iterator[str]:
    """`digest serve` on a free port; yields its base URL, then stops it and checks its log."""
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{port}/fixture/"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "Traceback" not in output


def test_serve_rebuilds_on_entry_change(fixture_site: Path) -> None:
    with preview(fixture_site) as base:
        url = base + "entries/2026/un-ai-dialogue-opens/"
        wait_for(lambda: "began a new dialogue" in fetch(url), "the first build")
        entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
        entry.write_text(entry.read_text(encoding="utf-8").replace("began a new dialogue", "opened a fresh dialogue"), encoding="utf-8")
        wait_for(lambda: "opened a fresh dialogue" in fetch(url), "the rebuild after an edit")
        # A topic page that lists the entry follows too.
        assert "opened a fresh dialogue" in fetch(base + "topics/ai-diplomacy/")


def test_serve_previews_drafts(fixture_site: Path) -> None:
    """A draft is checked and never built, but the live preview shows it, marked."""
    with preview(fixture_site) as base:
        url = base + "entries/2026/draft-entry/"
        wait_for(lambda: "A draft that must not be published" in fetch(url), "the draft's preview page")
        assert "Draft: not published" in fetch(url)


def test_an_edited_entry_is_found_by_the_preview_search(fixture_site: Path, chromium: object) -> None:
    """Every rebuild of the preview indexes the site again: a word just written into an
    entry is found by the header search."""
    from browser import watch

    with preview(fixture_site) as base:
        url = base + "entries/2026/un-ai-dialogue-opens/"
        wait_for(lambda: "began a new dialogue" in fetch(url), "the first build")
        entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
        entry.write_text(entry.read_text(encoding="utf-8") + "\nA zeppelin was mentioned.\n", encoding="utf-8")
        wait_for(lambda: "zeppelin" in fetch(url), "the rebuild after an edit")
        context = chromium.new_context()  # type: ignore[attr-defined]
        tab = context.new_page()
        seen = watch(tab)

        def found() -> bool:
            tab.goto(base + "?q=zeppelin")
            tab.wait_for_function("document.getElementById('digest-search-status').textContent !== ''")
            links = tab.eval_on_selector_all("#digest-search-results a", "els => els.map(e => e.href)")
            return bool(links) and links[0].endswith("/entries/2026/un-ai-dialogue-opens/")

        try:
            wait_for(found, "the edited entry in the search index", limit=30)
        finally:
            context.close()
        assert seen.page_errors == [] and seen.outside == []
