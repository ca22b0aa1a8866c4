"""The floor: a plain MkDocs + Material project with a given number of HTML pages.

Theme material without web fonts, only the search plugin, one page in the nav and every
other page kept out of it (`not_in_nav`), so MkDocs builds it without a warning. Each
page is plain Markdown: a title and about 250 words. Seeded, so deterministic.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from .corpus import WORDS

MKDOCS = """site_name: Benchmark Floor
site_url: https://floor.example.org/
use_directory_urls: true
theme:
  name: material
  font: false
plugins:
  - search
nav:
  - Home: index.md
not_in_nav: |
  /**
"""
WORDS_PER_PAGE = 250


def _page(rng: random.Random, title: str) -> str:
    sentences: list[str] = []
    words = 0
    while words < WORDS_PER_PAGE:
        sentence = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        words += len(sentence)
        sentences.append(" ".join(sentence).capitalize() + ".")
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n"


def write_floor(root: Path, pages: int, seed: int = 2026) -> Path:
    """A project in `root` (replacing it) whose build has `pages` index.html files."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    docs.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
    (docs / "index.md").write_text(_page(rng, "Home"), encoding="utf-8")
    for n in range(1, max(pages, 1)):
        folder = docs / f"p{n // 1000:02d}"  # at most 1,000 files in a folder
        folder.mkdir(exist_ok=True)
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
        (folder / f"page-{n:05d}.md").write_text(_page(rng, f"{title} {n}"), encoding="utf-8")
    return root
