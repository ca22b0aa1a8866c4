"""Stage 6, emit: the only writer.

A file whose text did not change is not rewritten (so watchers and rsync see nothing),
and files this generator wrote before but no longer produces are removed, tracked by a
manifest, so nothing else in the output folder is ever touched.

Content may be `Lazy`: made only when needed. Its key names everything it is made
from; the manifest keeps each file's key and size, and a file whose key and size are
unchanged is neither made nor read again. That is what makes a second run cheap.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import procs
from .incremental import read_manifest, write_manifest

_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class Lazy:
    """Content made on demand; `key` is a hash of everything it is made from."""

    key: str
    make: Callable[[], str | bytes]


Content = str | bytes | Lazy


@dataclass(frozen=True, slots=True)
class EmitStats:
    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    beside_seconds: float = 0.0  # how long making and writing the `beside` stream took


def _safe(rel: str) -> tuple[str, ...]:
    """The parts of a relative path that stays inside the output folder (as
    PurePosixPath reads it, without making one per file)."""
    parts = tuple(part for part in rel.split("/") if part not in ("", "."))
    if rel.startswith("/") or ".." in parts or not parts:
        raise ValueError(f"refusing to write outside the output folder: {rel!r}")
    return parts


def emit(
    files: Iterable[tuple[str, Content]],
    out: Path,
    *,
    manifest: bool = True,
    beside: Iterable[tuple[str, Content]] | None = None,
) -> EmitStats:
    """Write `(path, content)` pairs into `out` as they come (each path once).

    With `manifest`, files written by an earlier run and not produced by this one are
    removed, and Lazy content whose key and size match the manifest is skipped; a built
    site (a fresh folder) needs no manifest. `beside` is a second stream (no path of
    `files`), made and written at the same time by a forked process where one can be
    (`digest generate`: entry pages here, listing pages and feeds there); the manifest
    covers both.
    """
    out.mkdir(parents=True, exist_ok=True)
    known = read_manifest(out) if manifest else {}
    writer = _Writer(out, known)
    beside_seconds = 0.0
    if beside is not None and procs.can_fork():
        other = procs.fork(_write_in_child, beside, out, known)
        writer.write_all(files)
        beside_seconds = writer.merge(other.wait())
    else:
        if beside is not None:
            beside_seconds = writer.write_all(beside)
        writer.write_all(files)
    written = tuple(sorted(writer.written))
    if not manifest:
        return EmitStats(written, writer.unchanged, (), beside_seconds)
    removed = _remove_stale(out, set(known), set(writer.listing))
    write_manifest(out, writer.listing)
    return EmitStats(written, writer.unchanged, tuple(removed), beside_seconds)


# What a writer in another process did: written, listing, unchanged, seconds.
_Result = tuple[list[str], dict[str, tuple[str, int]], int, float]


def _write_in_child(files: Iterable[tuple[str, Content]], out: Path, known: dict[str, tuple[str, int]]) -> _Result:
    writer = _Writer(out, known)
    seconds = writer.write_all(files)
    return writer.written, writer.listing, writer.unchanged, seconds


class _Writer:
    """Writes files into one folder and keeps what a manifest needs of them."""

    def __init__(self, out: Path, known: dict[str, tuple[str, int]]) -> None:
        self.out, self.known = out, known
        self.written: list[str] = []
        self.listing: dict[str, tuple[str, int]] = {}
        self.unchanged = 0
        self.folders: set[str] = set()  # made already: one mkdir per folder, not per file
        self.fresh: set[str] = set()  # made by this writer: no file in them to compare with

    def write_all(self, files: Iterable[tuple[str, Content]]) -> float:
        """Write every file; returns the seconds it took."""
        start = time.perf_counter()
        for rel, content in files:
            self.write(rel, content)
        return time.perf_counter() - start

    def write(self, rel: str, content: Content) -> None:
        # Plain strings, not Path objects: a large digest writes tens of thousands of files.
        target = os.path.join(self.out, *_safe(rel))
        folder, name = os.path.split(target)
        fresh = folder in self.fresh or (folder not in self.folders and self._make_folder(folder))
        key = content.key if isinstance(content, Lazy) else ""
        old = self.known.get(rel)
        if key and old is not None and old[0] == key and not fresh:
            try:
                if os.stat(target).st_size == old[1]:
                    self.unchanged += 1
                    self.listing[rel] = old
                    return
            except OSError:
                pass
        data = content.make() if isinstance(content, Lazy) else content
        blob = data.encode("utf-8") if isinstance(data, str) else data
        self.listing[rel] = (key, len(blob))
        if not fresh:  # a folder made by this run holds no older file to compare with
            try:
                if os.stat(target).st_size == len(blob):
                    with open(target, "rb") as handle:
                        if handle.read() == blob:
                            self.unchanged += 1
                            return
            except OSError:
                pass
        # A file replacing another is written beside it and renamed: a reader never
        # sees half a page. A new folder has nothing to replace (a first run: all of them).
        tmp = target if fresh else os.path.join(folder, f".{name}.tmp")
        fd = os.open(tmp, _WRITE, 0o666)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        if not fresh:
            os.replace(tmp, target)
        self.written.append(rel)

    def _make_folder(self, folder: str) -> bool:
        """Make `folder` (and its parents) if missing; True if this call made it."""
        self.folders.add(folder)
        try:
            os.mkdir(folder)
        except FileExistsError:
            return False
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
        self.fresh.add(folder)
        return True

    def merge(self, other: _Result) -> float:
        """Take in what another writer wrote; returns the seconds it took."""
        written, listing, unchanged, seconds = other
        self.written += written
        self.listing.update(listing)
        self.unchanged += unchanged
        return seconds


def _remove_stale(out: Path, before: set[str], keep: set[str]) -> list[str]:
    removed = []
    for rel in sorted(before - keep):
        target = out.joinpath(*_safe(rel))
        if target.is_file():
            target.unlink()
            removed.append(rel)
    return removed
