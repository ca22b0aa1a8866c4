"""Escaping and small HTML builders for generated pages.

Every value from front matter or a taxonomy file is untrusted. It is only ever placed
in a page through `esc` (element text and attribute values), inside raw HTML blocks that
Markdown leaves alone, so Markdown syntax in a title stays text too.
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def esc(value: object) -> str:
    """Escape text for HTML element content and double- or single-quoted attributes.

    Braces are escaped too, so `{{ 7*7 }}` can never reach a template engine as syntax.
    """
    return html.escape(str(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def long_date(day: dt.date) -> str:
    """`12 May 2026`, the same in every locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


def time(day: dt.date) -> str:
    return f'<time datetime="{day.isoformat()}">{long_date(day)}</time>'


def rel(page: str, target: str) -> str:
    """Relative link from the page at site path `page` (a directory URL) to `target`.

    Relative links work on any base path, under `mkdocs serve` and from a file copy.
    """
    link = posixpath.relpath(target or ".", page or ".")
    if (target == "" or target.endswith("/")) and link != ".":
        link += "/"
    return "./" if link in (".", "./") else link


def link(page: str, target: str, text: str, cls: str = "") -> str:
    attr = f' class="{esc(cls)}"' if cls else ""
    return f'<a href="{esc(rel(page, target))}"{attr}>{esc(text)}</a>'
