"""Read and validate a whole project (or some of its entries) into a Digest.

This is the only place that ties the reader to the validator; `digest check`, the
generator and the MkDocs plugin all come through here, so they report the same problems.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import procs
from .config import Project
from .duplicates import shared_sources, similar_titles
from .incremental import CheckCache, Checked, encode, file_hash
from .model import Digest, Entry, Problem, Term
from .read import find_entries, read_capped, read_entry, read_unless_link, read_yaml_file, relative
from .validate import Report, Taxonomy, build_taxonomy, future_dates, validate_entry, validate_taxonomy


@dataclass(frozen=True, slots=True)
class Loaded:
    digest: Digest | None  # None when there were errors
    problems: tuple[Problem, ...]  # sorted by file, line, column
    files: int  # how many files were checked
    hashes: dict[str, str] = field(default_factory=dict, compare=False)  # entry URL -> its file's hash

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
    """Checks that need every file at once: slugs equal but for case, near-duplicates
    (a shared source URL, a near-identical title: generator/duplicates.py) and (over
    the whole digest) terms no entry uses."""
    report.problems += shared_sources(report.urls)
    report.problems += similar_titles(report.titles)
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


def _check(file: Path, root: Path, taxonomy: Taxonomy) -> tuple[str | None, Checked]:
    """Read and validate one entry file. Returns the hash of the bytes it was read from
    (None for a symbolic link, refused unread) and the result."""
    report = Report()
    data = read_unless_link(file)
    raw, problems = read_entry(file, root, data)
    report.problems.extend(problems)
    entry = validate_entry(raw, taxonomy, report) if raw is not None else None
    checked = Checked(
        entry, tuple(report.problems), tuple(sorted(report.used)), tuple(report.urls), tuple(report.dates), tuple(report.titles)
    )
    return (file_hash(data) if data is not None else None), checked


# What checking a file gives: the hash of its bytes, its result as a JSON line for the
# check cache (None when the cache is off) and the result itself.
Result = tuple[str | None, str | None, Checked]


def check_files(files: list[Path], root: Path, taxonomy: Taxonomy, records: bool) -> list[Result]:
    """Check some files: the unit of work of a worker process. (Its results come back
    pickled: for these small frozen objects, faster than JSON and rebuilding them.)"""
    results: list[Result] = []
    for file in files:
        digest, checked = _check(file, root, taxonomy)
        results.append((digest, encode(checked) if records else None, checked))
    return results


# Below this many files a worker process costs more than it saves.
PARALLEL_FROM = 2000


def _in_chunks(files: list[Path], root: Path, taxonomy: Taxonomy, workers: int, records: bool) -> Iterator[Result]:
    """Each file's result (see Result), in file order, so output does not depend on
    scheduling. With several workers and many files, forked processes check contiguous
    chunks while this one checks the first."""
    if workers <= 1 or len(files) < PARALLEL_FROM or not procs.can_fork():
        yield from check_files(files, root, taxonomy, records)
        return
    # Equal shares: this process unpickles the others' results, which cost them about
    # as much to pickle.
    size = -(-len(files) // workers)
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    for results in procs.fork_map(functools.partial(check_files, root=root, taxonomy=taxonomy, records=records), chunks):
        yield from results


def _checked(
    project: Project, files: list[Path], taxonomy: Taxonomy, workers: int, entries: bool, whole: bool
) -> list[tuple[str | None, Checked]]:
    """Every file's result, from the check cache when its bytes are unchanged, with
    the hash of those bytes."""
    facet_files = [project.content_dir / f.file for f in project.facets]
    taxonomy_bytes = b"\0".join(f.read_bytes() if f.is_file() else b"" for f in facet_files)
    cache = CheckCache.open(project.root, taxonomy_bytes, repr(project.facets))
    results: list[tuple[str | None, Checked] | None] = [None] * len(files)
    todo: list[int] = []
    for index, file in enumerate(files):
        if cache.old and not file.is_symlink():  # an empty cache cannot answer: no need to hash
            with contextlib.suppress(OSError):  # unreadable: checked afresh, and reported
                known = file_hash(read_capped(file))
                hit = cache.get(relative(file, project.root), known, entry=entries)
                if hit is not None:
                    results[index] = (known, hit)
                    continue
        todo.append(index)
    fresh = _in_chunks([files[i] for i in todo], project.root, taxonomy, workers, records=cache.file is not None)
    for index, (digest, record, checked) in zip(todo, fresh, strict=True):
        results[index] = (digest, checked)
        if digest is not None and record is not None:
            cache.put(relative(files[index], project.root), digest, record)
    cache.save(whole)
    return [r for r in results if r is not None]


def load(
    project: Project,
    paths: Iterable[Path] | None = None,
    *,
    drafts: bool = False,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    workers: int = 1,
    findings_only: bool = False,
) -> Loaded:
    """Validate the taxonomy and the entries (all of them, or just `paths`).

    With several `workers`, files are read and checked in parallel processes; files
    unchanged since an earlier run come from the check cache (generator/cache.py).
    With `findings_only` (`digest check`) the result has problems but no digest.

    Entries dated after `as_of` are scheduled: left out like drafts, and kept (marked)
    with `drafts`, for the live preview. `today` enables the warning for entries dated
    in the future (`digest check`).
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
    hashes: dict[str, str] = {}
    for file_digest, checked in _checked(project, files, taxonomy, workers, entries=not findings_only, whole=paths is None):
        if checked.entry is not None:
            entries.append(checked.entry)
            if file_digest is not None:
                hashes[checked.entry.url] = file_digest
        report.problems += checked.problems
        report.used.update(checked.used)
        report.urls += checked.urls
        report.titles += checked.titles
        if today is not None:
            report.problems += future_dates(checked.dates, today)
    cross_checks(report, taxonomy, files, project.root, whole=paths is None)
    found = tuple(sorted(report.problems, key=Problem.sort_key))
    count = len(files) + len(project.facets)
    if report.errors or findings_only:
        return Loaded(None, found, count)
    published = [e for e in entries if drafts or not (e.draft or (as_of is not None and e.date > as_of))]
    # Newest first; the slug breaks ties so the order never depends on the file system.
    published.sort(key=lambda e: (e.published, e.date, e.slug), reverse=True)
    digest = Digest(tuple(published), project.facets, taxonomy.terms, as_of)
    return Loaded(digest, found, count, hashes)
