"""Archived copies for sources that have none: `digest links --archive` looks each
source's url up in an availability API (the Internet Archive's by default) and prints
what it finds; with `--write`, it adds `archived: <snapshot>` under the source's `url:`
line, the only change to the file (every other byte is kept).

The requests go through links.py's client: the same limits, delays, retries and
deadline as the link check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .config import Project
from .links import Asker, Outcome, Scanned, Settings, Stopped, cause, retry_wait, retryable, run_all, status_line
from .model import Problem
from .read import RawFile, YamlNode, read_entry
from .validate import url_problem

ARCHIVE_API = "https://archive.org/wayback/available"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """An archived copy the API named: its address and the day it was taken."""

    url: str
    day: str  # YYYY-MM-DD, from the archive's timestamp


def archive_lookup(api: str) -> Callable[[Asker, str], Coroutine[Any, Any, Snapshot | Outcome]]:
    async def lookup(asker: Asker, url: str) -> Snapshot | Outcome:
        """The closest snapshot of `url` in an availability API (the Internet Archive's
        JSON), or a warning (none) or an error (the API failed)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await asker.send("GET", api, params={"url": url}, body=True)
            except (httpx.TimeoutException, TimeoutError):
                if attempt > asker.settings.retries:
                    return Outcome("error", f"archive lookup: no answer within {asker.settings.timeout:g} s ({api})")
                await asker.pause(retry_wait(asker.settings, attempt, None))
                continue
            except httpx.HTTPError as err:
                return Outcome("error", f"archive lookup: {cause(err)} ({api})")
            if retryable(response.status_code) and attempt <= asker.settings.retries:
                await asker.pause(retry_wait(asker.settings, attempt, response))
                continue
            if response.status_code != 200:
                return Outcome("error", f"archive lookup: {status_line(response)} ({api})")
            return snapshot_in(response.content, url)

    return lookup


_TIMESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})")


def snapshot_in(body: bytes, url: str) -> Snapshot | Outcome:
    try:
        data = json.loads(body)
        closest = data["archived_snapshots"].get("closest") if isinstance(data["archived_snapshots"], dict) else None
    except (ValueError, KeyError, TypeError):
        return Outcome("error", "archive lookup: the answer is not the availability API's JSON")
    if not isinstance(closest, dict) or closest.get("available") is not True or not str(closest.get("status", "200")).startswith("2"):
        return Outcome("warning", f"no archived copy found ({url})")
    found = str(closest.get("url", ""))
    if found.startswith("http://web.archive.org/"):  # the API answers http; the archive serves https
        found = "https://" + found[len("http://") :]
    if url_problem(found) is not None:
        return Outcome("error", f"archive lookup: the archive answered an unusable URL {found!r}")
    stamp = _TIMESTAMP.match(str(closest.get("timestamp", "")))
    return Snapshot(found, "-".join(stamp.groups()) if stamp else "an unknown day")


@dataclass(frozen=True, slots=True)
class Unarchived:
    """A source with a url and no `archived:`, with the nodes --write needs."""

    path: str
    index: int
    item: YamlNode  # the source's mapping
    key: YamlNode  # its `url` key
    value: YamlNode  # its url


def unarchived(scanned: Scanned) -> list[Unarchived]:
    valid = {(c.path, c.field) for c in scanned.cited}
    found: list[Unarchived] = []
    for path, (_, _, raw) in sorted(scanned.raws.items()):
        sources = raw.front.get("sources") if raw.front is not None else None
        for index, item in enumerate(sources.items if sources is not None else ()):
            pairs = dict((k.text, (k, v)) for k, v in item.pairs)
            if "url" in pairs and "archived" not in pairs and (path, f"sources[{index}].url") in valid:
                key, value = pairs["url"]
                found.append(Unarchived(path, index, item, key, value))
    return found


_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")


def _lines(data: bytes) -> list[bytes]:
    """The file's lines with their endings, split as the reader counts them."""
    lines = _LINE.findall(data)
    return lines[:-1] if lines and lines[-1] == b"" else lines


def insert_archived(data: bytes, wanted: Sequence[tuple[Unarchived, str]]) -> bytes | tuple[YamlNode, str]:
    """`data` with `archived: <url>` on a new line under each source's url line, at
    the url key's indentation; or where and why that cannot be done safely."""
    lines = _lines(data)
    for source, snapshot in sorted(wanted, key=lambda w: w[0].key.line, reverse=True):
        opening = lines[source.item.line - 1].decode("utf-8", "replace")
        if opening[source.item.col - 1 : source.item.col] == "{":
            return source.item, f"sources[{source.index}] is written in flow style {{...}}: add archived: by hand"
        line = lines[source.key.line - 1]
        if source.value.line != source.key.line or source.value.text not in line.decode("utf-8", "replace"):
            return source.key, f"sources[{source.index}].url is not on one line with its key: add archived: by hand"
        ending = line[len(line.rstrip(b"\r\n")) :]
        if not ending:  # the front matter ends with `---`, so this cannot happen; be safe
            return source.key, f"sources[{source.index}].url has no line ending"
        lines.insert(source.key.line, b" " * (source.key.col - 1) + b"archived: " + snapshot.encode() + ending)
    return b"".join(lines)


@dataclass(frozen=True, slots=True)
class Archived:
    notices: list[Problem]  # what was found (or added), severity "notice"
    problems: list[Problem]


def find_archives(
    project: Project, scanned: Scanned, settings: Settings, api: str, write: bool, transport: httpx.AsyncBaseTransport | None = None
) -> Archived:
    """Look up a snapshot for every source that has a url and no archived copy; with
    `write`, add the ones found to their files (a file that cannot be edited safely is
    left alone, and said so)."""
    todo = unarchived(scanned)
    results = asyncio.run(run_all(sorted({s.value.text for s in todo}), archive_lookup(api), settings, transport))
    problems = list(scanned.problems)
    by_file: dict[str, list[tuple[Unarchived, Snapshot]]] = {}
    for source in todo:
        result = results[source.value.text]
        if isinstance(result, Stopped):
            result = Outcome("warning", f"not looked up: the run's deadline of {settings.deadline:g} s passed ({source.value.text})")
        if isinstance(result, Outcome):
            problems.append(Problem(source.path, source.value.line, source.value.col, f"sources[{source.index}].url", result.message, result.severity))
        else:
            by_file.setdefault(source.path, []).append((source, result))
    notices: list[Problem] = []
    for path, found in sorted(by_file.items()):
        verb = "found"
        if write:
            trouble = write_file(project, scanned.raws[path], [(s, snap.url) for s, snap in found])
            if trouble is None:
                verb = "added"
            else:
                problems.append(trouble)
        notices += [
            Problem(s.path, s.value.line, s.value.col, f"sources[{s.index}].archived", f"{verb} {snap.url} (snapshot of {snap.day})", "notice")
            for s, snap in found
        ]
    return Archived(sorted(notices, key=Problem.sort_key), sorted(problems, key=Problem.sort_key))


def write_file(project: Project, read: tuple[Path, bytes, RawFile], wanted: Sequence[tuple[Unarchived, str]]) -> Problem | None:
    """Add the archived copies to one file, or say why not. The new bytes are read back
    with the reader and must hold exactly the copies added; the file must not have
    changed since it was read."""
    file, data, raw = read
    new = insert_archived(data, wanted)
    if isinstance(new, tuple):
        return Problem(raw.path, new[0].line, new[0].col, "sources", f"{new[1]}; file left unchanged")
    trouble = _written_back(project, file, data, new, wanted)
    where = wanted[0][0].item
    return None if trouble is None else Problem(raw.path, where.line, where.col, "sources", f"{trouble}; file left unchanged")


def _written_back(project: Project, file: Path, data: bytes, new: bytes, wanted: Sequence[tuple[Unarchived, str]]) -> str | None:
    """Replace the file with `new` once it reads back as intended; or say why not."""
    raw, _ = read_entry(file, project.root, new)
    sources = raw.front.get("sources") if raw is not None and raw.front is not None else None
    for source, url in wanted:
        item = sources.items[source.index] if sources is not None and source.index < len(sources.items) else None
        written = item.get("archived") if item is not None and item.kind == "map" else None
        if written is None or written.text != url:
            return f"sources[{source.index}]: the edited file would not read back as intended"
    try:
        if file.read_bytes() != data:
            return "the file changed while the archive was asked; run again"
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_bytes(new)
        with contextlib.suppress(OSError):
            os.chmod(tmp, file.stat().st_mode & 0o7777)
        os.replace(tmp, file)
    except OSError as err:
        return f"cannot write: {err.strerror}"
    return None
