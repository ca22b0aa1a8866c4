"""Incremental output: what lets a second run skip the work of the first, in one module.

- `Keys`: a fingerprint of everything a page or a feed is made from. The emitter skips
  a file whose key is the one in its output folder's manifest (`read_manifest`,
  `write_manifest`); the live preview rebuilds only pages whose key changed.
- The check cache (`CheckCache`): an entry file that has not changed is not parsed and
  checked again.
- `remember` keeps one whole-digest result (related entries) and `Store` keeps pieces of
  output (feed items' HTML), each under a key naming everything it was made from.

Every key and cache is salted by `package_hash`, a hash of every file of the package
(its code, templates and assets) with the versions of the libraries that parse entries
and render write-ups; page keys also by the site's override templates. A change to any
of them starts every cache afresh, so no list of modules can go stale. Cached records
are JSON objects keyed by field name: a record missing a field of today's dataclass, or
holding one it no longer has, is not used.

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

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .model import Correction, Digest, Entry, Problem, Source, pickled_by_fields

if TYPE_CHECKING:
    from .config import Project

T = TypeVar("T")

FORMAT = 2
LIBRARIES = ("pyyaml", "markdown", "nh3", "jinja2")
PACKAGE = Path(__file__).parent
MANIFEST = ".digest-manifest"  # in an output folder: what this generator wrote there

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
    titles: tuple[tuple[str, str, dt.date, int, int], ...] = ()  # (path, title, date, line, col): near-duplicates


class Keys:
    """Stable fingerprints of entries, so a page's key can name the entries it shows.

    Every key starts from a salt of the package (`package_hash`), the site's override
    templates, the project's settings and the whole taxonomy (a term's name is on many
    pages): a change there changes every key.
    """

    def __init__(self, project: Project, digest: Digest, templates: str = "", hashes: dict[str, str] | None = None) -> None:
        """`templates`: a hash of the override templates (theme.Templates.fingerprint);
        `hashes`: entry URL -> hash of its file's bytes, which (with the code and the
        taxonomy in the salt) decide the entry; without one, the entry's fields do."""
        salt = hashlib.blake2b(package_hash().encode(), digest_size=16)
        salt.update(templates.encode())
        salt.update(repr((project, digest.facets, digest.terms)).encode())
        self.salt = salt.hexdigest()
        known = hashes or {}
        self.entries = {
            e.url: e.url + ":" + (known.get(e.url) or hashlib.blake2b(repr(e).encode(), digest_size=16).hexdigest())
            for e in digest.entries
        }
        self.everything = self.of(digest.entries)

    def of(self, entries: Sequence[Entry], extra: str = "") -> str:
        digest = hashlib.blake2b(self.salt.encode(), digest_size=16)
        for entry in entries:
            digest.update(self.entries[entry.url].encode())
        digest.update(extra.encode())
        return digest.hexdigest()


def read_manifest(out: Path) -> dict[str, tuple[str, int]]:
    """Path -> (key, size) of what an earlier run wrote into `out`. Lines are
    `key<TAB>size<TAB>path` (the path last: it is the only part that could hold a tab);
    a line of an older manifest is a bare path."""
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


def write_manifest(out: Path, listing: dict[str, tuple[str, int]]) -> None:
    """Record what this run wrote into `out` (path -> key, size), if that changed."""
    text = "".join(f"{key}\t{size}\t{rel}\n" for rel, (key, size) in sorted(listing.items()))
    manifest = out / MANIFEST
    if not manifest.exists() or manifest.read_text(encoding="utf-8") != text:
        manifest.write_text(text, encoding="utf-8")


def file_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@functools.cache
def package_hash() -> str:
    """A hash of every file of the package (code, templates, assets) and the libraries'
    versions: results made by other code differ."""
    digest = hashlib.blake2b(f"{FORMAT} {library_versions()}".encode(), digest_size=16)
    for file in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(file.relative_to(PACKAGE).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
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
        for part in (package_hash(), facets, ""):
            context.update(part.encode() + b"\0")
        context.update(taxonomy)
        return cls(cache_file(root), context.hexdigest())

    def get(self, path: str, digest: str, *, entry: bool = True) -> Checked | None:
        stored = self.old.get(path)
        if stored is None or stored[0] != digest:
            return None
        try:
            checked = decode(stored[1], entry=entry)
        except (TypeError, ValueError, IndexError, KeyError):  # damaged, or of another shape
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
    """A result as one line of JSON, every record an object keyed by field name (made in
    the worker process that checked the file)."""
    return json.dumps(_plain(checked), ensure_ascii=False)


def _plain(value: Any) -> Any:
    """A dataclass as a JSON object of its fields (by name), dates in ISO form."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def _fields(cls: type, data: Any) -> dict[str, Any]:
    """A record's fields, which must be exactly `cls`'s: a record made when the class had
    other fields is not used (KeyError)."""
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    if not isinstance(data, dict) or set(data) != names:
        raise KeyError(f"a {cls.__name__} record of another shape")
    return data


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def decode(record: str, *, entry: bool = True) -> Checked:
    """A result from its JSON line; without `entry` (a check needs only the findings)
    the Entry is not rebuilt."""
    data = _fields(Checked, json.loads(record))
    return Checked(
        _entry(data["entry"]) if data["entry"] is not None and entry else None,
        tuple(Problem(**_fields(Problem, p)) for p in data["problems"]),
        tuple((f, k) for f, k in data["used"]),
        tuple((u, p, line, col, name) for u, p, line, col, name in data["urls"]),
        tuple((p, dt.date.fromisoformat(d), line, col) for p, d, line, col in data["dates"]),
        tuple((p, t, dt.date.fromisoformat(d), line, col) for p, t, d, line, col in data["titles"]),
    )


def _entry(data: Any) -> Entry:
    fields = _fields(Entry, data)
    return Entry(**{
        **fields,
        "date": dt.date.fromisoformat(fields["date"]),
        "published": dt.datetime.fromisoformat(fields["published"]),
        "terms": tuple((facet, tuple(keys)) for facet, keys in fields["terms"]),
        "sources": tuple(_source(s) for s in fields["sources"]),
        "updated": _date(fields["updated"]),
        "corrections": tuple(_correction(c) for c in fields["corrections"]),
    })


def _source(data: Any) -> Source:
    fields = _fields(Source, data)
    return Source(**{**fields, "date": _date(fields["date"])})


def _correction(data: Any) -> Correction:
    fields = _fields(Correction, data)
    return Correction(dt.date.fromisoformat(fields["date"]), fields["text"])
