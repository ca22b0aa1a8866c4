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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".digest-manifest"


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


def _safe(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"refusing to write outside the output folder: {rel!r}")
    return path


def emit(files: Iterable[tuple[str, Content]], out: Path, *, manifest: bool = True) -> EmitStats:
    """Write `(path, content)` pairs into `out` as they come (each path once).

    With `manifest`, files written by an earlier run and not produced by this one are
    removed, and Lazy content whose key and size match the manifest is skipped; a built
    site (a fresh folder) needs no manifest.
    """
    out.mkdir(parents=True, exist_ok=True)
    known = _read_manifest(out) if manifest else {}
    written: list[str] = []
    listing: dict[str, tuple[str, int]] = {}
    unchanged = 0
    for rel, content in files:
        target = out / _safe(rel)
        key = content.key if isinstance(content, Lazy) else ""
        if key and known.get(rel, ("", -1))[0] == key:
            try:
                if target.stat().st_size == known[rel][1]:
                    unchanged += 1
                    listing[rel] = known[rel]
                    continue
            except OSError:
                pass
        data = content.make() if isinstance(content, Lazy) else content
        blob = data.encode("utf-8") if isinstance(data, str) else data
        listing[rel] = (key, len(blob))
        try:
            if target.stat().st_size == len(blob) and target.read_bytes() == blob:
                unchanged += 1
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, target)  # atomic: a reader never sees half a page
        written.append(rel)
    if not manifest:
        return EmitStats(tuple(sorted(written)), unchanged, ())
    removed = _remove_stale(out, set(known), set(listing))
    text = "".join(f"{key}\t{size}\t{rel}\n" for rel, (key, size) in sorted(listing.items()))
    manifest_path = out / MANIFEST
    if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != text:
        manifest_path.write_text(text, encoding="utf-8")
    return EmitStats(tuple(sorted(written)), unchanged, tuple(removed))


def _read_manifest(out: Path) -> dict[str, tuple[str, int]]:
    """Path -> (key, size) of what an earlier run wrote. Lines are `key<TAB>size<TAB>path`
    (the path last: it is the only part that could hold a tab); a line of an older
    manifest is a bare path."""
    try:
        lines = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    known: dict[str, tuple[str, int]] = {}
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) == 3 and parts[1].isdigit():
            known[parts[2]] = (parts[0], int(parts[1]))
        elif line:
            known[line] = ("", -1)
    return known


def _remove_stale(out: Path, before: set[str], keep: set[str]) -> list[str]:
    removed = []
    for rel in sorted(before - keep):
        target = out / _safe(rel)
        if target.is_file():
            target.unlink()
            removed.append(rel)
    return removed
