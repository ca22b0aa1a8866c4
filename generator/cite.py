"""Citations of an entry: BibTeX (bibtexparser, with pylatexenc for LaTeX's special
characters) and RIS (rispy), served beside the entry's page as `citation.bib` and
`citation.ris`, and shown on the page under "Cite this entry" with a formatted citation
(digest/cite.html).

The formatted citation is the template's, in the APA pattern for a web page by a group
author, not citeproc-py's: citeproc-py took 11 ms an entry here (two minutes for a
10,000-entry digest, three times its whole build) and does not escape HTML in the text
it formats.
"""

from __future__ import annotations

import functools

import rispy
from bibtexparser.library import Library
from bibtexparser.model import Entry as BibEntry
from bibtexparser.model import Field
from bibtexparser.writer import write
from pylatexenc.latexencode import UnicodeToLatexEncoder

from .config import Project
from .feeds import absolute
from .model import Digest, Entry

BIB = "citation.bib"
RIS = "citation.ris"


@functools.cache
def _encoder() -> UnicodeToLatexEncoder:
    # LaTeX's specials (braces, %, &, #, _ ...) and accented letters become macros, so no
    # title can unbalance a field; characters without one (Chinese) stay as they are,
    # for BibLaTeX and Biber read UTF-8.
    return UnicodeToLatexEncoder(
        unknown_char_policy="keep", unknown_char_warning=False, replacement_latex_protection="braces-after-macro"
    )


@functools.lru_cache(maxsize=4096)  # the site's name and term names recur in every record
def _latex(text: str) -> str:
    return str(_encoder().unicode_to_latex(text))


def _url(url: str) -> str:
    """A URL as a field holds it verbatim: braces and backslashes percent-encoded (the
    same address), so none can end the field."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def key(entry: Entry) -> str:
    """The citation key: the entry's slug and year (slugs are [a-z0-9-])."""
    return f"{entry.slug}-{entry.year}"


def bibtex(project: Project, digest: Digest, entry: Entry) -> str:
    """The entry as a BibTeX `@misc` record, in the fields BibLaTeX reads for a web page."""
    latex = _latex
    terms = [term.name for _, term in digest.entry_terms(entry)]
    values = {
        "title": latex(entry.title),
        # Double braces: a group author, never split into first and last names.
        "author": "{" + latex(project.site_name) + "}",
        "howpublished": latex(project.site_name),
        "year": str(entry.year),
        "month": str(entry.date.month),
        "date": entry.date.isoformat(),
        "url": _url(absolute(project, entry.url)),
        # No abstract: LaTeX-encoding a summary took a third of the record's time; the
        # RIS record has it, and the page.
        "keywords": latex(", ".join(terms)),
    }
    if entry.updated:
        values["note"] = f"Updated {entry.updated.isoformat()}"
    library = Library()
    # Each value in braces, as bibtexparser's enclosing middleware would put it (that
    # middleware copies the whole library first: most of the time of a record).
    library.add(BibEntry("misc", key(entry), [Field(name, "{" + value + "}") for name, value in values.items()]))
    return write(library)


def ris(project: Project, digest: Digest, entry: Entry) -> str:
    """The entry as an RIS record (type ELEC, a web page), for Zotero, EndNote, Mendeley."""
    record = {
        "type_of_reference": "ELEC",
        "title": entry.title,
        "authors": [project.site_name],
        "publisher": project.site_name,
        "year": str(entry.year),
        "date": entry.date.strftime("%Y/%m/%d/"),
        "urls": [absolute(project, entry.url)],
        "abstract": entry.summary,
        "keywords": [term.name for _, term in digest.entry_terms(entry)],
        "id": key(entry),
    }
    return str(rispy.dumps([record], implementation=_RisWriter))


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]
    """rispy's writer without its "1." line before a record, which RIS does not have
    (a file of one record starts at its TY tag)."""

    def set_header(self, count: int) -> str:
        return ""
