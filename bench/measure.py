"""Timed, memory-measured subprocess runs, and the sizes of a built site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CHILD = Path(__file__).with_name("_child.py")
# The wrapper needs this long on top of the command's own timeout to start and report.
MARGIN = 60.0


class BenchError(RuntimeError):
    """A measured command failed or timed out: the benchmark stops."""


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_mib: float
    stdout: str
    stderr: str


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env.update(extra or {})
    return env


def run(
    command: Sequence[str | Path], cwd: Path, timeout: float, what: str, env: Mapping[str, str] | None = None
) -> Run:
    """Run `command` in `cwd` under the wrapper (with `env` added to the environment);
    raise BenchError unless it exits 0."""
    args = [str(part) for part in command]
    # Every command starts with nothing left to write out: the files the one before it
    # wrote (hundreds of MB at 10,000 entries) would otherwise be flushed during it.
    if hasattr(os, "sync"):
        os.sync()
    fd, name = tempfile.mkstemp(prefix="bench-run-", suffix=".json")
    os.close(fd)
    result = Path(name)
    try:
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(CHILD), str(result), str(timeout), "--", *args],
                cwd=cwd,
                env=environment(env),
                capture_output=True,
                text=True,
                timeout=timeout + MARGIN,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise BenchError(f"{what}: the measuring wrapper did not finish in {timeout + MARGIN:.0f} s") from err
        try:
            data = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise BenchError(f"{what}: no measurement (wrapper exit {proc.returncode}): {_tail(proc.stderr)}") from err
    finally:
        result.unlink(missing_ok=True)
    if data["timed_out"]:
        raise BenchError(f"{what}: timed out after {timeout:.0f} s: {' '.join(args)}")
    if data["returncode"] != 0:
        raise BenchError(
            f"{what}: exit {data['returncode']}: {' '.join(args)}\n{_tail(proc.stdout)}\n{_tail(proc.stderr)}"
        )
    return Run(float(data["seconds"]), int(data["peak_kib"]) / 1024, proc.stdout, proc.stderr)


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@dataclass(frozen=True, slots=True)
class SiteStats:
    bytes: int
    files: int
    pages: int  # index.html files: one per page with directory URLs
    search_index_bytes: int
    home_bytes: int


def site_stats(site: Path) -> SiteStats:
    total = files = pages = 0
    for path in site.rglob("*"):
        if path.is_file():
            files += 1
            total += path.stat().st_size
            pages += path.name == "index.html"
    # The digest's search index is Pagefind's; the floor's is Material's.
    pagefind = sum(p.stat().st_size for p in (site / "pagefind").rglob("*.pf_*") if p.is_file())
    material = site / "search" / "search_index.json"
    home = site / "index.html"
    return SiteStats(
        bytes=total,
        files=files,
        pages=pages,
        search_index_bytes=pagefind or (material.stat().st_size if material.is_file() else 0),
        home_bytes=home.stat().st_size if home.is_file() else 0,
    )
