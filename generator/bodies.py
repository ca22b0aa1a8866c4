"""Entry bodies as HTML for feeds: Markdown rendered, sanitised by allowlist, links absolute.

Pages get their HTML from MkDocs; feeds are rendered here. Either way the body was
checked for raw HTML at validation; nh3's allowlist is defence in depth.
"""

from __future__ import annotations

import contextvars
import functools
import html
import re
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.treeprocessors import Treeprocessor

from .model import Entry

# The Markdown extensions of the site (mkdocs.yml lists the same; a test keeps them in
# step). No attr_list or md_in_html: they would let an entry set attributes or raw HTML.
EXTENSIONS = ["toc", "tables", "footnotes", "sane_lists", "fenced_code"]
ENTITY = re.compile(r"^&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);$")

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "div", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "q", "s", "section", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
    "time": {"datetime"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "section": {"class"},
}
SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"  # what nh3 puts on every link


RAW_HTML = "raw HTML is not allowed; write Markdown (use `code` to show a tag)"
BODY_SCHEMES = {"http", "https", "mailto"}


class _Collect(Treeprocessor):
    """Records every link and image of the rendered tree (after inline processing)."""

    found: list[tuple[str, str]]

    def run(self, root: Element) -> None:
        self.found = [
            (el.tag, el.get("href" if el.tag == "a" else "src", "")) for el in root.iter() if el.tag in ("a", "img")
        ]


def _bad_link(url: str, within_site: bool = False) -> str | None:
    """Why a link in a body is refused, or None. Only absolute http(s), mailto or a
    same-page anchor; what a browser would decode is checked, not what was typed.
    `within_site` (hand-written pages) also allows a relative link, which MkDocs' strict
    build checks against the site's files."""
    if "\x02" in url:  # Markdown's placeholder: an obfuscated mailto autolink
        return None
    decoded = html.unescape(url).strip()
    if decoded.startswith("#"):
        return None
    if re.search(r"[\s\x00-\x1f\"'<>`\\]", decoded):
        return f"link '{url}' has spaces, quotes or control characters"
    parts = urlsplit(decoded)
    if within_site and not parts.scheme and not parts.netloc and not decoded.startswith("/"):
        return None
    if parts.scheme.lower() not in BODY_SCHEMES:
        return f"link '{url}' is not allowed: only http(s) and mailto links (absolute, with a host)"
    if parts.scheme.lower() in ("http", "https") and not parts.netloc:
        return f"link '{url}' has no host"
    return None


@functools.cache
def _checking_parser() -> tuple[markdown.Markdown, _Collect]:
    """One parser for all checks (building a Markdown instance costs more than a
    short write-up's conversion); `reset()` clears it between bodies."""
    parser = markdown.Markdown(extensions=EXTENSIONS)
    collect = _Collect(parser)
    parser.treeprocessors.register(collect, "digest-collect", -1)
    return parser, collect


@functools.cache
def _feed_parser() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS, output_format="html")


def body_problems(body: str, within_site: bool = False) -> list[tuple[int, str]]:
    """(offset in `body`, message) for raw HTML, refused links and images.

    The body is parsed by the same Markdown as the site, so code spans, indented and
    fenced code, lists and lazy continuations count exactly as they will render.
    """
    if "<" not in body and "](" not in body and "]:" not in body and "![" not in body:
        return []  # no tag, link or image is possible: the common case, kept cheap
    parser, collect = _checking_parser()
    parser.reset()
    collect.found = []
    parser.convert(body)
    found: list[tuple[int, str]] = []

    lowered = body.lower()

    def locate(probe: str, cursor: int) -> int:
        """Where `probe` (as Markdown saw it) was written; Markdown may have unescaped
        it, so fall back to its first letters, then to the next link syntax."""
        for text, start in ((probe, cursor), (probe, 0), (probe[:8].lower(), cursor)):
            at = (lowered if text.islower() else body).find(text, start) if text else -1
            if at >= 0:
                return at
        for syntax in ("](", "]:", "<"):
            at = body.find(syntax, cursor)
            if at >= 0:
                return at + len(syntax) if syntax != "<" else at
        return 0

    cursor = 0
    for stashed in parser.htmlStash.rawHtmlBlocks:
        text = str(stashed)
        if ENTITY.match(text):
            continue
        probe = text.strip().split("\n", 1)[0][:40]
        if body.find(probe) < 0 and text.startswith("<pre"):
            continue  # fenced code, rendered and stashed by the extension
        cursor = locate(probe, cursor)
        found.append((cursor, RAW_HTML))
    cursor = 0
    for tag, url in collect.found:
        if tag == "img":
            cursor = locate(url, cursor)
            found.append((cursor, "images are not allowed in an entry; link to the image instead"))
            continue
        reason = _bad_link(url, within_site)
        if reason:
            cursor = locate(url, cursor)
            found.append((cursor, reason))
    return sorted(set(found))


# The item URL that relative links in the write-up being sanitised resolve against:
# one nh3.Cleaner serves every item (making one costs more than cleaning a write-up),
# and its filter reads the URL from here. A context variable: safe under threads.
_BASE: contextvars.ContextVar[str] = contextvars.ContextVar("base")


def _absolute(tag: str, attribute: str, value: str) -> str | None:
    if attribute in ("href", "src"):
        if value.startswith("#"):
            return value
        joined = urljoin(_BASE.get(), value)
        scheme = urlsplit(joined).scheme.lower()
        return joined if scheme in SCHEMES else None
    return value


@functools.cache
def _feed_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_absolute,
        strip_comments=True,
    )


def sanitise(html: str, base: str) -> str:
    """Allowlisted tags, attributes and URL schemes; relative links made absolute."""
    token = _BASE.set(base)
    try:
        return _feed_cleaner().clean(html)
    finally:
        _BASE.reset(token)


# What MkDocs' rendering of a write-up legitimately carries in a page: heading ids and
# permalinks, footnote ids and classes, code-block language classes, table alignment.
PAGE_ATTRIBUTES = {
    **ATTRIBUTES,
    "a": {"href", "title", "class"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id"},
    "sup": {"id"},
    "code": {"class"},
    "td": {"align", "style"},
    "th": {"align", "style"},
}


@functools.cache
def _page_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        attributes=PAGE_ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel=LINK_REL,
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


def sanitise_page(html: str) -> str:
    """A write-up as MkDocs rendered it, allowlisted for a page (defence in depth: the
    checker already refused raw HTML and bad links)."""
    return _page_cleaner().clean(html)


def writeup_html(entry: Entry) -> str:
    """The write-up as HTML for a feed item (sanitised with the rest of the item)."""
    parser = _feed_parser()
    parser.reset()
    return parser.convert(entry.body)
