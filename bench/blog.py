"""The comparison: the same entries as Material blog posts, with tags and RSS.

Material's `blog` plugin (posts, archive, category pages; categories from topics), its
`tags` plugin (tags from actors, one tags index page), `search`, and `rss` from the
mkdocs-rss-plugin package. That package is not one of the project's dependencies: it is
installed with MkDocs and Material (pinned by constraints.txt) into a venv of its own
under the work folder, never into the project's .venv. If it cannot be installed, the
comparison runs without it and says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .corpus import markdown_extensions
from .measure import environment

CORE = ("mkdocs==1.6.1", "mkdocs-material==9.7.6", "jieba")  # jieba: as the project's search has it
RSS = "mkdocs-rss-plugin"
PAGE_SIZE = 20  # the digest's page_size
FEED_ITEMS = 50  # the digest's feed_items

MKDOCS = """site_name: Benchmark Blog
site_description: The benchmark's entries as Material blog posts.
site_url: https://blog.example.org/
use_directory_urls: true
theme:
  name: material
  font: false
  features:
    - navigation.tabs
nav:
  - Home: index.md
  - Blog:
      - blog/index.md
  - Tags: tags.md
{markdown}plugins:
  - search
  - blog:
      post_url_format: "{{date}}/{{slug}}"
      pagination_per_page: {page_size}
  - tags
{rss}"""
RSS_CONFIG = f"""  - rss:
      match_path: "blog/posts/.*"
      use_git: false
      length: {FEED_ITEMS}
      date_from_meta:
        as_creation: date.created
      categories:
        - categories
        - tags
"""


@dataclass(frozen=True, slots=True)
class BlogEnv:
    bin: Path
    rss: bool
    note: str


def setup_venv(folder: Path, constraints: Path, timeout: float) -> BlogEnv:
    """A venv with MkDocs, Material and (if it installs) mkdocs-rss-plugin; reused if there."""
    marker = folder / "bench-installed.json"
    if marker.is_file():
        data = json.loads(marker.read_text(encoding="utf-8"))
        return BlogEnv(folder / "bin", bool(data["rss"]), str(data["note"]))
    if folder.exists():
        shutil.rmtree(folder)
    _call([sys.executable, "-m", "venv", str(folder)], timeout, "create the comparison venv")
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    pip += ["-c", str(constraints)]
    rss, note = True, f"rss from {RSS}"
    try:
        _call([*pip, *CORE, RSS], timeout, f"install {RSS}")
    except RuntimeError as err:
        rss, note = False, f"without rss: {RSS} could not be installed ({str(err).splitlines()[0]})"
        _call([*pip, *CORE], timeout, "install MkDocs and Material")
    if rss:
        version = subprocess.run(
            [str(folder / "bin" / "python"), "-m", "pip", "show", RSS],
            capture_output=True, text=True, timeout=timeout, check=False,
        ).stdout
        found = [line.split(":", 1)[1].strip() for line in version.splitlines() if line.startswith("Version:")]
        note = f"rss from {RSS} {found[0] if found else ''}".strip()
    marker.write_text(json.dumps({"rss": rss, "note": note}), encoding="utf-8")
    return BlogEnv(folder / "bin", rss, note)


def _call(command: list[str], timeout: float, what: str) -> None:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=environment(), check=False)
    except subprocess.TimeoutExpired as err:
        raise RuntimeError(f"{what}: timed out after {timeout:.0f} s") from err
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")] or proc.stderr.splitlines()[-3:]
        raise RuntimeError(f"{what}: exit {proc.returncode}: {' '.join(errors)}")


def _front(text: str) -> tuple[dict[str, Any], str]:
    _, front, body = text.split("---\n", 2)
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data, body.strip()


def _names(path: Path) -> dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(key): str(value["name"]) for key, value in data.items()}


def _q(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)  # JSON strings are YAML strings


def write_blog(project: Path, root: Path, rss: bool) -> int:
    """Convert the digest project's entries into a blog project in `root`; return the post count."""
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    (docs / "blog" / "posts").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS.format(page_size=PAGE_SIZE, rss=RSS_CONFIG if rss else "", markdown=markdown_extensions()), encoding="utf-8")
    (docs / "index.md").write_text("# Benchmark Blog\n\nThe benchmark's entries as blog posts.\n", encoding="utf-8")
    (docs / "blog" / "index.md").write_text("# Blog\n", encoding="utf-8")
    (docs / "tags.md").write_text("# Tags\n\n<!-- material/tags -->\n", encoding="utf-8")
    actors = _names(project / "content" / "actors.yml")
    topics = _names(project / "content" / "topics.yml")
    posts = 0
    for file in sorted((project / "content" / "entries").rglob("*.md")):
        meta, body = _front(file.read_text(encoding="utf-8"))
        lines = ["---", "date:", f"  created: {meta['date']}", f"description: {_q(meta['summary'])}", "categories:"]
        lines += [f"  - {_q(topics[str(key)])}" for key in meta["topics"]]
        lines += ["tags:"]
        lines += [f"  - {_q(actors[str(key)])}" for key in meta["actors"]]
        lines += ["---", "", f"# {meta['title']}", "", str(meta["summary"]), "", "<!-- more -->", "", body, ""]
        lines += ["## Sources", ""]
        for source in meta["sources"]:
            lines.append(f"- [{source['publisher']}]({source['url']}), {source['date']}")
        folder = docs / "blog" / "posts" / file.parent.name
        folder.mkdir(exist_ok=True)
        (folder / file.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        posts += 1
    return posts
