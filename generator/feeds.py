"""Render feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1.

Every feed is described once as a `Feed` (title, where it lives, its items), then
written in all three formats. Dates come from the entries, never from the clock, so an
unchanged digest gives byte-identical feeds.

The XML is written as strings by a few functions below rather than through an XML
library: a large digest has hundreds of feeds of 50 items, and building element trees
for them cost more than the rest of the generator. Every value passes `_text` or
`_attr`, which escape exactly as libxml2 does; tests parse every feed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from .bodies import sanitise, writeup_html
from .config import Project
from .emit import Content, Lazy
from .group import Week, by_primary_topic, by_term, by_week
from .html import esc, long_date
from .incremental import Keys, Store
from .model import Digest, Entry
from .theme import Templates

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
    # The item as written in each format, made once: an entry is in many feeds (the
    # site's, each of its terms'), and its content is most of each feed's bytes.
    rss: str = field(init=False, repr=False, compare=False)
    atom: str = field(init=False, repr=False, compare=False)
    json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        xml = _text(self.html)
        object.__setattr__(self, "rss", _rss_item(self, xml))
        object.__setattr__(self, "atom", _atom_item(self, xml))
        object.__setattr__(self, "json", json.dumps(_json_item(self), ensure_ascii=False))


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


def entry_item(project: Project, digest: Digest, templates: Templates, entry: Entry, html: str | None = None) -> Item:
    """An entry as a feed item; `html` is its content, when known already: the write-up,
    then its corrections and sources (digest/feed_notes.html)."""
    url = absolute(project, entry.url)
    categories = tuple(
        (digest.term(facet.key, key).name, absolute(project, digest.term(facet.key, key).url))
        for facet in digest.facets
        for key in entry.terms_of(facet.key)
    )
    source = next((s.url for s in entry.sources if s.url), None)
    if html is None:
        notes = templates.render_absolute("feed_notes.html", absolute(project, ""), entry=entry)
        html = sanitise(writeup_html(entry) + "\n" + notes, url)
    return Item(url, url, entry.title, entry.summary, html, entry.published, entry_updated(entry), categories, source)


def week_item(project: Project, digest: Digest, templates: Templates, week: Week) -> Item:
    """A weekly issue as one item: its full HTML (digest/feed_issue.html), ready for an
    RSS-to-email service."""
    url = absolute(project, week.url)
    facet = "topics" if any(f.key == "topics" for f in digest.facets) else digest.facets[-1].key
    sections = by_primary_topic(digest, week.entries, facet)
    html = sanitise(templates.render_absolute("feed_issue.html", absolute(project, ""), week=week, sections=sections), url)
    published = max(e.published for e in week.entries)
    updated = max(entry_updated(e) for e in week.entries)
    count = len(week.entries)
    title = f"Weekly issue {week.key}: {count} {'story' if count == 1 else 'stories'}"
    summary = f"{long_date(week.start)} to {long_date(week.end)}: " + "; ".join(e.title for e in week.entries[:5])
    return Item(url, url, title, summary, html, published, updated)


def entry_updated(entry: Entry) -> dt.datetime:
    """When the entry last changed: `updated` if later than its publication."""
    return max(entry.published, _moment(entry.updated)) if entry.updated else entry.published


def _newest(items: Sequence[Item]) -> dt.datetime:
    # An empty feed still needs a date; the epoch is fixed, unlike the clock.
    return max((i.updated for i in items), default=dt.datetime(1970, 1, 1, tzinfo=dt.UTC))


XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _text(value: str) -> str:
    """Element text, escaped (str.replace runs in C; str.translate with a dict does not)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(value: str) -> str:
    """A double-quoted attribute value, escaped."""
    return _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def _plain(value: str) -> str:
    """Plain text where readers expect HTML (RSS titles and descriptions)."""
    return _text(html.escape(value, quote=False))


def _rfc822(moment: dt.datetime) -> str:
    """RSS dates (RFC 822), in English whatever the locale: `Wed, 13 May 2026 01:30:00 +0000`."""
    utc = moment.astimezone(dt.UTC)
    return f"{DAYS[utc.weekday()]}, {utc.day:02d} {MONTHS[utc.month - 1]} {utc.year} {utc:%H:%M:%S} +0000"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def rss(project: Project, feed: Feed) -> str:
    """RSS 2.0 with content:encoded. Readers take <title> and <description> as HTML, so
    plain text goes in HTML-escaped (and then XML-escaped, as every value)."""
    lines = [
        XML_DECLARATION
        + '<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">',
        "  <channel>",
        f"    <title>{_plain(feed.title)}</title>",
        f"    <link>{_text(absolute(project, feed.page))}</link>",
        f"    <description>{_plain(feed.description or feed.title)}</description>",
        f'    <atom:link href="{_attr(absolute(project, feed.base + "feed.xml"))}" rel="self"/>',
        "    <docs>http://www.rssboard.org/rss-specification</docs>",
        "    <generator>digest</generator>",
        "    <language>en</language>",
        f"    <lastBuildDate>{_rfc822(_newest(feed.items))}</lastBuildDate>",
    ]
    lines += [item.rss for item in feed.items]
    lines += ["  </channel>", "</rss>", ""]
    return "\n".join(lines)


def atom(project: Project, feed: Feed) -> str:
    """Atom 1.0: titles and summaries are text, the content is typed HTML."""
    lines = [
        XML_DECLARATION + '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"  <id>{_text(absolute(project, feed.base + 'atom.xml'))}</id>",
        f"  <title>{_text(feed.title)}</title>",
        f"  <updated>{_iso(_newest(feed.items))}</updated>",
        "  <author>",
        f"    <name>{_text(project.site_name)}</name>",  # Atom requires an author for the feed
        "  </author>",
        f'  <link href="{_attr(absolute(project, feed.page))}" rel="alternate"/>',
        f'  <link href="{_attr(absolute(project, feed.base + "atom.xml"))}" rel="self"/>',
        "  <generator>digest</generator>",
        f"  <subtitle>{_text(feed.description or feed.title)}</subtitle>",
    ]
    lines += [item.atom for item in feed.items]
    lines += ["</feed>", ""]
    return "\n".join(lines)


def _rss_item(item: Item, xml: str) -> str:
    lines = [
        "    <item>",
        f"      <title>{_plain(item.title)}</title>",
        f"      <link>{_text(item.url)}</link>",
        f"      <description>{_plain(item.summary)}</description>",
        f"      <content:encoded>{xml}</content:encoded>",
        f'      <guid isPermaLink="true">{_text(item.id)}</guid>',
    ]
    lines += [f'      <category domain="{_attr(scheme)}">{_text(label)}</category>' for label, scheme in item.categories]
    lines += [f"      <pubDate>{_rfc822(item.published)}</pubDate>", "    </item>"]
    return "\n".join(lines)


def _atom_item(item: Item, xml: str) -> str:
    lines = [
        "  <entry>",
        f"    <id>{_text(item.id)}</id>",
        f"    <title>{_text(item.title)}</title>",
        f"    <updated>{_iso(item.updated)}</updated>",
        f'    <content type="html">{xml}</content>',
        f'    <link href="{_attr(item.url)}"/>',
    ]
    if item.source_url:
        lines.append(f'    <link href="{_attr(item.source_url)}" rel="related"/>')
    lines.append(f"    <summary>{_text(item.summary)}</summary>")
    lines += [
        f'    <category term="{_attr(label)}" scheme="{_attr(scheme)}" label="{_attr(label)}"/>'
        for label, scheme in item.categories
    ]
    lines += [f"    <published>{_iso(item.published)}</published>", "  </entry>"]
    return "\n".join(lines)


def _json_item(item: Item) -> dict[str, object]:
    return {
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


def json_feed(project: Project, feed: Feed) -> str:
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": absolute(project, feed.page),
        "feed_url": absolute(project, feed.base + "feed.json"),
        "description": feed.description or feed.title,
        "language": "en",
        "authors": [{"name": project.site_name}],
    }
    # Compact: with indentation the json module falls back to its pure-Python encoder.
    # The items come last, each as it was encoded once: the same text json.dumps gives
    # for the whole (its separators are the same at every level).
    head = json.dumps(data, ensure_ascii=False)
    return head[:-1] + ', "items": [' + ", ".join(item.json for item in feed.items) + "]}\n"


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """A feed before its items are made: `key` is a hash of what they are made from."""

    base: str
    title: str
    description: str
    page: str
    key: str
    items: Callable[[], tuple[Item, ...]]

    def feed(self) -> Feed:
        return Feed(self.base, self.title, self.description, self.page, self.items())


def feed_plans(
    project: Project, digest: Digest, templates: Templates, keys: Keys, store: Store | None = None
) -> list[FeedPlan]:
    """Every feed of the site: the site's, each term's, the weekly issue's. `store`
    keeps items' HTML between runs, under the entry's key."""
    limit = project.feed_items
    items: dict[str, Item] = {}

    def item(entry: Entry) -> Item:
        # Made once, and only for entries some feed holds: rendering a write-up is
        # the costly part, and an old entry of a busy term is in no feed at all.
        if entry.url not in items:
            key = keys.entries[entry.url]
            html = store.get(key) if store is not None else None
            items[entry.url] = entry_item(project, digest, templates, entry, html)
            if html is None and store is not None:
                store.put(key, items[entry.url].html)
        return items[entry.url]

    def of_entries(base: str, title: str, description: str, page: str, entries: Sequence[Entry]) -> FeedPlan:
        chosen = tuple(entries[:limit])
        key = keys.of(chosen, repr((base, title, description, page)))
        return FeedPlan(base, title, description, page, key, lambda: tuple(item(e) for e in chosen))

    plans = [of_entries("", project.site_name, project.site_description, "", digest.entries)]
    for facet in digest.facets:
        lists = by_term(digest, facet.key)
        for term in digest.terms_of(facet.key):
            plans.append(of_entries(term.url, f"{term.name}: {project.site_name}", term.description, term.url, lists[term.key]))
    # Only issues whose week has ended: a reader (or a mail service) sends an item
    # once, so a week's issue must not go out before all its entries are in.
    weeks = [w for w in by_week(digest.entries, digest.as_of) if w.complete][:limit]
    weekly = (
        "weekly/",
        f"Weekly issues: {project.site_name}",
        f"One item per ISO week of {project.site_name}, with the full issue.",
        "weekly/",
    )
    shown = [e for w in weeks for e in w.entries]
    key = keys.of(shown, repr((*weekly, [w.key for w in weeks])))
    plans.append(FeedPlan(*weekly, key, lambda: tuple(week_item(project, digest, templates, w) for w in weeks)))
    return plans


def _feed_files(project: Project, plan: FeedPlan) -> list[tuple[str, Lazy]]:
    """A feed's three files; its items are made once, for the first that is needed."""
    made: list[Feed] = []

    def feed() -> Feed:
        if not made:
            made.append(plan.feed())
        return made[0]

    return [
        (f"{plan.base}feed.xml", Lazy(f"{plan.key}-rss", lambda: rss(project, feed()))),
        (f"{plan.base}atom.xml", Lazy(f"{plan.key}-atom", lambda: atom(project, feed()))),
        (f"{plan.base}feed.json", Lazy(f"{plan.key}-json", lambda: json_feed(project, feed()))),
    ]


def render_feeds(
    project: Project, digest: Digest, templates: Templates, keys: Keys, store: Store | None = None
) -> Iterator[tuple[str, Content]]:
    """Every feed file, made one feed at a time (a large digest's feeds run to tens of
    MB), and only when needed (see emit.Lazy)."""
    plans = feed_plans(project, digest, templates, keys, store)
    for plan in plans:
        yield from _feed_files(project, plan)
        if plan.base:
            # Material's JavaScript takes every <link rel="alternate"> for a language
            # version and fetches sitemap.xml beside it; an empty one there saves every
            # term page a 404 in the browser console.
            yield f"{plan.base}sitemap.xml", EMPTY_SITEMAP
    yield "feeds.opml", opml(project, plans)
    if store is not None:
        current = set(keys.entries.values())
        store.save(current.__contains__)


EMPTY_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
)


def opml(project: Project, feeds: Sequence[FeedPlan]) -> str:
    """OPML 2.0: every feed (RSS), grouped, to import into a reader in one step."""
    groups: dict[str, list[FeedPlan]] = {}
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
