"""The `digest` command: new, check, generate, build, serve.

Exit codes: 0 clean, 1 content problems, 2 usage errors. Bad content never prints a
traceback: every problem is a line naming the file, line, column and field.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from .config import ConfigError, Project, find_root, load_project
from .load import load
from .model import Problem
from .read import find_entries
from .text import printable

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(problems: Sequence[Problem], checked: int) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"no problems in {_plural(checked, 'file')}"
    files = len({p.path for p in problems})
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(files, 'file')}"


def github(problem: Problem) -> str:
    """A GitHub Actions workflow command, so the problem shows on the pull request's diff."""

    def prop(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")

    def data(value: str) -> str:
        return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))

    title = prop(problem.field or "digest")
    return (
        f"::{problem.severity} file={prop(problem.path)},line={problem.line},col={problem.col},"
        f"title={title}::{data(problem.message)}"
    )


def report(problems: Sequence[Problem], checked: int, fmt: str, strict: bool) -> int:
    shown = [Problem(p.path, p.line, p.col, p.field, p.message, "error") if strict else p for p in problems]
    for problem in shown:
        print(github(problem) if fmt == "github" else problem.format())
    print(summary(shown, checked), file=sys.stderr if fmt == "github" else sys.stdout)
    return EXIT_PROBLEMS if any(p.severity == "error" for p in shown) else EXIT_OK


def _workers() -> int:
    """Processes for checking: the cores there are, at most four."""
    return min(os.cpu_count() or 1, 4)


def _project() -> Project:
    return load_project(find_root(Path.cwd()))


def _entry_paths(project: Project, paths: Sequence[str]) -> tuple[list[Path], list[Problem], bool]:
    """Entry files named on the command line (a folder stands for the entries in it),
    problems found on the way (links, stray files), and whether the hand-written pages
    were named. Each path is checked as the whole-digest check would check it: the
    taxonomy files are checked on every run anyway, and a file that is neither an entry
    nor a page (content/LICENSE.md) is no concern of the check."""
    from .pipeline import pages_dir

    taxonomy = {(project.content_dir / facet.file).resolve() for facet in project.facets}
    entries_dir = Path(os.path.normpath(project.entries_dir.absolute()))
    pages = Path(os.path.normpath(pages_dir(project).absolute()))
    files: list[Path] = []
    problems: list[Problem] = []
    with_pages = False
    for name in paths:
        # Absolute but not resolved: a symbolic link must stay one, to be refused.
        path = Path(os.path.normpath(Path(name).absolute()))
        try:
            path.relative_to(project.root)
        except ValueError as err:
            raise ConfigError(f"{name} is outside the project at {project.root}") from err
        if not path.is_symlink() and path.resolve() in taxonomy:
            continue
        if not (path.exists() or path.is_symlink()):
            raise ConfigError(f"no such file: {name}")
        with_pages = with_pages or path == pages or pages in path.parents or path in pages.parents
        if path.is_dir() and not path.is_symlink():
            if path in entries_dir.parents:  # content/, or the project: all the entries
                path = entries_dir
            if path == entries_dir or entries_dir in path.parents:
                found, stray = find_entries(path, project.root)
                files.extend(found)
                problems.extend(stray)
        elif entries_dir in path.parents:
            files.append(path)
    return files, problems, with_pages


def cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import check_pages

    project = _project()
    today = dt.date.today()
    workers = _workers()
    if args.paths:
        files, stray, with_pages = _entry_paths(project, args.paths)
        loaded = load(project, files, today=today, workers=workers, findings_only=True)
        problems = sorted([*loaded.problems, *stray, *(check_pages(project) if with_pages else [])], key=Problem.sort_key)
    else:
        loaded = load(project, today=today, workers=workers, findings_only=True)
        problems = sorted([*loaded.problems, *check_pages(project)], key=Problem.sort_key)
    return report(problems, loaded.files, args.format, args.strict)


def cmd_generate(args: argparse.Namespace) -> int:
    from .emit import Content, emit
    from .pipeline import generate, hand_written
    from .render import entry_path

    project = _project()
    timings: dict[str, float] = {}
    start = time.perf_counter()
    output, loaded = generate(project, workers=_workers())
    timings["load"] = time.perf_counter() - start
    if output is None:
        return report(loaded.problems, loaded.files, "text", False)

    def entries() -> Iterator[tuple[str, Content]]:
        yield from output.page_files(output.entry_pages)
        yield from output.data_files()

    def lists_and_feeds() -> Iterator[tuple[str, Content]]:
        yield from output.page_files(output.list_pages)
        # A generated page wins over a hand-written one of the same path, as in the site.
        taken = {*output.list_pages, *(entry_path(e) for e in output.digest.entries)}
        yield from ((path, data) for path, data in hand_written(project).items() if path not in taken)
        yield from output.feed_files()

    # Two streams, one per core. Here: entry pages, with their related entries, then
    # entries.json and the assets. In a forked process: listing pages and feeds, which
    # need no related entries.
    stats = emit(_timed(entries(), "entry pages", timings), Path(args.out), beside=lists_and_feeds())
    timings["other files"] = stats.beside_seconds
    print(
        f"{len(stats.written)} written, {stats.unchanged} unchanged, {len(stats.removed)} removed in {args.out}"
    )
    if args.timings:
        timings["total"] = time.perf_counter() - start
        print("timings: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()), file=sys.stderr)
    return EXIT_OK


def _timed(items: Iterable[T], name: str, timings: dict[str, float]) -> Iterator[T]:
    """Pass `items` through; record how long making and writing them took."""
    start = time.perf_counter()
    yield from items
    timings[name] = time.perf_counter() - start


def _check_first(project: Project) -> int | None:
    """Validate before the live preview starts, so errors read the same as `digest check`
    (in parallel, findings only: the plugin loads the digest itself on every rebuild)."""
    from .pipeline import check_pages

    loaded = load(project, workers=_workers(), findings_only=True)
    problems = sorted([*loaded.problems, *check_pages(project)], key=Problem.sort_key)
    if any(p.severity == "error" for p in problems):
        return report(problems, loaded.files, "text", False)
    return None


def cmd_build(args: argparse.Namespace) -> int:
    from .mkdocs_plugin import build_site
    from .pipeline import generate

    project = _project()
    # Loaded once, in parallel, before MkDocs starts: errors read as `digest check`
    # prints them, and the plugin builds from this output instead of loading again.
    output, loaded = generate(project, workers=_workers())
    if output is None:
        return report(loaded.problems, loaded.files, "text", False)
    try:
        target = build_site(project.root, Path(args.site_dir) if args.site_dir else None, output)
    except SystemExit as err:  # MkDocs' Abort: strict-mode warnings, already logged
        print(f"build failed: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"built {target}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .mkdocs_plugin import serve_site

    project = _project()
    failed = _check_first(project)
    if failed is not None:
        return failed
    try:
        serve_site(project.root, args.dev_addr)
    except SystemExit as err:
        print(f"serve stopped: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from .new import new_entry

    return new_entry(_project(), args)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="digest", description="Build and check a static-site news digest.")
    sub = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    new = sub.add_parser("new", help="start a new entry from the template")
    new.add_argument("--title")
    new.add_argument("--date", help="YYYY-MM-DD (default: today)")
    new.add_argument("--actor", action="append", dest="actors", metavar="NAME", help="repeat for several")
    new.add_argument("--topic", action="append", dest="topics", metavar="NAME", help="repeat for several")
    new.add_argument("--publisher", help="the source's publisher")
    new.add_argument("--url", help="the source's URL (http or https)")
    new.add_argument("--summary", help="one plain-text paragraph, at most 500 characters")
    new.add_argument("--no-input", action="store_true", help="never prompt; fail if something is missing")
    new.set_defaults(func=cmd_new)

    check = sub.add_parser("check", help="validate entries and the taxonomy")
    check.add_argument("paths", nargs="*", help="entry files or folders (default: all of content/)")
    check.add_argument("--format", choices=("text", "github"), default="text")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.set_defaults(func=cmd_check)

    gen = sub.add_parser("generate", help="write the generated pages to a folder")
    gen.add_argument("--out", required=True, metavar="DIR")
    gen.add_argument("--timings", action="store_true", help="print how long each stage took (to stderr)")
    gen.set_defaults(func=cmd_generate)

    build = sub.add_parser("build", help="check, generate and build the site (strict)")
    build.add_argument("--site-dir", help="output folder (default: site/)")
    build.set_defaults(func=cmd_build)

    serve = sub.add_parser("serve", help="live preview")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT")
    serve.set_defaults(func=cmd_serve)
    return main


# CPython collects cyclic garbage every 700 net allocations, and each collection walks
# the young objects; a large digest's tens of thousands of long-lived entries, nodes
# and pages kept that at a tenth of the run (measured at 10,000 entries). The digest
# makes few reference cycles, so collecting a hundred times less often costs no memory.
GC_THRESHOLD = (70_000, 20, 20)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    gc.set_threshold(*GC_THRESHOLD)
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as err:
        print(f"digest: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`digest check | head`): stop quietly, as `cat` does.
        # Point stdout at nothing, so the flush at exit cannot fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:
        from .theme import TemplateError  # here: `digest check` never loads Jinja

        if not isinstance(err, TemplateError):
            raise
        # An override template that fails on some page: its file and line, no traceback.
        print(f"digest: error: {err}", file=sys.stderr)
        return EXIT_PROBLEMS
    return code


if __name__ == "__main__":
    sys.exit(main())
