"""Stage 7, index: Pagefind's full-text search index of the built site, and explore's.

Pagefind reads the built pages and indexes only what a page marks for it: the content
of entries and of each term's first page (`data-pagefind-body`), without the parts
marked `data-pagefind-ignore`, with the filters, sort and meta the pages declare. It
writes the index, split into chunks that a query fetches on demand, and its scripts
into `pagefind/` beside the pages. Its binary comes with the `pagefind` package.

A second, small index serves /explore/ when it filters without text. Pagefind answers
a query with no text from its filters alone, but still fetches every chunk of words
first (1.5.2 asks for the chunks matching the empty word: all of them), which at
10,000 entries is megabytes. The explore index holds only each entry's search record
(render.search_record: filters, sort, meta and the one word `entry`), so the same
query fetches one small chunk. It lives in `pagefind/explore/`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pagefind.service import get_executable

BUNDLE = "pagefind"  # the site's index, in the site
EXPLORE_BUNDLE = "pagefind/explore"
RECORD = ".digest-record"  # an entry's search record (render.search_record)
RECORD_WORD = ".digest-record__word"  # its one word, for the explore index only


class SearchIndexError(RuntimeError):
    """Pagefind failed: its own message."""


def build_index(site: Path) -> None:
    """Index the site built in `site`: the site's index, then explore's.

    The live preview indexes the same folder on every rebuild. Pagefind names its
    chunks by their content and does not write a chunk that is there already, so a
    rebuild writes only what changed; the chunks it no longer needs stay until the
    preview ends (removing them all first made every rebuild create every file again,
    seconds at 1,000 entries)."""
    _pagefind(site, "--output-subdir", BUNDLE, "--exclude-selectors", RECORD_WORD)
    _pagefind(site, "--output-subdir", EXPLORE_BUNDLE, "--root-selector", RECORD, "--glob", "entries/**/*.html")


def _pagefind(site: Path, *options: str) -> None:
    executable = get_executable()
    if executable is None:
        raise SearchIndexError("the pagefind binary is missing: reinstall the project (`make setup`)")
    result = subprocess.run(
        [str(executable), "--site", str(site), *options, "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}")
