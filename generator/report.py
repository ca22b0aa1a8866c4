"""How problems are printed: `path:line:col: severity: field: message` lines or GitHub
Actions workflow commands, then a summary; warnings of one kind over many files folded.

A real digest carries warnings nobody is fixing today (41 entries citing a source
without a URL); listed one by one, they drown the one problem a contributor came to
see. So a kind of warning seen FOLD_FROM times or more is one line with its count,
unless `--verbose`; errors, and every problem of a file named on the command line,
are always listed in full.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Collection, Sequence

from .model import Problem
from .text import printable

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
FOLD_FROM = 5  # warnings of one kind before they fold into one line
INDEX = re.compile(r"\[\d+\]")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(problems: Sequence[Problem], checked: int) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"no problems in {plural(checked, 'file')}"
    files = len({p.path for p in problems})
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"


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


def fold(
    problems: Sequence[Problem], keep: Callable[[Problem], bool], least: int = FOLD_FROM, elsewhere: str = ""
) -> tuple[list[Problem], list[str]]:
    """The problems to list, and one line per folded kind of warning. A kind is a
    message: a message naming something particular (a URL, a date) is its own kind.
    Errors and problems `keep` wants are never folded; a kind is folded from `least`
    warnings. `elsewhere` qualifies the files of a folded line ("not changed here")."""
    kinds: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.severity == "warning" and not keep(problem):
            kinds.setdefault(problem.message, []).append(problem)
    folded = {id(p) for members in kinds.values() if len(members) >= least for p in members}
    lines = []
    for message, members in kinds.items():  # in the order of their first problem
        if len(members) < least:
            continue
        fields = {INDEX.sub("[]", p.field) for p in members}
        label = f"{fields.pop()}: " if len(fields) == 1 and members[0].field else ""
        files = plural(len({p.path for p in members}), "file")
        lines.append(
            printable(
                f"warning: {label}{message} ({plural(len(members), 'time')} in {files}{elsewhere}; "
                "`digest check --verbose` lists them)"
            )
        )
    return [p for p in problems if id(p) not in folded], lines


def report(
    problems: Sequence[Problem],
    checked: int,
    fmt: str,
    strict: bool = False,
    *,
    named: Collection[str] = (),
    changed: Collection[str] | None = None,
    verbose: bool = False,
) -> int:
    """Print the problems and a summary; the exit code. Notices (what `digest links
    --archive` found) are printed among them, not counted. `named`: files named on the
    command line, listed in full. `changed`: the files a pull request changes; only
    they are annotated (--format github) and listed in full, other files' warnings
    are counted, their errors printed as plain lines, and they still fail the check."""
    shown = [Problem(p.path, p.line, p.col, p.field, p.message, "error") if strict and p.severity == "warning" else p for p in problems]
    listed: list[Problem] = shown
    folded: list[str] = []
    if not verbose:
        if changed is not None:
            focus = {*named, *changed}
            listed, folded = fold(shown, lambda p: p.path in focus, 1, " not changed here")
        else:
            listed, folded = fold(shown, lambda p: p.path in named)
    log = sys.stderr if fmt == "github" else sys.stdout  # only workflow commands go to stdout
    for problem in listed:
        if fmt == "github" and (changed is None or problem.path in changed or problem.path in named):
            print(github(problem))
        else:
            print(problem.format(), file=log)
    for line in folded:
        print(line, file=log)
    print(summary([p for p in shown if p.severity != "notice"], checked), file=log)
    return EXIT_PROBLEMS if any(p.severity == "error" for p in shown) else EXIT_OK
