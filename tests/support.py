"""Helpers shared by the tests (conftest.py holds the fixtures built on them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SITE = FIXTURES / "site"
ROOT = Path(__file__).parent.parent


def copy_site(target: Path) -> Path:
    """Copy the fixture digest; its theme points at the project's overrides by path."""
    shutil.copytree(FIXTURE_SITE, target, ignore=shutil.ignore_patterns("site", ".site-*"))
    config = target / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("../../../overrides", str(ROOT / "overrides")), encoding="utf-8")
    return target


# --- `digest check` as a contributor runs it ---------------------------------------------

ENTRY_DIR = "content/entries/2026"
PROBLEM = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): (?P<rest>.*)$")
SUMMARY = re.compile(r"^(no problems in \d+ files?|\d+ errors?, \d+ warnings? in \d+ files?)$")


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`digest ARGS` in a subprocess, from inside `project`; a hang fails, never blocks."""
    return subprocess.run(
        [sys.executable, "-m", "generator.cli", *args],
        cwd=project,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def run_check(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(project, "check", *args)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout, result.stdout
    assert "Traceback" not in result.stderr, result.stderr


def problem_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of stdout before its summary line (split on newlines only)."""
    lines = result.stdout.split("\n")
    assert lines[-1] == "", repr(result.stdout[-200:])
    lines = lines[:-1]
    assert lines and SUMMARY.match(lines[-1]), f"no summary line: {result.stdout[-500:]!r} {result.stderr[-500:]!r}"
    return lines[:-1]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def assert_case(result: subprocess.CompletedProcess[str], expected: list[str]) -> None:
    """A corpus case: exactly the expected lines, the matching summary and exit code."""
    assert_no_traceback(result)
    assert problem_lines(result) == expected
    summary = result.stdout.split("\n")[-2]
    severities = [m["severity"] for m in map(PROBLEM.match, expected) if m]
    errors, warnings = severities.count("error"), severities.count("warning")
    if expected:
        assert summary == f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in 1 file"
    else:
        assert summary.startswith("no problems in ")
    assert result.returncode == (1 if errors else 0), result.stderr


def assert_corpus_complete(folder: Path, minimum: int) -> None:
    """Every case has its .expected and the reverse; every expected line is a problem
    line written with the `{path}` placeholder."""
    cases = sorted(folder.glob("*.md"))
    assert len(cases) >= minimum
    missing = [case.name for case in cases if not case.with_suffix(".expected").is_file()]
    assert not missing, f"cases without a .expected file: {missing}"
    orphans = [e.name for e in folder.glob("*.expected") if not e.with_suffix(".md").is_file()]
    assert not orphans, f".expected files without a case: {orphans}"
    for expected in folder.glob("*.expected"):
        for line in expected.read_text(encoding="utf-8").split("\n")[:-1]:
            match = PROBLEM.match(line)
            assert match and match["path"] == "{path}", f"{expected.name}: malformed line {line!r}"


# --- the Pagefind index of a built site ----------------------------------------------------

PAGEFIND_SIGNATURE = b"pagefind_dcd"  # begins every index file, once decompressed


def pagefind_file(path: Path) -> bytes:
    """A Pagefind index file decompressed, its signature checked and dropped."""
    import gzip

    data = gzip.decompress(path.read_bytes())
    assert data.startswith(PAGEFIND_SIGNATURE), path
    return data[len(PAGEFIND_SIGNATURE) :]


def pagefind_pages(site: Path, bundle: str = "pagefind") -> dict[str, dict[str, object]]:
    """Every page of a Pagefind index (the site's, or `pagefind/explore` for explore's)
    as Pagefind stored it (its fragment: url, content, meta, filters), by site path
    (`entries/2026/x/`)."""
    import json

    pages: dict[str, dict[str, object]] = {}
    for fragment in sorted((site / bundle / "fragment").glob("*.pf_fragment")):
        data = json.loads(pagefind_file(fragment))
        pages[str(data["url"]).lstrip("/")] = data
    return pages


def comparable_site(site: Path) -> dict[str, object]:
    """Every file of a built site by path: its bytes, except the few Pagefind files
    whose bytes vary between runs on the same pages (Pagefind 1.5.2 writes its filter
    values and filter list in hash-map order, and names files by their hash); those
    are decoded, with that order and those names taken out. Whatever Pagefind says
    in them still has to be equal."""
    import json

    import cbor2

    files: dict[str, object] = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        bundle, _, name = rel.rpartition("/")
        if bundle.endswith("/filter"):
            filter_name, values = cbor2.loads(pagefind_file(path))
            files[f"{bundle}/{filter_name}"] = sorted((value, pages) for value, pages in values)
        elif name.startswith("pagefind.") and name.endswith(".pf_meta"):
            meta = cbor2.loads(pagefind_file(path))
            meta[3] = sorted(name for name, _ in meta[3])  # the filter list, without file names
            files[f"{bundle}/meta"] = meta
        elif name == "pagefind-entry.json":
            entry = json.loads(path.read_bytes())
            for language in entry["languages"].values():
                del language["hash"]  # the meta file's name
            files[rel] = entry
        else:
            files[rel] = path.read_bytes()
    return files
