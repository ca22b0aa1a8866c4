"""Stage 5, render: pure functions from the digest to `{docs path: Markdown text}`.

Generated pages are Markdown files whose structure is raw HTML blocks built from
escaped values, so MkDocs, ProperDocs or Zensical can all render them. Only entry bodies
(already checked to hold no raw HTML) are passed through as Markdown.

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
from urllib.parse import quote

from .cache import library_versions, source_hash
from .config import Project
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
from .html import esc, link, long_date, month_name, rel, time
from .model import Digest, Entry, Facet, Source, Term


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


# The modules whose code decides what an entry, a page or a feed holds.
OUTPUT_CODE = (
    "read.py", "validate.py", "text.py", "model.py",
    "render.py", "html.py", "group.py", "feeds.py", "bodies.py", "data.py", "pipeline.py",
)


class Keys:
    """Stable fingerprints of entries, so a page's key can name the entries it shows.

    Every key starts from a salt of the output code, the libraries' versions, the
    project's settings and the whole taxonomy (a term's name is on many pages): a change
    there changes every key.
    """

    def __init__(self, project: Project, digest: Digest, hashes: dict[str, str] | None = None) -> None:
        """`hashes`: entry URL -> hash of its file's bytes, which (with the code and the
        taxonomy in the salt) decide the entry; without one, the entry's fields do."""
        salt = hashlib.blake2b(source_hash(OUTPUT_CODE).encode(), digest_size=16)
        salt.update(library_versions().encode())  # Markdown and nh3 make write-ups' HTML
        salt.update(repr((project, digest.facets, digest.terms)).encode())
        self.salt = salt.hexdigest()
        known = hashes or {}
        self.entries = {
            e.url: e.url + ":" + (known.get(e.url) or hashlib.blake2b(repr(e).encode(), digest_size=16).hexdigest())
            for e in digest.entries
        }
        self.everything = self.of(digest.entries)

    def of(self, entries: Sequence[Entry], extra: str = "") -> str:
        digest = hashlib.blake2b(self.salt.encode(), digest_size=16)
        for entry in entries:
            digest.update(self.entries[entry.url].encode())
        digest.update(extra.encode())
        return digest.hexdigest()


Pages = dict[str, Planned]


def _text(value: str) -> Callable[[], str]:
    return lambda: value


def _fixed(head: str, tail: str = "") -> Callable[[], tuple[str, str]]:
    return lambda: (head, tail)

KIND_LABELS = {
    "state": "State",
    "government-body": "Government body",
    "company": "Company",
    "research-lab": "Research lab",
    "think-tank": "Think tank",
    "international-body": "International body",
    "person": "Person",
}


FEED_FORMATS = (
    ("feed.xml", "application/rss+xml", "RSS"),
    ("atom.xml", "application/atom+xml", "Atom"),
    ("feed.json", "application/feed+json", "JSON Feed"),
)


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
        links = [{"href": base + name, "type": mime, "title": f"{label} ({fmt})"} for name, mime, fmt in FEED_FORMATS]
        lines += f"feeds: {json.dumps(links, ensure_ascii=False)}\n"
    return f"---\n{lines}---\n\n".replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@functools.lru_cache(maxsize=64)
def _json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def source_path(url: str) -> str:
    """Docs file for a site path: `topics/x/` -> `topics/x/index.md`, `` -> `index.md`."""
    return f"{url}index.md"


# --- fragments ------------------------------------------------------------------------


# Stands for the way up from a page to the site's root ("", "../", "../../" ...) in
# fragments made once and shown on many pages; each page puts in its own. A control
# character, so no value can hold it: the reader refuses them all (text.py).
UP = "\x00"


def up_from(page: str) -> str:
    """The way up from the page at site path `page` (a directory URL) to the root."""
    return "../" * page.count("/")


def _a(target: str, text: str, cls: str = "") -> str:
    """A link to the site path `target`, from wherever UP is put in."""
    attr = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{UP}{esc(target)}"{attr}>{esc(text)}</a>'


class Cards:
    """Entry cards, and other fragments shown on many pages (term links, entries in
    related lists), each made once: a large digest shows an entry's card on seven pages
    or so. Their links start at the root; each page puts in its own way up for UP."""

    def __init__(self, digest: Digest) -> None:
        self.digest = digest
        self._made: dict[tuple[str, ...], str] = {}
        self._cards: dict[str, str] = {}  # entry URL -> its card, the most asked-for fragment

    def fragment(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        """The fragment named `key`, made by `make` the first time it is asked for."""
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = make()
        return made

    def chips(self, entry: Entry) -> str:
        parts = [self.chip(facet.key, key) for facet in self.digest.facets for key in entry.terms_of(facet.key)]
        return f'<p class="digest-chips">{" ".join(parts)}</p>' if parts else ""

    def chip(self, facet: str, key: str) -> str:
        term = self.digest.term(facet, key)
        return self.fragment(("chip", facet, key), lambda: _a(term.url, term.name, f"digest-chip digest-chip--{facet}"))

    def card(self, entry: Entry) -> str:
        """One entry in a list: date, title, summary, term chips."""
        made = self._cards.get(entry.url)
        if made is None:
            made = self._cards[entry.url] = (
                '<div class="digest-card">'
                f'<p class="digest-card__date">{time(entry.date)}</p>'
                f'<h3 class="digest-card__title">{_a(entry.url, entry.title)}</h3>'
                f'<p class="digest-card__summary">{esc(entry.summary)}</p>'
                f"{self.chips(entry)}"
                "</div>"
            )
        return made

    def list(self, page: str, entries: Sequence[Entry]) -> str:
        """Cards in a block, never part of a page's search text (an entry is found on
        its own page)."""
        if not entries:
            return '<div class="digest-cards" data-pagefind-ignore><p class="digest-empty">No entries yet.</p></div>'
        known = self._cards.get
        cards = "".join([known(e.url) or self.card(e) for e in entries])
        return '<div class="digest-cards" data-pagefind-ignore>' + cards.replace(UP, up_from(page)) + "</div>"


def lede_html(page: str, digest: Digest, entries: Sequence[Entry]) -> str:
    """The lede of an issue, from its data: stories, most active actors, main topics."""
    data = lede(digest, entries)
    parts = [f'<span class="digest-lede__count">{data.stories} {"story" if data.stories == 1 else "stories"}</span>']
    if data.actors:
        actors = ", ".join(f"{link(page, t.url, t.name)} ({n})" for t, n in data.actors)
        parts.append(f"most active: {actors}")
    if data.topics:
        topics = ", ".join(f"{link(page, t.url, t.name)} ({n})" for t, n in data.topics)
        parts.append(f"main topics: {topics}")
    return f'<p class="digest-lede">{"; ".join(parts)}.</p>'


def subscribe(page: str | None, base: str, label: str = "Subscribe") -> str:
    """Links to the three feeds in folder `base` ('' for the site's), from `page`, or
    from the root (UP put in later) when `page` is None."""
    links = " · ".join(
        f'<a href="{UP + esc(base + name) if page is None else esc(rel(page, base + name))}" type="{mime}">{fmt}</a>'
        for name, mime, fmt in FEED_FORMATS
    )
    return f'<p class="digest-subscribe" data-pagefind-ignore><span class="digest-label">{esc(label)}:</span> {links}</p>'


_SUBSCRIBE_ALL = subscribe(None, "", "The whole digest")


def pager(page: str, base: str, number: int, total: int) -> str:
    if total <= 1:
        return ""

    def url(n: int) -> str:
        return base if n == 1 else f"{base}page/{n}/"

    parts = []
    if number > 1:
        parts.append(f'<a rel="prev" href="{esc(rel(page, url(number - 1)))}">Newer</a>')
    parts.append(f'<span class="digest-pager__count">Page {number} of {total}</span>')
    if number < total:
        parts.append(f'<a rel="next" href="{esc(rel(page, url(number + 1)))}">Older</a>')
    return f'<nav class="digest-pager" aria-label="Pages" data-pagefind-ignore>{" ".join(parts)}</nav>'


def paged(
    cards: Cards,
    base: str,
    entries: Sequence[Entry],
    size: int,
    first: Callable[[], str],
    title: str,
    description: str,
    *,
    indexed: bool = False,
    feeds: tuple[str, str] | None = None,
    keys: Keys | None = None,
    first_reads: Sequence[Entry] = (),
) -> Pages:
    """A paginated list at `base`, `base/page/2/` ...; `first()` is the first page's
    introduction, made from `first_reads`. With `indexed`, the first page is a search
    result; no other page of a list is."""
    pages: Pages = {}
    chunks = paginate(entries, size)
    for number, chunk in enumerate(chunks, start=1):
        url = base if number == 1 else f"{base}page/{number}/"
        heading = title if number == 1 else f"{title} (page {number})"
        result = indexed and number == 1
        front = front_matter(heading, description, indexed=result, hide=["navigation", "toc"], feeds=feeds)
        make = _list_page(cards, base, url, chunk, (number, len(chunks)), first if number == 1 else None, heading)
        inputs = ""
        if keys is not None:
            reads = (*chunk, *first_reads) if number == 1 else chunk
            inputs = keys.of(reads, f"{number}/{len(chunks)}")
        pages[source_path(url)] = Planned(front, make, inputs=inputs, indexed=result)
    return pages


def _list_page(
    cards: Cards,
    base: str,
    url: str,
    chunk: Sequence[Entry],
    position: tuple[int, int],
    first: Callable[[], str] | None,
    heading: str,
) -> Callable[[], tuple[str, str]]:
    def make() -> tuple[str, str]:
        intro = first() if first is not None else f'<div class="digest-head"><h1>{esc(heading)}</h1></div>'
        return intro + "\n" + cards.list(url, chunk) + "\n" + pager(url, base, *position), ""

    return make


def term_list(page: str, pairs: Sequence[tuple[Term, int]], cls: str) -> str:
    items = "".join(
        f'<li>{link(page, term.url, term.name)} <span class="digest-count">{count}</span></li>'
        for term, count in pairs
    )
    return f'<ul class="{esc(cls)}">{items}</ul>'


# --- pages ----------------------------------------------------------------------------


def related_block(cards: Cards, others: Sequence[Entry]) -> str:
    if not others:
        return ""

    def item(o: Entry) -> Callable[[], str]:
        return lambda: f'<li>{_a(o.url, o.title)} <span class="digest-related__date">{time(o.date)}</span></li>'

    items = "".join(cards.fragment(("related", o.url), item(o)) for o in others)
    return f'<div class="digest-related" data-pagefind-ignore><h2>Related entries</h2><ul>{items}</ul></div>'


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


def entry_page(cards: Cards, entry: Entry, others: Sequence[Entry] = (), inputs: str = "") -> Pages:
    hide = ["navigation"] if may_have_heading(entry.body) else ["navigation", "toc"]
    front = front_matter(entry.title, entry.summary, indexed=True, hide=hide, entry=True)
    planned = Planned(front, lambda: _entry_html(cards, entry, others), entry.body.strip("\n"), inputs, indexed=True)
    return {entry_path(entry): planned}


def _entry_html(cards: Cards, entry: Entry, others: Sequence[Entry]) -> tuple[str, str]:
    digest = cards.digest
    dates = f'<span class="digest-meta__date">{time(entry.date)}</span>'
    if entry.updated:
        dates += f' <span class="digest-meta__updated">Updated {time(entry.updated)}</span>'
    rows = []
    for facet in digest.facets:
        keys = entry.terms_of(facet.key)
        if keys:
            links = ", ".join(_term_link(cards, facet.key, k) for k in keys)
            rows.append(
                f'<p class="digest-meta__terms digest-meta__{esc(facet.key)}">'
                f'<span class="digest-label" data-pagefind-ignore>{esc(facet.title)}:</span> {links}</p>'
            )
    sources = "".join(source_item(s) for s in entry.sources)
    corrections = ""
    if entry.corrections:
        notes = "".join(
            f'<li>{time(c.date)}: {esc(c.text)}</li>' for c in entry.corrections
        )
        corrections = f'<div class="digest-corrections" role="note"><h2 id="corrections" data-pagefind-ignore>Corrections</h2><ul>{notes}</ul></div>'
    draft = (
        '<p class="digest-draft" role="note" data-pagefind-ignore>Draft: not published. Only the local preview shows it.</p>'
        if entry.draft
        else ""
    )
    header = (
        '<div class="digest-entry__header">'
        f"{draft}<h1>{esc(entry.title)}</h1>"
        f'<p class="digest-meta" data-pagefind-ignore>{dates}</p>'
        + "".join(rows)
        + f'<p class="digest-summary">{esc(entry.summary)}</p>'
        + search_record(digest, entry)
        + "</div>"
    )
    sources_block = f'<div class="digest-sources"><h2 id="sources" data-pagefind-ignore>Sources</h2><ul>{sources}</ul></div>'
    head = "\n\n".join(
        part
        for part in (
            header,
            sources_block,
            corrections,
            '<div class="digest-writeup-label" data-pagefind-ignore><h2 id="write-up">What happened</h2></div>',
        )
        if part
    )
    tail = "\n\n".join(part for part in (related_block(cards, others), follow(cards, entry)) if part)
    up = up_from(entry.url)
    return head.replace(UP, up), tail.replace(UP, up)


def _term_link(cards: Cards, facet: str, key: str) -> str:
    """A link to a term's page (from the root: UP is put in per page). The term's
    aliases are search text too, so that 华为 finds the entries about Huawei."""
    term = cards.digest.term(facet, key)

    def make() -> str:
        aliases = ""
        if term.aliases:
            aliases = f' data-aliases="{esc(", ".join(term.aliases))}" data-pagefind-index-attrs="data-aliases"'
        return f'<a href="{UP}{esc(term.url)}"{aliases}>{esc(term.name)}</a>'

    return cards.fragment(("term", facet, key), make)


def search_record(digest: Digest, entry: Entry) -> str:
    """What the search index knows of an entry besides its words, in one empty, hidden
    element: its terms (by facet, singular: `actor`), year and day as filters, its day
    as the sort, and the meta a result shows (title, date, summary, term names, and
    its type, Entry, as a term page's is Actor or Topic).

    Pagefind indexes meta values as words too, so every entry has the word `entry`:
    explore lists entries without text by searching for it, since Pagefind fetches
    every chunk of words for a query without any (see assets/explore.js)."""
    day = entry.date.isoformat()
    parts = [
        '<span data-pagefind-meta="type:Entry"></span>',
        f'<span data-pagefind-meta="title:{esc(entry.title)}"></span>',
        f'<span data-pagefind-meta="summary:{esc(entry.summary)}"></span>',
        f'<span data-pagefind-filter="year:{entry.year}"></span>',
        f'<span data-pagefind-filter="date:{day}"></span>',
    ]
    for facet in digest.facets:
        keys = entry.terms_of(facet.key)
        if keys:
            names = ", ".join(digest.term(facet.key, k).name for k in keys)
            parts.append(f'<span data-pagefind-meta="{esc(facet.key)}:{esc(names)}"></span>')
            parts += [f'<span data-pagefind-filter="{esc(facet.singular)}:{esc(k)}"></span>' for k in keys]
    return (
        f'<div class="digest-record" hidden data-pagefind-sort="date:{day}" data-pagefind-meta="date:{day}">'
        + "".join(parts)
        + "</div>"
    )


def _term_feed(cards: Cards, facet: str, key: str) -> str:
    """A term's name and a link to its RSS feed (from the root)."""
    term = cards.digest.term(facet, key)
    return cards.fragment(("feed", facet, key), lambda: f'{esc(term.name)} ({_a(term.url + "feed.xml", "RSS")})')


def follow(cards: Cards, entry: Entry) -> str:
    """Subscribe links under an entry: the whole digest, and each of the entry's terms
    (from the root: UP is put in per page)."""
    terms = [_term_feed(cards, f.key, k) for f in cards.digest.facets for k in entry.terms_of(f.key)]
    return (
        '<div class="digest-follow" data-pagefind-ignore><h2>Follow</h2>'
        + _SUBSCRIBE_ALL
        + f'<p class="digest-subscribe"><span class="digest-label">This story\'s threads:</span> {" · ".join(terms)}</p>'
        + f'<p>{_a("feeds/", "Every feed")}</p></div>'
    )


def source_item(source: Source) -> str:
    parts = [f'<span class="digest-source__publisher">{esc(source.publisher)}</span>']
    if source.title:
        title = esc(source.title)
        if source.url:
            title = f'<a href="{esc(source.url)}" rel="nofollow noopener">{title}</a>'
        parts.append(f"<cite>{title}</cite>")
    elif source.url:
        parts.append(f'<a href="{esc(source.url)}" rel="nofollow noopener">{esc(source.url)}</a>')
    if source.date:
        parts.append(time(source.date))
    return f'<li class="digest-source">{", ".join(parts)}</li>'


def term_page(
    project: Project, cards: Cards, facet: Facet, term: Term, entries: Sequence[Entry], keys: Keys | None = None
) -> Pages:
    digest = cards.digest
    label = f"{term.name}: {project.site_name}"
    return paged(
        cards,
        term.url,
        entries,
        project.page_size,
        lambda: _term_intro(digest, facet, term, entries),
        term.name,
        term.description,
        indexed=True,
        feeds=(term.url, label),
        keys=keys,
        first_reads=entries,  # the introduction counts all of them
    )


def _term_aliases(term: Term) -> str:
    if not term.aliases:
        return ""
    return '<p class="digest-term__aliases"><span class="digest-label">Also known as:</span> ' + ", ".join(
        f"<span lang=\"{'zh' if _is_cjk(a) else 'en'}\">{esc(a)}</span>" for a in term.aliases
    ) + "</p>"


def _term_intro(digest: Digest, facet: Facet, term: Term, entries: Sequence[Entry]) -> str:
    base = term.url
    facts = []
    if term.kind:
        facts.append(f'<span class="digest-term__kind">{esc(KIND_LABELS.get(term.kind, term.kind))}</span>')
    if term.country:
        facts.append(f'<span class="digest-term__country">{esc(term.country)}</span>')
    facts.append(
        f'<span class="digest-count" data-pagefind-ignore>{len(entries)} {"entry" if len(entries) == 1 else "entries"}</span>'
    )
    years: dict[int, int] = {}
    for entry in entries:
        years[entry.year] = years.get(entry.year, 0) + 1
    timeline = ""
    if years:
        # Each year opens the explore page filtered to this term and that year: the
        # year's entries that show the term, not the whole year's archive.
        term_filter = f"explore/?{quote(facet.singular)}={quote(term.key)}"
        spans = " · ".join(
            f"{link(base, f'{term_filter}&from={y}-01-01&to={y}-12-31', str(y))} ({n})"
            for y, n in sorted(years.items(), reverse=True)
        )
        timeline = f'<p class="digest-term__years" data-pagefind-ignore><span class="digest-label">By year:</span> {spans}</p>'
    related = []
    for other in digest.facets:
        pairs = co_occurring(digest, entries, other.key, exclude=term.key if other.key == facet.key else None)[:10]
        if pairs:
            label = f"Often with these {other.key}" if other.key == facet.key else other.title
            related.append(
                f'<div class="digest-related-terms" data-pagefind-ignore><h2>{esc(label)}</h2>'
                + term_list(base, pairs, "digest-term-list")
                + "</div>"
            )
    # For Pagefind: the search text is the name, facts, description and aliases; the
    # facet (Actor, Topic) is the result's meta.
    return (
        f'<div class="digest-head digest-term" data-pagefind-meta="type:{esc(facet.singular.capitalize())}">'
        f'<p class="digest-kicker" data-pagefind-ignore>{link(base, facet.key + "/", facet.title)}</p>'
        f"<h1>{esc(term.name)}</h1>"
        f'<p class="digest-term__facts">{" · ".join(facts)}</p>'
        f'<p class="digest-term__description">{esc(term.description)}</p>'
        f"{_term_aliases(term)}"
        f"{timeline}"
        f"{subscribe(base, base, 'Follow ' + term.name)}"
        "</div>\n"
        + "".join(related)
        + '\n<div class="digest-section" data-pagefind-ignore><h2>Entries</h2></div>'
    )


def facet_index(digest: Digest, facet: Facet) -> Pages:
    page = f"{facet.key}/"
    pairs = terms_by_count(digest, facet.key)
    rows = "".join(
        '<div class="digest-term-card">'
        f"<h3>{link(page, term.url, term.name)}</h3>"
        f'<p class="digest-term-card__meta">{esc(KIND_LABELS.get(term.kind, term.kind)) + " · " if term.kind else ""}'
        f'{count} {"entry" if count == 1 else "entries"}</p>'
        f"<p>{esc(term.description)}</p>"
        "</div>"
        for term, count in pairs
    )
    body = (
        f'<div class="digest-head"><h1>{esc(facet.title)}</h1>'
        f"<p>Every {esc(facet.singular)} in the digest, the most covered first.</p></div>\n"
        f'<div class="digest-term-cards">{rows}</div>\n'
    )
    return {source_path(page): Planned(front_matter(facet.title, f"Every {facet.singular} in the digest.", hide=["navigation", "toc"]), _fixed(body))}


def week_label(week: Week) -> str:
    return f"Week {week.key[-2:]}, {long_date(week.start)} to {long_date(week.end)}"


def weekly_pages(project: Project, cards: Cards, weeks: Sequence[Week]) -> Pages:
    pages: Pages = {}
    weekly = ("weekly/", "Weekly issues")
    for index, week in enumerate(weeks):
        newer = weeks[index - 1] if index > 0 else None
        older = weeks[index + 1] if index + 1 < len(weeks) else None
        front = front_matter(f"Weekly issue {week.key}", week_label(week), hide=["navigation", "toc"], feeds=weekly)
        pages[source_path(week.url)] = Planned(front, _week_page(cards, week, newer, older))
    rows = "".join(
        f'<li>{link("weekly/", w.url, w.key)} <span class="digest-week-range">{esc(long_date(w.start))} to {esc(long_date(w.end))}</span> '
        f'<span class="digest-count">{len(w.entries)}</span></li>'
        for w in weeks
    )
    index_body = (
        '<div class="digest-head"><h1>Weekly issues</h1>'
        "<p>One issue per ISO week (Monday to Sunday) that has entries, newest first.</p>"
        + subscribe("weekly/", "weekly/", "Get every issue")
        + "</div>\n"
        f'<ul class="digest-week-list">{rows}</ul>\n'
    )
    pages["weekly/index.md"] = Planned(front_matter("Weekly issues", "The digest week by week.", hide=["navigation", "toc"], feeds=("weekly/", "Weekly issues")), _fixed(index_body))
    return pages


def _week_page(cards: Cards, week: Week, newer: Week | None, older: Week | None) -> Callable[[], tuple[str, str]]:
    digest = cards.digest

    def make() -> tuple[str, str]:
        page = week.url
        nav = []
        if older:
            # "issue", not "week": the neighbour is the nearest week with entries, however far.
            nav.append(f'<a rel="prev" href="{esc(rel(page, older.url))}">Previous issue ({esc(older.key)})</a>')
        if newer:
            nav.append(f'<a rel="next" href="{esc(rel(page, newer.url))}">Next issue ({esc(newer.key)})</a>')
        nav_html = f'<nav class="digest-pager digest-weeknav" aria-label="Weekly issues">{" ".join(nav)}</nav>' if nav else ""
        sections = []
        for term, members in by_primary_topic(digest, week.entries, _topic_facet(digest)):
            sections.append(
                f'<div class="digest-week-topic"><h2>{link(page, term.url, term.name)}</h2></div>\n'
                + cards.list(page, members)
            )
        body = (
            f'<div class="digest-head"><p class="digest-kicker">{link(page, "weekly/", "Weekly issues")}</p>'
            f"<h1>{esc(f'Weekly issue {week.key}')}</h1>"
            f"<p>{esc(long_date(week.start))} to {esc(long_date(week.end))}</p>"
            + lede_html(page, digest, week.entries)
            + "</div>\n"
            + nav_html
            + "\n"
            + "\n".join(sections)
            + "\n"
            + nav_html
            + "\n"
        )
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
    blocks = []
    for year in sorted(years, reverse=True):
        total = sum(len(m.entries) for m in years[year])
        items = "".join(
            f'<li>{link("archive/", m.url, month_name(m.year, m.month))} <span class="digest-count">{len(m.entries)}</span></li>'
            for m in years[year]
        )
        blocks.append(f'<div class="digest-archive-year"><h2 id="y{year}">{year} <span class="digest-count">{total}</span></h2><ul>{items}</ul></div>')
    body = (
        '<div class="digest-head"><h1>Archive</h1><p>Every entry, by year and month.</p></div>\n'
        + "\n".join(blocks)
        + "\n"
    )
    pages["archive/index.md"] = Planned(front_matter("Archive", "Every entry by year and month.", hide=["navigation", "toc"]), _fixed(body))
    for month in months:
        title = month_name(month.year, month.month)
        intro = f'<div class="digest-head"><p class="digest-kicker">{link(month.url, "archive/", "Archive")}</p><h1>{esc(title)}</h1></div>'
        description = f"Entries from {title}."
        pages.update(paged(cards, month.url, month.entries, project.page_size, _text(intro), title, description, keys=keys))
    return pages


def home_page(project: Project, cards: Cards, weeks: Sequence[Week]) -> Pages:
    digest = cards.digest
    page = ""
    parts = [f'<div class="digest-head digest-home"><h1>{esc(project.site_name)}</h1>']
    if project.site_description:
        parts.append(f'<p class="digest-lede">{esc(project.site_description)}</p>')
    parts.append("</div>")
    if weeks:
        week = weeks[0]
        parts.append(
            # "Latest", not "This week's": the newest issue may be weeks old, and the page
            # must not depend on the day it is built.
            '<div class="digest-week-box"><h2>Latest weekly issue</h2>'
            f"<p>{link(page, week.url, week_label(week))}</p>"
            + lede_html(page, digest, week.entries)
            + "</div>"
        )
    parts.append('<div class="digest-section"><h2>Latest entries</h2></div>')
    parts.append(cards.list(page, digest.entries[: project.home_entries]))
    parts.append(f'<p class="digest-more">{link(page, "archive/", "All entries in the archive")}</p>')
    for facet in digest.facets:
        pairs = [p for p in terms_by_count(digest, facet.key) if p[1]][:12]
        parts.append(
            f'<div class="digest-glance"><h2>{esc(facet.title)} at a glance</h2>'
            + term_list(page, pairs, "digest-term-list")
            + f'<p>{link(page, facet.key + "/", "All " + facet.key)}</p></div>'
        )
    parts.append(
        '<div class="digest-subscribe-box"><h2>Subscribe</h2>'
        + subscribe(page, "", "Every entry")
        + subscribe(page, "weekly/", "The weekly issue")
        + f'<p>Or follow one topic or actor: {link(page, "feeds/", "all feeds")}, '
        + f'and {link(page, "feeds.opml", "an OPML file")} to import them all.</p></div>'
    )
    body = "\n".join(parts) + "\n"
    return {"index.md": Planned(front_matter(project.site_name, project.site_description, hide=["navigation", "toc"]), _fixed(body))}


def feeds_page(project: Project, digest: Digest) -> Pages:
    page = "feeds/"

    def row(base: str, title: str, target: str) -> str:
        links = " · ".join(
            f'<a href="{esc(rel(page, base + name))}" type="{mime}">{fmt}</a>' for name, mime, fmt in FEED_FORMATS
        )
        return f"<li>{link(page, target, title)}: {links}</li>"

    parts = [
        '<div class="digest-head"><h1>Feeds</h1>'
        "<p>Follow the whole digest, one topic, one actor or the weekly issue in any feed reader. "
        "Every feed comes as RSS 2.0, Atom 1.0 and JSON Feed 1.1 and holds the newest "
        f"{project.feed_items} items. {link(page, 'feeds.opml', 'feeds.opml')} bundles every feed "
        "to import into a reader in one step.</p></div>",
        f'<div class="digest-feed-group"><h2 id="site">The whole digest</h2><ul>{row("", project.site_name, "")}</ul></div>',
        f'<div class="digest-feed-group"><h2 id="weekly">Weekly issues</h2><ul>{row("weekly/", "One item per week, with the full issue", "weekly/")}</ul></div>',
    ]
    for facet in digest.facets:
        rows = "".join(row(t.url, t.name, t.url) for t in sorted(digest.terms_of(facet.key), key=lambda t: (t.name.casefold(), t.key)))
        parts.append(f'<div class="digest-feed-group"><h2 id="{esc(facet.key)}">{esc(facet.title)}</h2><ul>{rows}</ul></div>')
    body = "\n".join(parts) + "\n"
    return {"feeds/index.md": Planned(front_matter("Feeds", "Every feed of the digest, and an OPML bundle.", hide=["navigation", "toc"]), _fixed(body))}


def explore_page(digest: Digest) -> Pages:
    """The filter page: the form is rendered here; assets/explore.js fills the results
    from the Pagefind index (facets are its filters, the date its sort), inserting every
    value as text. Each option's count is the term's number of entries; the script
    updates them to the current selection."""
    page = "explore/"
    selects = []
    for facet in digest.facets:
        counts = dict((t.key, n) for t, n in terms_by_count(digest, facet.key))
        options = "".join(
            f'<option value="{esc(t.key)}" data-name="{esc(t.name)}">{esc(t.name)} ({counts[t.key]})</option>'
            for t in sorted(digest.terms_of(facet.key), key=lambda t: (t.name.casefold(), t.key))
            if counts[t.key]
        )
        name = esc(facet.singular)
        selects.append(
            f'<div class="digest-explore__field"><label for="explore-{name}">{esc(facet.title)}</label>'
            f'<select id="explore-{name}" name="{name}" data-facet="{esc(facet.key)}" multiple size="6">{options}</select></div>'
        )
    days = [e.date for e in digest.entries]
    span = f' data-first="{min(days).isoformat()}" data-last="{max(days).isoformat()}"' if days else ""
    body = (
        '<div class="digest-head"><h1>Explore</h1>'
        "<p>Filter every entry by actor, topic, date and text. Hold Ctrl (or Cmd) to pick several "
        "actors or topics: an entry must match all of them. The filters are kept in the address, "
        "so a view can be shared.</p></div>\n"
        f'<form class="digest-explore" id="digest-explore" role="search" aria-label="Filter entries" '
        f'data-root="{esc(rel(page, ""))}"{span}>'
        '<div class="digest-explore__field digest-explore__text"><label for="explore-text">Text</label>'
        '<input id="explore-text" name="text" type="search" autocomplete="off" placeholder="Words anywhere in an entry"></div>'
        + "".join(selects)
        + '<div class="digest-explore__field"><label for="explore-from">From</label><input id="explore-from" name="from" type="date"></div>'
        '<div class="digest-explore__field"><label for="explore-to">To</label><input id="explore-to" name="to" type="date"></div>'
        '<div class="digest-explore__field"><button type="reset" class="md-button">Clear filters</button></div>'
        "</form>\n"
        '<p id="explore-count" class="digest-explore__count" role="status" aria-live="polite">Loading entries…</p>\n'
        '<div id="explore-results" class="digest-cards"></div>\n'
        '<p><button id="explore-more" type="button" class="md-button" hidden>Show more</button></p>\n'
        "<noscript><p>This page needs JavaScript. Browse by topic, actor, week or the archive instead.</p></noscript>\n"
        f'<script src="{esc(rel(page, "assets/explore.js"))}" defer></script>\n'
    )
    meta = front_matter("Explore", "Filter every entry by actor, topic, date and text.", hide=["navigation", "toc"])
    return {"explore/index.md": Planned(meta, _fixed(body))}


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _add(pages: Pages, planned: Pages, inputs: str) -> None:
    pages.update({path: replace(page, inputs=page.inputs or inputs) for path, page in planned.items()})


def entry_pages(digest: Digest, keys: Keys, related_entries: dict[str, tuple[Entry, ...]]) -> Pages:
    """One page per entry, with its related entries."""
    pages: Pages = {}
    cards = Cards(digest)
    for entry in digest.entries:
        others = related_entries[entry.url]
        pages.update(entry_page(cards, entry, others, keys.of((entry, *others))))
    return pages


def entry_path(entry: Entry) -> str:
    """The docs path of an entry's page."""
    return f"entries/{entry.year}/{entry.slug}.md"


def list_pages(project: Project, digest: Digest, keys: Keys) -> Pages:
    """Every other page: home, facets and terms, weeks, the archive, feeds, explore.
    None of them needs related entries."""
    pages: Pages = {}
    cards = Cards(digest)
    weeks = by_week(digest.entries)
    _add(pages, home_page(project, cards, weeks), keys.everything)
    for facet in digest.facets:
        _add(pages, facet_index(digest, facet), keys.everything)
        lists = by_term(digest, facet.key)
        for term in digest.terms_of(facet.key):
            _add(pages, term_page(project, cards, facet, term, lists[term.key], keys), "")
    weekly = weekly_pages(project, cards, weeks)
    for index, week in enumerate(weeks):
        # A week's page shows its entries and links the weeks on either side.
        around = "/".join(w.key for w in weeks[max(0, index - 1) : index + 2])
        path = source_path(week.url)
        _add(pages, {path: weekly.pop(path)}, keys.of(week.entries, around))
    _add(pages, weekly, keys.everything)  # the list of weeks
    _add(pages, archive_pages(project, cards, by_month(digest.entries), keys), keys.everything)
    _add(pages, feeds_page(project, digest), keys.everything)
    _add(pages, explore_page(digest), keys.everything)
    return pages
