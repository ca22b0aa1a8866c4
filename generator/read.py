"""Stage 1, read: find files, split front matter, parse YAML safely, keep positions.

The reader never guesses. Broken front matter is a problem with a file line, not body
text (MkDocs' mistake); YAML is composed into located nodes without constructing any
Python object, so tags, anchors and duplicate keys can all be refused with their line.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from .model import Problem
from .text import blank_forbidden, forbidden_char, forbidden_chars, maybe_forbidden, nfc, position

MAX_ENTRY_BYTES = 256 * 1024  # an entry is a page of text; anything larger is a mistake
MAX_DEPTH = 8  # the entry schema nests three levels; more is an attack or an accident

# The tags a plain YAML document resolves to by itself. Anything else was written
# explicitly (`!!python/object`, `!!binary`, `!!set`, `!custom`) and is refused.
_CORE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


class YamlNode(NamedTuple):
    """A YAML value with its file position. `kind` is scalar, seq or map.

    A NamedTuple rather than a frozen dataclass: immutable all the same, and the
    reader makes some thirty per entry, where a frozen dataclass's __init__ is slow.
    """

    kind: str
    line: int
    col: int
    tag: str = ""
    text: str = ""  # scalars: the text as written (after YAML unescaping), NFC
    plain: bool = False  # scalars: written unquoted (so YAML would have typed it)
    items: tuple[YamlNode, ...] = ()  # sequences
    pairs: tuple[tuple[YamlNode, YamlNode], ...] = ()  # mappings: (key, value)

    def get(self, key: str) -> YamlNode | None:
        for k, v in self.pairs:
            if k.text == key:
                return v
        return None

    @property
    def type_name(self) -> str:
        if self.kind != "scalar":
            return {"seq": "a list", "map": "a mapping"}[self.kind]
        return {
            "int": "a number",
            "float": "a number",
            "bool": "a boolean",
            "null": "empty",
            "timestamp": "a date",
        }.get(self.tag.rsplit(":", 1)[-1], "text")


@dataclass(frozen=True, slots=True)
class RawFile:
    """A file as read: its front matter (if it parsed) and its body."""

    path: str  # relative to the project root, with forward slashes
    front: YamlNode | None
    body: str
    body_line: int  # file line where the body starts


class _YamlError(Exception):
    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


# libyaml's parser when PyYAML has it (about 20 times faster), the pure-Python one
# otherwise; both give the same events, and no Python object is ever constructed.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Composer:
    """Compose located nodes from parser events, refusing aliases, anchors and depth."""

    def __init__(self, text: str, path: str, first_line: int) -> None:
        self.events = _Loader(text)
        self.path, self.first_line = path, first_line
        self.problems: list[Problem] = []

    def document(self) -> YamlNode | None:
        events = self.events
        events.get_event()  # stream start
        if events.check_event(StreamEndEvent):
            return None
        events.get_event()  # document start
        node = self.node(1, "")
        events.get_event()  # document end
        if not events.check_event(StreamEndEvent):
            event = events.peek_event()
            raise _YamlError(*_mark(event), "expected a single YAML document; remove the extra '---'")
        return node

    def node(self, depth: int, trail: str) -> YamlNode:
        """The next node; `trail` is where it sits (`sources[0]`), for messages."""
        event = self.events.get_event()
        line, col = _mark(event)
        if isinstance(event, AliasEvent):
            raise _YamlError(line, col, "YAML aliases (*name) are not allowed")
        if getattr(event, "anchor", None):
            raise _YamlError(line, col, "YAML anchors (&name) are not allowed")
        if depth > MAX_DEPTH:
            raise _YamlError(line, col, f"nesting deeper than {MAX_DEPTH} levels")
        where = (line + self.first_line, col + 1)
        if isinstance(event, ScalarEvent):
            text, style = event.value, event.style
            if event.tag not in (None, "!"):
                tag = event.tag
            elif style:  # quoted or block: always text
                tag = "tag:yaml.org,2002:str"
            else:
                tag = _resolve_plain(text)
            if tag not in _CORE_TAGS:
                self._check_tag(tag, where)
            if style == '"':  # only escapes can make characters the file check did not see
                text = nfc(text)
                bad = forbidden_char(text)
                if bad:
                    self.problems.append(Problem(self.path, *where, "yaml", f"forbidden character {bad[1]}"))
            return YamlNode("scalar", *where, tag=tag, text=text, plain=not style)
        if isinstance(event, SequenceStartEvent):
            tag = event.tag if event.tag not in (None, "!") else "tag:yaml.org,2002:seq"
            self._check_tag(tag, where)
            items: list[YamlNode] = []
            while not self.events.check_event(SequenceEndEvent):
                items.append(self.node(depth + 1, f"{trail}[{len(items)}]"))
            self.events.get_event()
            return YamlNode("seq", *where, tag=tag, items=tuple(items))
        assert isinstance(event, MappingStartEvent)
        tag = event.tag if event.tag not in (None, "!") else "tag:yaml.org,2002:map"
        self._check_tag(tag, where)
        pairs: list[tuple[YamlNode, YamlNode]] = []
        seen: dict[str, int] = {}
        while not self.events.check_event(MappingEndEvent):
            key = self.node(depth + 1, trail)
            value = self.node(depth + 1, f"{trail}.{key.text}" if trail else key.text)
            if key.kind != "scalar":
                self.problems.append(Problem(self.path, key.line, key.col, "yaml", "a key must be plain text"))
            elif key.text in seen:
                message = f"duplicate key (first set on line {seen[key.text]})"
                field = f"{trail}.{key.text}" if trail else key.text
                self.problems.append(Problem(self.path, key.line, key.col, field, message))
            else:
                seen[key.text] = key.line
                pairs.append((key, value))
        self.events.get_event()
        return YamlNode("map", *where, tag=tag, pairs=tuple(pairs))

    def _check_tag(self, tag: str, where: tuple[int, int]) -> None:
        if tag not in _CORE_TAGS:
            self.problems.append(Problem(self.path, *where, "yaml", f"YAML tag '{tag}' is not allowed"))


_IMPLICIT = yaml.SafeLoader.yaml_implicit_resolvers


def _resolve_plain(value: str) -> str:
    """The YAML 1.1 type of an unquoted scalar (what SafeLoader's resolver answers,
    without its per-call overhead): `yes`, `2024` or `null` are not text."""
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = "tag:yaml.org,2002:str"
        for implicit, pattern in _IMPLICIT.get(value[:1] or "", ()):
            if pattern.match(value):
                tag = str(implicit)
                break
        if len(value) <= 40 and len(_RESOLVED) < 50_000:
            _RESOLVED[value] = tag  # keys, slugs, dates and names recur from file to file
    return tag


_RESOLVED: dict[str, str] = {}


def _mark(event: object) -> tuple[int, int]:
    mark = getattr(event, "start_mark", None)
    return (mark.line, mark.column) if mark is not None else (0, 0)


def parse_yaml(text: str, path: str, first_line: int) -> tuple[YamlNode | None, list[Problem]]:
    """Compose `text` into located nodes. `first_line` is the file line of its first line."""
    text = nfc(text)
    composer = None
    try:
        composer = _Composer(text, path, first_line)
        node = composer.document()
    except _YamlError as err:
        return None, [Problem(path, err.line + first_line, err.col + 1, "yaml", err.message)]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        if err.context_mark and err.problem and "end of stream" in err.problem:
            mark = err.context_mark  # an unclosed quote or bracket: point where it opened
        line, col = (mark.line, mark.column) if mark else (0, 0)
        message = err.problem or "invalid YAML"
        if mark is err.context_mark and err.context:
            message = f"not closed before the end ({err.context})"
        elif err.context and err.context_mark and err.context_mark is not mark:
            message += f" ({err.context} that starts on line {err.context_mark.line + first_line})"
        elif err.context:
            message += f" ({err.context})"
        return None, [Problem(path, line + first_line, col + 1, "yaml", message)]
    except yaml.YAMLError as err:  # reader errors: non-printable characters and the like
        return None, [Problem(path, first_line, 1, "yaml", str(err).splitlines()[0])]
    finally:
        if composer is not None:
            composer.events.dispose()
    return node, composer.problems


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 (a BOM is accepted), newlines normalised, refused characters reported."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.count(b"\x00") * 4 > len(data):  # every other (or fourth) byte zero
        return None, [Problem(path, 1, 1, "file", "looks like UTF-16 or UTF-32, not UTF-8; save the file as UTF-8")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        col = len(data[line_start : err.start].decode("utf-8", "replace")) + 1  # characters, not bytes
        return None, [Problem(path, line, col, "file", "not valid UTF-8; save the file as UTF-8")]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def split_front_matter(text: str, path: str) -> tuple[str | None, int, str, int, list[Problem]]:
    """Return (front matter, its first line, body, body's first line, problems)."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, 0, text, 1, [
            Problem(path, 1, 1, "front matter", "missing: the file must start with a '---' line")
        ]
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index]) + "\n"
            body = "\n".join(lines[index + 1 :])
            return front, 2, body, index + 2, []
    return None, 0, "", 1, [
        Problem(path, 1, 1, "front matter", "not closed: add a '---' line after the fields")
    ]


def relative(file: Path, root: Path) -> str:
    """`file` relative to `root`, with forward slashes (cheaper than Path.relative_to)."""
    full, base = file.as_posix(), root.as_posix().rstrip("/") + "/"
    return full[len(base) :] if full.startswith(base) else file.relative_to(root).as_posix()


def read_capped(file: Path | str) -> bytes:
    """A file's bytes, at most one more than an entry may have (the cap holds before
    anything is parsed)."""
    with open(file, "rb") as handle:
        return handle.read(MAX_ENTRY_BYTES + 1)


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_unless_link(file: Path | str) -> bytes | None:
    """read_capped, or None for a symbolic link: opened without following one, so a
    link is found by the same system call that opens a file (ten thousand entries
    make that worth it)."""
    if not _NO_FOLLOW:
        return None if os.path.islink(file) else read_capped(file)
    try:
        handle = os.open(file, os.O_RDONLY | _NO_FOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if err.errno == errno.ELOOP and os.path.islink(file):
            return None
        raise
    try:
        chunks, size = [], 0
        while size <= MAX_ENTRY_BYTES:
            chunk = os.read(handle, MAX_ENTRY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    finally:
        os.close(handle)


def read_entry(file: Path, root: Path, data: bytes | None = None) -> tuple[RawFile | None, list[Problem]]:
    """Read one entry file, or parse its `data`: what the caller read with read_capped,
    having found it is no symbolic link. Returns no RawFile when nothing useful could
    be parsed."""
    path = relative(file, root)
    if data is None:
        if file.is_symlink():  # a link could publish any file of the machine that builds
            return None, [Problem(path, 1, 1, "file", "symbolic links are not allowed")]
        data = read_capped(file)
    if len(data) > MAX_ENTRY_BYTES:
        message = f"file is over {MAX_ENTRY_BYTES} bytes, the limit for an entry"
        return None, [Problem(path, 1, 1, "file", message)]
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    found = forbidden_chars(text) if maybe_forbidden(data) else []
    for index, name in found:
        line, col = position(text, index)
        problems.append(Problem(path, line, col, "file", f"forbidden character {name}"))
    # Reported once, here, at the exact spot; blanked so the rest can still be checked.
    # NFC once for the whole file, so that every plain or single-quoted value is NFC.
    text = nfc(blank_forbidden(text) if found else text)
    front_text, front_line, body, body_line, split_problems = split_front_matter(text, path)
    problems += split_problems
    if front_text is None:
        return None, problems
    front, yaml_problems = parse_yaml(front_text, path, front_line)
    problems += yaml_problems
    if front is None and not yaml_problems:
        problems.append(Problem(path, 1, 1, "front matter", "empty: add the entry's fields"))
    if front is not None and front.kind != "map":
        problems.append(
            Problem(
                path,
                front.line,
                front.col,
                "front matter",
                f"must be a mapping of fields, not {front.type_name}",
            )
        )
        front = None
    if yaml_problems and front is not None and any(p.field == "yaml" for p in yaml_problems):
        front = None  # a refused tag or alias: do not validate what we would not load
    return RawFile(path, front, body, body_line), problems


def read_yaml_file(file: Path, root: Path) -> tuple[YamlNode | None, list[Problem]]:
    """Read a whole-file YAML document (a taxonomy file)."""
    path = relative(file, root)
    text, problems = decode(file.read_bytes(), path)
    if text is None:
        return None, problems
    for index, name in forbidden_chars(text):
        line, col = position(text, index)
        problems.append(Problem(path, line, col, "file", f"forbidden character {name}"))
    node, yaml_problems = parse_yaml(blank_forbidden(text), path, 1)
    return node, problems + yaml_problems


STRAY_ENTRY = "not an entry: only Markdown files (.md) belong in content/entries/"


def find_entries(entries_dir: Path, root: Path, stray: str = STRAY_ENTRY) -> tuple[list[Path], list[Problem]]:
    """Every Markdown file under a folder, in path order; hidden files and folders
    (relative to the folder) ignored; symbolic links and other files reported.

    os.scandir, not os.walk: it tells links from files without a system call per file."""
    found: list[Path] = []
    problems: list[Problem] = []
    if not entries_dir.is_dir():
        return found, problems

    def visit(folder: str) -> None:
        # Depth first, each folder's names in order: that is the order of the paths.
        with os.scandir(folder) as listing:
            items = sorted(listing, key=lambda item: item.name)
        for item in items:
            if item.name.startswith("."):
                continue
            if item.is_symlink():
                problems.append(Problem(relative(Path(item.path), root), 1, 1, "file", "symbolic links are not allowed"))
            elif item.is_dir():
                visit(item.path)
            elif not item.is_file(follow_symlinks=False):  # reading a pipe would wait forever
                problems.append(Problem(relative(Path(item.path), root), 1, 1, "file", "not a regular file (a pipe, socket or device)"))
            elif not item.name.endswith(".md"):
                problems.append(Problem(relative(Path(item.path), root), 1, 1, "file", stray))
            else:
                found.append(Path(item.path))

    visit(str(entries_dir))
    return found, problems
