"""What readers take away from the built fixture digest: structured data and meta tags,
the sitemap's dates, the CSV download and the citation files, each parsed back and held
to the entries it comes from."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import rispy
from bs4 import BeautifulSoup

SEED = "entries/2026/china-sought-anthropic-model-access/"  # has `updated` and a correction
SITE = "https://digest.example.org/fixture/"


def soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def jsonld(site: Path, url: str) -> dict[str, Any]:
    scripts = soup(site, url).find_all("script", type="application/ld+json")
    assert len(scripts) == 1, url
    data: dict[str, Any] = json.loads(scripts[0].string)
    return data


def entries(site: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((site / "entries.json").read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["entries"]}


def names(site: Path) -> dict[tuple[str, str], str]:
    data = json.loads((site / "entries.json").read_text(encoding="utf-8"))
    return {(facet, t["key"]): t["name"] for facet, terms in data["terms"].items() for t in terms}


def test_every_entry_page_has_news_article_data_matching_its_entry(built_site: Path) -> None:
    known = names(built_site)
    for path, entry in entries(built_site).items():
        data = jsonld(built_site, path)
        assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
        assert data["headline"] == entry["title"] and data["description"] == entry["summary"]
        assert data["datePublished"].startswith(entry["date"])
        assert data["dateModified"] == entry.get("updated", entry["date"])
        assert data["url"] == entry["url"] == data["mainEntityOfPage"]
        assert data["publisher"] == {"@type": "Organization", "name": "Fixture Digest", "url": SITE}
        about = [a["name"] for a in data["about"]]
        assert about == [known[("actors", k)] for k in entry["actors"]] + [known[("topics", k)] for k in entry["topics"]]
        assert [c.get("url") for c in data["citation"]] == [s.get("url") for s in entry["sources"]]
        assert [c["publisher"]["name"] for c in data["citation"]] == [s["publisher"] for s in entry["sources"]]
        corrections = [{"@type": "CorrectionComment", "datePublished": c["date"], "text": c["text"]} for c in entry.get("corrections", [])]
        assert data.get("correction", []) == corrections


def test_the_seed_entry_carries_its_update_and_correction(built_site: Path) -> None:
    data = jsonld(built_site, SEED)
    assert data["dateModified"] == "2026-05-14" and data["datePublished"] == "2026-05-12T00:00:00+00:00"
    assert data["correction"] == [
        {"@type": "CorrectionComment", "datePublished": "2026-05-14", "text": "An earlier version gave the wrong month for the meeting."}
    ]
    page = soup(built_site, SEED)
    assert page.find("meta", property="article:published_time")["content"] == "2026-05-12T00:00:00+00:00"
    assert page.find("meta", property="article:modified_time")["content"] == "2026-05-14"
    tags = [m["content"] for m in page.find_all("meta", property="article:tag")]
    assert tags == [a["name"] for a in data["about"]] and "China" in tags


def test_term_pages_are_collection_pages(built_site: Path) -> None:
    data = jsonld(built_site, "actors/china/")
    assert data["@type"] == "CollectionPage" and data["name"] == "China"
    assert data["url"] == SITE + "actors/china/"
    assert data["about"]["@type"] == "Country"
    listed = sum("china" in e["actors"] for e in entries(built_site).values())
    assert data["mainEntity"] == {"@type": "ItemList", "numberOfItems": listed}
    assert soup(built_site, "actors/china/page/2/").find("script", type="application/ld+json") is None
    assert soup(built_site, "").find("script", type="application/ld+json") is None


def test_the_sitemap_is_an_index_of_the_pages_sitemap(built_site: Path) -> None:
    """Material fetches /sitemap.xml on every page: it stays a few hundred bytes."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring((built_site / "sitemap.xml").read_bytes())
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert [s.findtext("s:loc", namespaces=ns) for s in root.findall("s:sitemap", ns)] == [SITE + "sitemap-pages.xml"]
    assert (built_site / "sitemap.xml").stat().st_size < 400


def test_each_sitemap_entry_has_its_own_lastmod(built_site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring((built_site / "sitemap-pages.xml").read_bytes())
    lastmod = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in root.findall("s:url", ns)}
    known = entries(built_site)
    for path, entry in known.items():
        assert lastmod[SITE + path] == entry.get("updated", entry["date"]), path
    newest = max(e.get("updated", e["date"]) for e in known.values())
    assert lastmod[SITE] == newest
    week = [e for e in known.values() if e["date"] in ("2026-05-11", "2026-05-12", "2026-05-13", "2026-05-14")]
    assert lastmod[SITE + "weekly/2026-W20/"] == max(e.get("updated", e["date"]) for e in week)
    assert len(set(lastmod.values())) > 2


def test_entries_csv_holds_every_entry_as_entries_json_does(built_site: Path) -> None:
    raw = (built_site / "entries.csv").read_bytes()
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    known = entries(built_site)
    term = names(built_site)
    assert [r["url"] for r in rows] == [e["url"] for e in known.values()]
    for row, entry in zip(rows, known.values(), strict=True):
        assert row["date"] == entry["date"] and row["updated"] == entry.get("updated", "")
        assert row["title"] == entry["title"] and row["summary"] == entry["summary"]
        assert row["actors"].split("\n") == [term[("actors", k)] for k in entry["actors"]]
        assert row["topics"].split("\n") == [term[("topics", k)] for k in entry["topics"]]
        assert row["source_publishers"].split("\n") == [s["publisher"] for s in entry["sources"]]
        assert row["source_urls"].split("\n") == [s.get("url", "") for s in entry["sources"]]


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)", "\tx", "plain"])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value: str) -> None:
    from generator.data import _cell

    cell = _cell(value)
    assert cell == (value if value == "plain" else "'" + value)


def test_the_csv_is_linked_from_feeds_and_about(built_site: Path) -> None:
    for url in ("feeds/", "about/"):
        links = [a["href"] for a in soup(built_site, url).select("article a[href]")]
        assert "../entries.csv" in links, url


def test_citation_files_parse_back_to_the_entry(built_site: Path) -> None:
    for path, entry in entries(built_site).items():
        library = bibtexparser.parse_string((built_site / path / "citation.bib").read_text(encoding="utf-8"))
        assert library.failed_blocks == [] and len(library.entries) == 1
        bib = library.entries[0]
        fields = {f.key: f.value for f in bib.fields}
        assert bib.entry_type == "misc" and bib.key == f"{path.rstrip('/').split('/')[-1]}-{entry['date'][:4]}"
        assert fields["url"] == entry["url"] and fields["date"] == entry["date"]
        assert fields["year"] == entry["date"][:4] and fields["author"] == "{Fixture Digest}"
        if "&" not in entry["title"] and "<" not in entry["title"]:
            assert fields["title"] == entry["title"]
        records = rispy.loads((built_site / path / "citation.ris").read_text(encoding="utf-8"))
        assert len(records) == 1
        record = records[0]
        assert record["type_of_reference"] == "ELEC" and record["title"] == entry["title"]
        assert record["urls"] == [entry["url"]] and record["date"] == entry["date"].replace("-", "/") + "/"
        assert record["abstract"] == entry["summary"]


def test_cite_this_entry_shows_the_citation_and_its_bibtex(built_site: Path) -> None:
    cite = soup(built_site, SEED).select_one("details.digest-cite")
    assert cite is not None and cite.summary.get_text() == "Cite this entry"
    text = cite.select_one(".digest-cite__text").get_text()
    assert text.startswith("Fixture Digest. (2026, May 12). China sought access") and text.endswith(SITE + SEED)
    bibtex = cite.select_one("pre code").get_text()
    assert bibtex == (built_site / SEED / "citation.bib").read_text(encoding="utf-8")
    assert [a["href"] for a in cite.select(".digest-cite__files a")] == ["citation.bib", "citation.ris"]


def test_a_hand_written_page_may_link_the_sites_files_but_not_nowhere_or_scripts(fixture_site: Path) -> None:
    from support import assert_no_traceback, run

    about = fixture_site / "content/pages/about.md"
    text = about.read_text(encoding="utf-8")
    about.write_text(text + "\nSee [the data](entries.csv) and [a script](javascript:alert(1)).\n", encoding="utf-8")
    result = run(fixture_site, "build")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "about.md:" in result.stdout and "link 'javascript:alert(1)' is not allowed" in result.stdout
    about.write_text(text + "\nSee [nowhere](nowhere.csv).\n", encoding="utf-8")
    result = run(fixture_site, "build")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "nowhere.csv" in result.stderr + result.stdout
    assert not (fixture_site / "site").exists()
