"""The fast paths for the common case must answer exactly as the slow, general ones.

- `text.maybe_forbidden` lets the reader skip searching a file for refused characters;
  it must never miss one.
- `read.read_unless_link` finds a symbolic link by the system call that opens a file.
- `validate.text` leaves text that is already collapsed as it is.
- `render.may_have_heading` must never hide a heading Markdown would list.

And the YAML composer, which reads every front matter, reports duplicate keys by line.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from generator.read import MAX_ENTRY_BYTES, parse_yaml, read_capped, read_unless_link
from generator.text import forbidden_chars, maybe_forbidden


def test_duplicate_keys_are_still_reported_with_their_line() -> None:
    node, problems = parse_yaml("title: A\ndate: 2026-05-12\ntitle: B\n", "e.md", 2)
    assert node is not None
    assert [(p.line, p.field, p.message) for p in problems] == [(4, "title", "duplicate key (first set on line 2)")]


# --- reading files ----------------------------------------------------------------------


def test_the_byte_precheck_never_misses_a_forbidden_character() -> None:
    """maybe_forbidden lets the reader skip the search for refused characters; it must
    say 'maybe' for every one of them, alone or inside text."""
    refused = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and forbidden_chars(chr(c))]
    assert len(refused) > 60
    for char in refused:
        assert maybe_forbidden(char.encode()), repr(char)
        assert maybe_forbidden(f"Plain text {char} and more".encode()), repr(char)
    assert not maybe_forbidden("Plain text, tabs\tand lines\n, é, 中文 and 😀.".encode())


def test_reading_an_entry_refuses_to_follow_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_bytes(b"x" * (MAX_ENTRY_BYTES + 100))
    (tmp_path / "link.md").symlink_to(real)
    assert read_unless_link(tmp_path / "link.md") is None
    assert read_unless_link(str(real)) == read_capped(real) == b"x" * (MAX_ENTRY_BYTES + 1)
    (tmp_path / "small.md").write_bytes(b"---\n")
    assert read_unless_link(tmp_path / "small.md") == b"---\n"
    with pytest.raises(FileNotFoundError):
        read_unless_link(tmp_path / "missing.md")


def test_text_values_left_as_they_are_are_already_collapsed() -> None:
    """validate.text skips collapsing whitespace in printable text without doubled or
    outer spaces; that is right only if no other character is whitespace to split()."""
    for code in range(0x110000):
        char = chr(code)
        if char.isspace() and char != " ":
            assert not char.isprintable(), hex(code)


def test_heading_detector_misses_no_heading_markdown_finds() -> None:
    """An entry page hides its contents column when `may_have_heading` is false for the
    write-up; that must never hide a heading Markdown would list there."""
    import markdown

    from generator.bodies import EXTENSIONS
    from generator.render import may_have_heading

    rng = random.Random(8)
    pieces = ["Title", "# One", "## Two", "###### Six", "####### seven", "#no", "   # indented", "    # code",
              "===", "---", "-", "=", "- item", "text", "", "```", "# in fence", "> # quoted", "1. # listed",
              "Setext\n---", "a #b", "#\tTab", "#", "> Quoted\n> ---", "1. Item\n   ===", "  -", "\t=="]
    bodies = ["\n".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    bodies += [e.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for e in Path("content/entries").rglob("*.md")]
    missed = []
    for body in bodies:
        md = markdown.Markdown(extensions=EXTENSIONS)
        md.convert(body)
        if md.toc_tokens and not may_have_heading(body):  # type: ignore[attr-defined]
            missed.append(body)
    assert missed == []
    # And it is not a detector that always says yes.
    assert not may_have_heading("Plain prose.\n\nMore prose, on US-China rivalry -- and chips.\n\n- a list")
