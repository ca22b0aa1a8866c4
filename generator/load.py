"""Read and validate a whole project (or some of its entries) into a Digest.

This is the only place that ties the reader to the validator; `digest check`, the
generator and the MkDocs plugin all come through here, so they report the same problems.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import Project
from .model import Digest, Entry, Problem, Term
from .read import find_entries, read_entry, read_yaml_file
from .validate import Report, Taxonomy, build_taxonomy, validate_entry, validate_taxonomy


@dataclass(frozen=True, slots=True)
class Loaded:
    digest: Digest | None  # None when there were errors
    problems: tuple[Problem, ...]  # sorted by file, line, column
    files: int  # how many files were checked

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)


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
        path = file.relative_to(root).as_posix() if file.is_absolute() else file.as_posix()
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


def load(
    project: Project,
    paths: Iterable[Path] | None = None,
    *,
    drafts: bool = False,
    today: dt.date | None = None,
) -> Loaded:
    """Validate the taxonomy and the entries (all of them, or just `paths`).

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
    entries: list[Entry] = []
    for file in files:
        raw, problems = read_entry(file.resolve() if not file.is_absolute() else file, project.root)
        report.problems.extend(problems)
        if raw is not None:
            entry = validate_entry(raw, taxonomy, report, today)
            if entry is not None:
                entries.append(entry)
    cross_checks(report, taxonomy, files, project.root, whole=paths is None)
    found = tuple(sorted(report.problems, key=Problem.sort_key))
    checked = len(files) + len(project.facets)
    if report.errors:
        return Loaded(None, found, checked)
    published = [e for e in entries if drafts or not e.draft]
    # Newest first; the slug breaks ties so the order never depends on the file system.
    published.sort(key=lambda e: (e.published, e.date, e.slug), reverse=True)
    digest = Digest(tuple(published), project.facets, taxonomy.terms)
    return Loaded(digest, found, checked)
