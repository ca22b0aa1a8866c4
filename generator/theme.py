"""The digest's Jinja templates: the markup of every generated page and fragment.

They ship in `generator/templates/digest/`. A site overrides one the way Material's
templates are overridden: a file of the same name in `digest/` under the theme's
`custom_dir` (`overrides/digest/card.html` replaces the shipped `digest/card.html`).

Every value a template prints is escaped (autoescape); a template marks nothing safe by
itself, and Python marks safe only what it made safe (the JSON-LD, an entry's BibTeX).
Links are relative: `url(target)` is the link from the page in hand to the site path
`target`, so the site works on any base path and from a file copy.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from .html import MONTHS, long_date, month_name, rel

PACKAGE = Path(__file__).parent / "templates"
FOLDER = "digest"  # the templates' folder, in the package and in `custom_dir`

KIND_LABELS = {
    "state": "State",
    "government-body": "Government body",
    "company": "Company",
    "research-lab": "Research lab",
    "think-tank": "Think tank",
    "international-body": "International body",
    "person": "Person",
}

# Stands for the way up from a page to the site's root ("", "../", "../../" ...) in
# fragments made once and shown on many pages (entry cards); each page puts in its own.
# A control character, so no value can hold it: the reader refuses them all (text.py).
UP = "\x00"


def week_label(week: Any) -> str:
    return f"Week {week.key[-2:]}, {long_date(week.start)} to {long_date(week.end)}"


class Templates:
    """The templates of one project: its overrides first, then the package's."""

    def __init__(self, custom_dir: Path | None = None) -> None:
        self.custom_dir = custom_dir if custom_dir is not None and (custom_dir / FOLDER).is_dir() else None
        folders = [str(self.custom_dir)] if self.custom_dir is not None else []
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([*folders, str(PACKAGE)]),
            autoescape=True,  # markupsafe's escape, in C
            undefined=jinja2.StrictUndefined,  # a misspelt name is an error, not a blank
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.env.filters.update(
            long_date=long_date, month_name=month_name, week_label=week_label,
            month_day=lambda day: f"{MONTHS[day.month - 1]} {day.day}",
            iso=lambda day: day.isoformat(),  # a filter: cheaper than a call in a template
            kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        )
        self.env.globals["feed_formats"] = FEED_FORMATS

    @functools.cache  # noqa: B019 (one Templates per build)
    def _template(self, name: str) -> jinja2.Template:
        return self.env.get_template(f"{FOLDER}/{name}")

    def render(self, name: str, page: str | None, **context: Any) -> str:
        """`digest/<name>` for the page at site path `page`, tidied (see `tidy`). With
        `page` None, links start with UP, for a fragment shown on many pages."""
        try:
            return tidy(self._template(name).render(url=_linker(page), **context))
        except jinja2.TemplateError as err:
            raise TemplateError(_where(err, name), str(err.message or err)) from None

    def render_absolute(self, name: str, root: str, **context: Any) -> str:
        """`digest/<name>` with absolute links, from the site's root URL `root` (for
        feeds, whose readers show items away from the site)."""
        return self.render(name, None, **context).replace(UP, root)

    def check(self) -> list[TemplateError]:
        """Every template compiled now, so that a mistake in an override is reported
        before anything is built, with its file and line."""
        problems = []
        names = {p.name for p in (PACKAGE / FOLDER).glob("*.html")}
        if self.custom_dir is not None:
            names |= {p.relative_to(self.custom_dir / FOLDER).as_posix() for p in (self.custom_dir / FOLDER).rglob("*.html")}
        for name in sorted(names):
            try:
                self._template(name)
            except jinja2.TemplateSyntaxError as err:
                problems.append(TemplateError(f"{err.filename or name}:{err.lineno}", err.message or "syntax error"))
            except jinja2.TemplateError as err:
                problems.append(TemplateError(f"{FOLDER}/{name}:1", str(err.message or err)))
        return problems

    def fingerprint(self) -> str:
        """A hash of the override templates: cached output made with others differs."""
        digest = hashlib.blake2b(digest_size=16)
        if self.custom_dir is not None:
            folder = self.custom_dir / FOLDER
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                digest.update(file.relative_to(folder).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
        return digest.hexdigest()


class TemplateError(Exception):
    """A template that cannot make its page: `where` is `file:line`."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: template error: {message}")
        self.where, self.message = where, message


def _where(err: jinja2.TemplateError, name: str) -> str:
    """The template file and line where `err` was raised (Jinja puts template frames,
    with their own file names and lines, into the traceback)."""
    where = f"{FOLDER}/{name}:1"
    tb = err.__traceback__
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if file.endswith(".html"):
            where = f"{file}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


@functools.lru_cache(maxsize=1024)
def _linker(page: str | None) -> Callable[[str], str]:
    if page is None:
        return lambda target: UP + target
    return functools.partial(rel, page)


def tidy(html: str) -> str:
    """Template output without indentation or runs of blank lines. A generated page is
    also a Markdown file, where an indented line may start code and a blank line ends a
    block of HTML: so a template separates top-level elements by a blank line and
    leaves none inside one."""
    out: list[str] = []
    blank = False
    for line in html.split("\n"):
        line = line.strip()
        if not line:
            blank = bool(out)
            continue
        if blank:
            out.append("")
            blank = False
        out.append(line)
    return "\n".join(out)


class Feed(NamedTuple):
    name: str  # the file, in the feeds' folder
    type: str
    label: str


FEED_FORMATS = (
    Feed("feed.xml", "application/rss+xml", "RSS"),
    Feed("atom.xml", "application/atom+xml", "Atom"),
    Feed("feed.json", "application/feed+json", "JSON Feed"),
)
