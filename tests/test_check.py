"""`digest check`: the validator corpus, the summary line, formats and exit codes.

Every case in tests/fixtures/check/ is one entry file, `<case>.md`, with the exact
problem lines `digest check` must print for it in `<case>.expected` (`{path}` stands for
the entry's path; an empty file means the entry is clean). Each case is checked alone,
as content/entries/2026/<case>.md in a fresh copy of the fixture digest.

The command always runs in a subprocess, the way contributors and CI run it, so a
traceback or a stray print cannot hide behind pytest's capture.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import (
    ENTRY_DIR,
    PROBLEM,
    ROOT,
    SUMMARY,
    assert_case,
    assert_corpus_complete,
    assert_no_traceback,
    plural,
    run_check,
)

CHECK_DIR = Path(__file__).parent / "fixtures" / "check"
CASES = sorted(CHECK_DIR.glob("*.md"))
NO_URL = "no URL: readers cannot follow this source"


def only_entries(project: Path, *cases: str) -> list[str]:
    """Empty the project's entries, then file the named corpus cases under 2026/."""
    shutil.rmtree(project / "content" / "entries")
    (project / ENTRY_DIR).mkdir(parents=True)
    paths = []
    for case in cases:
        shutil.copyfile(CHECK_DIR / f"{case}.md", project / ENTRY_DIR / f"{case}.md")  # bytes as they are
        paths.append(f"{ENTRY_DIR}/{case}.md")
    return paths


# --- the corpus -----------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert_corpus_complete(CHECK_DIR, 40)


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_case(case: Path, fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, case.stem)
    expected = [
        line.replace("{path}", path)
        for line in case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    ]
    assert_case(run_check(fixture_site, path), expected)


# --- the summary line -------------------------------------------------------------------


def test_summary_clean_counts_the_entry_and_the_taxonomy_files(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "valid-minimal")
    result = run_check(fixture_site, path)
    # One entry plus the two taxonomy files it was checked against.
    assert result.stdout == "no problems in 3 files\n"
    assert result.returncode == 0


def test_summary_singular(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "source-no-url")
    result = run_check(fixture_site, path)
    assert result.stdout.splitlines()[-1] == "0 errors, 1 warning in 1 file"
    assert result.returncode == 0


def test_summary_counts_errors_warnings_and_files_with_problems(fixture_site: Path) -> None:
    paths = only_entries(fixture_site, "several-problems", "source-no-url", "valid-minimal")
    result = run_check(fixture_site, *paths)
    lines = result.stdout.splitlines()
    assert all(PROBLEM.match(line) for line in lines[:-1])
    assert lines[-1] == "9 errors, 3 warnings in 3 files"  # one: valid-minimal's title repeats source-no-url's
    assert SUMMARY.match(lines[-1])
    assert result.returncode == 1


def test_problems_are_sorted_by_file_then_line(fixture_site: Path) -> None:
    paths = only_entries(fixture_site, "source-no-url", "date-impossible", "several-problems")
    result = run_check(fixture_site, *paths)
    found = [PROBLEM.match(line) for line in result.stdout.splitlines()[:-1]]
    keys = [(m["path"], int(m["line"]), int(m["col"])) for m in found if m]
    assert len(keys) == len(found)
    assert keys == sorted(keys)
    assert {k[0] for k in keys} == set(paths)


def test_whole_fixture_project_has_only_missing_url_warnings(fixture_site: Path) -> None:
    result = run_check(fixture_site)
    assert_no_traceback(result)
    lines = result.stdout.splitlines()
    problems, summary = lines[:-1], lines[-1]
    assert problems, "the fixture digest has sources without a URL"
    for line in problems:
        match = PROBLEM.match(line)
        assert match, line
        assert match["severity"] == "warning", line
        assert re.fullmatch(r"sources\[\d+\]\.url: " + re.escape(NO_URL), match["rest"]), line
    assert summary == f"0 errors, {plural(len(problems), 'warning')} in {plural(len({PROBLEM.match(p)['path'] for p in problems}), 'file')}"  # type: ignore[index]
    assert result.returncode == 0


def test_a_folder_argument_checks_the_entries_in_it(fixture_site: Path) -> None:
    only_entries(fixture_site, "valid-minimal", "actor-unknown-did-you-mean")
    result = run_check(fixture_site, ENTRY_DIR)
    lines = result.stdout.splitlines()
    assert lines[:-1] == [
        f"{ENTRY_DIR}/actor-unknown-did-you-mean.md:5:17: error: actors: unknown actor 'chna' "
        "(did you mean 'china'?); terms are listed in content/actors.yml",
        # Checked together, the two files have the same title and cite the same source URL.
        f"{ENTRY_DIR}/valid-minimal.md:2:8: warning: title: near-identical to the title of "
        f"{ENTRY_DIR}/actor-unknown-did-you-mean.md (100% alike, 0 days apart): 'A valid entry'; the same story twice?",
        f"{ENTRY_DIR}/valid-minimal.md:9:10: warning: sources[0].url: https://example.org/story "
        f"is already cited by {ENTRY_DIR}/actor-unknown-did-you-mean.md",
    ]
    assert result.returncode == 1


# --- --format github ------------------------------------------------------------------------


def test_github_format(fixture_site: Path) -> None:
    paths = only_entries(fixture_site, "actor-unknown-did-you-mean", "source-no-url")
    result = run_check(fixture_site, "--format", "github", *paths)
    assert_no_traceback(result)
    assert result.stdout.splitlines() == [
        f"::error file={ENTRY_DIR}/actor-unknown-did-you-mean.md,line=5,col=17,title=actors::"
        "unknown actor 'chna' (did you mean 'china'?); terms are listed in content/actors.yml",
        # A percent sign is escaped, as GitHub asks.
        f"::warning file={ENTRY_DIR}/source-no-url.md,line=2,col=8,title=title::near-identical to the title of "
        f"{ENTRY_DIR}/actor-unknown-did-you-mean.md (100%25 alike, 0 days apart): 'A valid entry'; the same story twice?",
        f"::warning file={ENTRY_DIR}/source-no-url.md,line=8,col=5,title=sources[0].url::{NO_URL}",
    ]
    # The summary is for the log; only workflow commands go to stdout.
    assert result.stderr.strip().splitlines()[-1] == "1 error, 2 warnings in 2 files"
    assert result.returncode == 1


def test_github_format_escapes_properties(fixture_site: Path) -> None:
    only_entries(fixture_site)
    entry = fixture_site / ENTRY_DIR / "odd-key.md"
    original = (CHECK_DIR / "valid-minimal.md").read_text(encoding="utf-8")
    entry.write_text(original.replace("---\n", '---\n"odd,key:x": 1\n', 1), encoding="utf-8")
    result = run_check(fixture_site, "--format", "github", f"{ENTRY_DIR}/odd-key.md")
    assert result.stdout.splitlines() == [
        f"::error file={ENTRY_DIR}/odd-key.md,line=2,col=1,title=odd%2Ckey%3Ax::unknown field"
    ]
    assert result.returncode == 1


def test_github_format_clean(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "valid-minimal")
    result = run_check(fixture_site, "--format", "github", path)
    assert result.stdout == ""
    assert "no problems in 3 files" in result.stderr
    assert result.returncode == 0


# --- --strict --------------------------------------------------------------------------------


def test_strict_turns_warnings_into_errors(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "source-no-url")
    relaxed = run_check(fixture_site, path)
    assert relaxed.returncode == 0
    assert relaxed.stdout.splitlines()[0] == f"{path}:8:5: warning: sources[0].url: {NO_URL}"

    strict = run_check(fixture_site, "--strict", path)
    assert strict.stdout.splitlines() == [
        f"{path}:8:5: error: sources[0].url: {NO_URL}",
        "1 error, 0 warnings in 1 file",
    ]
    assert strict.returncode == 1


def test_strict_github_format(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "source-no-url")
    result = run_check(fixture_site, "--strict", "--format", "github", path)
    assert result.stdout.splitlines() == [f"::error file={path},line=8,col=5,title=sources[0].url::{NO_URL}"]
    assert result.returncode == 1


def test_strict_on_a_clean_entry_still_passes(fixture_site: Path) -> None:
    (path,) = only_entries(fixture_site, "valid-full")
    result = run_check(fixture_site, "--strict", path)
    assert result.stdout == "no problems in 3 files\n"
    assert result.returncode == 0


# --- usage errors: exit code 2 ------------------------------------------------------------------


def test_nonexistent_path_is_a_usage_error(fixture_site: Path) -> None:
    result = run_check(fixture_site, "content/entries/2026/no-such-entry.md")
    assert_no_traceback(result)
    assert result.returncode == 2
    assert "no-such-entry.md" in result.stderr
    assert result.stdout == ""


def test_outside_a_project_is_a_usage_error(tmp_path: Path) -> None:
    outside = tmp_path / "not-a-project"
    outside.mkdir()
    result = run_check(outside)
    assert_no_traceback(result)
    assert result.returncode == 2
    assert "mkdocs.yml" in result.stderr
    assert result.stdout == ""


def test_a_file_outside_the_project_is_a_usage_error(fixture_site: Path, tmp_path: Path) -> None:
    stray = tmp_path / "stray.md"
    shutil.copyfile(CHECK_DIR / "valid-minimal.md", stray)
    result = run_check(fixture_site, str(stray))
    assert_no_traceback(result)
    assert result.returncode == 2
    assert "outside the project" in result.stderr


def test_unknown_option_is_a_usage_error(fixture_site: Path) -> None:
    result = run_check(fixture_site, "--format", "xml")
    assert_no_traceback(result)
    assert result.returncode == 2


def test_check_stops_quietly_when_its_reader_goes_away(fixture_site: Path) -> None:
    """`digest check | head`: the pipe closes before the command writes; no traceback."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", "check"],
        cwd=fixture_site,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before anything was written
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=300) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


# --- warnings of one kind fold into one line -------------------------------------------------

STORIES = ["Chip rules widened", "Summit opens in Beijing", "Lab refuses model access", "Cloud curbs proposed", "Visa rules for researchers", "Talks on AI safety resume"]


def _no_url_entries(project: Path, count: int) -> list[str]:
    """`count` entries each citing a source without a URL (a warning), titles distinct."""
    only_entries(project)
    seed = (CHECK_DIR / "source-no-url.md").read_text(encoding="utf-8")
    paths = []
    for n, title in enumerate(STORIES[:count]):
        path = f"{ENTRY_DIR}/story-{n}.md"
        (project / path).write_text(seed.replace("title: A valid entry", f"title: {title}"), encoding="utf-8")
        paths.append(path)
    return paths


def test_many_warnings_of_one_kind_fold_into_one_line(fixture_site: Path) -> None:
    _no_url_entries(fixture_site, 5)
    result = run_check(fixture_site, ENTRY_DIR)  # a folder: its files are not named one by one
    assert result.stdout.splitlines() == [
        f"warning: sources[].url: {NO_URL} (5 times in 5 files; `digest check --verbose` lists them)",
        "0 errors, 5 warnings in 5 files",
    ]
    assert result.returncode == 0
    verbose = run_check(fixture_site, "--verbose", ENTRY_DIR).stdout.splitlines()
    assert verbose[:-1] == [f"{ENTRY_DIR}/story-{n}.md:8:5: warning: sources[0].url: {NO_URL}" for n in range(5)]


def test_fewer_than_five_are_listed(fixture_site: Path) -> None:
    _no_url_entries(fixture_site, 4)
    assert len(run_check(fixture_site, ENTRY_DIR).stdout.splitlines()) == 5


def test_a_named_file_and_every_error_are_listed_in_full(fixture_site: Path) -> None:
    paths = _no_url_entries(fixture_site, 6)
    broken = fixture_site / paths[5]
    broken.write_text(broken.read_text(encoding="utf-8").replace("date: 2026-05-12\nsummary", "date: 2026-05-32\nsummary"), encoding="utf-8")
    result = run_check(fixture_site, ENTRY_DIR, paths[0])  # a folder and one file of it named
    assert result.stdout.splitlines() == [
        f"{ENTRY_DIR}/story-0.md:8:5: warning: sources[0].url: {NO_URL}",
        f"{ENTRY_DIR}/story-5.md:3:7: error: date: '2026-05-32' is not a real calendar date",
        f"warning: sources[].url: {NO_URL} (5 times in 5 files; `digest check --verbose` lists them)",
        "1 error, 6 warnings in 6 files",
    ]
    assert result.returncode == 1
