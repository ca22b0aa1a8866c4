"""Read and validate a whole project (or some of its entries) into a Digest.

This is the only place that ties the reader to the validator; `digest check`, the
generator and the MkDocs plugin all come through here, so they report the same problems.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .config import Project
from .model import Digest, Entry, Problem, Term
from .read import find_entries, read_entry, read_yaml_file, relative
from .validate import Report, Taxonomy, build_taxonomy, validate_entry, validate_taxonomy


@dataclass(frozen=True, slots=True)
class Loaded:
    digest: Digest | None  # None when there were errors
    problems: tuple[Problem, ...]  # sorted by file, line, column
    files: int  # how many files were checked

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)


def load_taxonomy(project: Project, report: Report) -> Taxonomy:
    terms: dict[str, tuple[Term, ...]] = {}
    for facet in project.facets:
        file = project.content_dir / facet.file
        path = file.relative_to(project.root).as_posix()
        if not file.is_file():
            report.problems.append(Problem(path, 1, 1, "file", f"missing: the {facet.singular} list is required"))
            continue
        if file.is_symlink():
            report.problems.append(Problem(path, 1, 1, "file", "symbolic links are not allowed"))
            continue
        node, problems = read_yaml_file(file, project.root)
        report.problems.extend(problems)
        if not any(p.field == "yaml" for p in problems):
            terms[facet.key] = validate_taxonomy(facet, node, path, report)
    return build_taxonomy(project.facets, terms)


def cross_checks(report: Report, taxonomy: Taxonomy, files: list[Path], root: Path, whole: bool) -> None:
    """Checks that need every file at once: slugs equal but for case, shared source
    URLs and (over the whole digest) terms no entry uses."""
    by_url: dict[str, str] = {}
    for link, path, line, col, name in sorted(report.urls, key=lambda u: (u[1], u[2])):
        first = by_url.setdefault(link, path)
        if first != path:
            report.problems.append(Problem(path, line, col, name, f"{link} is already cited by {first}", "warning"))
    by_slug: dict[tuple[str, str], str] = {}
    for file in files:
        path = relative(file, root) if file.is_absolute() else file.as_posix()
        folder, _, name = path.rpartition("/")
        first = by_slug.setdefault((folder, name.lower()), path)
        if first != path:
            report.problems.append(Problem(path, 1, 1, "file", f"same URL as {first}: slugs must differ by more than case"))
    if whole:
        for facet_key, terms in taxonomy.terms:
            facet = next(f for f in taxonomy.facets if f.key == facet_key)
            for term in terms:
                if (facet_key, term.key) not in report.used:
                    where, line, col = report.places[(facet_key, term.key)]
                    report.problems.append(
                        Problem(where, line, col, term.key, f"no entry uses this {facet.singular}", "warning")
                    )


def check_files(
    files: list[Path], root: Path, taxonomy: Taxonomy, today: dt.date | None, keep: bool = True
) -> tuple[list[Entry], Report]:
    """Read and validate some entry files; the unit of work of a worker process.

    With `keep` false only the findings come back (all `digest check` needs), which
    spares a worker from pickling every entry back to its parent."""
    report = Report()
    entries: list[Entry] = []
    for file in files:
        raw, problems = read_entry(file, root)
        report.problems.extend(problems)
        if raw is not None:
            entry = validate_entry(raw, taxonomy, report, today)
            if entry is not None and keep:
                entries.append(entry)
    return entries, report


# Below this many files a worker process costs more than it saves.
PARALLEL_FROM = 2000


def _in_chunks(
    files: list[Path], root: Path, taxonomy: Taxonomy, today: dt.date | None, workers: int, keep: bool
) -> list[tuple[list[Entry], Report]]:
    """check_files over contiguous chunks, in worker processes when there are many files.

    Results come back in file order, so output does not depend on scheduling.
    """
    if workers <= 1 or len(files) < PARALLEL_FROM or "fork" not in mp.get_all_start_methods():
        return [check_files(files, root, taxonomy, today, keep)]
    size = -(-len(files) // workers)
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    # fork: workers inherit the loaded modules, so they start in milliseconds. Only
    # from a process with no other threads (not under the live preview's server).
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as pool:
        n = len(chunks)
        return list(pool.map(check_files, chunks, [root] * n, [taxonomy] * n, [today] * n, [keep] * n))


def load(
    project: Project,
    paths: Iterable[Path] | None = None,
    *,
    drafts: bool = False,
    today: dt.date | None = None,
    workers: int = 1,
    findings_only: bool = False,
) -> Loaded:
    """Validate the taxonomy and the entries (all of them, or just `paths`).

    With several `workers`, files are read and checked in parallel processes. With
    `findings_only` (`digest check`) the entries are not kept: the result has problems
    but no digest, and the workers are spared sending every entry back.

    `today` enables the warning for entries dated in the future; the build passes
    none, so its output never depends on the clock.
    """
    report = Report()
    taxonomy = load_taxonomy(project, report)
    files: list[Path]
    if paths is None:
        files, stray = find_entries(project.entries_dir, project.root)
        report.problems.extend(stray)
    else:
        files = list(paths)
    files = [file if file.is_absolute() else file.resolve() for file in files]
    entries: list[Entry] = []
    for chunk_entries, chunk in _in_chunks(files, project.root, taxonomy, today, workers, not findings_only):
        entries += chunk_entries
        report.problems += chunk.problems
        report.used |= chunk.used
        report.urls += chunk.urls
    cross_checks(report, taxonomy, files, project.root, whole=paths is None)
    found = tuple(sorted(report.problems, key=Problem.sort_key))
    checked = len(files) + len(project.facets)
    if report.errors or findings_only:
        return Loaded(None, found, checked)
    published = [e for e in entries if drafts or not e.draft]
    # Newest first; the slug breaks ties so the order never depends on the file system.
    published.sort(key=lambda e: (e.published, e.date, e.slug), reverse=True)
    digest = Digest(tuple(published), project.facets, taxonomy.terms)
    return Loaded(digest, found, checked)
