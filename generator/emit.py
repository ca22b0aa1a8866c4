"""Stage 6, emit: the only writer.

A file whose text did not change is not rewritten (so watchers and rsync see nothing),
and files this generator wrote before but no longer produces are removed, tracked by a
manifest, so nothing else in the output folder is ever touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST = ".digest-manifest"


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


def emit(files: Iterable[tuple[str, str | bytes]], out: Path, *, manifest: bool = True) -> EmitStats:
    """Write `(path, content)` pairs into `out` as they come (each path once).

    With `manifest`, files written by an earlier run and not produced by this one are
    removed; a built site (a fresh folder) needs no manifest.
    """
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    seen: set[str] = set()
    unchanged = 0
    for rel, data in files:
        target = out / _safe(rel)
        seen.add(rel)
        blob = data.encode("utf-8") if isinstance(data, str) else data
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
    removed = _remove_stale(out, seen)
    listing = "".join(f"{rel}\n" for rel in sorted(seen))
    manifest_path = out / MANIFEST
    if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != listing:
        manifest_path.write_text(listing, encoding="utf-8")
    return EmitStats(tuple(sorted(written)), unchanged, tuple(removed))


def _remove_stale(out: Path, keep: set[str]) -> list[str]:
    manifest = out / MANIFEST
    if not manifest.is_file():
        return []
    removed = []
    for rel in manifest.read_text(encoding="utf-8").splitlines():
        if rel and rel not in keep:
            target = out / _safe(rel)
            if target.is_file():
                target.unlink()
                removed.append(rel)
    return removed
