"""What the build does to be fast must not change what it builds.

- Theme fragments (tabs, navigation, search box, theme settings) are rendered once per
  kind of page and reused (FragmentCache): every page must be byte-identical to a build
  that renders them afresh on every page.
- Entries are indexed by title, summary and terms unless `search_writeups` is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import mkdocs_plugin
from generator.mkdocs_plugin import FragmentCache, build_site
from support import copy_site


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_fragment_cache_changes_no_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = copy_site(tmp_path / "project")
    cached = _tree(build_site(project, tmp_path / "cached"))
    calls: list[tuple[object, ...] | None] = []
    real_key = FragmentCache.key

    def uncached(self: FragmentCache, name: str, page: object, nav: object) -> None:
        calls.append(real_key(self, name, page, nav))
        return None  # render every fragment afresh

    monkeypatch.setattr(mkdocs_plugin.FragmentCache, "key", uncached)
    fresh = _tree(build_site(project, tmp_path / "fresh"))
    assert sorted(cached) == sorted(fresh)
    differing = [path for path in fresh if cached[path] != fresh[path]]
    assert differing == []
    # The cache was in play: many pages, few distinct fragments, nav pages never cached.
    keys = [k for k in calls if k is not None]
    assert len(keys) > 100 and len(set(keys)) < len(keys) // 3
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


def test_search_writeups_option_indexes_write_ups(tmp_path: Path) -> None:
    project = copy_site(tmp_path / "project")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - digest:\n" in text
    config.write_text(text.replace("  - digest:\n", "  - digest:\n      search_writeups: true\n", 1), encoding="utf-8")
    site = build_site(project)
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    seed = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("entries/2026/china-sought"))
    assert "Frontier models, not only chips" in seed
    assert "Anthropic" in seed  # still its terms and summary
