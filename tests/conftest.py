"""Shared fixtures: fresh copies of the fixture digest, and one strict build of it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import copy_site

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
# The check cache of every test run starts empty and never touches the user's own.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="digest-test-cache-")


@pytest.fixture(autouse=True)
def _as_of_restored() -> Iterator[None]:
    """`digest build --as-of` hands its date to MkDocs through $DIGEST_AS_OF: no test's
    date may reach the next test."""
    before = os.environ.get("DIGEST_AS_OF")
    yield
    if before is None:
        os.environ.pop("DIGEST_AS_OF", None)
    else:
        os.environ["DIGEST_AS_OF"] = before


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A fresh, writable copy of tests/fixtures/site."""
    return copy_site(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fixture digest built once with `digest build` (strict); yields its site/."""
    from generator.mkdocs_plugin import build_site

    project = copy_site(tmp_path_factory.mktemp("built") / "project")
    yield build_site(project)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Debian chromium for the session, driven by Playwright."""
    from browser import ARGS, require_chromium
    from playwright.sync_api import sync_playwright

    path = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built fixture digest, served on 127.0.0.1."""
    from browser import serve

    with serve(built_site) as url:
        yield url


@pytest.fixture
def page(chromium: object) -> Iterator[tuple[object, object]]:
    """A fresh 1280x900 tab and what it saw (browser.Watch). Every test using it: no
    console error, no script error, no dialog, nothing fetched from another host."""
    from browser import watch

    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    seen = watch(tab)
    yield tab, seen
    context.close()
    assert seen.failed == []
    assert seen.console_errors == []
    assert seen.page_errors == []
    assert seen.dialogs == []
    assert seen.outside == []
