"""Activity charts (home, actor and topic pages) and the topics-by-month heat map
(generator/charts.py, digest/chart.html, digest/heatmap.html): their numbers, their
markup against a golden file, and their links followed in a real browser."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import Watch
from bs4 import BeautifulSoup

from generator import charts
from generator.cli import main
from generator.model import Digest, Entry, Facet, Term
from support import FIXTURE_SITE

GOLDEN = Path(__file__).parent / "fixtures" / "charts"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
LABEL = re.compile(r"^(?P<month>[A-Z][a-z]+ \d{4}): (?P<count>\d+) entr(?:y|ies)$")
TOPIC = Facet(key="topics", title="Topics", singular="topic", file="topics.yml")


def fixture_digest() -> Digest:
    from generator.config import load_project
    from generator.load import load

    digest = load(load_project(FIXTURE_SITE)).digest
    assert digest is not None
    return digest


def entry(day: str) -> Entry:
    date = dt.date.fromisoformat(day)
    published = dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC)
    return Entry(f"e-{day}", "x.md", "T", date, published, "S", "B", (("topics", ("t",)),), ())


# --- the numbers --------------------------------------------------------------------------


def test_the_span_has_every_month_empty_ones_too() -> None:
    months = charts.span([entry("2025-11-30"), entry("2026-02-01"), entry("2025-12-15")])
    assert months == ((2025, 11), (2025, 12), (2026, 1), (2026, 2))
    assert charts.span([]) == ()


def test_counts_link_each_month_with_entries_to_explore() -> None:
    term = Term("topics", "export-controls", "Export controls", "")
    found = charts.counts([entry("2024-02-29"), entry("2024-02-01"), entry("2024-04-30")], charts.span(
        [entry("2024-02-01"), entry("2024-04-30")]), TOPIC, term)
    assert [(m.name, m.count, m.link) for m in found] == [
        ("February 2024", 2, "explore/?topic=export-controls&from=2024-02-01&to=2024-02-29"),  # a leap year
        ("March 2024", 0, ""),  # nothing to show in explore: no link
        ("April 2024", 1, "explore/?topic=export-controls&from=2024-04-01&to=2024-04-30"),
    ]
    whole = charts.counts([entry("2023-12-31")], ((2023, 12),))
    assert whole[0].link == "explore/?from=2023-12-01&to=2023-12-31"


def test_bars_are_scaled_to_the_busiest_month_and_a_single_entry_shows() -> None:
    counts = [charts.MonthCount(2026, m, n, f"l{m}" if n else "") for m, n in ((1, 200), (2, 0), (3, 1))]
    chart = charts.activity("Entries per month", counts)
    assert chart is not None
    assert (chart.total, chart.most, chart.first, chart.last) == (201, 200, "January 2026", "March 2026")
    assert [b.height for b in chart.bars] == [charts.PLOT, 0.0, 2.0]
    assert [b.y + b.height for b in chart.bars if b.height] == [chart.base, chart.base]
    assert [b.x for b in chart.bars] == [0.0, 33.333, 66.667]
    assert charts.activity("Nothing", []) is None


def test_axis_labels_are_months_for_a_year_and_years_beyond() -> None:
    short = charts.ticks([(2025, 12), (2026, 1), (2026, 2)])
    assert [(t.text, t.line) for t in short] == [("Dec", 1), ("Jan", 1), ("Feb", 1), ("2025", 2), ("2026", 2)]
    four_years = [(y, m) for y in range(2022, 2026) for m in range(1, 13)]
    assert [t.text for t in charts.ticks(four_years[3:])] == ["2022", "2023", "2024", "2025"]
    assert [t.text for t in charts.ticks(four_years[10:])] == ["2023", "2024", "2025"]  # no room for 2022's
    thirty_years = [(y, m) for y in range(1996, 2026) for m in range(1, 13)]
    assert [t.text for t in charts.ticks(thirty_years)] == [str(y) for y in range(1996, 2026, 3)]


def test_shades_are_steps_on_a_log_scale() -> None:
    steps = charts.shades(120)
    assert [(s.level, s.low, s.high) for s in steps] == [(1, 1, 3), (2, 4, 11), (3, 12, 36), (4, 37, 120)]
    assert [charts.shade(n, steps) for n in (0, 1, 3, 4, 36, 37, 120)] == [0, 1, 1, 2, 3, 4, 4]
    assert [(s.low, s.high) for s in charts.shades(2)] == [(1, 1), (2, 2)]
    assert [(s.low, s.high) for s in charts.shades(1)] == [(1, 1)]


# --- the pages ----------------------------------------------------------------------------


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path / "index.html").read_text(encoding="utf-8"), "html.parser")


def bar_labels(page: BeautifulSoup) -> dict[str, int]:
    """Month -> count, from the chart's bar links' accessible labels."""
    chart = page.select_one("figure.digest-chart svg")
    assert chart is not None
    found = {}
    for link in chart.select("a"):
        match = LABEL.match(link["aria-label"])
        assert match, link["aria-label"]
        found[match["month"]] = int(match["count"])
    return found


def test_every_bar_label_adds_up_to_the_terms_entries(built_site: Path) -> None:
    digest = fixture_digest()
    months = charts.span(digest.entries)
    for facet in digest.facets:
        for term in digest.terms_of(facet.key):
            entries = digest.by_term(facet.key)[term.key]
            page = soup(built_site, term.url)
            labels = bar_labels(page)
            assert sum(labels.values()) == len(entries), term.url
            expected = {m.name: m.count for m in charts.counts(entries, months) if m.count}
            assert labels == expected, term.url
            # The table says the same: its months, and each year's total.
            table = page.select_one("figure.digest-chart details table")
            cells = [int(td.get_text()) for tr in table.select("tbody tr") for td in tr.select("td")[:-1] if td.get_text()]
            totals = [int(tr.select("td")[-1].get_text()) for tr in table.select("tbody tr")]
            assert sum(cells) == sum(totals) == len(entries), term.url
            # The chart is on the first page of a list only.
            if (built_site / term.url / "page/2/index.html").is_file():
                assert soup(built_site, term.url + "page/2/").select_one(".digest-chart") is None
    home = bar_labels(soup(built_site, ""))
    assert sum(home.values()) == len(digest.entries)
    assert home == {"December 2025": 1, "April 2026": 1, "May 2026": 3}


def test_the_heat_map_counts_each_topic_by_month(built_site: Path) -> None:
    digest = fixture_digest()
    page = soup(built_site, "topics/")
    rows = page.select(".digest-heatmap tbody tr")
    used = [t for t in digest.terms_of("topics") if digest.by_term("topics")[t.key]]
    assert len(rows) == len(used)
    for row in rows:
        key = row.select_one("th a")["href"].strip("/")
        entries = digest.by_term("topics")[key]
        links = row.select("td a")
        assert sum(int(a.get_text()) for a in links) == int(row.select("td")[-1].get_text()) == len(entries)
        for link in links:
            name = digest.term("topics", key).name
            label = link["aria-label"]
            assert label.startswith(f"{name}, ") and label.endswith(f": {link.get_text()} {'entry' if link.get_text() == '1' else 'entries'}")
            query = parse_qs(urlsplit(link["href"]).query)
            assert query["topic"] == [key] and query["from"][0].endswith("-01")
            assert link.parent["class"][0].startswith("digest-heat-")
    # Months of the whole span, empty ones included, under their years.
    assert [th.get_text() for th in page.select(".digest-heatmap thead tr:last-child th")][1:-1] == [
        "Dec", "Jan", "Feb", "Mar", "Apr", "May"
    ]
    assert page.select_one(".digest-heatmap__scroll")["tabindex"] == "0"


def test_the_a11y_pages_have_the_charts(built_site: Path) -> None:
    """tests/test_a11y.py runs axe on these pages: the charts must be on them."""
    from test_a11y import PAGES

    for name in ("home", "topic", "actor"):
        assert soup(built_site, PAGES[name]).select("figure.digest-chart svg a"), name
    assert soup(built_site, PAGES["topic index"]).select(".digest-heatmap td a")


def svg_of(text: str, start: str, end: str) -> str:
    begin = text.index(start)
    return text[begin : text.index(end, begin) + len(end)] + "\n"


@pytest.mark.parametrize(
    ("page", "start", "end", "golden"),
    [
        ("index.md", "<svg", "</svg>", "home.svg"),
        ("actors/china/index.md", "<svg", "</svg>", "actor-china.svg"),
        ("topics/index.md", '<div class="digest-heatmap"', "</table>", "topics-heatmap.html"),
    ],
)
def test_golden_chart(
    fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    page: str, start: str, end: str, golden: str,
) -> None:
    """The chart's markup for the fixture digest, byte for byte (UPDATE_GOLDEN=1 to accept)."""
    monkeypatch.chdir(fixture_site)
    assert main(["generate", "--out", str(tmp_path / "out")]) == 0
    capsys.readouterr()
    made = svg_of((tmp_path / "out" / page).read_text(encoding="utf-8"), start, end)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / golden).write_text(made, encoding="utf-8")
    assert made == (GOLDEN / golden).read_text(encoding="utf-8"), f"{golden} differs (UPDATE_GOLDEN=1 to accept)"


# --- in a browser -------------------------------------------------------------------------


def shown(tab: object) -> list[str]:
    """Explore's result titles, once it has counted them all in (Show more followed)."""
    tab.wait_for_function("document.getElementById('explore-count').textContent.indexOf('match') !== -1")  # type: ignore[attr-defined]
    return list(tab.eval_on_selector_all("#explore-results .digest-card__title a", "els => els.map(e => e.textContent)"))  # type: ignore[attr-defined]


def expected(digest: Digest, year: int, month: int, facet: str | None = None, key: str | None = None) -> list[str]:
    """The titles of the published entries of that month (and term), newest first."""
    return [
        e.title for e in digest.entries
        if (e.date.year, e.date.month) == (year, month) and (facet is None or key in e.terms_of(facet))
    ]


@pytest.mark.parametrize(
    ("path", "label", "facet", "key", "month"),
    [
        ("actors/china/", "May 2026: 3 entries", "actors", "china", (2026, 5)),
        ("topics/export-controls/", "December 2025: 1 entry", "topics", "export-controls", (2025, 12)),
        ("", "May 2026: 3 entries", None, None, (2026, 5)),
    ],
)
def test_a_bar_opens_its_months_entries_in_explore(
    page: tuple[object, Watch], site_url: str, path: str, label: str, facet: str | None, key: str | None, month: tuple[int, int]
) -> None:
    """The bar is a link named by its month and count (as a screen reader hears it);
    clicked, explore shows exactly that term's entries of that month."""
    tab, _ = page
    digest = fixture_digest()
    tab.goto(site_url + path)  # type: ignore[attr-defined]
    bar = tab.get_by_role("link", name=label, exact=True)  # type: ignore[attr-defined]
    assert bar.count() == 1
    bar.click()
    tab.wait_for_url("**/explore/?*")  # type: ignore[attr-defined]
    year, number = month
    last = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(number, 31)
    wanted = {"from": [f"{year}-{number:02d}-01"], "to": [f"{year}-{number:02d}-{last}"]}
    if facet is not None:
        wanted[facet[:-1]] = [str(key)]
    assert parse_qs(urlsplit(tab.url).query) == wanted  # type: ignore[attr-defined]
    titles = shown(tab)
    assert titles == expected(digest, year, number, facet, key)
    assert len(titles) == int(label.split(": ")[1].split()[0])


def test_a_heat_map_cell_opens_its_entries_in_explore(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "topics/")  # type: ignore[attr-defined]
    tab.get_by_role("link", name="US-China rivalry, May 2026: 2 entries", exact=True).click()  # type: ignore[attr-defined]
    tab.wait_for_url("**/explore/?topic=us-china-rivalry&from=2026-05-01&to=2026-05-31")  # type: ignore[attr-defined]
    assert shown(tab) == expected(fixture_digest(), 2026, 5, "topics", "us-china-rivalry")


def test_the_bars_are_reached_by_keyboard(page: tuple[object, Watch], site_url: str) -> None:
    tab, _ = page
    tab.goto(site_url + "actors/china/")  # type: ignore[attr-defined]
    tab.focus("figure.digest-chart svg a")  # type: ignore[attr-defined]
    assert tab.evaluate("document.activeElement.getAttribute('aria-label')") == "December 2025: 1 entry"  # type: ignore[attr-defined]
    tab.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert tab.evaluate("document.activeElement.getAttribute('aria-label')") == "April 2026: 1 entry"  # type: ignore[attr-defined]
    tab.keyboard.press("Enter")  # type: ignore[attr-defined]
    tab.wait_for_url("**/explore/?actor=china&from=2026-04-01&to=2026-04-30")  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["", "actors/china/", "topics/"])
def test_charts_fit_a_phone(chromium: object, site_url: str, path: str) -> None:
    """At 390 px the page does not scroll sideways: the chart fits, its labels stay in
    it, and the heat map scrolls inside its own box."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)  # type: ignore[attr-defined]
    try:
        tab = context.new_page()
        tab.goto(site_url + path)
        tab.wait_for_load_state("networkidle")
        assert tab.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        if path == "topics/":
            box = tab.eval_on_selector(".digest-heatmap__scroll", "e => [e.scrollWidth, e.clientWidth]")
            assert box[1] <= 390
        else:
            plot = tab.eval_on_selector("figure.digest-chart svg", "e => e.getBoundingClientRect().toJSON()")
            assert 300 <= plot["width"] <= 390
            # Every axis label is inside the chart's width.
            outside = tab.eval_on_selector_all(
                "figure.digest-chart svg text",
                "(els, w) => els.filter(t => { const r = t.getBoundingClientRect(); return r.left < -1 || r.right > w + 1; }).length",
                390,
            )
            assert outside == 0
    finally:
        context.close()


def test_a_new_month_redraws_every_terms_chart(
    fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chart spans the digest's months: an entry in a new month changes the chart
    of a term it does not name, and an incremental run makes that page again."""
    monkeypatch.chdir(fixture_site)
    out = tmp_path / "out"
    assert main(["generate", "--out", str(out)]) == 0
    seed = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    later = seed.read_text(encoding="utf-8").replace("date: 2026-04-20", "date: 2026-07-01")
    (seed.parent / "un-dialogue-continues.md").write_text(later.replace("actors: [united-nations, china]", "actors: [united-nations]"), encoding="utf-8")
    assert main(["generate", "--out", str(out)]) == 0
    china = (out / "actors/china/index.md").read_text(encoding="utf-8")
    assert "China: entries per month, December 2025 to July 2026" in china
    monkeypatch.setenv("DIGEST_CACHE", "off")
    assert main(["generate", "--out", str(tmp_path / "fresh")]) == 0
    capsys.readouterr()
    assert china == (tmp_path / "fresh/actors/china/index.md").read_text(encoding="utf-8")
