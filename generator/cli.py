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
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from .config import AS_OF_VARIABLE, ConfigError, Project, as_of_date, find_root, load_project
from .load import load
from .model import Problem
from .read import find_entries
from .report import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, report, summary

T = TypeVar("T")


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
    # A file named and inside a folder named is checked once.
    return list(dict.fromkeys(files)), problems, with_pages


def cmd_check(args: argparse.Namespace) -> int:
    from .pipeline import check_pages

    project = _project()
    today = as_of_date()  # $DIGEST_AS_OF, else today (UTC): what a build would publish
    workers = _workers()
    changed = _listed(project, args.changed) if args.changed else None
    if args.paths:
        files, stray, with_pages = _entry_paths(project, args.paths)
        loaded = load(project, files, today=today, workers=workers, findings_only=True)
        problems = sorted([*loaded.problems, *stray, *(check_pages(project) if with_pages else [])], key=Problem.sort_key)
    else:
        loaded = load(project, today=today, workers=workers, findings_only=True)
        problems = sorted([*loaded.problems, *check_pages(project)], key=Problem.sort_key)
    named = _within(project, [name for name in args.paths if not Path(name).is_dir()])
    return report(problems, loaded.files, args.format, args.strict, named=named, changed=changed, verbose=args.verbose)


def _within(project: Project, names: Iterable[str]) -> set[str]:
    """Paths as problems name them: relative to the project, with slashes. A path
    outside the project names none of its files."""
    found = set()
    for name in names:
        path = Path(os.path.normpath(Path(name).absolute()))
        if path.is_relative_to(project.root):
            found.add(path.relative_to(project.root).as_posix())
    return found


def _listed(project: Project, listing: str) -> set[str]:
    """The files named in `listing`, one per line (`git diff --name-only`), as paths
    relative to the project."""
    try:
        text = Path(listing).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"--changed: cannot read {listing}: {err}") from None
    return _within(project, [line for line in text.splitlines() if line.strip()])


def cmd_generate(args: argparse.Namespace) -> int:
    from .emit import Content, emit
    from .pipeline import generate, hand_written
    from .render import entry_path

    project = _project()
    as_of = _as_of(args)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    output, loaded = generate(project, workers=_workers(), as_of=as_of)
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


def _as_of(args: argparse.Namespace) -> dt.date:
    """The publishing date: --as-of, else $DIGEST_AS_OF, else today. A date given on
    the command line is handed on to the MkDocs plugin through the environment; without
    one, a long live preview moves on to the next day at midnight (UTC)."""
    as_of = as_of_date(args.as_of)
    if args.as_of is not None:
        os.environ[AS_OF_VARIABLE] = as_of.isoformat()
    return as_of


def cmd_build(args: argparse.Namespace) -> int:
    from .mkdocs_plugin import build_site
    from .pipeline import generate

    project = _project()
    as_of = _as_of(args)
    # Loaded once, in parallel, before MkDocs starts: errors read as `digest check`
    # prints them, and the plugin builds from this output instead of loading again.
    output, loaded = generate(project, workers=_workers(), as_of=as_of)
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
    _as_of(args)
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


def cmd_links(args: argparse.Namespace) -> int:
    """Source URLs checked over HTTP; or, with --archive, archived copies looked up
    (and with --write, added to the entries)."""
    from .archive import ARCHIVE_API, find_archives
    from .links import Settings, check_links, markdown, scan

    if args.write and not args.archive:
        raise ConfigError("--write needs --archive")
    project = _project()
    files = _entry_paths(project, args.paths)[0] if args.paths else find_entries(project.entries_dir, project.root)[0]
    settings = Settings(
        timeout=args.timeout, deadline=args.deadline, concurrency=args.concurrency, delay=args.delay,
        retries=args.retries, backoff=args.backoff, max_age=args.max_age,
    )
    scanned = scan(project, files)
    if args.archive:
        archived = find_archives(project, scanned, settings, args.archive_api or ARCHIVE_API, args.write)
        notices, problems = archived.notices, archived.problems
    else:
        notices, problems = [], check_links(project, scanned, settings, dt.datetime.now(dt.UTC).date())
    found = sorted([*notices, *problems], key=Problem.sort_key)  # what --archive found, among the problems
    if args.format == "markdown":
        title = "Archived copies" if args.archive else "Source links"
        print(markdown(title, found, summary(problems, len(files))))
        return EXIT_PROBLEMS if any(p.severity == "error" for p in problems) else EXIT_OK
    return report(found, len(files), args.format)


def _number(kind: type[float] | type[int], least: float) -> Callable[[str], float]:
    """An argparse type: a number of `kind`, at least `least` (else a usage error)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"must be at least {least:g}")
        return value

    return parse


def _as_of_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help=f"publishing date: entries dated after it are not published (default: ${AS_OF_VARIABLE}, else today, UTC)",
    )


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
    check.add_argument("--verbose", "-v", action="store_true", help="list every warning (else a kind seen 5 times or more is one line)")
    check.add_argument(
        "--changed",
        metavar="LIST",
        help="a file listing the files a change touches, one per line (git diff --name-only): only they are "
        "annotated and listed in full; errors elsewhere still fail",
    )
    check.set_defaults(func=cmd_check)

    gen = sub.add_parser("generate", help="write the generated pages to a folder")
    gen.add_argument("--out", required=True, metavar="DIR")
    gen.add_argument("--timings", action="store_true", help="print how long each stage took (to stderr)")
    _as_of_option(gen)
    gen.set_defaults(func=cmd_generate)

    build = sub.add_parser("build", help="check, generate and build the site (strict)")
    build.add_argument("--site-dir", help="output folder (default: site/)")
    _as_of_option(build)
    build.set_defaults(func=cmd_build)

    serve = sub.add_parser("serve", help="live preview")
    serve.add_argument("--dev-addr", default="127.0.0.1:8000", metavar="HOST:PORT")
    _as_of_option(serve)
    serve.set_defaults(func=cmd_serve)

    links = sub.add_parser("links", help="check source URLs over HTTP; find archived copies")
    links.add_argument("paths", nargs="*", help="entry files or folders (default: all of content/)")
    links.add_argument("--format", choices=("text", "github", "markdown"), default="text")
    links.add_argument("--timeout", type=_number(float, 0.001), default=15.0, metavar="SECONDS", help="per request (default: 15)")
    links.add_argument("--deadline", type=_number(float, 0.001), default=900.0, metavar="SECONDS", help="for the whole run (default: 900)")
    links.add_argument("--max-age", type=_number(int, 0), default=7, metavar="DAYS", help="a URL found OK this many days ago is asked again (default: 7)")
    links.add_argument("--concurrency", type=_number(int, 1), default=8, help="requests at once (default: 8)")
    links.add_argument("--delay", type=_number(float, 0), default=1.0, metavar="SECONDS", help="between requests to one host (default: 1)")
    links.add_argument("--retries", type=_number(int, 0), default=2, help="after a 429, a 5xx or a timeout (default: 2)")
    links.add_argument("--backoff", type=_number(float, 0), default=1.0, metavar="SECONDS", help="first wait before a retry, doubled each time, unless Retry-After says (default: 1)")
    links.add_argument("--archive", action="store_true", help="look up an archived copy of each source that has none")
    links.add_argument(
        "--archive-api", metavar="URL", help="an availability API answering the Internet Archive's JSON (default: the Internet Archive's)"
    )
    links.add_argument("--write", action="store_true", help="with --archive: add `archived:` under each source's url line")
    links.set_defaults(func=cmd_links)
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
