"""Stage 1, read: find files, split front matter, parse YAML safely, keep positions.

The reader never guesses. Broken front matter is a problem with a file line, not body
text (MkDocs' mistake); YAML is composed into located nodes without constructing any
Python object, so tags, anchors and duplicate keys can all be refused with their line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .model import Problem
from .text import blank_forbidden, forbidden_char, forbidden_chars, nfc, position

MAX_ENTRY_BYTES = 256 * 1024  # an entry is a page of text; anything larger is a mistake
MAX_DEPTH = 8  # the entry schema nests three levels; more is an attack or an accident

# The tags a plain YAML document resolves to by itself. Anything else was written
# explicitly (`!!python/object`, `!!binary`, `!!set`, `!custom`) and is refused.
_CORE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


@dataclass(frozen=True, slots=True)
class YamlNode:
    """A YAML value with its file position. `kind` is scalar, seq or map."""

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


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses anchors, aliases and deep nesting at compose time."""

    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line, col = (event.start_mark.line, event.start_mark.column) if event.start_mark else (0, 0)
        if isinstance(event, AliasEvent):
            raise _YamlError(line, col, "YAML aliases (*name) are not allowed")
        if isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor:
            raise _YamlError(line, col, "YAML anchors (&name) are not allowed")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _YamlError(line, col, f"nesting deeper than {MAX_DEPTH} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(text: str, path: str, first_line: int) -> tuple[YamlNode | None, list[Problem]]:
    """Compose `text` into located nodes. Lines are shifted so they are file lines."""
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
    except _YamlError as err:
        return None, [Problem(path, err.line + first_line, err.col + 1, "yaml", err.message)]
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        if err.context_mark and err.problem and "end of stream" in err.problem:
            mark = err.context_mark  # an unclosed quote or bracket: point where it opened
        line, col = (mark.line, mark.column) if mark else (0, 0)
        message = " ".join(filter(None, [err.context, err.problem])) or "invalid YAML"
        return None, [Problem(path, line + first_line, col + 1, "yaml", message)]
    except yaml.YAMLError as err:  # reader errors: non-printable characters and the like
        return None, [Problem(path, first_line, 1, "yaml", str(err).splitlines()[0])]
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return None, []
    problems: list[Problem] = []
    return _convert(node, path, first_line, problems), problems


def _convert(node: Node, path: str, first_line: int, problems: list[Problem]) -> YamlNode:
    line, col = node.start_mark.line + first_line, node.start_mark.column + 1
    if node.tag not in _CORE_TAGS:
        problems.append(Problem(path, line, col, "yaml", f"YAML tag '{node.tag}' is not allowed"))
    if isinstance(node, ScalarNode):
        text = nfc(node.value)
        bad = forbidden_char(text)
        if bad:
            problems.append(Problem(path, line, col, "yaml", f"forbidden character {bad[1]}"))
        return YamlNode(
            "scalar", line, col, tag=node.tag, text=text, plain=node.style in (None, "")
        )
    if isinstance(node, SequenceNode):
        items = tuple(_convert(item, path, first_line, problems) for item in node.value)
        return YamlNode("seq", line, col, tag=node.tag, items=items)
    assert isinstance(node, MappingNode)
    pairs: list[tuple[YamlNode, YamlNode]] = []
    seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = _convert(key_node, path, first_line, problems)
        value = _convert(value_node, path, first_line, problems)
        if key.kind != "scalar":
            problems.append(Problem(path, key.line, key.col, "yaml", "a key must be plain text"))
            continue
        if key.text in seen:
            problems.append(
                Problem(
                    path,
                    key.line,
                    key.col,
                    key.text,
                    f"duplicate key (first set on line {seen[key.text]})",
                )
            )
            continue
        seen[key.text] = key.line
        pairs.append((key, value))
    return YamlNode("map", line, col, tag=node.tag, pairs=tuple(pairs))


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 (a BOM is accepted), newlines normalised, refused characters reported."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        line_start = data.rfind(b"\n", 0, err.start) + 1
        col = len(data[line_start : err.start].decode("utf-8", "replace")) + 1  # characters, not bytes
        return None, [Problem(path, line, col, "file", "not valid UTF-8; save the file as UTF-8")]
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


def read_entry(file: Path, root: Path) -> tuple[RawFile | None, list[Problem]]:
    """Read one entry file. Returns no RawFile when nothing useful could be parsed."""
    path = file.relative_to(root).as_posix()
    size = file.stat().st_size
    if size > MAX_ENTRY_BYTES:
        message = f"file is {size} bytes; entries are limited to {MAX_ENTRY_BYTES} bytes"
        return None, [Problem(path, 1, 1, "file", message)]
    text, problems = decode(file.read_bytes(), path)
    if text is None:
        return None, problems
    for index, name in forbidden_chars(text):
        line, col = position(text, index)
        problems.append(Problem(path, line, col, "file", f"forbidden character {name}"))
    # Reported once, here, at the exact spot; blanked so the rest can still be checked.
    text = blank_forbidden(text)
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
    return RawFile(path, front, nfc(body), body_line), problems


def read_yaml_file(file: Path, root: Path) -> tuple[YamlNode | None, list[Problem]]:
    """Read a whole-file YAML document (a taxonomy file)."""
    path = file.relative_to(root).as_posix()
    text, problems = decode(file.read_bytes(), path)
    if text is None:
        return None, problems
    node, yaml_problems = parse_yaml(text, path, 1)
    return node, problems + yaml_problems


def find_entries(entries_dir: Path, root: Path) -> tuple[list[Path], list[Problem]]:
    """Every entry file, in path order; hidden files ignored, strays reported."""
    found: list[Path] = []
    problems: list[Problem] = []
    if not entries_dir.is_dir():
        return found, problems
    for file in sorted(entries_dir.rglob("*")):
        rel = file.relative_to(entries_dir)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if file.is_symlink():
            problems.append(
                Problem(file.relative_to(root).as_posix(), 1, 1, "file", "symbolic links are not allowed")
            )
        elif file.is_dir():
            continue
        elif file.suffix != ".md":
            problems.append(
                Problem(
                    file.relative_to(root).as_posix(),
                    1,
                    1,
                    "file",
                    "not an entry: only Markdown files (.md) belong in content/entries/",
                )
            )
        else:
            found.append(file)
    return found, problems
