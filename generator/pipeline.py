"""The whole generator in one call: load, then render pages and copy the site's assets.

The result is the same for `mkdocs build`, `mkdocs serve` and `digest generate --out
DIR`: planned pages, and the other files as a stream, so that neither the pages' HTML
nor the feeds of a large digest are ever all in memory at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .cite import BIB, RIS, bibtex, ris
from .config import Project, as_of_date
from .data import entries_csv, entries_json
from .emit import Content, Lazy
from .feeds import render_feeds
from .group import related
from .incremental import Keys, Store, package_hash, remember
from .load import Loaded, load
from .model import Digest, Entry, Problem
from .read import decode, find_entries, parse_yaml, relative, split_front_matter
from .render import Planned, entry_pages, list_pages
from .text import blank_forbidden, forbidden_chars, position
from .theme import Templates
from .validate import Report, check_markdown, mapping
from .validate import text as text_field

Files = dict[str, str | bytes]
ASSETS = ("digest.css", "explore.js", "search.js")
PAGE_KEYS = ("title", "description")


def pages_dir(project: Project) -> Path:
    """Hand-written pages (about ...): MkDocs' docs_dir, copied as they are."""
    return project.content_dir / "pages"


def check_pages(project: Project) -> list[Problem]:
    """Hand-written pages follow the entries' rule: Markdown only, no raw HTML."""
    report = Report()
    # MkDocs would publish any other file of the folder as it is (an .html or .svg
    # with a script), and follow a symbolic link anywhere on the building machine.
    stray = "not a page: only Markdown files (.md) belong in content/pages/"
    files, problems = find_entries(pages_dir(project), project.root, stray)
    report.problems.extend(problems)
    for file in files:
        path = relative(file, project.root)
        text, problems = decode(file.read_bytes(), path)
        report.problems.extend(problems)
        if text is None:
            continue
        for index, name in forbidden_chars(text):
            line, col = position(text, index)
            report.problems.append(Problem(path, line, col, "file", f"forbidden character {name}"))
        text = blank_forbidden(text)
        body, body_line = text, 1
        if text.startswith("---\n"):
            front_text, front_line, body, body_line, split = split_front_matter(text, path)
            report.problems.extend(split)
            node, yaml_problems = parse_yaml(front_text or "", path, front_line)
            report.problems.extend(yaml_problems)
            # Only these keys: a page may never pick a template, hide search or the like.
            if node is not None and mapping(report, path, node, "", PAGE_KEYS):
                for key, value in node.pairs:
                    if key.text in PAGE_KEYS:
                        text_field(report, path, value, key.text, max_len=500)
        check_markdown(report, path, body, body_line, within_site=True)
    return report.problems


def template_problems(project: Project, templates: Templates) -> list[Problem]:
    """The digest's templates, overrides included, each compiled: a mistake is an error
    naming the file and line, before anything is built."""
    problems = []
    for problem in templates.check():
        file, _, line = problem.where.rpartition(":")
        path = file
        if Path(file).is_relative_to(project.root):
            path = relative(Path(file), project.root)
        problems.append(Problem(path, int(line), 1, "template", problem.message))
    return problems


def asset_files() -> Files:
    folder = Path(__file__).parent / "assets"
    return {f"assets/{name}": (folder / name).read_bytes() for name in ASSETS}


@dataclass(frozen=True)
class Output:
    """What the generator makes: planned pages (their HTML made on demand), and every
    other file (feeds, JSON, assets), made as it is written."""

    project: Project
    digest: Digest
    keys: Keys
    templates: Templates

    @functools.cached_property
    def pages(self) -> dict[str, Planned]:
        """Planned on first use: a build starts making feeds on the other core first,
        since they need no page."""
        return {**self.entry_pages, **self.list_pages}

    @functools.cached_property
    def entry_pages(self) -> dict[str, Planned]:
        return entry_pages(self.project, self.digest, self.templates, self.keys, related_of(self.project, self.digest))

    @functools.cached_property
    def list_pages(self) -> dict[str, Planned]:
        return list_pages(self.project, self.digest, self.templates, self.keys)

    def other(self) -> Iterator[tuple[str, Content]]:
        """Every file but the pages: feeds, then data and assets."""
        yield from self.feed_files()
        yield from self.data_files()

    def feed_files(self) -> Iterator[tuple[str, Content]]:
        # Feed items' HTML is kept in the cache, under the salt of the output code.
        store = Store(self.project.root, "feed-items", self.keys.salt)
        yield from render_feeds(self.project, self.digest, self.templates, self.keys, store)

    def data_files(self) -> Iterator[tuple[str, Content]]:
        """The data exports (entries.json, entries.csv), each entry's citation files, and
        the assets."""
        pieces = Store(self.project.root, "entry-json", self.keys.salt)
        yield "entries.json", Lazy(f"{self.keys.everything}-json", lambda: self._entries_json(pieces))
        yield "entries.csv", Lazy(f"{self.keys.everything}-csv", lambda: entries_csv(self.project, self.digest))
        for entry in self.digest.entries:
            key = self.keys.of((entry,))
            yield f"{entry.url}{BIB}", Lazy(f"{key}-bib", functools.partial(bibtex, self.project, self.digest, entry))
            yield f"{entry.url}{RIS}", Lazy(f"{key}-ris", functools.partial(ris, self.project, self.digest, entry))
        yield from asset_files().items()

    def _entries_json(self, pieces: Store) -> str:
        text = entries_json(self.project, self.digest, self.keys, pieces)
        pieces.save(set(self.keys.entries.values()).__contains__)
        return text

    def page_files(self, pages: dict[str, Planned] | None = None) -> Iterator[tuple[str, Content]]:
        """The pages (or some of them) as files, each made only if the emitter needs it."""
        for path, planned in (self.pages if pages is None else pages).items():
            yield path, Lazy(planned.key, _text_of(planned))

def _text_of(planned: Planned) -> Callable[[], str]:
    return lambda: planned.page().text


def generate(
    project: Project, *, drafts: bool = False, workers: int = 1, as_of: dt.date | None = None
) -> tuple[Output | None, Loaded]:
    """Validate everything; nothing when there is any error. The pages are planned
    when first asked for (Output.pages).

    `drafts` includes draft and scheduled entries (marked as such): the live preview
    does, so a contributor can see an entry before it is published; builds never do.
    `as_of` is the publishing date (default: config.as_of_date, from $DIGEST_AS_OF or
    today). `workers` reads entries in that many processes (forked: never from a
    threaded process).
    """
    loaded = load(project, drafts=drafts, as_of=as_of or as_of_date(), workers=workers)
    templates = Templates(project.custom_dir)
    extra = check_pages(project) + template_problems(project, templates)
    if extra:
        problems = tuple(sorted((*loaded.problems, *extra), key=lambda p: p.sort_key()))
        loaded = Loaded(None, problems, loaded.files)
    if loaded.digest is None:
        return None, loaded
    digest = loaded.digest
    keys = Keys(project, digest, templates.fingerprint(), loaded.hashes)
    return Output(project, digest, keys, templates), loaded


def related_of(project: Project, digest: Digest) -> dict[str, tuple[Entry, ...]]:
    """Related entries (group.related), kept in the cache between runs: they change only
    when an entry is added or removed, or its dates or terms change."""

    def shape() -> str:
        key = hashlib.blake2b(package_hash().encode(), digest_size=16)
        key.update(repr([(e.url, e.published, e.date, e.terms) for e in digest.entries]).encode())
        key.update(repr(digest.facets).encode())
        return key.hexdigest()

    def as_json(fresh: dict[str, tuple[Entry, ...]]) -> dict[str, list[str]]:
        return {url: [o.url for o in others] for url, others in fresh.items()}

    value, stored = remember(project.root, "related", shape, lambda: related(digest), as_json)
    if not stored:
        return value  # type: ignore[no-any-return]
    by_url = {e.url: e for e in digest.entries}
    try:
        return {url: tuple(by_url[o] for o in value[url]) for url in by_url}
    except (KeyError, TypeError):  # a damaged cache: make them afresh
        return related(digest)


def hand_written(project: Project) -> Files:
    """The hand-written pages, for a self-contained `digest generate --out DIR`."""
    folder = pages_dir(project)
    if not folder.is_dir():
        return {}
    return {
        file.relative_to(folder).as_posix(): file.read_bytes()
        for file in sorted(folder.rglob("*"))
        if file.is_file() and not any(p.startswith(".") for p in file.relative_to(folder).parts)
    }
