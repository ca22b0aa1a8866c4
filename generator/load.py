"""Read and validate a whole project (or some of its entries) into a Digest.

This is the only place that ties the reader to the validator; `digest check`, the
generator and the MkDocs plugin all come through here, so they report the same problems.
"""

from __future__ import annotations

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


def load(project: Project, paths: Iterable[Path] | None = None, *, drafts: bool = False) -> Loaded:
    """Validate the taxonomy and the entries (all of them, or just `paths`)."""
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
            entry = validate_entry(raw, taxonomy, report)
            if entry is not None:
                entries.append(entry)
    found = tuple(sorted(report.problems, key=Problem.sort_key))
    checked = len(files) + len(project.facets)
    if report.errors:
        return Loaded(None, found, checked)
    published = [e for e in entries if drafts or not e.draft]
    # Newest first; the slug breaks ties so the order never depends on the file system.
    published.sort(key=lambda e: (e.published, e.date, e.slug), reverse=True)
    digest = Digest(tuple(published), project.facets, taxonomy.terms)
    return Loaded(digest, found, checked)
