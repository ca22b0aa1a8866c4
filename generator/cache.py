"""Caches kept between runs. Chiefly the check cache: an entry file that has not changed
is not parsed and checked again. Beside it, `remember` keeps one whole-digest result
(related entries) and `Store` keeps pieces of output (feed items' HTML), each under a
key naming everything it was made from.

Each entry file's result (its Entry when clean, its problems, the terms and source URLs
it names) is stored under a hash of the file's bytes. The cache as a whole is tied to
the generator's code, the versions of the libraries that parse entries and the taxonomy
files: a change to any of them starts it afresh. (Nothing cached depends on the day:
warnings for future dates are made from the cached dates on every run.)

It lives outside the project, in `$XDG_CACHE_HOME/digest/` (else `~/.cache/digest/`):
a cache file inside the repository could come with a pull request and pass a bad entry
as checked. It holds JSON, never pickles; a cache that cannot be read is ignored and
rewritten. `DIGEST_CACHE=off` turns it off.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from .model import Correction, Entry, Problem, Source, pickled_by_fields

T = TypeVar("T")

FORMAT = 1
# Modules whose code decides what a check finds and what an Entry holds.
CHECKING_CODE = ("cache.py", "load.py", "model.py", "read.py", "text.py", "validate.py", "bodies.py")
LIBRARIES = ("pyyaml", "markdown", "nh3")

Url = tuple[str, str, int, int, str]


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Checked:
    """One entry file's result: its Entry (when it is clean) and what the checks found."""

    entry: Entry | None
    problems: tuple[Problem, ...]
    used: tuple[tuple[str, str], ...]  # (facet, term) the entry names
    urls: tuple[Url, ...]  # source URLs, for the shared-URL check
    dates: tuple[tuple[str, dt.date, int, int], ...] = ()  # the entry's date and where it is


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@functools.cache
def source_hash(names: tuple[str, ...]) -> str:
    """A hash of some of the generator's modules: results made by other code differ."""
    folder = Path(__file__).parent
    digest = hashlib.blake2b(str(FORMAT).encode(), digest_size=16)
    for name in names:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


@functools.cache
def library_versions() -> str:
    """The versions of the libraries that parse entries and render their write-ups."""
    found = []
    for library in LIBRARIES:
        try:
            found.append(f"{library}={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            found.append(library)
    return " ".join(found)


@functools.cache
def _code_version() -> str:
    digest = hashlib.blake2b(source_hash(CHECKING_CODE).encode(), digest_size=16)
    digest.update(library_versions().encode())
    return digest.hexdigest()


def cache_file(root: Path) -> Path | None:
    """Where the cache of the project at `root` lives; None when caching is off."""
    if os.environ.get("DIGEST_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    project = hashlib.blake2b(str(root.resolve()).encode(), digest_size=8).hexdigest()
    return Path(base) / "digest" / project / "checked.jsonl"


class CheckCache:
    """Results by project-relative path, each with the hash of the bytes it came from.

    The file is JSON Lines: the context, then `[path, hash]<TAB>record` lines, a later
    line for a path superseding an earlier one, so a run appends only what it added.
    Records stay JSON text until a run needs them, and the text a worker process made
    is written as it is."""

    def __init__(self, file: Path | None, context: str) -> None:
        self.file, self.context = file, context
        self.old: dict[str, tuple[str, str]] = {}
        self.new: dict[str, tuple[str, str]] = {}
        self.lines = 0  # record lines in the file, superseded ones included
        self.valid = False  # the file exists and is of this context: it can be appended to
        if file is None:
            return
        try:
            with open(file, encoding="utf-8") as handle:
                if json.loads(handle.readline()) != {"context": context}:
                    return  # another code version or taxonomy: start afresh
                self.valid = True
                for line in handle:
                    self.lines += 1
                    key, _, record = line.rstrip("\n").partition("\t")
                    try:
                        path, digest = json.loads(key)
                    except (ValueError, TypeError):
                        continue  # a line cut short by a crash: ignored
                    self.old[str(path)] = (str(digest), record)  # a later line wins
        except (OSError, ValueError, TypeError, UnicodeDecodeError):
            self.old, self.valid = {}, False  # no cache yet, or an unreadable one

    @classmethod
    def open(cls, root: Path, taxonomy: bytes, facets: str) -> CheckCache:
        context = hashlib.blake2b(digest_size=16)
        for part in (_code_version(), facets, ""):
            context.update(part.encode() + b"\0")
        context.update(taxonomy)
        return cls(cache_file(root), context.hexdigest())

    def get(self, path: str, digest: str, *, entry: bool = True) -> Checked | None:
        stored = self.old.get(path)
        if stored is None or stored[0] != digest:
            return None
        try:
            checked = decode(stored[1], entry=entry)
        except (TypeError, ValueError, IndexError, KeyError):
            return None
        self.new[path] = stored
        return checked

    def put(self, path: str, digest: str, record: str) -> None:
        self.new[path] = (digest, record)

    def save(self, whole: bool) -> None:
        """Record this run's new results: appended to the file, which is rewritten only
        when it is new or holds more superseded lines than live ones. A rewrite after a
        run over the `whole` digest keeps only the files that run saw."""
        if self.file is None:
            return
        added = {path: value for path, value in self.new.items() if self.old.get(path) != value}
        if not added:
            return
        merged = self.new if whole else {**self.old, **self.new}
        if self.valid and self.lines + len(added) <= 2 * len(merged) + 1000:
            try:
                with open(self.file, "a", encoding="utf-8") as handle:
                    handle.write("".join(_line(path, value) for path, value in added.items()))
                return
            except OSError:
                pass  # rewritten whole below, or not at all
        _write(self.file, json.dumps({"context": self.context}) + "\n" + "".join(_line(p, v) for p, v in merged.items()))


def _write(file: Path, text: str) -> None:
    """Replace `file` with `text` in one step (a reader never sees half a cache)."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, file)
    except OSError:
        pass  # a read-only home: no cache, the same results


def _beside(root: Path, name: str) -> Path | None:
    """`<name>.json` beside the check cache of the project at `root` (None: caching off)."""
    folder = cache_file(root)
    return folder.with_name(f"{name}.json") if folder is not None else None


def _line(path: str, value: tuple[str, str]) -> str:
    return f"{json.dumps([path, value[0]])}\t{value[1]}\n"


def remember(
    root: Path, name: str, key: Callable[[], str], compute: Callable[[], T], as_json: Callable[[T], Any]
) -> tuple[Any, bool]:
    """A result of the whole digest that costs more to make than to read back: the JSON
    form stored last time under the same `key()`, with True; or `compute()`'s value,
    stored as `as_json` of it, with False. With caching off neither the key (which
    hashes every entry) nor the JSON form is made."""
    file = _beside(root, name)
    if file is None:
        return compute(), False
    shape = key()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("key") == shape and "value" in data:
            return data["value"], True
    except (OSError, ValueError):
        pass
    value = compute()
    _write(file, json.dumps({"key": shape, "value": as_json(value)}, ensure_ascii=False))
    return value, False


class Store:
    """A map of strings kept between runs, for pieces of output that cost more to make
    than to read back (a feed item's HTML). Read on first use; `save` writes the
    entries still wanted, if anything was added."""

    def __init__(self, root: Path, name: str, salt: str) -> None:
        self.file = _beside(root, name)
        self.salt = salt
        self.values: dict[str, str] | None = None
        self.added = False

    def _load(self) -> dict[str, str]:
        if self.values is None:
            self.values = {}
            if self.file is not None:
                try:
                    data = json.loads(self.file.read_text(encoding="utf-8"))
                    if isinstance(data, dict) and data.get("salt") == self.salt and isinstance(data.get("values"), dict):
                        self.values = {str(k): str(v) for k, v in data["values"].items()}
                except (OSError, ValueError):
                    pass
        return self.values

    def get(self, key: str) -> str | None:
        return self._load().get(key) if self.file is not None else None

    def put(self, key: str, value: str) -> None:
        if self.file is not None:
            self._load()[key] = value
            self.added = True

    def save(self, wanted: Callable[[str], bool]) -> None:
        if self.file is None or not self.added or self.values is None:
            return
        values = {k: v for k, v in self.values.items() if wanted(k)}
        _write(self.file, json.dumps({"salt": self.salt, "values": values}, ensure_ascii=False))


def encode(checked: Checked) -> str:
    """A result as one line of JSON (made in the worker process that checked the file)."""
    return json.dumps(_encode(checked), ensure_ascii=False)


def _encode(checked: Checked) -> dict[str, Any]:
    e = checked.entry
    entry = None
    if e is not None:
        entry = [
            e.slug, e.path, e.title, e.date.isoformat(), e.published.isoformat(), e.summary, e.body,
            [[facet, list(keys)] for facet, keys in e.terms],
            [[s.publisher, s.title, s.url, s.date.isoformat() if s.date else None] for s in e.sources],
            e.updated.isoformat() if e.updated else None,
            [[c.date.isoformat(), c.text] for c in e.corrections],
            e.draft,
        ]
    return {
        "entry": entry,
        "problems": [[p.path, p.line, p.col, p.field, p.message, p.severity] for p in checked.problems],
        "used": [list(u) for u in checked.used],
        "urls": [list(u) for u in checked.urls],
        "dates": [[p, d.isoformat(), line, col] for p, d, line, col in checked.dates],
    }


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def decode(record: str, *, entry: bool = True) -> Checked:
    """A result from its JSON line; without `entry` (a check needs only the findings)
    the Entry is not rebuilt."""
    return _decode(json.loads(record), entry)


def _decode(data: dict[str, Any], with_entry: bool) -> Checked:
    entry = None
    if data["entry"] is not None and with_entry:
        slug, path, title, day, published, summary, body, terms, sources, updated, corrections, draft = data["entry"]
        entry = Entry(
            slug=slug,
            path=path,
            title=title,
            date=dt.date.fromisoformat(day),
            published=dt.datetime.fromisoformat(published),
            summary=summary,
            body=body,
            terms=tuple((facet, tuple(keys)) for facet, keys in terms),
            sources=tuple(Source(p, t, u, _date(d)) for p, t, u, d in sources),
            updated=_date(updated),
            corrections=tuple(Correction(dt.date.fromisoformat(d), text) for d, text in corrections),
            draft=bool(draft),
        )
    return Checked(
        entry,
        tuple(Problem(*p) for p in data["problems"]),
        tuple((f, k) for f, k in data["used"]),
        tuple((u, p, line, col, name) for u, p, line, col, name in data["urls"]),
        tuple((p, dt.date.fromisoformat(d), line, col) for p, d, line, col in data["dates"]),
    )
