"""Accessibility: axe-core, the engine behind most accessibility checkers, on every kind
of page of the built fixture digest, in both palettes, at desktop and at phone width.
No violation of impact serious or critical may remain.

axe-core comes from the npm registry, pinned in tests/axe/package-lock.json and
installed by `make test` (npm ci); it is injected from that file, never from a CDN.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from browser import watch

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SEED = "entries/2026/china-sought-anthropic-model-access/"
PAGES = {
    "home": "",
    "entry": SEED,
    "topic": "topics/model-access/",
    "actor": "actors/china/",
    "topic index": "topics/",
    "actor index": "actors/",
    "weekly index": "weekly/",
    "week": "weekly/2026-W20/",
    "archive": "archive/",
    "month": "archive/2026/05/",
    "explore with filters": "explore/?actor=china&topic=us-china-rivalry",
    "feeds": "feeds/",
    "about": "about/",
    "404": "404.html",
    "search with results": "?q=chips",
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")


def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{AXE} is missing: `make test` installs it (cd tests/axe && npm ci)")
        pytest.skip("axe-core is not installed: cd tests/axe && npm ci")
    return AXE.read_text(encoding="utf-8")


def violations(tab: Any) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line each."""
    tab.add_script_tag(content=axe_source())
    result = tab.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    found = []
    for violation in json.loads(result)["violations"]:
        if violation["impact"] in SERIOUS:
            targets = [" ".join(node["target"]) for node in violation["nodes"]][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found


def ready(tab: Any, name: str) -> None:
    """Wait for what a page fills in with its scripts."""
    tab.wait_for_load_state("networkidle")
    if name == "explore with filters":
        tab.wait_for_function("!document.getElementById('explore-count').textContent.startsWith('Loading')")
    if name == "search with results":
        tab.wait_for_selector("#digest-search-results [role=option]")


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_violation(chromium: Any, site_url: str, scheme: str, viewport: str) -> None:
    context = chromium.new_context(color_scheme=scheme, viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone")
    try:
        tab = context.new_page()
        seen = watch(tab)
        found = {}
        for name, path in PAGES.items():
            tab.goto(site_url + path)
            ready(tab, name)
            expected = "slate" if scheme == "dark" else "default"
            assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected, name
            problems = violations(tab)
            if problems:
                found[name] = problems
        assert found == {}, json.dumps(found, indent=1)
        assert seen.outside == [] and seen.page_errors == []
    finally:
        context.close()


def test_axe_reports_what_it_must(chromium: Any, site_url: str) -> None:
    """The check can fail: a page given an unnamed button and grey-on-white text has
    serious violations."""
    context = chromium.new_context()
    try:
        tab = context.new_page()
        tab.goto(site_url)
        tab.evaluate(
            """() => {
            const b = document.createElement('button'); document.querySelector('article').append(b);
            const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ccc';
            document.querySelector('article').append(p);
        }"""
        )
        ids = {line.split(" ")[0] for line in violations(tab)}
        assert {"button-name", "color-contrast"} <= ids
    finally:
        context.close()
