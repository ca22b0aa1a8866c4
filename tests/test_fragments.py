"""What the build does to be fast must not change what it builds.

Theme fragments (tabs, navigation, theme settings) are rendered once per kind of page
and reused (FragmentCache): every page must be byte-identical to a build that renders
them afresh on every page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import mkdocs_plugin
from generator.mkdocs_plugin import FragmentCache, build_site
from support import comparable_site, copy_site


def test_fragment_cache_changes_no_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_site(tmp_path / "project")
    cached = comparable_site(build_site(project, tmp_path / "cached"))
    calls: list[tuple[object, ...] | None] = []
    real_key = FragmentCache.key

    def uncached(self: FragmentCache, name: str, page: object, nav: object) -> None:
        calls.append(real_key(self, name, page, nav))
        return None  # render every fragment afresh

    monkeypatch.setattr(mkdocs_plugin.FragmentCache, "key", uncached)
    fresh = comparable_site(build_site(project, tmp_path / "fresh"))
    assert sorted(cached) == sorted(fresh)
    differing = [path for path in fresh if cached[path] != fresh[path]]
    assert differing == []
    # The cache was in play: many pages, few distinct fragments, nav pages never cached.
    keys = [k for k in calls if k is not None]
    assert len(keys) > 60 and len(set(keys)) < len(keys) // 3
    assert any(k is None for k in calls)


def test_fragment_keys_follow_relative_links() -> None:
    """Pages share a fragment exactly when every navigation link is the same from both."""

    class Page:
        def __init__(self, url: str) -> None:
            self.url = url

    class Nav:
        def __init__(self) -> None:
            self.pages = [Page(u) for u in ("", "weekly/", "topics/", "actors/", "about/")]

    cache, nav = FragmentCache(), Nav()
    key = lambda url: cache.key("nav", Page(url), nav)  # noqa: E731
    assert key("entries/2026/a/") == key("entries/2025/b/")
    assert key("topics/a/") == key("topics/b/")
    assert key("topics/a/") != key("actors/a/")  # ../ to topics/ from one, ../../topics/ from the other
    assert key("topics/a/") != key("topics/a/page/2/")
    assert cache.key("nav", nav.pages[1], nav) is None  # in the navigation: marked active there
    assert cache.key("nav", None, nav) is None
