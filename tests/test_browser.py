"""The reader's experience in a real browser: Debian's chromium, driven by Playwright,
on the built fixture digest served on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import Watch, watch

PHONE = {"width": 390, "height": 844}
SEED = "entries/2026/china-sought-anthropic-model-access/"


@pytest.fixture
def page(chromium: object) -> Iterator[tuple[object, Watch]]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    tab = context.new_page()
    seen = watch(tab)
    yield tab, seen
    context.close()
    # Every test: no console error, no script error, no dialog, nothing fetched elsewhere.
    assert seen.failed == []
    assert seen.console_errors == []
    assert seen.page_errors == []
    assert seen.dialogs == []
    assert seen.outside == []


def search(tab: object, query: str) -> list[str]:
    """Type into Material's search and return the result links (relative to the site)."""
    tab.click("input.md-search__input")  # type: ignore[attr-defined]
    # The search worker loads its index after the page; a query typed before it is
    # ready is not answered, so type again until results show (bounded).
    for _ in range(20):
        tab.fill("input.md-search__input", "")  # type: ignore[attr-defined]
        tab.keyboard.type(query)  # type: ignore[attr-defined]
        # Material reads the query on key events; Chinese text arrives as inserted text
        # (as from an input method), so a key press follows, as a user's would.
        tab.keyboard.press("End")  # type: ignore[attr-defined]
        try:
            tab.wait_for_selector(".md-search-result__item a", timeout=1_500)  # type: ignore[attr-defined]
            break
        except Exception:
            continue
    links = tab.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")  # type: ignore[attr-defined]
    return [urlsplit(str(link)).path.lstrip("/") for link in links]


def test_search_in_english(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    found = search(tab, "deconfliction")
    assert found[0] == "entries/2026/beijing-summit-deconfliction-channel/"
    for listing in ("weekly/", "archive/", "topics/", "actors/", ""):
        assert listing not in found


def test_search_in_chinese(page: tuple[object, Watch], site_url: str) -> None:
    """华为 is an alias of Huawei: the actor's page is found by it."""
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    found = search(tab, "华为")
    assert "actors/huawei/" in found


def test_search_by_actor_name_finds_entries(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    found = search(tab, "Carnegie")
    assert SEED in found and "actors/carnegie-endowment/" in found


def _count(tab: object) -> str:
    tab.wait_for_function("document.getElementById('explore-count').textContent.indexOf('match') !== -1")  # type: ignore[attr-defined]
    return str(tab.inner_text("#explore-count"))  # type: ignore[attr-defined]


def _titles(tab: object) -> list[str]:
    return list(tab.eval_on_selector_all("#explore-results .digest-card__title a", "els => els.map(e => e.textContent)"))  # type: ignore[attr-defined]


def test_explore_filters_and_their_url(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "explore/")  # type: ignore[attr-defined]
    assert _count(tab) == "5 entries match."
    tab.select_option("#explore-actor", ["china"])  # type: ignore[attr-defined]
    tab.select_option("#explore-topic", ["us-china-rivalry"])  # type: ignore[attr-defined]
    tab.wait_for_function("document.getElementById('explore-count').textContent === '3 entries match.'")  # type: ignore[attr-defined]
    query = parse_qs(urlsplit(tab.url).query)  # type: ignore[attr-defined]
    assert query == {"actor": ["china"], "topic": ["us-china-rivalry"]}
    tab.fill("#explore-from", "2026-01-01")  # type: ignore[attr-defined]
    tab.dispatch_event("#explore-from", "change")  # type: ignore[attr-defined]
    tab.fill("#explore-text", "singapore")  # type: ignore[attr-defined]
    tab.wait_for_function("document.getElementById('explore-count').textContent === '1 entry matches.'")  # type: ignore[attr-defined]
    assert _titles(tab) == ["China sought access to Anthropic's newest model and was refused"]
    assert parse_qs(urlsplit(tab.url).query) == {  # type: ignore[attr-defined]
        "text": ["singapore"], "actor": ["china"], "topic": ["us-china-rivalry"], "from": ["2026-01-01"],
    }
    # The card links to the entry, and the view can be shared by its URL.
    href = tab.get_attribute("#explore-results .digest-card__title a", "href")  # type: ignore[attr-defined]
    assert href == "../" + SEED


def test_explore_opens_a_shared_view(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "explore/?actor=huawei&actor=china&to=2025-12-31")  # type: ignore[attr-defined]
    assert _count(tab) == "1 entry matches."
    assert _titles(tab) == ["Chip rules tightened again"]
    selected = tab.eval_on_selector("#explore-actor", "s => Array.from(s.selectedOptions).map(o => o.value)")  # type: ignore[attr-defined]
    assert sorted(selected) == ["china", "huawei"]
    assert tab.input_value("#explore-to") == "2025-12-31"  # type: ignore[attr-defined]
    tab.goto(site_url + "explore/?text=no-such-word-anywhere")  # type: ignore[attr-defined]
    assert _count(tab) == "No entries match."
    # A shared text filter must not open Material's search dialog over the results
    # (Material opens it for ?q=, which is why the parameter is "text").
    tab.goto(site_url + "explore/?text=rules")  # type: ignore[attr-defined]
    assert _count(tab) == "1 entry matches."
    assert tab.input_value("#explore-text") == "rules"  # type: ignore[attr-defined]
    assert tab.evaluate("document.getElementById('__search').checked") is False  # type: ignore[attr-defined]


def test_a_terms_year_opens_its_entries_in_explore(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "actors/china/")  # type: ignore[attr-defined]
    tab.click(".digest-term__years a >> text=2025")  # type: ignore[attr-defined]
    tab.wait_for_url("**/explore/?actor=china&from=2025-01-01&to=2025-12-31")  # type: ignore[attr-defined]
    assert _count(tab) == "1 entry matches."
    assert _titles(tab) == ["Chip rules tightened again"]
    selected = tab.eval_on_selector("#explore-actor", "s => Array.from(s.selectedOptions).map(o => o.value)")  # type: ignore[attr-defined]
    assert selected == ["china"]
    assert tab.input_value("#explore-from") == "2025-01-01"  # type: ignore[attr-defined]


def test_explore_is_keyboard_accessible(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "explore/")  # type: ignore[attr-defined]
    _count(tab)
    tab.focus("#explore-text")  # type: ignore[attr-defined]
    tab.keyboard.type("rules")  # type: ignore[attr-defined]
    tab.wait_for_function("document.getElementById('explore-count').textContent === '1 entry matches.'")  # type: ignore[attr-defined]
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert tab.evaluate("document.activeElement.id") == "explore-actor"  # type: ignore[attr-defined]


def test_related_entries_on_an_entry_page(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + SEED)  # type: ignore[attr-defined]
    related = tab.eval_on_selector_all(".digest-related a", "els => els.map(e => e.textContent)")  # type: ignore[attr-defined]
    assert related[0] == "Beijing summit weighs an AI deconfliction channel"
    assert 1 <= len(related) <= 5
    tab.click(".digest-related a")  # type: ignore[attr-defined]
    tab.wait_for_url("**/entries/2026/beijing-summit-deconfliction-channel/")  # type: ignore[attr-defined]


def test_weekly_navigation(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "weekly/2026-W20/")  # type: ignore[attr-defined]
    assert "2 stories" in tab.inner_text(".digest-lede")  # type: ignore[attr-defined]
    tab.click(".digest-weeknav a[rel=prev]")  # type: ignore[attr-defined]
    tab.wait_for_url("**/weekly/2026-W19/")  # type: ignore[attr-defined]
    assert tab.inner_text("article h1") == "Weekly issue 2026-W19"  # type: ignore[attr-defined]
    tab.click(".digest-weeknav a[rel=next]")  # type: ignore[attr-defined]
    tab.wait_for_url("**/weekly/2026-W20/")  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["", SEED, "explore/", "actors/china/", "weekly/2026-W20/", "feeds/"])
def test_phone_viewport(chromium: object, site_url: str, path: str) -> None:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    tab = context.new_page()
    seen = watch(tab)
    tab.goto(site_url + path)
    tab.wait_for_load_state("networkidle")
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0, f"{path or 'home'} is {overflow}px wider than a phone screen"
    assert seen.failed == [] and seen.console_errors == [] and seen.page_errors == [] and seen.outside == []


def test_dark_palette(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    before = tab.get_attribute("body", "data-md-color-scheme")  # type: ignore[attr-defined]
    tab.click("form[data-md-component=palette] label:visible")  # type: ignore[attr-defined]
    after = tab.get_attribute("body", "data-md-color-scheme")  # type: ignore[attr-defined]
    assert {before, after} == {"default", "slate"}


def test_pages_load_cleanly(page: tuple[object, Watch], site_url: str) -> None:
    """Every kind of page, with all its assets, from 127.0.0.1 only and without errors."""
    tab, seen = page
    for path in ["", SEED, "topics/", "topics/model-access/", "actors/", "actors/china/page/2/", "weekly/",
                 "archive/", "archive/2026/05/", "feeds/", "explore/", "about/"]:
        response = tab.goto(site_url + path)  # type: ignore[attr-defined]
        assert response.status == 200, path
        tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert seen.outside == []


# WCAG 2 contrast of every piece of text in a page's content, against the background
# actually behind it (translucent layers composited up to the first opaque one).
CONTRAST = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, base) => top.slice(0, 3).map((v, i) => v * top[3] + base[i] * (1 - top[3])).concat([1]);
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  };
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const low = [];
  for (const el of document.querySelectorAll("article.md-content__inner *")) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    // Skipped: text not drawn, and Material's permalinks (transparent until hovered).
    if (!own || !el.getClientRects().length || style.visibility === "hidden" || style.opacity === "0") continue;
    const bg = behind(el);
    const fg = over(parse(style.color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return low;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(chromium: object, site_url: str, scheme: str) -> None:
    context = chromium.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        tab = context.new_page()
        low = {}
        for url in ("", SEED, "explore/", "weekly/2026-W20/", "actors/china/", "archive/", "feeds/"):
            tab.goto(site_url + url)
            if url == "explore/":
                _count(tab)
            assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == ("slate" if scheme == "dark" else "default")
            found = tab.evaluate(CONTRAST)
            if found:
                low[url or "home"] = found
        assert low == {}
    finally:
        context.close()
