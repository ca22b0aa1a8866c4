"""The reader's experience in a real browser: Debian's chromium, driven by Playwright,
on the built fixture digest served on 127.0.0.1."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from browser import Watch, watch

PHONE = {"width": 390, "height": 844}
SEED = "entries/2026/china-sought-anthropic-model-access/"


def results(tab: object) -> list[str]:
    """The header search's result links, as site paths, once it has answered."""
    tab.wait_for_function("document.getElementById('digest-search-status').textContent !== ''")  # type: ignore[attr-defined]
    links = tab.eval_on_selector_all("#digest-search-results a", "els => els.map(e => e.href)")  # type: ignore[attr-defined]
    return [urlsplit(str(link)).path.lstrip("/") for link in links]


def search(tab: object, query: str) -> list[str]:
    """Open the header search with its button, type `query`, return the result links."""
    tab.click("[data-digest-search-open]")  # type: ignore[attr-defined]
    tab.fill("#digest-search-input", query)  # type: ignore[attr-defined]
    return results(tab)


def test_search_finds_a_phrase_of_a_write_up(page: tuple[object, Watch], site_url: str) -> None:
    """Words that stand only in an entry's write-up find it; listing pages are never results."""
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    assert search(tab, "cybersecurity") == ["entries/2026/beijing-summit-deconfliction-channel/"]
    tab.fill("#digest-search-input", "first session of the dialogue")  # type: ignore[attr-defined]
    tab.wait_for_function("document.querySelector('#digest-search-results a') && document.querySelector('#digest-search-results a').href.indexOf('un-ai') !== -1")  # type: ignore[attr-defined]
    found = results(tab)
    assert found[0] == "entries/2026/un-ai-dialogue-opens/"
    for listing in ("weekly/", "archive/", "topics/", "actors/", "", "explore/", "feeds/"):
        assert listing not in found
    # A result shows its title, date, an excerpt with the match marked, and its terms.
    first = "#digest-search-results [role=option]:first-child"
    assert tab.inner_text(f"{first} .digest-search__name") == "UN opens a global dialogue on AI governance"  # type: ignore[attr-defined]
    assert tab.inner_text(f"{first} .digest-search__facts") == "20 April 2026"  # type: ignore[attr-defined]
    assert "dialogue" in tab.eval_on_selector_all(f"{first} mark", "els => els.map(e => e.textContent.toLowerCase()).join(' ')")  # type: ignore[attr-defined]
    assert tab.inner_text(f"{first} .digest-search__terms") == "United Nations, China · AI diplomacy"  # type: ignore[attr-defined]


def test_search_never_finds_a_draft(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    assert search(tab, "drafts") == []  # in the draft's summary
    assert tab.inner_text("#digest-search-status") == "No results for \u201cdrafts\u201d."  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "term", "entries"),
    [
        ("华为", "actors/huawei/", {"entries/2025/chip-rules-tightened/", "entries/2026/huawei-ascend-guidance/"}),
        ("中国", "actors/china/", {SEED, "entries/2026/beijing-summit-deconfliction-channel/"}),
    ],
)
def test_search_by_a_chinese_alias(page: tuple[object, Watch], site_url: str, query: str, term: str, entries: set[str]) -> None:
    """An alias finds its actor's page first, and the entries about that actor."""
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    found = search(tab, query)
    assert found[0] == term
    assert entries <= set(found)


def test_search_by_actor_name_finds_entries(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url)  # type: ignore[attr-defined]
    found = search(tab, "Carnegie")
    assert SEED in found and "actors/carnegie-endowment/" in found


def test_search_by_keyboard(page: tuple[object, Watch], site_url: str) -> None:
    """/ opens the search, the arrow keys move through the results, Enter opens one;
    s opens it too and Esc closes it, giving focus back to the page."""
    tab, _ = page
    tab.goto(site_url + "topics/")  # type: ignore[attr-defined]
    tab.keyboard.press("/")  # type: ignore[attr-defined]
    assert tab.evaluate("document.activeElement.id") == "digest-search-input"  # type: ignore[attr-defined]
    tab.keyboard.type("Carnegie")  # type: ignore[attr-defined]
    found = results(tab)
    assert len(found) >= 2
    selected = "document.getElementById('digest-search-input').getAttribute('aria-activedescendant')"
    assert tab.evaluate(selected) == "digest-search-result-0"  # type: ignore[attr-defined]
    tab.keyboard.press("ArrowDown")  # type: ignore[attr-defined]
    assert tab.evaluate(selected) == "digest-search-result-1"  # type: ignore[attr-defined]
    assert tab.get_attribute("#digest-search-result-1", "aria-selected") == "true"  # type: ignore[attr-defined]
    tab.keyboard.press("ArrowUp")  # type: ignore[attr-defined]
    tab.keyboard.press("ArrowUp")  # type: ignore[attr-defined]  (wraps to the last)
    assert tab.evaluate(selected) == f"digest-search-result-{len(found) - 1}"  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    tab.wait_for_url(site_url + found[-1])  # type: ignore[attr-defined]
    tab.keyboard.press("s")  # type: ignore[attr-defined]
    assert tab.evaluate("document.getElementById('digest-search').open") is True  # type: ignore[attr-defined]
    tab.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert tab.evaluate("document.getElementById('digest-search').open") is False  # type: ignore[attr-defined]
    assert tab.evaluate("document.activeElement.hasAttribute('data-digest-search-open')") is True  # type: ignore[attr-defined]


def test_search_dialog_is_named_and_holds_focus(page: tuple[object, Watch], site_url: str) -> None:
    """While the search is open it is a modal dialog with a name; Tab stays inside it."""
    tab, _ = page
    tab.goto(site_url + SEED)  # type: ignore[attr-defined]
    tab.click("[data-digest-search-open]")  # type: ignore[attr-defined]
    dialog = tab.get_by_role("dialog", name="Search the digest")  # type: ignore[attr-defined]
    assert dialog.is_visible()
    tab.keyboard.type("chips")  # type: ignore[attr-defined]
    results(tab)
    inside = "document.getElementById('digest-search').contains(document.activeElement)"
    for _ in range(6):
        tab.keyboard.press("Tab")  # type: ignore[attr-defined]
        assert tab.evaluate(inside) is True  # type: ignore[attr-defined]
    # The page behind is inert while the dialog is open: a click there does nothing.
    assert tab.evaluate("document.getElementById('digest-search').open") is True  # type: ignore[attr-defined]


def test_a_shared_search_link_opens_the_search(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "archive/?q=cybersecurity")  # type: ignore[attr-defined]
    assert results(tab) == ["entries/2026/beijing-summit-deconfliction-channel/"]
    assert tab.input_value("#digest-search-input") == "cybersecurity"  # type: ignore[attr-defined]
    # Every result is one link away in Explore, with the query as its text filter.
    href = tab.get_attribute("[data-digest-search-more]", "href")  # type: ignore[attr-defined]
    assert urlsplit(href).path.endswith("/explore/") and parse_qs(urlsplit(href).query) == {"text": ["cybersecurity"]}


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
    assert href == urlsplit(site_url).path + SEED


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
    # A shared text filter must not open the header search over the results (it opens
    # for ?q=, which is why explore's parameter is "text").
    tab.goto(site_url + "explore/?text=rules")  # type: ignore[attr-defined]
    assert _count(tab) == "2 entries match."  # a title, and a write-up's words
    assert tab.input_value("#explore-text") == "rules"  # type: ignore[attr-defined]
    assert tab.evaluate("document.getElementById('digest-search').open") is False  # type: ignore[attr-defined]


def _expected(filters: dict[str, list[str]], start: str = "", end: str = "") -> tuple[int, dict[str, dict[str, int]]]:
    """Computed from the fixture's content, not from the index: how many published
    entries have every selected term and fall in the dates, and for each term how many
    of those also have it."""
    from generator.config import load_project
    from generator.load import load
    from support import FIXTURE_SITE

    digest = load(load_project(FIXTURE_SITE)).digest
    assert digest is not None
    singular = {f.key: f.singular for f in digest.facets}
    chosen = [
        e for e in digest.entries
        if all(set(keys) <= set(e.terms_of(facet)) for facet, keys in ((f, filters.get(singular[f], [])) for f in singular))
        and (not start or e.date.isoformat() >= start) and (not end or e.date.isoformat() <= end)
    ]
    counts = {
        singular[facet]: {t.key: sum(t.key in e.terms_of(facet) for e in chosen) for t in digest.terms_of(facet)}
        for facet in singular
    }
    return len(chosen), counts


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?actor=china",
        "?actor=china&topic=us-china-rivalry",
        "?actor=china&actor=huawei",
        "?topic=export-controls&from=2026-01-01",
        "?from=2026-05-01&to=2026-05-12",
        "?actor=united-nations&topic=model-access",
    ],
)
def test_explore_counts_match_the_content(page: tuple[object, Watch], site_url: str, query: str) -> None:
    """The match count, and each option's count for the current selection, are what the
    content says (counted here in Python)."""
    tab, _ = page
    tab.goto(site_url + "explore/" + query)  # type: ignore[attr-defined]
    params = parse_qs(urlsplit(query).query)
    total, counts = _expected(
        {k: v for k, v in params.items() if k in ("actor", "topic")}, params.get("from", [""])[0], params.get("to", [""])[0]
    )
    words = "No entries match." if total == 0 else "1 entry matches." if total == 1 else f"{total} entries match."
    assert _count(tab) == words
    assert len(_titles(tab)) == total
    for name in ("actor", "topic"):
        options = tab.eval_on_selector_all(f"#explore-{name} option", "els => els.map(e => [e.value, e.textContent])")  # type: ignore[attr-defined]
        for key, label in options:
            assert label.endswith(f" ({counts[name][key]})"), (name, key, label)


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
    tab.keyboard.type("singapore")  # type: ignore[attr-defined]
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


def test_cite_this_entry_has_a_copy_button(page: tuple[object, Watch], site_url: str) -> None:
    """Material's copy button sits on the entry's BibTeX, and the block holds the record."""
    tab, _ = page
    tab.goto(site_url + SEED)  # type: ignore[attr-defined]
    tab.click("details.digest-cite summary")  # type: ignore[attr-defined]
    button = tab.locator("details.digest-cite .md-code__button[data-md-type=copy]")  # type: ignore[attr-defined]
    assert button.count() == 1 and button.is_visible()
    text = tab.inner_text("details.digest-cite pre code")  # type: ignore[attr-defined]
    assert text.startswith("@misc{china-sought-anthropic-model-access-2026,\n\ttitle = {China sought access")
