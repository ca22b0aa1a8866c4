"""Unit tests for the reader (front matter, located YAML) and the did-you-mean helper."""

from __future__ import annotations

from pathlib import Path

from generator.read import STRAY_ENTRY, decode, find_entries, parse_yaml, split_front_matter
from generator.text import did_you_mean

STR = "tag:yaml.org,2002:str"

# --- split_front_matter ------------------------------------------------------------------


def test_split_front_matter() -> None:
    text = "---\ntitle: A\ndate: 2026-05-12\n---\n\nBody line.\n"
    front, front_line, body, body_line, problems = split_front_matter(text, "e.md")
    assert front == "title: A\ndate: 2026-05-12\n"
    assert front_line == 2
    assert body == "\nBody line.\n"
    assert body_line == 5  # the line right after the closing '---'
    assert problems == []
    assert text.split("\n")[body_line - 1 :] == body.split("\n")


def test_split_front_matter_body_follows_immediately() -> None:
    front, _, body, body_line, problems = split_front_matter("---\na: 1\n---\nBody.", "e.md")
    assert (front, body, body_line, problems) == ("a: 1\n", "Body.", 4, [])


def test_split_front_matter_accepts_dots_and_trailing_spaces() -> None:
    front, _, body, body_line, problems = split_front_matter("--- \na: 1\n... \nBody.\n", "e.md")
    assert (front, body, body_line, problems) == ("a: 1\n", "Body.\n", 4, [])


def test_split_front_matter_only_the_first_closing_line_counts() -> None:
    front, _, body, body_line, _ = split_front_matter("---\na: 1\n---\nText.\n\n---\n\nMore.\n", "e.md")
    assert front == "a: 1\n"
    assert body == "Text.\n\n---\n\nMore.\n"
    assert body_line == 4


def test_split_front_matter_empty() -> None:
    front, front_line, body, body_line, problems = split_front_matter("---\n---\nBody.\n", "e.md")
    assert front is not None and front.strip() == ""
    assert front_line == 2
    assert (body, body_line, problems) == ("Body.\n", 3, [])


def test_split_front_matter_missing() -> None:
    text = "title: A\n\nBody.\n"
    front, _, body, body_line, problems = split_front_matter(text, "e.md")
    assert front is None
    assert (body, body_line) == (text, 1)
    assert [(p.path, p.line, p.col, p.field, p.severity) for p in problems] == [
        ("e.md", 1, 1, "front matter", "error")
    ]
    assert "'---'" in problems[0].message


def test_split_front_matter_not_at_the_first_line() -> None:
    front, _, _, _, problems = split_front_matter("\n---\na: 1\n---\n", "e.md")
    assert front is None
    assert [(p.line, p.field) for p in problems] == [(1, "front matter")]


def test_split_front_matter_unclosed() -> None:
    front, _, _, _, problems = split_front_matter("---\ntitle: A\n\nBody.\n", "e.md")
    assert front is None
    assert [(p.line, p.col, p.field) for p in problems] == [(1, 1, "front matter")]
    assert "not closed" in problems[0].message


# --- parse_yaml: file positions -------------------------------------------------------------

FRONT = (
    "title: Hello\n"  # file line 2
    "actors: [china, chna]\n"  # 3
    "sources:\n"  # 4
    "  - publisher: Example\n"  # 5
    "    url: https://example.org/\n"  # 6
    "draft: yes\n"  # 7
    'quoted: "yes"\n'  # 8
)


def test_parse_yaml_positions_are_file_lines_and_1_based_columns() -> None:
    node, problems = parse_yaml(FRONT, "e.md", 2)
    assert problems == []
    assert node is not None and node.kind == "map"
    assert (node.line, node.col) == (2, 1)

    keys = [(k.text, k.line, k.col) for k, _ in node.pairs]
    assert keys == [("title", 2, 1), ("actors", 3, 1), ("sources", 4, 1), ("draft", 7, 1), ("quoted", 8, 1)]

    title = node.get("title")
    assert title is not None
    assert (title.kind, title.text, title.line, title.col, title.tag) == ("scalar", "Hello", 2, 8, STR)

    actors = node.get("actors")
    assert actors is not None and actors.kind == "seq"
    assert (actors.line, actors.col) == (3, 9)
    assert [(i.text, i.line, i.col) for i in actors.items] == [("china", 3, 10), ("chna", 3, 17)]

    sources = node.get("sources")
    assert sources is not None and sources.kind == "seq"
    (source,) = sources.items
    assert (source.kind, source.line, source.col) == ("map", 5, 5)
    publisher_key, publisher = source.pairs[0]
    assert (publisher_key.line, publisher_key.col) == (5, 5)
    assert (publisher.text, publisher.line, publisher.col) == ("Example", 5, 16)
    url = source.get("url")
    assert url is not None and (url.line, url.col) == (6, 10)


def test_parse_yaml_keeps_types_without_constructing_values() -> None:
    node, _ = parse_yaml(FRONT + "n: 2024\nnothing: null\nwhen: 2026-05-12\nempty:\n", "e.md", 2)
    assert node is not None
    draft, quoted = node.get("draft"), node.get("quoted")
    assert draft is not None and quoted is not None
    assert (draft.text, draft.plain, draft.type_name) == ("yes", True, "a boolean")
    assert (quoted.text, quoted.plain, quoted.tag, quoted.type_name) == ("yes", False, STR, "text")
    types = {k.text: v.type_name for k, v in node.pairs}
    assert types["n"] == "a number"
    assert types["nothing"] == "empty"
    assert types["when"] == "a date"
    assert types["empty"] == "empty"
    assert types["actors"] == "a list"
    assert node.get("when").text == "2026-05-12"  # type: ignore[union-attr]


def test_parse_yaml_first_line_shifts_every_position() -> None:
    at_1, _ = parse_yaml(FRONT, "e.md", 1)
    at_10, _ = parse_yaml(FRONT, "e.md", 10)
    assert at_1 is not None and at_10 is not None
    assert [k.line for k, _ in at_10.pairs] == [k.line + 9 for k, _ in at_1.pairs]
    assert [k.col for k, _ in at_10.pairs] == [k.col for k, _ in at_1.pairs]


def test_parse_yaml_syntax_error_has_the_file_line() -> None:
    text = "title: A\ncorrections:\n  - date: 2026-05-14\n   text: bad indent\n"
    node, problems = parse_yaml(text, "e.md", 2)
    assert node is None
    assert [(p.path, p.line, p.col, p.field) for p in problems] == [("e.md", 5, 4, "yaml")]


def test_parse_yaml_duplicate_key() -> None:
    node, problems = parse_yaml("title: A\ndate: 2026-05-12\ntitle: B\n", "e.md", 2)
    assert [(p.line, p.col, p.field, p.message) for p in problems] == [
        (4, 1, "title", "duplicate key (first set on line 2)")
    ]
    assert node is not None and node.get("title").text == "A"  # type: ignore[union-attr]


def test_parse_yaml_refuses_anchors_and_aliases() -> None:
    node, problems = parse_yaml("a: 1\nb: &x [1]\n", "e.md", 2)
    assert node is None
    assert [(p.line, p.col, p.field) for p in problems] == [(3, 4, "yaml")]
    assert "anchor" in problems[0].message

    node, problems = parse_yaml("a: 1\nb: *x\n", "e.md", 2)
    assert node is None
    assert [(p.line, p.col, p.field) for p in problems] == [(3, 4, "yaml")]
    assert "alias" in problems[0].message


def test_parse_yaml_refuses_explicit_tags() -> None:
    _, problems = parse_yaml("a: 1\nb: !!python/object:os.system x\nc: !!binary aGk=\n", "e.md", 2)
    assert [(p.line, p.col, p.field) for p in problems] == [(3, 4, "yaml"), (4, 4, "yaml")]
    assert all("not allowed" in p.message for p in problems)


def test_parse_yaml_empty_document() -> None:
    assert parse_yaml("\n", "e.md", 2) == (None, [])
    assert parse_yaml("# only a comment\n", "e.md", 2) == (None, [])


def test_parse_yaml_normalises_to_nfc() -> None:
    node, _ = parse_yaml("title: Cafe\u0301\n", "e.md", 2)
    assert node is not None and node.get("title").text == "Caf\u00e9"  # type: ignore[union-attr]


# --- decode ------------------------------------------------------------------------------------


def test_decode_bom_and_newlines() -> None:
    text, problems = decode(b"\xef\xbb\xbf---\r\na: 1\r\n---\rBody\n", "e.md")
    assert (text, problems) == ("---\na: 1\n---\nBody\n", [])


def test_decode_invalid_utf8_position() -> None:
    text, problems = decode(b"---\na: 1\nab\xffcd\n", "e.md")
    assert text is None
    assert [(p.line, p.col, p.field) for p in problems] == [(3, 3, "file")]


# --- did_you_mean ---------------------------------------------------------------------------------


def test_did_you_mean_close_match() -> None:
    keys = ["title", "date", "summary", "actors", "topics", "sources"]
    assert did_you_mean("summery", keys) == " (did you mean 'summary'?)"
    assert did_you_mean("sorces", keys) == " (did you mean 'sources'?)"


def test_did_you_mean_nothing_close() -> None:
    assert did_you_mean("flavour", ["title", "date", "summary"]) == ""
    assert did_you_mean("anything", []) == ""


def test_did_you_mean_ignores_case_and_keeps_the_candidate_spelling() -> None:
    assert did_you_mean("CHNA", ["china", "anthropic"]) == " (did you mean 'china'?)"
    assert did_you_mean("anthropic pcb", ["Anthropic PBC", "NSC"]) == " (did you mean 'Anthropic PBC'?)"


def test_did_you_mean_is_deterministic() -> None:
    candidates = ["model-access", "us-china-rivalry", "export-controls", "ai-diplomacy"]
    first = did_you_mean("export-control", candidates)
    assert first == " (did you mean 'export-controls'?)"
    assert did_you_mean("export-control", list(reversed(candidates))) == first


# --- find_entries ----------------------------------------------------------------------------


def test_find_entries_lists_markdown_files_in_path_order_and_reports_the_rest(tmp_path: Path) -> None:
    entries = tmp_path / "content/entries"
    names = ["a.md", "a/z.md", "a-b.md", "B.md", "2026/x.md", "2026/sub/y.md", "2026/a.md", "ä.md", "a.mdx"]
    for name in names:
        (entries / name).parent.mkdir(parents=True, exist_ok=True)
        (entries / name).write_text("x", encoding="utf-8")
    (entries / ".hidden.md").write_text("x", encoding="utf-8")
    (entries / ".git").mkdir()
    (entries / ".git/c.md").write_text("x", encoding="utf-8")
    (entries / "link.md").symlink_to(entries / "a.md")
    (entries / "linked").symlink_to(entries / "2026")
    found, problems = find_entries(entries, tmp_path)
    expected = sorted(entries / n for n in names if n.endswith(".md"))
    assert found == expected  # in path order, hidden ones left out
    assert sorted((p.path, p.message) for p in problems) == [
        ("content/entries/a.mdx", STRAY_ENTRY),
        ("content/entries/link.md", "symbolic links are not allowed"),
        ("content/entries/linked", "symbolic links are not allowed"),
    ]


def test_a_pipe_among_the_entries_is_refused_not_read(tmp_path: Path) -> None:
    import os

    from generator.read import find_entries

    entries = tmp_path / "content/entries/2026"
    entries.mkdir(parents=True)
    (entries / "real.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    os.mkfifo(entries / "pipe.md")  # opening it to read would block until a writer came
    found, problems = find_entries(tmp_path / "content/entries", tmp_path)
    assert found == [entries / "real.md"]
    assert [(p.path, p.message) for p in problems] == [("content/entries/2026/pipe.md", "not a regular file (a pipe, socket or device)")]
