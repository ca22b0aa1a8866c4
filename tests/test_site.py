"""The fixture digest built strictly with MkDocs + Material: pages, links, escaping, search."""

from __future__ import annotations

import html as htmllib
import json
import os
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

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
    # Material's search index holds titles as HTML: the title must arrive escaped.
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    titles = [d["title"] for d in index["docs"] if d["location"].startswith(HOSTILE)]
    assert titles and all("<tags>" not in t for t in titles)
    assert "Guidance warns on Huawei Ascend chips &amp; &lt;tags&gt; in titles" in titles


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


def test_search_index_points_to_entries_and_terms(built_site: Path) -> None:
    index = json.loads((built_site / "search/search_index.json").read_text(encoding="utf-8"))
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert SEED in pages and "actors/china/" in pages and "topics/model-access/" in pages
    assert "about/" in pages
    listing = {"", "weekly/", "weekly/2026-W20/", "archive/", "archive/2026/05/", "topics/", "actors/", "actors/china/page/2/"}
    assert not pages & listing
    assert not any("draft" in p for p in pages)
    # A term page is found by its profile, not by the summaries of its entries.
    china = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("actors/china/"))
    assert "中国" in china and "Both sides" not in china


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


def _entry_docs(site: Path) -> dict[str, list[dict[str, str]]]:
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    docs: dict[str, list[dict[str, str]]] = {}
    for doc in index["docs"]:
        if doc["location"].startswith("entries/"):
            docs.setdefault(doc["location"].split("#")[0], []).append(doc)
    return docs


def test_every_entry_is_indexed_by_title_summary_and_terms(built_site: Path) -> None:
    """An entry is found by its title, summary, actors and topics; its write-up, sources
    and related entries stay out of the index, which keeps it small."""
    docs = _entry_docs(built_site)
    pages = sorted(p.parent.relative_to(built_site).as_posix() + "/" for p in (built_site / "entries").rglob("index.html"))
    assert sorted(docs) == pages and len(pages) == 5
    for url in pages:
        soup = article(built_site, url)
        # The index holds HTML (escaped text): compare what a reader would see.
        text = htmllib.unescape(" ".join(d["text"] for d in docs[url]))
        title = soup.select_one(".digest-entry__header h1")
        summary = soup.select_one(".digest-summary")
        assert title is not None and summary is not None
        assert [htmllib.unescape(d["title"]) for d in docs[url]] == [title.get_text()], url
        assert summary.get_text() in text, url
        for term in soup.select(".digest-meta__terms a"):
            assert term.get_text() in text, (url, term.get_text())
        assert "Sources" not in text and "Related entries" not in text, url
    seed = " ".join(d["text"] for d in docs[SEED])
    assert "Frontier models, not only chips" not in seed  # a sentence of its write-up


def test_the_built_site_is_readable_by_a_web_server(built_site: Path) -> None:
    # Built in a private temporary folder and swapped into place: it must not stay private.
    umask = os.umask(0)
    os.umask(umask)
    assert built_site.stat().st_mode & 0o777 == 0o777 & ~umask
