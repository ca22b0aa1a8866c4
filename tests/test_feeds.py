"""Feeds: every feed of the fixture site parses, holds the right items, and survives odd text."""

from __future__ import annotations

import datetime as dt
import functools
import html
import http.server
import json
import threading
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from bs4 import BeautifulSoup

from generator.cli import main

SITE_URL = "https://digest.example.org/fixture/"
SEED_URL = SITE_URL + "entries/2026/china-sought-anthropic-model-access/"
NEWEST_FIRST = [
    "entries/2026/beijing-summit-deconfliction-channel/",
    "entries/2026/china-sought-anthropic-model-access/",
    "entries/2026/huawei-ascend-guidance/",
    "entries/2026/un-ai-dialogue-opens/",
    "entries/2025/chip-rules-tightened/",
]
TERMS = {
    "actors": ["china", "anthropic", "us-national-security-council", "carnegie-endowment", "huawei", "united-nations"],
    "topics": ["model-access", "us-china-rivalry", "export-controls", "ai-diplomacy"],
}
FEED_DIRS = ["", "weekly/"] + [f"{facet}/{key}/" for facet, keys in TERMS.items() for key in keys]


def xml_feeds(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.xml") if p.name in ("feed.xml", "atom.xml"))


def test_every_feed_exists_and_parses_cleanly(built_site: Path) -> None:
    for folder in FEED_DIRS:
        for name in ("feed.xml", "atom.xml", "feed.json"):
            assert (built_site / folder / name).is_file(), folder + name
    feeds = xml_feeds(built_site)
    assert len(feeds) == 2 * len(FEED_DIRS)
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.version == ("rss20" if path.name == "feed.xml" else "atom10"), path


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_site_feed_items(built_site: Path, name: str) -> None:
    parsed = feedparser.parse((built_site / name).read_bytes())
    assert [e.link for e in parsed.entries] == [SITE_URL + u for u in NEWEST_FIRST]
    assert [e.id for e in parsed.entries] == [SITE_URL + u for u in NEWEST_FIRST]
    seed = parsed.entries[1]
    assert seed.title == "China sought access to Anthropic's newest model and was refused"
    assert seed.published_parsed[:6] == (2026, 5, 12, 0, 0, 0)
    assert seed.summary.startswith("A Chinese think-tank representative pressed Anthropic")
    content = seed.content[0]
    assert content.type == "text/html"
    assert '<a href="https://www.whitehouse.gov/"' in content.value and "Why it matters" in content.value
    assert "wrong month" in content.value  # the correction travels with the item
    assert [t.term for t in seed.tags] == [
        "China", "Anthropic", "US National Security Council", "Carnegie Endowment for International Peace",
        "Model access", "US-China rivalry",
    ]
    # A datetime with an offset is published at its real instant, in UTC.
    assert parsed.entries[0].published_parsed[:6] == (2026, 5, 13, 1, 30, 0)
    if name == "atom.xml":
        assert seed.updated_parsed[:3] == (2026, 5, 14)  # from `updated`, not the build
        assert parsed.feed.updated_parsed[:3] == (2026, 5, 14)  # the newest item's date
        huawei = parsed.entries[2]
        assert [link.href for link in huawei.links if link.rel == "related"] == ["https://www.bis.gov/"]
    else:
        assert parsed.feed.updated_parsed[:3] == (2026, 5, 14)  # lastBuildDate


def test_rss_dates_are_rfc_822(built_site: Path) -> None:
    root = ET.parse(built_site / "feed.xml").getroot()
    dates = [e.text for e in root.iter("pubDate")]
    assert dates[0] == "Wed, 13 May 2026 01:30:00 +0000"
    assert root.find("channel/lastBuildDate").text == "Thu, 14 May 2026 00:00:00 +0000"


def test_atom_content_is_typed_html(built_site: Path) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.parse(built_site / "atom.xml").getroot()
    contents = root.findall("a:entry/a:content", ns)
    assert contents and all(c.get("type") == "html" for c in contents)
    assert root.find("a:author/a:name", ns).text == "Fixture Digest"


def test_term_feeds_hold_their_entries(built_site: Path) -> None:
    china = feedparser.parse((built_site / "actors/china/feed.xml").read_bytes())
    assert [e.link for e in china.entries] == [SITE_URL + u for u in NEWEST_FIRST]
    model = feedparser.parse((built_site / "topics/model-access/atom.xml").read_bytes())
    assert [e.link for e in model.entries] == [SEED_URL]
    assert model.feed.title == "Model access: Fixture Digest"
    assert model.feed.link == SITE_URL + "topics/model-access/"


def test_weekly_feed_has_one_item_per_week_with_the_issue(built_site: Path) -> None:
    parsed = feedparser.parse((built_site / "weekly/feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [
        SITE_URL + f"weekly/{w}/" for w in ("2026-W20", "2026-W19", "2026-W17", "2026-W01")
    ]
    first = parsed.entries[0]
    assert first.title == "Weekly issue 2026-W20: 2 stories"
    html = first.content[0].value
    assert f'<a href="{SEED_URL}"' in html and "Beijing summit weighs" in html
    assert first.published_parsed[:6] == (2026, 5, 13, 1, 30, 0)  # its newest entry's instant


def _check_json_feed(data: dict[str, object]) -> None:
    """The required fields and types of JSON Feed 1.1 (jsonfeed.org/version/1.1)."""
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    for key in ("home_page_url", "feed_url"):
        assert isinstance(data[key], str) and data[key].startswith("https://")
    assert isinstance(data["items"], list)
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html") or item.get("content_text"), str)
        for key in ("date_published", "date_modified"):
            dt.datetime.fromisoformat(item[key].replace("Z", "+00:00"))  # RFC 3339
        assert isinstance(item.get("tags", []), list)


def test_json_feeds_follow_the_spec(built_site: Path) -> None:
    paths = sorted(built_site.rglob("feed.json"))
    assert len(paths) == len(FEED_DIRS)
    for path in paths:
        _check_json_feed(json.loads(path.read_text(encoding="utf-8")))
    site = json.loads((built_site / "feed.json").read_text(encoding="utf-8"))
    assert [i["url"] for i in site["items"]] == [SITE_URL + u for u in NEWEST_FIRST]
    assert site["items"][2]["external_url"] == "https://www.bis.gov/"
    assert site["items"][1]["date_modified"] == "2026-05-14T00:00:00Z"


def test_opml_lists_every_feed(built_site: Path) -> None:
    root = ET.parse(built_site / "feeds.opml").getroot()
    assert root.get("version") == "2.0"
    urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
    expected = [SITE_URL + d + "feed.xml" for d in FEED_DIRS]
    assert sorted(urls) == sorted(expected)
    groups = [o.get("text") for o in root.find("body")]
    assert groups == ["Fixture Digest", "Actors", "Topics", "Weekly issues"]


def test_feeds_page_lists_every_feed(built_site: Path) -> None:
    soup = BeautifulSoup((built_site / "feeds/index.html").read_text(encoding="utf-8"), "html.parser")
    hrefs = {urljoin(SITE_URL + "feeds/", a["href"]) for a in soup.select(".digest-feed-group a[type]")}
    assert hrefs == {SITE_URL + d + n for d in FEED_DIRS for n in ("feed.xml", "atom.xml", "feed.json")}


def _alternates(html: str, base: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [urljoin(base, tag["href"]) for tag in soup.find_all("link", rel="alternate")]


def test_autodiscovery_and_subscribe_links(built_site: Path) -> None:
    home = _alternates((built_site / "index.html").read_text(encoding="utf-8"), SITE_URL)
    assert home == [SITE_URL + n for n in ("feed.xml", "atom.xml", "feed.json")]
    term_url = SITE_URL + "topics/model-access/"
    term = _alternates((built_site / "topics/model-access/index.html").read_text(encoding="utf-8"), term_url)
    assert term[3:] == [term_url + n for n in ("feed.xml", "atom.xml", "feed.json")]
    weekly = _alternates((built_site / "weekly/2026-W20/index.html").read_text(encoding="utf-8"), SITE_URL + "weekly/2026-W20/")
    assert weekly[3:] == [SITE_URL + "weekly/" + n for n in ("feed.xml", "atom.xml", "feed.json")]
    term_page = BeautifulSoup((built_site / "topics/model-access/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in term_page.select(".digest-subscribe a")] == ["feed.xml", "atom.xml", "feed.json"]
    entry = BeautifulSoup((built_site / "entries/2026/china-sought-anthropic-model-access/index.html").read_text(encoding="utf-8"), "html.parser")
    follow = [a["href"] for a in entry.select(".digest-follow a")]
    assert "../../../feed.xml" in follow and "../../../topics/model-access/feed.xml" in follow


@pytest.fixture(scope="module")
def served(built_site: Path) -> Iterator[str]:
    """The built site on 127.0.0.1, as a reader's feed client would see it."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built_site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read()


def test_reader_discovers_and_fetches_feeds_over_http(served: str) -> None:
    found = []
    for page in (served, served + "topics/model-access/", served + "weekly/"):
        for url in _alternates(_get(page).decode("utf-8"), page):
            assert url.startswith(served)
            body = _get(url)
            if url.endswith(".json"):
                _check_json_feed(json.loads(body))
            else:
                parsed = feedparser.parse(body)
                assert parsed.bozo == 0 and parsed.entries, url
            found.append(url[len(served):])
    assert found == [
        "feed.xml", "atom.xml", "feed.json",
        "feed.xml", "atom.xml", "feed.json",
        "topics/model-access/feed.xml", "topics/model-access/atom.xml", "topics/model-access/feed.json",
        "feed.xml", "atom.xml", "feed.json",
        "weekly/feed.xml", "weekly/atom.xml", "weekly/feed.json",
    ]


def visible(detail: feedparser.FeedParserDict) -> str:
    text = str(detail.value)
    return html.unescape(text) if detail.type == "text/html" else text


AWKWARD_TITLE = 'Tags <b>bold</b> & "quotes" \'single\' ]]> CDATA end: 芯片出口管制 🚀 العربية'
AWKWARD_SUMMARY = "Summary with < and > and & and ]]> and 华为 and emoji 🤖, all intact."


def test_awkward_text_survives_every_format(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    entry = fixture_site / "content/entries/2026/awkward-text.md"
    title = AWKWARD_TITLE.replace("'", "''")
    entry.write_text(
        "---\n"
        f"title: '{title}'\n"
        "date: 2026-06-01\n"
        f"summary: '{AWKWARD_SUMMARY}'\n"
        "actors: [china]\n"
        "topics: [model-access]\n"
        "sources:\n"
        "  - publisher: 'Outlet & <Co> ]]>'\n"
        "---\n\n"
        "Body with `]]>` in code, an ampersand &, 中文 and 🚀.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    monkeypatch.chdir(fixture_site)
    assert main(["generate", "--out", str(out)]) == 0
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((out / name).read_bytes())
        assert parsed.bozo == 0
        first = parsed.entries[0]
        # What a reader shows: RSS readers take titles and descriptions as HTML.
        assert visible(first.title_detail) == AWKWARD_TITLE
        assert visible(first.summary_detail) == AWKWARD_SUMMARY
        assert "<code>]]&gt;</code>" in first.content[0].value and "中文 and 🚀" in first.content[0].value
        assert "Outlet &amp; &lt;Co&gt; ]]&gt;" in first.content[0].value
    data = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert data["items"][0]["title"] == AWKWARD_TITLE
    assert data["items"][0]["summary"] == AWKWARD_SUMMARY


def test_feed_length_is_configurable(fixture_site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    config = fixture_site / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      home_entries: 3\n", "      home_entries: 3\n      feed_items: 2\n"), encoding="utf-8")
    monkeypatch.chdir(fixture_site)
    assert main(["generate", "--out", str(tmp_path / "out")]) == 0
    parsed = feedparser.parse((tmp_path / "out/feed.xml").read_bytes())
    assert [e.link for e in parsed.entries] == [SITE_URL + u for u in NEWEST_FIRST[:2]]
    weekly = json.loads((tmp_path / "out/weekly/feed.json").read_text(encoding="utf-8"))
    assert len(weekly["items"]) == 2
