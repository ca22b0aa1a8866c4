"""Escaping, dates and relative links for generated pages.

Every value from front matter or a taxonomy file is untrusted. It is only ever placed
in a page through `esc` (element text and attribute values: the templates' autoescape
calls it), inside raw HTML blocks that Markdown leaves alone, so Markdown syntax in a
title stays text too.
"""

from __future__ import annotations

import datetime as dt
import functools
import html

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


# Both caches are for values repeated across pages (term names, links to terms); small
# enough not to pile up.
@functools.lru_cache(maxsize=8192)
def _esc(value: str) -> str:
    return _escape(value)


def _escape(value: str) -> str:
    return html.escape(value, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def esc(value: object) -> str:
    """Escape text for HTML element content and double- or single-quoted attributes.

    Braces are escaped too, so `{{ 7*7 }}` can never reach a template engine as syntax.
    """
    text = str(value)
    # Short values are cached: a term's name is escaped on every card that shows it.
    # Long ones (summaries) are each escaped a few times at most: a cache only costs.
    return _escape(text) if len(text) > 80 else _esc(text)


def long_date(day: dt.date) -> str:
    """`12 May 2026`, the same in every locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_name(year: int, month: int) -> str:
    return f"{MONTHS[month - 1]} {year}"


@functools.lru_cache(maxsize=8192)
def rel(page: str, target: str) -> str:
    """Relative link from the page at site path `page` (a directory URL) to `target`.

    Relative links work on any base path, under `mkdocs serve` and from a file copy.
    (String work rather than posixpath.relpath, which is slow: pages make tens of
    thousands of links.)
    """
    here = page.split("/")[:-1] if page else []
    there = target.split("/")
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    link = "../" * (len(here) - common) + "/".join(there[common:])
    return link or "./"
