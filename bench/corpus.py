"""A deterministic synthetic digest for the benchmark: N entries over several years.

Seeded, so the same N always gives the same files. Numbers are modelled on the bundled
digest: 2-5 actors and 1-3 topics per entry (a few actors and topics are far more common
than the rest), 1-3 sources, a 150-300 word write-up.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

from generator.bodies import EXTENSIONS

WORDS = ["export", "controls", "chips", "model", "access", "frontier", "lab", "government", "talks", "summit", "rule", "licence", "agency", "officials", "said", "week", "policy", "security", "industry", "companies", "market", "supply", "chain", "data", "centre", "compute", "training", "inference", "cloud", "customers", "allies", "partners", "review", "risk", "safety", "standards", "agreement", "dialogue", "channel", "deployment", "capability", "research", "release"]
KINDS = ("state", "government-body", "company", "research-lab", "think-tank", "international-body", "person")
ACTORS = 400
TOPICS = 40
START = dt.date(2022, 1, 1)
DAYS = 4 * 365

def markdown_extensions() -> str:
    """The site's Markdown extensions (generator/bodies.py) as mkdocs.yml lines."""
    lines = ["markdown_extensions:"]
    for name in EXTENSIONS:
        lines += ["  - toc:", "      permalink: true"] if name == "toc" else [f"  - {name}"]
    return "\n".join(lines) + "\n"


MKDOCS = """site_name: Benchmark Digest
site_description: A synthetic digest for the benchmark.
site_url: https://bench.example.org/
docs_dir: content/pages
use_directory_urls: true
theme:
  name: material
  custom_dir: {overrides}
  font: false
  static_templates: [sitemap-pages.xml]
  features:
    - navigation.tabs
    - content.code.copy
nav:
  - Home: index.md
  - Weekly: weekly/index.md
  - Topics: topics/index.md
  - Actors: actors/index.md
  - Archive: archive/index.md
  - Explore: explore/index.md
  - Feeds: feeds/index.md
  - About: about.md
extra_css:
  - assets/digest.css
{markdown}plugins:
  - digest
"""


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def _zipf(rng: random.Random, n: int, k: int) -> list[int]:
    """k distinct indexes below n, skewed towards small ones (a few terms are everywhere)."""
    chosen: list[int] = []
    while len(chosen) < k:
        index = min(int(rng.paretovariate(1.1)) - 1, n - 1)
        if index not in chosen:
            chosen.append(index)
    return chosen


def write_corpus(root: Path, count: int, overrides: Path, seed: int = 2026) -> Path:
    """Write a digest project with `count` entries into `root` (replacing it)."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    (root / "content/pages").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS.format(overrides=overrides, markdown=markdown_extensions()), encoding="utf-8")
    (root / "content/pages/about.md").write_text("---\ntitle: About\n---\n\n# About\n\nA benchmark.\n", encoding="utf-8")
    actors = []
    for i in range(ACTORS):
        kind = KINDS[i % len(KINDS)]
        actors.append(
            f"actor-{i:03d}:\n  name: Actor {i:03d}\n  kind: {kind}\n  country: US\n"
            f"  aliases: [A{i:03d}, 行动者{i:03d}]\n  description: {_sentence(rng)}\n"
        )
    (root / "content/actors.yml").write_text("".join(actors), encoding="utf-8")
    topics = [f"topic-{i:02d}:\n  name: Topic {i:02d}\n  description: {_sentence(rng)}\n" for i in range(TOPICS)]
    (root / "content/topics.yml").write_text("".join(topics), encoding="utf-8")
    for n in range(count):
        day = START + dt.timedelta(days=rng.randrange(DAYS))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
        actor_keys = ", ".join(f"actor-{i:03d}" for i in _zipf(rng, ACTORS, rng.randint(2, 5)))
        topic_keys = ", ".join(f"topic-{i:02d}" for i in _zipf(rng, TOPICS, rng.randint(1, 3)))
        sources = "".join(
            f"  - publisher: Outlet {rng.randrange(60)}\n    url: https://news{rng.randrange(60)}.example.org/{n}/{s}\n"
            f"    date: {day.isoformat()}\n"
            for s in range(rng.randint(1, 3))
        )
        summary = " ".join(_sentence(rng) for _ in range(3))[:480]
        paragraphs = "\n\n".join(" ".join(_sentence(rng) for _ in range(4)) for _ in range(rng.randint(3, 5)))
        text = (
            f"---\ntitle: {title} {n}\ndate: {day.isoformat()}\nsummary: {summary}\n"
            f"actors: [{actor_keys}]\ntopics: [{topic_keys}]\nsources:\n{sources}---\n\n{paragraphs}\n"
        )
        folder = root / "content/entries" / str(day.year)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"entry-{n:05d}.md").write_text(text, encoding="utf-8")
    return root
