"""The live preview: how long after an entry is saved `digest serve` serves the change,
and how long until its search index (Pagefind's, made again by every rebuild) has it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from .measure import BenchError, environment

EDITS = 3


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str) -> str:
    """The page at `url`, or "" when it cannot be fetched (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError):
        return ""


def measure_preview(digest: Path, project: Path, timeout: float, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Start `digest serve` on `project`, wait for its first build, then change one
    entry's summary EDITS times: the seconds from each save until the entry's page, as
    served, shows the change (polled every 50 ms), and until the search index served
    has changed too (its entry file names a hash of the index). The entry file is
    restored after."""
    entries = sorted((project / "content/entries").rglob("*.md"))
    entry = entries[len(entries) // 2]
    port = free_port()
    url = f"http://127.0.0.1:{port}/entries/{entry.parent.name}/{entry.stem}/"
    original = entry.read_text(encoding="utf-8")
    process = subprocess.Popen(
        [str(digest), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        env=environment(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the server and its children are stopped together
    )
    try:
        start = time.perf_counter()
        while "digest-summary" not in fetch(url):
            if process.poll() is not None or time.perf_counter() - start > timeout:
                raise BenchError(f"digest serve did not serve {url} (exit {process.poll()})")
            time.sleep(0.2)
        first = time.perf_counter() - start
        time.sleep(2)  # let the watcher settle
        index = url.split("/entries/")[0] + "/pagefind/pagefind-entry.json"
        edits: list[float] = []
        indexed: list[float] = []
        for n in range(EDITS):
            marker = f"Edited{n}x{time.time_ns()}"
            before = fetch(index)
            entry.write_text(re.sub(r"^summary: ", f"summary: {marker} ", original, count=1, flags=re.M), encoding="utf-8")
            saved = time.perf_counter()
            while marker not in fetch(url):
                if time.perf_counter() - saved > 60:
                    raise BenchError("digest serve never showed the edited entry")
                time.sleep(0.05)
            edits.append(time.perf_counter() - saved)
            while fetch(index) in (before, ""):
                if time.perf_counter() - saved > 60:
                    raise BenchError("digest serve never indexed the edited entry")
                time.sleep(0.05)
            indexed.append(time.perf_counter() - saved)
            time.sleep(2)
        return {
            "first_build_s": first,
            "edit_visible_s": edits,
            "edit_indexed_s": indexed,
            "entry": entry.relative_to(project).as_posix(),
        }
    finally:
        entry.write_text(original, encoding="utf-8")
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
