"""The fixture digest built strictly with MkDocs + Material: pages, links, escaping, the search index."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from support import pagefind_pages

SEED = "entries/2026/china-sought-anthropic-model-access/"
HOSTILE = "entries/2026/huawei-ascend-guidance/"


def page(site: Path, url: str) -> BeautifulSoup:
    path = site / url / "index.html" if url.endswith("/") or not url else site / url
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(site: Path, url: str) -> BeautifulSoup:
    found = page(site, url).select_one("article.md-content__inner")
    assert found is not None, url
    return found


@pytest.mark.parametrize(
    "url",
    [
        "",
        SEED,
        HOSTILE,
        "entries/2026/beijing-summit-deconfliction-channel/",
        "entries/2025/chip-rules-tightened/",
        "topics/",
        "topics/model-access/",
        "topics/us-china-rivalry/page/2/",
        "actors/",
        "actors/china/",
        "actors/china/page/2/",
        "actors/china/page/3/",
        "weekly/",
        "weekly/2026-W20/",
        "weekly/2026-W19/",
        "weekly/2026-W17/",
        "weekly/2026-W01/",
        "archive/",
        "archive/2026/05/",
        "archive/2026/04/",
        "archive/2025/12/",
        "about/",
    ],
)
def test_page_exists(built_site: Path, url: str) -> None:
    assert (built_site / url / "index.html").is_file(), url


def test_no_extra_pages(built_site: Path) -> None:
    """Drafts are not built; pagination stops at the last page; no stray weeks."""
    assert not (built_site / "entries/2026/draft-entry").exists()
    assert not (built_site / "actors/china/page/4").exists()
    assert not (built_site / "topics/model-access/page/2").exists()
    weeks = sorted(p.name for p in (built_site / "weekly").iterdir() if p.is_dir())
    assert weeks == ["2026-W01", "2026-W17", "2026-W19", "2026-W20"]


def test_entry_page(built_site: Path) -> None:
    body = article(built_site, SEED)
    assert body.h1.get_text() == "China sought access to Anthropic's newest model and was refused"
    meta = body.select_one(".digest-meta")
    assert [t["datetime"] for t in meta.select("time")] == ["2026-05-12", "2026-05-14"]
    assert "Updated 14 May 2026" in meta.get_text()
    actors = [(a.get_text(), a["href"]) for a in body.select(".digest-meta__actors a")]
    assert actors == [
        ("China", "../../../actors/china/"),
        ("Anthropic", "../../../actors/anthropic/"),
        ("US National Security Council", "../../../actors/us-national-security-council/"),
        ("Carnegie Endowment for International Peace", "../../../actors/carnegie-endowment/"),
    ]
    topics = [a.get_text() for a in body.select(".digest-meta__topics a")]
    assert topics == ["Model access", "US-China rivalry"]
    source = body.select_one(".digest-sources li")
    assert source.get_text(" ", strip=True).startswith("Unattributed news report")
    assert source.cite.get_text() == "China Sought Anthropic's Latest AI Model. The Company Refused."
    assert source.time["datetime"] == "2026-05-12"
    corrections = body.select_one(".digest-corrections")
    assert "wrong month" in corrections.get_text()
    # Order: header, sources, corrections, then the write-up.
    text = body.get_text(" ", strip=True)
    assert text.index("Sources") < text.index("Corrections") < text.index("The approach came")
    link = body.find("a", string="National Security Council")
    assert link["href"] == "https://www.whitehouse.gov/"
    assert body.find("h2", id="why-it-matters") is not None


def test_entry_contents_sidebar_only_with_headings(built_site: Path) -> None:
    # A write-up with a heading lists it in the contents sidebar; one without has no
    # sidebar at all, not an empty column.
    toc = page(built_site, SEED).select_one(".md-sidebar--secondary")
    assert not toc.has_attr("hidden")
    assert [a.get_text(strip=True) for a in toc.select(".md-nav__link")] == ["Why it matters"]
    plain = page(built_site, "entries/2025/chip-rules-tightened/").select_one(".md-sidebar--secondary")
    assert plain.has_attr("hidden") and not plain.select(".md-nav__link")


def test_source_links(built_site: Path) -> None:
    body = article(built_site, "entries/2025/chip-rules-tightened/")
    anchor = body.select_one(".digest-sources li a")
    assert anchor["href"] == "https://www.commerce.gov/"
    assert anchor.get_text() == "Rule on advanced computing items"
    hostile = article(built_site, HOSTILE).select_one(".digest-sources li a")
    assert hostile["href"] == "https://www.bis.gov/" and hostile.get_text() == "https://www.bis.gov/"


def test_untrusted_text_is_escaped(built_site: Path) -> None:
    html = (built_site / HOSTILE / "index.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    title = 'Guidance warns on Huawei Ascend chips & <tags> in titles'
    assert soup.title.get_text() == f"{title} - Fixture Digest"
    assert soup.find("meta", attrs={"name": "description"})["content"].endswith("<b>markup</b> & an ampersand.")
    assert soup.select_one("article h1").get_text() == title
    assert soup.select_one(".md-header__topic[data-md-component=header-topic]").get_text(strip=True) == title
    assert soup.find("tags") is None and soup.select_one(".digest-summary b") is None
    assert "<tags>" not in html and "<b>markup" not in html
    # The body's code span stays code.
    assert soup.select_one("article code").get_text() == "<script>"
    assert soup.find("meta", property="og:title")["content"] == title
    assert soup.find("meta", property="og:type")["content"] == "article"
    # The search index holds the title as text (the header search inserts it as text).
    assert pagefind_pages(built_site)[HOSTILE]["meta"]["title"] == title  # type: ignore[index]


def test_term_pages(built_site: Path) -> None:
    china = article(built_site, "actors/china/")
    assert china.h1.get_text() == "China"
    facts = china.select_one(".digest-term__facts").get_text()
    assert "State" in facts and "CN" in facts and "5 entries" in facts
    assert "中国" in china.select_one(".digest-term__aliases").get_text()
    years = [(a.get_text(), a["href"]) for a in china.select(".digest-term__years a")]
    assert years == [
        ("2026", "../../explore/?actor=china&from=2026-01-01&to=2026-12-31"),
        ("2025", "../../explore/?actor=china&from=2025-01-01&to=2025-12-31"),
    ]
    assert "2026 (4) · 2025 (1)" in china.select_one(".digest-term__years").get_text()
    cards = china.select(".digest-card")
    assert [c.time["datetime"] for c in cards] == ["2026-05-13", "2026-05-12"]  # newest first, 2 per page
    assert china.select_one(".digest-card__summary").get_text().startswith("Both sides")
    chips = [a.get_text() for a in cards[0].select(".digest-chip")]
    assert chips == ["China", "US National Security Council", "AI diplomacy", "US-China rivalry"]
    pager = china.select_one(".digest-pager")
    assert pager.find("a", rel="next")["href"] == "page/2/"
    last = article(built_site, "actors/china/page/3/")
    assert [c.time["datetime"] for c in last.select(".digest-card")] == ["2025-12-30"]
    assert last.select_one(".digest-pager a[rel=prev]")["href"] == "../2/"
    topic = article(built_site, "topics/model-access/")
    assert topic.select_one(".digest-term__description").get_text() == "Who may use the newest frontier models."


@pytest.mark.parametrize(
    ("url", "tab"),
    [
        ("", "Home"),
        ("actors/china/", "Actors"),
        ("actors/china/page/2/", "Actors"),
        ("topics/model-access/", "Topics"),
        ("weekly/2026-W20/", "Weekly"),
        ("archive/2026/05/", "Archive"),
        ("about/", "About"),
        (SEED, None),  # an entry belongs to no one section
    ],
)
def test_the_sections_tab_is_marked(built_site: Path, url: str, tab: str | None) -> None:
    active = [a.get_text(strip=True) for a in page(built_site, url).select(".md-tabs__item--active a")]
    assert active == ([tab] if tab else [])


def test_every_term_has_a_page(built_site: Path) -> None:
    for key in ("china", "anthropic", "us-national-security-council", "carnegie-endowment", "huawei", "united-nations"):
        assert (built_site / "actors" / key / "index.html").is_file()


def test_weekly_pages(built_site: Path) -> None:
    week = article(built_site, "weekly/2026-W20/")
    assert week.h1.get_text() == "Weekly issue 2026-W20"
    groups = [h.get_text() for h in week.select(".digest-week-topic h2")]
    assert groups == ["AI diplomacy", "Model access"]  # grouped by each entry's first topic
    nav = week.select_one(".digest-weeknav")
    assert nav.find("a", rel="prev")["href"] == "../2026-W19/"
    assert nav.find("a", rel="prev").get_text() == "Previous issue (2026-W19)"
    assert nav.find("a", rel="next") is None  # the newest week
    oldest = article(built_site, "weekly/2026-W01/")
    assert oldest.select_one(".digest-weeknav a[rel=next]")["href"] == "../2026-W17/"
    # W01's next issue is W17: the label says "issue", since it is not the next week.
    assert oldest.select_one(".digest-weeknav a[rel=next]").get_text() == "Next issue (2026-W17)"
    assert oldest.select_one(".digest-weeknav a[rel=prev]") is None
    index = [a.get_text() for a in article(built_site, "weekly/").select(".digest-week-list a")]
    assert index == ["2026-W20", "2026-W19", "2026-W17", "2026-W01"]


def test_archive(built_site: Path) -> None:
    archive = article(built_site, "archive/")
    assert [h["id"] for h in archive.select(".digest-archive-year h2")] == ["y2026", "y2025"]
    months = [a.get_text() for a in archive.select(".digest-archive-year a")]
    assert months == ["May 2026", "April 2026", "December 2025"]
    may = article(built_site, "archive/2026/05/")
    assert len(may.select(".digest-card")) == 2 and (built_site / "archive/2026/05/page/2/index.html").is_file()


def test_home(built_site: Path) -> None:
    home = article(built_site, "")
    assert home.h1.get_text() == "Fixture Digest"
    assert "Week 20, 11 May 2026 to 17 May 2026" in home.select_one(".digest-week-box").get_text()
    assert home.select_one(".digest-week-box h2").get_text() == "Latest weekly issue"
    assert len(home.select(".digest-card")) == 3
    glance = [h.get_text() for h in home.select(".digest-glance h2")]
    assert glance == ["Actors at a glance", "Topics at a glance"]


def test_navigation_holds_only_the_sections(built_site: Path) -> None:
    tabs = [a.get_text(strip=True) for a in page(built_site, "").select(".md-tabs__link")]
    assert tabs == ["Home", "Weekly", "Topics", "Actors", "Archive", "Explore", "Feeds", "About"]
    nav_links = page(built_site, SEED).select("nav.md-nav--primary a.md-nav__link")
    assert not [a for a in nav_links if "entries/" in a.get("href", "")]


def test_search_index_holds_entries_and_terms_only(built_site: Path) -> None:
    """Pagefind indexes each entry and each term's first page; no listing page, no page
    of a term after the first, no draft, and nothing of Material's own search."""
    pages = pagefind_pages(built_site)
    entries = sorted(p.parent.relative_to(built_site).as_posix() + "/" for p in (built_site / "entries").rglob("index.html"))
    terms = sorted(
        p.parent.relative_to(built_site).as_posix() + "/"
        for facet in ("actors", "topics")
        for p in (built_site / facet).glob("*/index.html")
    )
    assert len(entries) == 5 and len(terms) == 10
    assert sorted(pages) == sorted(entries + terms)
    assert not (built_site / "search" / "search_index.json").exists()
    assert not any("draft" in p for p in pages)


def test_every_entry_is_indexed_with_its_write_up_sources_and_terms(built_site: Path) -> None:
    """An entry's search text is its title, summary, write-up, sources and the names
    (and aliases) of its actors and topics; its meta and filters are what the header
    search and explore show and filter on. Chrome (labels, related entries, feeds) is not."""
    pages = pagefind_pages(built_site)
    for url in [u for u in pages if u.startswith("entries/")]:
        soup = article(built_site, url)
        text = str(pages[url]["content"])
        meta, filters = pages[url]["meta"], pages[url]["filters"]
        title = soup.select_one(".digest-entry__header h1").get_text()
        summary = soup.select_one(".digest-summary").get_text()
        assert meta["title"] == title and meta["summary"] == summary, url  # type: ignore[index]
        day = soup.select_one(".digest-meta time")["datetime"]
        assert meta["date"] == day and filters["date"] == [day] and filters["year"] == [day[:4]], url  # type: ignore[index]
        assert title in text and summary in text, url
        for source in soup.select(".digest-source"):
            assert source.select_one(".digest-source__publisher").get_text() in text, url
            if source.cite:
                assert source.cite.get_text() in text, url
        for facet, singular in (("actors", "actor"), ("topics", "topic")):
            links = soup.select(f".digest-meta__{facet} a")
            assert meta[facet] == ", ".join(a.get_text() for a in links), url  # type: ignore[index]
            assert filters[singular] == [a["href"].rstrip("/").rsplit("/", 1)[-1] for a in links], url  # type: ignore[index]
            assert all(a.get_text() in text for a in links), url
        for chrome in ("Sources", "Related entries", "What happened", "Follow", "Actors:"):
            assert chrome not in text, (url, chrome)
    seed = str(pages[SEED]["content"])
    assert "Frontier models, not only chips, are now objects of rivalry." in seed  # its write-up
    assert "中国" in seed  # China's alias: 中国 finds the entries about China


def test_every_entry_is_of_type_entry_and_sorted_by_date(built_site: Path) -> None:
    """Explore lists entries without text by searching for the word `entry`, which
    every entry has as its type (a meta value, so a search word, but no page text);
    sorting by date leaves out the term pages, which have no date."""
    pages = pagefind_pages(built_site)
    for url, page in pages.items():
        kind = "Entry" if url.startswith("entries/") else ("Actor" if url.startswith("actors/") else "Topic")
        assert page["meta"]["type"] == kind, url  # type: ignore[index]
        assert "entry" not in str(page["content"]).lower().split(), url
        assert ("date" in page["meta"]) == (kind == "Entry"), url  # type: ignore[operator]
    assert not (built_site / "pagefind" / "explore").exists()


def test_a_term_is_indexed_by_its_profile(built_site: Path) -> None:
    """A term page is found by its name, facts, description and aliases, not by the
    summaries of its entries."""
    china = pagefind_pages(built_site)["actors/china/"]
    text = str(china["content"])
    assert china["meta"] == {"title": "China", "type": "Actor"}
    assert "中国" in text and "PRC" in text and "The People's Republic of China." in text
    assert "Both sides" not in text and "By year" not in text and "Follow" not in text


def _links(soup: BeautifulSoup) -> list[str]:
    found = [a.get("href") for a in soup.find_all(["a", "link"])]
    found += [s.get("src") for s in soup.find_all(["script", "img"])]
    return [u for u in found if u]


def test_every_internal_link_resolves(built_site: Path) -> None:
    broken = []
    checked = 0
    for html in sorted(built_site.rglob("*.html")):
        for url in _links(BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")):
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#"):
                continue
            here = html.relative_to(built_site).parent.as_posix()
            checked += 1
            path_part = unquote(parts.path)
            if path_part.startswith("/"):  # 404.html links absolutely, under site_url's path
                assert path_part.startswith("/fixture/"), url
                here, path_part = "", path_part.removeprefix("/fixture/")
            target = posixpath.normpath(posixpath.join(here, path_part))
            path = built_site / target
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.append(f"{html.relative_to(built_site)} -> {url}")
    assert broken == []
    assert checked > 500  # the walk really saw the site's links


@pytest.mark.parametrize("config", ["mkdocs.yml", "tests/fixtures/site/mkdocs.yml"])
def test_site_markdown_matches_the_validator(config: str) -> None:
    """The validator parses bodies with the site's Markdown; both must agree on extensions."""
    import yaml

    from generator.bodies import EXTENSIONS
    from support import ROOT

    text = (ROOT / config).read_text(encoding="utf-8").replace("!ENV", "")
    listed = yaml.safe_load(text)["markdown_extensions"]
    names = [next(iter(item)) if isinstance(item, dict) else item for item in listed]
    assert names == EXTENSIONS


def test_the_built_site_is_readable_by_a_web_server(built_site: Path) -> None:
    # Built in a private temporary folder and swapped into place: it must not stay private.
    umask = os.umask(0)
    os.umask(umask)
    assert built_site.stat().st_mode & 0o777 == 0o777 & ~umask
