"""Stage 5, render: pure functions from the digest to `{docs path: Markdown text}`.

This module decides what each page shows; the digest's templates (generator/theme.py,
`templates/digest/`) decide its markup. Generated pages are Markdown files whose
structure is raw HTML blocks, so MkDocs, ProperDocs or Zensical can all render them.
Only entry bodies (already checked to hold no raw HTML) are passed through as Markdown.

Pages are planned, not made: a `Planned` page has its front matter and Markdown (what
MkDocs must know of every page before it renders any) and makes its HTML on demand. A
digest of 10,000 entries has about 150 MB of page HTML; made one page at a time and
dropped once written, it never sits in memory all at once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from json.encoder import encode_basestring as _json_string
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from . import charts
from .cite import bibtex
from .config import Project
from .feeds import absolute
from .group import (
    Month,
    Week,
    by_month,
    by_primary_topic,
    by_term,
    by_week,
    co_occurring,
    lede,
    paginate,
    terms_by_count,
)
from .html import esc, month_name
from .incremental import Keys
from .model import Digest, Entry, Facet, Term
from .schema import collection_page, news_article, script_json
from .theme import FEED_FORMATS, KIND_LABELS, UP, TemplateError, Templates, week_label


@dataclass(frozen=True, slots=True)
class Page:
    """A generated page: front matter, raw HTML, and at most one Markdown part (an
    entry's write-up) between two HTML parts. `text` is the portable Markdown file;
    the MkDocs plugin renders only `markdown` and splices the HTML in, since Python-
    Markdown's raw-HTML parsing would cost more than the rest of the page."""

    front: str
    head: str
    markdown: str = ""
    tail: str = ""

    @property
    def text(self) -> str:
        parts = (self.front + self.head.strip("\n"), self.markdown.strip("\n"), self.tail.strip("\n"))
        return "\n\n".join(part for part in parts if part) + "\n"


@dataclass(frozen=True, slots=True)
class Planned:
    """A page before its HTML is made: `make()` returns its (head, tail) HTML."""

    front: str
    make: Callable[[], tuple[str, str]]
    markdown: str = ""
    inputs: str = ""  # a hash of what `make` reads (see Keys); "" until entry_pages or list_pages sets it
    indexed: bool = False  # a search result (its front matter says so too, for the template)
    lastmod: str = ""  # ISO day the page last changed: its newest entry's (the sitemap's lastmod)
    # An entry's Open Graph article times and tags, handed to the theme as page meta (not
    # in the front matter, which MkDocs parses with PyYAML's pure-Python loader: 0.7 ms a
    # page for these few values).
    article: dict[str, Any] | None = None

    def page(self) -> Page:
        head, tail = self.make()
        return Page(self.front, head, self.markdown, tail)

    @property
    def key(self) -> str:
        """A hash of everything the page's text is made from: equal keys, equal pages."""
        digest = hashlib.blake2b(self.inputs.encode(), digest_size=16)
        digest.update(self.front.encode())
        digest.update(self.markdown.encode())
        return digest.hexdigest()


Pages = dict[str, Planned]


def front_matter(
    title: str,
    description: str = "",
    *,
    indexed: bool = False,
    hide: Sequence[str] = (),
    feeds: tuple[str, str] | None = None,
    entry: bool = False,
) -> str:
    """YAML front matter for a generated page.

    `feeds` is (folder, title) of the page's own feeds, linked from its <head> by the
    template for autodiscovery (the site's feeds are linked from every page).
    `indexed` pages (entries, and the first page of a term) are search results: the
    template marks their content for Pagefind; no other page is indexed.
    """
    # Stored HTML-escaped: Material prints meta titles as HTML.
    # JSON is valid YAML and twenty times faster to write than yaml.safe_dump (a string
    # goes through json's C escaper directly). The line and paragraph separators are
    # escaped: YAML would read them as line breaks.
    lines = f"title: {_json_string(esc(title))}\n"
    if description:
        lines += f"description: {_json_string(esc(description))}\n"
    if indexed:
        lines += "indexed: true\n"
    if hide:
        lines += f"hide: {_json_list(tuple(hide))}\n"
    if entry:
        lines += "entry: true\n"
    if feeds:
        base, label = feeds
        links = [{"href": base + f.name, "type": f.type, "title": f"{label} ({f.label})"} for f in FEED_FORMATS]
        lines += f"feeds: {json.dumps(links, ensure_ascii=False)}\n"
    return f"---\n{lines}---\n\n".replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@functools.lru_cache(maxsize=64)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def source_path(url: str) -> str:
    """Docs file for a site path: `topics/x/` -> `topics/x/index.md`, `` -> `index.md`."""
    return f"{url}index.md"


def up_from(page: str) -> str:
    """The way up from the page at site path `page` (a directory URL) to the root."""
    return "../" * page.count("/")


LIST_PAGE = ("navigation", "toc")  # what a listing page hides of Material's sidebars


class Cards:
    """The templates, and entry cards made once each: a large digest shows an entry's
    card on seven pages or so. A card's links start at the root (theme.UP); each page
    puts in its own way up."""

    def __init__(self, project: Project, digest: Digest, templates: Templates) -> None:
        self.project, self.digest, self.templates = project, digest, templates
        self._cards: dict[str, str] = {}  # entry URL -> its card

    @functools.cached_property
    def months(self) -> tuple[charts.YearMonth, ...]:
        """The digest's months, first to last: the span of every chart."""
        return charts.span(self.digest.entries)

    def render(self, name: str, page: str | None, **context: Any) -> str:
        return self.templates.render(name, page, digest=self.digest, **context)

    def terms(self, entry: Entry) -> list[tuple[Facet, list[Term]]]:
        """The entry's terms by facet, the facets it has none of left out."""
        pairs = [(f, [self.digest.term(f.key, k) for k in entry.terms_of(f.key)]) for f in self.digest.facets]
        return [(facet, terms) for facet, terms in pairs if terms]

    def card(self, entry: Entry) -> str:
        made = self._cards.get(entry.url)
        if made is None:
            chips = [(facet.key, term) for facet, terms in self.terms(entry) for term in terms]
            made = self._cards[entry.url] = self.render("card.html", None, entry=entry, chips=chips)
        return made

    def list(self, page: str, entries: Sequence[Entry]) -> Markup:
        """The entries' cards in a block (digest/cards.html), linked from `page`."""
        cards = [Markup(self.card(e).replace(UP, up_from(page))) for e in entries]
        return Markup(self.render("cards.html", page, cards=cards))


@dataclass(frozen=True, slots=True)
class Pager:
    """Where a page is in its list: number, total, and the newer and older pages."""

    number: int
    total: int
    newer: str | None
    older: str | None


def paged(
    cards: Cards,
    base: str,
    entries: Sequence[Entry],
    size: int,
    title: str,
    description: str,
    first: tuple[str, dict[str, Any]] | None = None,
    *,
    indexed: bool = False,
    feeds: tuple[str, str] | None = None,
    keys: Keys | None = None,
    first_reads: Sequence[Entry] = (),
    first_extra: str = "",
) -> Pages:
    """A paginated list at `base`, `base/page/2/` ...: digest/list.html, or for the first
    page `first` (a template that extends it, and its context), made from `first_reads`
    too, and from what `first_extra` names (it goes into that page's key). With
    `indexed`, the first page is a search result; no other page of a list is."""
    pages: Pages = {}
    chunks = paginate(entries, size)

    def url(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    for number, chunk in enumerate(chunks, start=1):
        page = url(number)
        heading = title if number == 1 else f"{title} (page {number})"
        result = indexed and number == 1
        front = front_matter(heading, description, indexed=result, hide=LIST_PAGE, feeds=feeds)
        pager = Pager(number, len(chunks), url(number - 1) if number > 1 else None, url(number + 1) if number < len(chunks) else None)
        name, context = first if first is not None and number == 1 else ("list.html", {})
        make = _list_page(cards, name, page, chunk, pager, heading, context)
        inputs = ""
        if keys is not None:
            reads = (*chunk, *first_reads) if number == 1 else chunk
            inputs = keys.of(reads, f"{number}/{len(chunks)}{first_extra if number == 1 else ''}")
        shown = (*chunk, *first_reads) if number == 1 else chunk
        pages[source_path(page)] = Planned(front, make, inputs=inputs, indexed=result, lastmod=_lastmod(shown))
    return pages


def _list_page(
    cards: Cards, name: str, page: str, chunk: Sequence[Entry], pager: Pager, heading: str, context: dict[str, Any]
) -> Callable[[], tuple[str, str]]:
    def make() -> tuple[str, str]:
        html = cards.render(name, page, cards=cards.list(page, chunk), pager=pager, heading=heading, **context)
        return html, ""

    return make


# --- pages ----------------------------------------------------------------------------


# Whether a write-up may hold a Markdown heading: any "#" (Python-Markdown takes "#x",
# "####### x", and headings in quotes and list items), or a line that may underline a
# setext heading. Only such headings reach the table of contents (the page's own h2s are
# raw HTML), so without one the contents sidebar would be an empty column. A false match
# (a "#" in a URL, a "---" rule) only keeps that column; a test holds this to
# Python-Markdown's own headings. The underline is searched in "\n" + body: a pattern
# that starts with a literal is scanned for fast, where "^" is tried at every character.
_UNDERLINE = re.compile(r"\n[ \t>]*(?:=+|-+)[ \t]*$", re.M)


def may_have_heading(body: str) -> bool:
    return "#" in body or _UNDERLINE.search("\n" + body) is not None


# Stands for the write-up in an entry page's template: what comes before it is the
# page's head, what comes after its tail. Control characters: no value can hold them.
WRITEUP = "\x01write-up\x01"


def entry_page(cards: Cards, entry: Entry, others: Sequence[Entry] = (), inputs: str = "") -> Pages:
    hide = ["navigation"] if may_have_heading(entry.body) else ["navigation", "toc"]
    digest = cards.digest
    article = {
        "published_time": entry.published.isoformat(),
        "modified_time": (entry.updated or entry.date).isoformat(),
        "tags": [term.name for _, term in digest.entry_terms(entry)],
    }
    front = front_matter(entry.title, entry.summary, indexed=True, hide=hide, entry=True)
    make = functools.partial(_entry_html, cards, entry, others)
    planned = Planned(front, make, entry.body.strip("\n"), inputs, indexed=True, lastmod=_lastmod((entry,)), article=article)
    return {entry_path(entry): planned}


def _lastmod(entries: Sequence[Entry]) -> str:
    """The day the newest of `entries` last changed ("" for none)."""
    return max(e.updated or e.date for e in entries).isoformat() if entries else ""


def _entry_html(cards: Cards, entry: Entry, others: Sequence[Entry]) -> tuple[str, str]:
    project = cards.project
    html = cards.render(
        "entry.html",
        entry.url,
        entry=entry,
        facets=cards.terms(entry),
        related=others,
        writeup=Markup(WRITEUP),
        site_name=project.site_name,
        address=absolute(project, entry.url),
        bibtex=Markup(esc(bibtex(project, cards.digest, entry)).replace("\n", "&#10;").replace("\t", "&#9;")),
        jsonld=Markup(script_json(news_article(project, cards.digest, entry))),
    )
    head, marker, tail = html.partition(WRITEUP)
    if not marker:
        raise TemplateError("digest/entry.html:1", "it must show {{ writeup }}, the entry's write-up")
    return head.strip("\n"), tail.strip("\n")


def term_page(
    project: Project, cards: Cards, facet: Facet, term: Term, entries: Sequence[Entry], keys: Keys | None = None
) -> Pages:
    digest = cards.digest
    years: dict[int, int] = {}
    for entry in entries:
        years[entry.year] = years.get(entry.year, 0) + 1
    related = []
    for other in digest.facets:
        pairs = co_occurring(digest, entries, other.key, exclude=term.key if other.key == facet.key else None)[:10]
        if pairs:
            related.append((f"Often with these {other.key}" if other.key == facet.key else other.title, pairs))
    context = {
        "facet": facet,
        "term": term,
        "count": len(entries),
        "kind": KIND_LABELS.get(term.kind, term.kind) if term.kind else "",
        "aliases": [(alias, "zh" if _is_cjk(alias) else "en") for alias in term.aliases],
        "years": sorted(years.items(), reverse=True),
        # Each year opens explore filtered to this term and that year.
        "explore": f"explore/?{quote(facet.singular)}={quote(term.key)}",
        "related": related,
        "jsonld": Markup(script_json(collection_page(project, facet, term, len(entries)))),
        "chart": charts.activity(f"{term.name}: entries per month", charts.counts(entries, cards.months, facet, term)),
    }
    label = f"{term.name}: {project.site_name}"
    return paged(
        cards,
        term.url,
        entries,
        project.page_size,
        term.name,
        term.description,
        ("term.html", context),
        indexed=True,
        feeds=(term.url, label),
        keys=keys,
        first_reads=entries,  # the introduction counts all of them
        first_extra=f" {cards.months[:1]}{cards.months[-1:]}",  # its chart spans the digest's months
    )


def facet_index(cards: Cards, facet: Facet) -> Pages:
    page = f"{facet.key}/"
    terms = terms_by_count(cards.digest, facet.key)
    heatmap = None
    if facet.key == _topic_facet(cards.digest):  # topics by month
        shown = [term for term, count in terms if count]
        heatmap = charts.heat_map(facet, shown, by_term(cards.digest, facet.key), cards.months)
    body = cards.render("term_index.html", page, facet=facet, terms=terms, heatmap=heatmap)
    front = front_matter(facet.title, f"Every {facet.singular} in the digest.", hide=LIST_PAGE)
    return {source_path(page): Planned(front, _fixed(body))}


def weekly_pages(project: Project, cards: Cards, weeks: Sequence[Week]) -> Pages:
    pages: Pages = {}
    weekly = ("weekly/", "Weekly issues")
    for index, week in enumerate(weeks):
        newer = weeks[index - 1] if index > 0 else None
        older = weeks[index + 1] if index + 1 < len(weeks) else None
        front = front_matter(f"Weekly issue {week.key}", week_label(week), hide=LIST_PAGE, feeds=weekly)
        pages[source_path(week.url)] = Planned(front, _week_page(cards, week, newer, older))
    body = cards.render("weekly_index.html", "weekly/", weeks=weeks)
    front = front_matter("Weekly issues", "The digest week by week.", hide=LIST_PAGE, feeds=weekly)
    pages["weekly/index.md"] = Planned(front, _fixed(body))
    return pages


def _week_page(cards: Cards, week: Week, newer: Week | None, older: Week | None) -> Callable[[], tuple[str, str]]:
    digest = cards.digest

    def make() -> tuple[str, str]:
        page = week.url
        sections = [
            (term, cards.list(page, members))
            for term, members in by_primary_topic(digest, week.entries, _topic_facet(digest))
        ]
        lede_data = lede(digest, week.entries)
        body = cards.render("weekly.html", page, week=week, newer=newer, older=older, sections=sections, lede=lede_data)
        return body, ""

    return make


def _topic_facet(digest: Digest) -> str:
    """Weekly issues group by topic; a digest without a `topics` facet uses its last one."""
    keys = [f.key for f in digest.facets]
    return "topics" if "topics" in keys else keys[-1]


def archive_pages(project: Project, cards: Cards, months: Sequence[Month], keys: Keys | None = None) -> Pages:
    pages: Pages = {}
    years: dict[int, list[Month]] = {}
    for month in months:
        years.setdefault(month.year, []).append(month)
    listed = [(year, sum(len(m.entries) for m in years[year]), years[year]) for year in sorted(years, reverse=True)]
    body = cards.render("archive.html", "archive/", years=listed)
    pages["archive/index.md"] = Planned(front_matter("Archive", "Every entry by year and month.", hide=LIST_PAGE), _fixed(body))
    for month in months:
        title = month_name(month.year, month.month)
        first = ("month.html", {"month": month})
        pages.update(paged(cards, month.url, month.entries, project.page_size, title, f"Entries from {title}.", first, keys=keys))
    return pages


def home_page(project: Project, cards: Cards, weeks: Sequence[Week]) -> Pages:
    digest = cards.digest
    body = cards.render(
        "home.html",
        "",
        site_name=project.site_name,
        site_description=project.site_description,
        week=weeks[0] if weeks else None,
        lede=lede(digest, weeks[0].entries) if weeks else None,
        cards=cards.list("", digest.entries[: project.home_entries]),
        glance=[(f, [p for p in terms_by_count(digest, f.key) if p[1]][:12]) for f in digest.facets],
        activity=charts.activity("Entries per month", charts.counts(digest.entries, cards.months)),
    )
    return {"index.md": Planned(front_matter(project.site_name, project.site_description, hide=LIST_PAGE), _fixed(body))}


def _by_name(digest: Digest, facet: str) -> list[Term]:
    return sorted(digest.terms_of(facet), key=lambda t: (t.name.casefold(), t.key))


def feeds_page(project: Project, cards: Cards) -> Pages:
    digest = cards.digest
    body = cards.render(
        "feeds.html",
        "feeds/",
        site_name=project.site_name,
        feed_items=project.feed_items,
        facets=[(facet, _by_name(digest, facet.key)) for facet in digest.facets],
    )
    front = front_matter("Feeds", "Every feed of the digest, and an OPML bundle.", hide=LIST_PAGE)
    return {"feeds/index.md": Planned(front, _fixed(body))}


def explore_page(cards: Cards) -> Pages:
    """The filter page (digest/explore.html); assets/explore.js fills the results."""
    digest = cards.digest
    selects = []
    for facet in digest.facets:
        counts = dict((t.key, n) for t, n in terms_by_count(digest, facet.key))
        selects.append((facet, [(t, counts[t.key]) for t in _by_name(digest, facet.key) if counts[t.key]]))
    days = [e.date for e in digest.entries]
    body = cards.render(
        "explore.html", "explore/", selects=selects, first=min(days) if days else None, last=max(days) if days else None
    )
    meta = front_matter("Explore", "Filter every entry by actor, topic, date and text.", hide=LIST_PAGE)
    return {"explore/index.md": Planned(meta, _fixed(body))}


def _fixed(head: str, tail: str = "") -> Callable[[], tuple[str, str]]:
    return lambda: (head, tail)


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _add(pages: Pages, planned: Pages, inputs: str, lastmod: str = "") -> None:
    pages.update(
        {path: replace(page, inputs=page.inputs or inputs, lastmod=page.lastmod or lastmod) for path, page in planned.items()}
    )


def entry_pages(
    project: Project, digest: Digest, templates: Templates, keys: Keys, related_entries: dict[str, tuple[Entry, ...]]
) -> Pages:
    """One page per entry, with its related entries."""
    pages: Pages = {}
    cards = Cards(project, digest, templates)
    for entry in digest.entries:
        others = related_entries[entry.url]
        # A scheduled entry (live preview only) is marked until its day comes.
        key = keys.of((entry, *others), "scheduled" if digest.scheduled(entry) else "")
        pages.update(entry_page(cards, entry, others, key))
    return pages


def entry_path(entry: Entry) -> str:
    """The docs path of an entry's page."""
    return f"entries/{entry.year}/{entry.slug}.md"


def list_pages(project: Project, digest: Digest, templates: Templates, keys: Keys) -> Pages:
    """Every other page: home, facets and terms, weeks, the archive, feeds, explore.
    None of them needs related entries."""
    pages: Pages = {}
    cards = Cards(project, digest, templates)
    weeks = by_week(digest.entries, digest.as_of)
    newest = _lastmod(digest.entries)  # a page that lists them all changes with the newest
    # The home page and the list of weeks also change when a week ends.
    ongoing = keys.of(digest.entries, repr([w.key for w in weeks if not w.complete]))
    _add(pages, home_page(project, cards, weeks), ongoing, newest)
    for facet in digest.facets:
        _add(pages, facet_index(cards, facet), keys.everything, newest)
        lists = by_term(digest, facet.key)
        for term in digest.terms_of(facet.key):
            _add(pages, term_page(project, cards, facet, term, lists[term.key], keys), "")
    weekly = weekly_pages(project, cards, weeks)
    for index, week in enumerate(weeks):
        # A week's page shows its entries and links the weeks on either side.
        around = "/".join(w.key for w in weeks[max(0, index - 1) : index + 2])
        path = source_path(week.url)
        _add(pages, {path: weekly.pop(path)}, keys.of(week.entries, f"{around} {week.complete}"), _lastmod(week.entries))
    _add(pages, weekly, ongoing, newest)  # the list of weeks
    _add(pages, archive_pages(project, cards, by_month(digest.entries), keys), keys.everything, newest)
    _add(pages, feeds_page(project, cards), keys.everything, newest)
    _add(pages, explore_page(cards), keys.everything, newest)
    return pages
