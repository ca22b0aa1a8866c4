"""Stage 7, index: Pagefind's full-text search index of the built site.

Pagefind reads the built pages and indexes only what a page marks for it: the content
of entries and of each term's first page (`data-pagefind-body`), without the parts
marked `data-pagefind-ignore`, with the filters, sort and meta the pages declare. It
writes the index, split into chunks that a query fetches on demand, and its scripts
into `pagefind/` beside the pages. Its binary comes with the `pagefind` package.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from pagefind.service import get_executable

BUNDLE = "pagefind"  # the index's folder in the site


class SearchIndexError(RuntimeError):
    """Pagefind failed: its own message."""


def build_index(site: Path) -> None:
    """Index the site built in `site` (its `pagefind/` folder is replaced)."""
    executable = get_executable()
    if executable is None:
        raise SearchIndexError("the pagefind binary is missing: reinstall the project (`make setup`)")
    result = subprocess.run(
        [str(executable), "--site", str(site), "--output-subdir", BUNDLE, "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SearchIndexError(f"pagefind failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}")
