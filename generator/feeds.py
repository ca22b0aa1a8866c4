"""Render feeds: RSS 2.0 and Atom 1.0 through feedgen, JSON Feed 1.1 with the stdlib.

Every feed is described once as a `Feed` (title, where it lives, its items), then
written in all three formats. Dates come from the entries, never from the clock, so an
unchanged digest gives byte-identical feeds.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from .bodies import body_html, sanitise
from .config import Project
from .group import Week, by_primary_topic, by_term, by_week
from .html import esc, long_date
from .model import Digest, Entry

FORMATS = (
    ("feed.xml", "application/rss+xml", "RSS"),
    ("atom.xml", "application/atom+xml", "Atom"),
    ("feed.json", "application/feed+json", "JSON Feed"),
)


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    url: str
    title: str
    summary: str
    html: str
    published: dt.datetime
    updated: dt.datetime
    categories: tuple[tuple[str, str], ...] = ()  # (label, term page URL)
    source_url: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed, before it is written: `base` is its folder ('' for the site's)."""

    base: str
    title: str
    description: str
    page: str  # the HTML page the feed belongs to
    items: tuple[Item, ...]


def absolute(project: Project, path: str) -> str:
    root = project.site_url if project.site_url.endswith("/") else project.site_url + "/"
    return root + path


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def entry_item(project: Project, digest: Digest, entry: Entry) -> Item:
    url = absolute(project, entry.url)
    categories = tuple(
        (digest.term(facet.key, key).name, absolute(project, digest.term(facet.key, key).url))
        for facet in digest.facets
        for key in entry.terms_of(facet.key)
    )
    source = next((s.url for s in entry.sources if s.url), None)
    html = body_html(entry, url)
    return Item(url, url, entry.title, entry.summary, html, entry.published, entry_updated(entry), categories, source)


def week_item(project: Project, digest: Digest, week: Week) -> Item:
    """A weekly issue as one item: its full HTML, ready for an RSS-to-email service."""
    url = absolute(project, week.url)
    facet = "topics" if any(f.key == "topics" for f in digest.facets) else digest.facets[-1].key
    parts = [f"<p>{esc(long_date(week.start))} to {esc(long_date(week.end))}: {len(week.entries)} {'story' if len(week.entries) == 1 else 'stories'}.</p>"]
    for term, entries in by_primary_topic(digest, week.entries, facet):
        parts.append(f'<h2><a href="{esc(absolute(project, term.url))}">{esc(term.name)}</a></h2>')
        for entry in entries:
            parts.append(
                f'<h3><a href="{esc(absolute(project, entry.url))}">{esc(entry.title)}</a></h3>'
                f"<p><time datetime=\"{entry.date.isoformat()}\">{esc(long_date(entry.date))}</time>: {esc(entry.summary)}</p>"
            )
    published = max(e.published for e in week.entries)
    updated = max(entry_updated(e) for e in week.entries)
    count = len(week.entries)
    title = f"Weekly issue {week.key}: {count} {'story' if count == 1 else 'stories'}"
    summary = f"{long_date(week.start)} to {long_date(week.end)}: " + "; ".join(e.title for e in week.entries[:5])
    return Item(url, url, title, summary, sanitise("".join(parts), url), published, updated)


def entry_updated(entry: Entry) -> dt.datetime:
    """When the entry last changed: `updated` if later than its publication."""
    return max(entry.published, _moment(entry.updated)) if entry.updated else entry.published


class _Entry(FeedEntry):  # type: ignore[misc]
    """feedgen 1.0.0 drops `rel` from Atom entry links (it reads the new element instead
    of the link's data), which turns a `related` source link into a second alternate."""

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        entry: etree._Element = super().atom_entry(extensions)
        elements = [el for el in entry if etree.QName(el).localname == "link"]
        for element, data in zip(elements, self.link() or [], strict=False):
            if data.get("rel") and data["rel"] != "alternate":
                element.set("rel", data["rel"])
        return entry


def _newest(items: Sequence[Item]) -> dt.datetime:
    # An empty feed still needs a date; the epoch is fixed, unlike the clock.
    return max((i.updated for i in items), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


def rss_and_atom(project: Project, feed: Feed) -> tuple[str, str]:
    fg = FeedGenerator()
    page = absolute(project, feed.page)
    fg.id(absolute(project, feed.base + "atom.xml"))
    fg.title(feed.title)
    fg.subtitle(feed.description or feed.title)
    fg.link(href=page, rel="alternate")
    fg.language("en")
    fg.author({"name": project.site_name})  # Atom requires an author for the feed
    fg.generator("digest")
    fg.updated(_newest(feed.items))
    # feedgen writes entries in reverse order of addition; add oldest first.
    entries = []
    for item in reversed(feed.items):
        fe = fg.add_entry(_Entry())
        entries.append((fe, item))
        fe.id(item.id)
        fe.guid(item.id, permalink=True)
        fe.title(item.title)
        fe.link(href=item.url, rel="alternate")
        if item.source_url:
            fe.link(href=item.source_url, rel="related")
        fe.description(item.summary)
        fe.summary(item.summary)
        fe.content(item.html, type="html")
        fe.published(item.published)
        fe.updated(item.updated)
        for label, scheme in item.categories:
            fe.category(term=label, scheme=scheme, label=label)
    fg.link(href=absolute(project, feed.base + "atom.xml"), rel="self")
    atom = fg.atom_str(pretty=True).decode("utf-8")
    fg.link(href=absolute(project, feed.base + "feed.xml"), rel="self", replace=True)
    fg.link(href=page, rel="alternate")
    # Atom says its titles and summaries are text; RSS readers take <title> and
    # <description> as HTML, so there plain text goes in HTML-escaped.
    fg.title(html.escape(feed.title, quote=False))
    fg.description(html.escape(feed.description or feed.title, quote=False))
    for fe, item in entries:
        fe.title(html.escape(item.title, quote=False))
        fe.description(html.escape(item.summary, quote=False))
    rss = fg.rss_str(pretty=True).decode("utf-8")
    return rss, atom


def json_feed(project: Project, feed: Feed) -> str:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": absolute(project, feed.page),
        "feed_url": absolute(project, feed.base + "feed.json"),
        "description": feed.description or feed.title,
        "language": "en",
        "authors": [{"name": project.site_name}],
        "items": [
            {
                "id": item.id,
                "url": item.url,
                **({"external_url": item.source_url} if item.source_url else {}),
                "title": item.title,
                "content_html": item.html,
                "summary": item.summary,
                "date_published": item.published.isoformat().replace("+00:00", "Z"),
                "date_modified": item.updated.isoformat().replace("+00:00", "Z"),
                **({"tags": [label for label, _ in item.categories]} if item.categories else {}),
            }
            for item in feed.items
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write(project: Project, feed: Feed) -> dict[str, str]:
    rss, atom = rss_and_atom(project, feed)
    return {
        f"{feed.base}feed.xml": rss,
        f"{feed.base}atom.xml": atom,
        f"{feed.base}feed.json": json_feed(project, feed),
    }


def all_feeds(project: Project, digest: Digest) -> list[Feed]:
    """Every feed of the site: the site's, each term's, the weekly issue's."""
    limit = project.feed_items
    items: dict[str, Item] = {}

    def item(entry: Entry) -> Item:
        # Made once, and only for entries some feed holds: rendering a write-up is
        # the costly part, and an old entry of a busy term is in no feed at all.
        if entry.url not in items:
            items[entry.url] = entry_item(project, digest, entry)
        return items[entry.url]

    feeds = [Feed("", project.site_name, project.site_description, "", tuple(item(e) for e in digest.entries[:limit]))]
    for facet in digest.facets:
        lists = by_term(digest, facet.key)
        for term in digest.terms_of(facet.key):
            chosen = tuple(item(e) for e in lists[term.key][:limit])
            feeds.append(Feed(term.url, f"{term.name}: {project.site_name}", term.description, term.url, chosen))
    weeks = by_week(digest.entries)[:limit]
    feeds.append(
        Feed(
            "weekly/",
            f"Weekly issues: {project.site_name}",
            f"One item per ISO week of {project.site_name}, with the full issue.",
            "weekly/",
            tuple(week_item(project, digest, w) for w in weeks),
        )
    )
    return feeds


def render_feeds(project: Project, digest: Digest) -> dict[str, str]:
    files: dict[str, str] = {}
    feeds = all_feeds(project, digest)
    for feed in feeds:
        files.update(write(project, feed))
        if feed.base:
            # Material's JavaScript takes every <link rel="alternate"> for a language
            # version and fetches sitemap.xml beside it; an empty one there saves every
            # term page a 404 in the browser console.
            files[f"{feed.base}sitemap.xml"] = EMPTY_SITEMAP
    files["feeds.opml"] = opml(project, feeds)
    return files


EMPTY_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
)


def opml(project: Project, feeds: Sequence[Feed]) -> str:
    """OPML 2.0: every feed (RSS), grouped, to import into a reader in one step."""
    groups: dict[str, list[Feed]] = {}
    for feed in feeds:
        section = feed.base.split("/")[0] if feed.base else ""
        groups.setdefault(section, []).append(feed)
    titles = {"": project.site_name, "weekly": "Weekly issues"}
    titles.update({f.key: f.title for f in (project.facets)})
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{esc(project.site_name)}: every feed</title>",
        f"    <ownerId>{esc(absolute(project, ''))}</ownerId>",
        "  </head>",
        "  <body>",
    ]
    for section, members in groups.items():
        lines.append(f"    <outline text={quoteattr(titles.get(section, section))}>")
        for feed in members:
            lines.append(
                "      <outline type=\"rss\" version=\"RSS2\""
                f" text={quoteattr(feed.title)} title={quoteattr(feed.title)}"
                f" xmlUrl={quoteattr(absolute(project, feed.base + 'feed.xml'))}"
                f" htmlUrl={quoteattr(absolute(project, feed.page))}/>"
            )
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)
