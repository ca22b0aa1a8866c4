"""Stage 1, read: find files, split front matter, parse YAML safely, keep positions.

The reader never guesses. Broken front matter is a problem with a file line, not body
text (MkDocs' mistake); YAML is composed into located nodes without constructing any
Python object, so tags, anchors and duplicate keys can all be refused with their line.
"""

from __future__ import annotations

import errno
import os
import re
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


# --- the common case, without libyaml -----------------------------------------------
#
# Nearly every front matter is a block mapping of scalars (plain, possibly over several
# lines, quoted on one line, or a `>-` block), flow lists of slugs and block lists of
# slugs or of such mappings: what `digest new` writes. PyYAML turns each libyaml event
# into Python objects with two marks each, which made composing three quarters of
# checking an entry. This reader takes exactly that subset, with libyaml's positions,
# and gives up (None) at anything else: comments, tags, anchors, escapes, blank lines
# inside a value, duplicate keys, deeper nesting. libyaml then reads the text as
# before, so every problem is still reported by the one YAML reader. A test compares
# the two on every entry of the corpora and on thousands of mutated ones.

_MAP_TAG, _SEQ_TAG, _STR_TAG = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
_FLOW_ITEM = re.compile(r" *([A-Za-z0-9][A-Za-z0-9_.-]*) *")
# What may not start a plain scalar (an indicator, a quote, a space); and any character
# but newlines and those YAML prints as they are (no tab, no other line break, no BOM).
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_AWKWARD = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_BLOCK_HEADERS = {">": (" ", "\n"), ">-": (" ", ""), "|": ("\n", "\n"), "|-": ("\n", "")}


_new = tuple.__new__


def _scalar(line: int, col: int, tag: str, text: str, plain: bool) -> YamlNode:
    """A scalar node, made as the tuple it is: a NamedTuple's own constructor is one
    more Python call, with defaults, per node."""
    return _new(YamlNode, ("scalar", line, col, tag, text, plain, (), ()))


class _GiveUp(Exception):
    """Not the common case: libyaml reads the text instead."""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Fast:
    def __init__(self, text: str, first_line: int) -> None:
        self.lines = text.split("\n")
        self.at = 0  # the next line to read
        self.first_line = first_line

    def row(self) -> tuple[int, str] | None:
        """The next line that is not blank (skipping blank ones), trailing spaces cut."""
        while self.at < len(self.lines):
            line = self.lines[self.at].rstrip(" ")
            if line:
                return self.at, line
            self.at += 1
        return None

    def document(self) -> YamlNode:
        row = self.row()
        if row is None or row[1][0] == " ":
            raise _GiveUp
        node = self.mapping(row[0], 0, row[1])
        if self.row() is not None:
            raise _GiveUp
        return node

    def mapping(self, number: int, indent: int, rest: str) -> YamlNode:
        """A block mapping whose first key starts `rest`, at column `indent` of line
        `number`; its other keys start lines of that indent."""
        start = (number + self.first_line, indent + 1)
        pairs: list[tuple[YamlNode, YamlNode]] = []
        seen: set[str] = set()
        while True:
            match = _KEY.match(rest)
            if match is None or match.group(1) in seen:
                raise _GiveUp
            name = match.group(1)
            seen.add(name)
            key = _scalar(number + self.first_line, indent + 1, _resolve_plain(name), name, True)
            self.at = number + 1
            value_text = rest[match.end() :]
            if not value_text:
                value = self.sequence(indent)
            else:
                value = self.value(number, indent + match.end(), value_text, indent)
            pairs.append((key, value))
            row = self.row()
            if row is None:
                break
            number, line = row
            depth = _indent(line)
            if depth < indent or (depth == indent and line[depth] == "-"):
                break  # the mapping ends: an outer key, or the next item of a list
            if depth > indent:
                raise _GiveUp
            rest = line[depth:]
        return _new(YamlNode, ("map", *start, _MAP_TAG, "", False, (), tuple(pairs)))

    def sequence(self, parent: int) -> YamlNode:
        """A block list, the value of a key at column `parent`: its `- ` may sit at that
        column or deeper."""
        row = self.row()
        if row is None:
            raise _GiveUp  # an empty value
        number, line = row
        indent = _indent(line)
        if indent < parent or line[indent : indent + 2] != "- ":
            raise _GiveUp
        start = (number + self.first_line, indent + 1)
        items: list[YamlNode] = []
        while True:
            content = len(line) - len(line[indent + 2 :].lstrip(" "))
            rest = line[content:]
            if _KEY.match(rest):
                items.append(self.mapping(number, content, rest))
            else:
                items.append(self.plain(number, content, rest))
                self.at = number + 1
            row = self.row()
            if row is None:
                break
            number, line = row
            depth = _indent(line)
            if depth == indent and line[depth : depth + 2] == "- ":
                continue
            if depth < indent or depth == indent == parent:
                break  # an outer key
            raise _GiveUp
        return _new(YamlNode, ("seq", *start, _SEQ_TAG, "", False, tuple(items), ()))

    def value(self, number: int, col: int, text: str, parent: int) -> YamlNode:
        """The value after a key of column `parent`, starting at column `col`."""
        where = (number + self.first_line, col + 1)
        first = text[0]
        if first == "[":
            return self.flow(number, col, text)
        if first in "'\"":
            if len(text) < 2 or text[-1] != first:
                raise _GiveUp
            inner = text[1:-1]
            if first == "'" and "'" not in inner.replace("''", ""):
                return _scalar(*where, _STR_TAG, inner.replace("''", "'"), False)
            if first == '"' and '"' not in inner and "\\" not in inner:
                return _scalar(*where, _STR_TAG, inner, False)
            raise _GiveUp
        if text in _BLOCK_HEADERS:
            return _scalar(*where, _STR_TAG, self.block(parent, *_BLOCK_HEADERS[text]), False)
        node = self.plain(number, col, text)
        more = self.continued(parent)
        return node._replace(tag=_resolve_plain(" ".join((text, *more))), text=" ".join((text, *more))) if more else node

    def continued(self, parent: int) -> list[str]:
        """The lines that carry on a plain value (indented deeper than its key)."""
        more: list[str] = []
        while self.at < len(self.lines):
            line = self.lines[self.at].rstrip(" ")
            if not line or _indent(line) <= parent:
                break  # a blank line inside a value, or the next key: the caller decides
            text = line.lstrip(" ")
            if text[0] in _NOT_PLAIN_START or ": " in text or " #" in text or text[-1] == ":":
                raise _GiveUp
            more.append(text)
            self.at += 1
        return more

    def block(self, parent: int, joint: str, end: str) -> str:
        """A `>`, `>-`, `|` or `|-` block whose lines all have one indent, deeper than
        its key's, with no blank line and no trailing space."""
        lines: list[str] = []
        indent = -1
        while self.at < len(self.lines):
            line = self.lines[self.at]
            depth = _indent(line)
            if line.strip(" ") and depth <= parent:
                break
            if not line.strip(" ") or line[-1] == " " or (indent >= 0 and depth != indent):
                raise _GiveUp
            indent = depth
            lines.append(line[depth:])
            self.at += 1
        if not lines:
            raise _GiveUp
        return joint.join(lines) + end

    def flow(self, number: int, col: int, text: str) -> YamlNode:
        if text[-1] != "]":
            raise _GiveUp
        items: list[YamlNode] = []
        inner = text[1:-1]
        if inner.strip(" "):
            offset = col + 1
            for piece in inner.split(","):
                match = _FLOW_ITEM.fullmatch(piece)
                if match is None:
                    raise _GiveUp
                value = match.group(1)
                items.append(
                    _scalar(number + self.first_line, offset + match.start(1) + 1, _resolve_plain(value), value, True)
                )
                offset += len(piece) + 1
        return _new(YamlNode, ("seq", number + self.first_line, col + 1, _SEQ_TAG, "", False, tuple(items), ()))

    def plain(self, number: int, col: int, text: str) -> YamlNode:
        if text[0] in _NOT_PLAIN_START or ": " in text or " #" in text or text[-1] == ":":
            raise _GiveUp
        return _scalar(number + self.first_line, col + 1, _resolve_plain(text), text, True)


def fast_yaml(text: str, first_line: int) -> YamlNode | None:
    """The common case's nodes (see above), or None for libyaml to read."""
    # Plain ASCII holds nothing awkward but controls: two passes in C, not the regex.
    if not (text.isascii() and text.replace("\n", "").isprintable()) and _AWKWARD.search(text):
        return None
    try:
        return _Fast(text, first_line).document()
    except _GiveUp:
        return None


def parse_yaml(text: str, path: str, first_line: int, *, fast: bool = True) -> tuple[YamlNode | None, list[Problem]]:
    """Compose `text` into located nodes. `first_line` is the file line of its first line.
    `fast` tries fast_yaml first (tests turn it off to compare the two)."""
    text = nfc(text)
    node = fast_yaml(text, first_line) if fast else None
    if node is not None:
        return node, []
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
