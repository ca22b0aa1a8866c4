"""Entry bodies as HTML for feeds: Markdown rendered, sanitised by allowlist, links absolute.

Pages get their HTML from MkDocs; feeds are rendered here. Either way the body was
checked for raw HTML at validation; nh3's allowlist is defence in depth.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import markdown
import nh3

from .html import esc, long_date
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


def raw_html(body: str) -> list[int]:
    """Offsets in `body` where Markdown would pass raw HTML through (tags, comments).

    The body is parsed by the same Markdown as the site, so code spans, indented and
    fenced code, lists and lazy continuations count exactly as they will render.
    """
    if "<" not in body:  # no tag, comment or processing instruction is possible
        return []
    parser = markdown.Markdown(extensions=EXTENSIONS)
    parser.convert(body)
    offsets: list[int] = []
    cursor = 0
    for stashed in parser.htmlStash.rawHtmlBlocks:
        text = str(stashed)
        if ENTITY.match(text):
            continue
        probe = text.strip().split("\n", 1)[0][:40]
        found = body.find(probe, cursor)
        if found < 0:
            found = body.find(probe)
        if found < 0:
            if text.startswith("<pre"):  # fenced code, rendered and stashed by the extension
                continue
            found = 0
        offsets.append(found)
        cursor = found + len(probe)
    return sorted(set(offsets))


def _absolute(base: str) -> object:
    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src"):
            if value.startswith("#"):
                return value
            joined = urljoin(base, value)
            scheme = urlsplit(joined).scheme.lower()
            return joined if scheme in SCHEMES else None
        return value

    return rewrite


def sanitise(html: str, base: str) -> str:
    """Allowlisted tags, attributes and URL schemes; relative links made absolute."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_absolute(base),  # type: ignore[arg-type]
        strip_comments=True,
    )


def body_html(entry: Entry, base: str) -> str:
    """The write-up, then sources and corrections, as one HTML fragment for a feed item."""
    html = markdown.markdown(entry.body, extensions=EXTENSIONS, output_format="html")
    parts = [html]
    if entry.corrections:
        notes = "".join(f"<li>{esc(long_date(c.date))}: {esc(c.text)}</li>" for c in entry.corrections)
        parts.append(f"<h3>Corrections</h3><ul>{notes}</ul>")
    sources = []
    for source in entry.sources:
        label = esc(source.publisher)
        if source.title:
            label += f", <cite>{esc(source.title)}</cite>"
        if source.date:
            label += f", {esc(long_date(source.date))}"
        if source.url:
            label = f'<a href="{esc(source.url)}">{label}</a>'
        sources.append(f"<li>{label}</li>")
    parts.append(f"<h3>Sources</h3><ul>{''.join(sources)}</ul>")
    return sanitise("\n".join(parts), base)
