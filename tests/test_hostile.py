"""Hostile contributors: every way an entry can try to smuggle markup, script or trouble.

Three layers, the way an attacker meets them:

1. `digest check` on hostile or broken entries: tests/fixtures/hostile/ holds one entry
   per case, `<case>.md`, with the exact problem lines in `<case>.expected` (`{path}`
   stands for the entry's path; an empty file means the entry is clean), run like the
   corpus of test_check.py. Cases that need a file layout (symbolic links, stray or
   hidden files, oversized files, names differing by case) are tests below.
2. tests/fixtures/hostile-site/: a digest whose every plain-text field (titles,
   summaries, publishers, source titles, corrections, term names, aliases and
   descriptions) is a payload that `digest check` accepts. Built once, its pages, search
   index and feeds must show every payload as the text it is, never as markup or syntax.
3. The same site in Debian's chromium: no page, search or filter runs a payload.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from bs4 import BeautifulSoup

from support import (
    ENTRY_DIR,
    PROBLEM,
    ROOT,
    assert_case,
    assert_corpus_complete,
    assert_no_traceback,
    copy_site,
    pagefind_pages,
    problem_lines,
    run,
    run_check,
)

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE_DIR = FIXTURES / "hostile"
HOSTILE_SITE = FIXTURES / "hostile-site"
CASES = sorted(HOSTILE_DIR.glob("*.md"))
SITE_NAME = "Hostile Digest"
SYMLINK = "file: symbolic links are not allowed"
NOT_AN_ENTRY = "file: not an entry: only Markdown files (.md) belong in content/entries/"

VALID_ENTRY = """\
---
title: A valid entry
date: 2026-05-12
summary: One plain sentence.
actors: [china]
topics: [model-access]
sources:
  - publisher: Example News
    url: https://example.org/{slug}
---

What happened, who is involved, why it matters.
"""


def empty_entries(project: Path) -> Path:
    shutil.rmtree(project / "content" / "entries")
    folder = project / ENTRY_DIR
    folder.mkdir(parents=True)
    return folder


def write_entry(folder: Path, slug: str, name: str | None = None) -> Path:
    path = folder / (name or f"{slug}.md")
    path.write_text(VALID_ENTRY.format(slug=slug), encoding="utf-8")
    return path


# --- 1. the corpus --------------------------------------------------------------------


def test_corpus_is_complete_and_new() -> None:
    assert_corpus_complete(HOSTILE_DIR, 50)
    # None repeats a case of the validator corpus, by name or by content.
    check_dir = FIXTURES / "check"
    assert not {c.name for c in CASES} & {c.name for c in check_dir.glob("*.md")}
    known = {c.read_bytes() for c in check_dir.glob("*.md")}
    assert not [c.name for c in CASES if c.read_bytes() in known]


@pytest.mark.parametrize("case", CASES, ids=[case.stem for case in CASES])
def test_case(case: Path, fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    shutil.copyfile(case, folder / case.name)  # the bytes as they are
    path = f"{ENTRY_DIR}/{case.name}"
    expected = [
        line.replace("{path}", path)
        for line in case.with_suffix(".expected").read_text(encoding="utf-8").split("\n")[:-1]
    ]
    assert_case(run_check(fixture_site, path), expected)


# --- 1b. the alias bomb, deep nesting, and output that must stay one line per problem --------


def test_billion_laughs_is_refused_at_its_first_anchor(fixture_site: Path) -> None:
    """Expanded, this document would be 10**9 strings; it must be refused, not built."""
    folder = empty_entries(fixture_site)
    lol = ["lol0: &lol0 " + "lol" * 1000]
    lol += [f"lol{i}: &lol{i} [" + ",".join([f"*lol{i - 1}"] * 10) + "]" for i in range(1, 12)]
    text = VALID_ENTRY.format(slug="laughs").replace("---\n", "---\n" + "\n".join(lol) + "\n", 1)
    text = text.replace("title: A valid entry", "title: *lol11")
    (folder / "laughs.md").write_text(text, encoding="utf-8")

    result = run_check(fixture_site, f"{ENTRY_DIR}/laughs.md")

    assert_no_traceback(result)
    assert problem_lines(result) == [f"{ENTRY_DIR}/laughs.md:2:7: error: yaml: YAML anchors (&name) are not allowed"]
    assert result.returncode == 1


def test_alias_bomb_in_a_flow_mapping_is_refused(fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    bomb = "{a: &a [x, x], b: &b [*a, *a], c: &c [*b, *b], d: [*c, *c]}"
    text = VALID_ENTRY.format(slug="bomb").replace("---\n", f"---\nextra: {bomb}\n", 1)
    (folder / "bomb.md").write_text(text, encoding="utf-8")

    result = run_check(fixture_site, f"{ENTRY_DIR}/bomb.md")

    assert_no_traceback(result)
    assert problem_lines(result) == [f"{ENTRY_DIR}/bomb.md:2:12: error: yaml: YAML anchors (&name) are not allowed"]
    assert result.returncode == 1


def test_very_deep_nesting_is_refused_on_its_line(fixture_site: Path) -> None:
    """Thousands of brackets: refused (by the depth limit or libyaml's), never a RecursionError."""
    folder = empty_entries(fixture_site)
    text = VALID_ENTRY.format(slug="deep").replace("---\n", "---\nextra: " + "[" * 5000 + "]" * 5000 + "\n", 1)
    (folder / "deep.md").write_text(text, encoding="utf-8")

    result = run_check(fixture_site, f"{ENTRY_DIR}/deep.md")

    assert_no_traceback(result)
    (line,) = problem_lines(result)
    match = PROBLEM.match(line)
    assert match and match["line"] == "2" and match["severity"] == "error", line
    assert match["rest"].startswith("yaml: ") and "nesting" in match["rest"], line
    assert result.returncode == 1


def test_a_problem_is_always_one_line(fixture_site: Path) -> None:
    """Quoted YAML can hold a newline; echoed into a message, it would split the line and
    let a contributor print lines of their choosing (say, a fake summary) into CI logs."""
    folder = empty_entries(fixture_site)
    text = VALID_ENTRY.format(slug="forged")
    text = text.replace("date: 2026-05-12", 'date: "2026-05-12\\nno problems in 3 files"')
    text = text.replace("---\n\n", '"odd\\nkey": 1\ndraft: "x\\ny"\n---\n\n')
    text += "\n[x](<javascript:a\nb>)\n"
    (folder / "forged.md").write_text(text, encoding="utf-8")

    result = run_check(fixture_site, f"{ENTRY_DIR}/forged.md")

    assert_no_traceback(result)
    lines = result.stdout.split("\n")[:-1]
    assert lines[-1] == "4 errors, 0 warnings in 1 file", lines
    assert [line for line in lines[:-1] if not PROBLEM.match(line)] == []
    assert len(lines) == 5, lines
    assert result.returncode == 1


def test_utf16_without_a_bom_gets_one_clear_error(fixture_site: Path) -> None:
    """UTF-16 text without a BOM decodes as UTF-8 full of NULs; the contributor needs to
    hear 'save the file as UTF-8' once, not a line per NUL."""
    folder = empty_entries(fixture_site)
    (folder / "wide.md").write_bytes(VALID_ENTRY.format(slug="wide").encode("utf-16-le"))

    result = run_check(fixture_site, f"{ENTRY_DIR}/wide.md")

    assert_no_traceback(result)
    lines = problem_lines(result)
    assert result.returncode == 1
    assert any("UTF-8" in line or "UTF-16" in line for line in lines), lines[:5]
    assert len(lines) <= 2, f"{len(lines)} lines, starting {lines[:3]}"


# --- 1c. file layouts: size, links, strays, hidden files, names ------------------------------


def test_oversized_entry_is_refused_before_parsing(fixture_site: Path) -> None:
    """300 KB of broken YAML and raw HTML: only the size is reported, nothing was parsed."""
    folder = empty_entries(fixture_site)
    text = "---\ntitle: [unclosed\n<script>\n---\n\n" + "<b>filler</b> and [x](javascript:alert(1))\n" * 7000
    data = text.encode("utf-8")
    assert len(data) > 300_000
    (folder / "huge.md").write_bytes(data)

    result = run_check(fixture_site, f"{ENTRY_DIR}/huge.md")

    assert_no_traceback(result)
    assert problem_lines(result) == [
        f"{ENTRY_DIR}/huge.md:1:1: error: file: file is over 262144 bytes, the limit for an entry"
    ]
    assert result.returncode == 1


def test_size_limit_is_exactly_256_kib(fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    base = VALID_ENTRY.format(slug="limit").encode("utf-8")
    at_limit = base + b"x" * (256 * 1024 - len(base) - 1) + b"\n"
    assert len(at_limit) == 262_144
    (folder / "at-limit.md").write_bytes(at_limit)
    (folder / "over-limit.md").write_bytes(at_limit.replace(b"limit", b"limiu") + b"\n")

    result = run_check(fixture_site, f"{ENTRY_DIR}/at-limit.md", f"{ENTRY_DIR}/over-limit.md")

    assert_no_traceback(result)
    assert problem_lines(result) == [
        f"{ENTRY_DIR}/over-limit.md:1:1: error: file: file is over 262144 bytes, the limit for an entry"
    ]


def _outside_entry(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    return write_entry(outside, "outside-entry")


def test_symlinked_entry_is_refused(fixture_site: Path, tmp_path: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "real-entry")
    (folder / "linked-entry.md").symlink_to(_outside_entry(tmp_path))

    result = run_check(fixture_site)

    assert_no_traceback(result)
    assert f"{ENTRY_DIR}/linked-entry.md:1:1: error: {SYMLINK}" in problem_lines(result)
    assert result.returncode == 1
    build = run(fixture_site, "build")
    assert f"{ENTRY_DIR}/linked-entry.md:1:1: error: {SYMLINK}" in build.stdout
    assert build.returncode == 1
    assert not (fixture_site / "site").exists()


def test_symlinked_folder_is_refused(fixture_site: Path, tmp_path: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "real-entry")
    _outside_entry(tmp_path)
    (folder / "more").symlink_to(tmp_path / "outside", target_is_directory=True)

    result = run_check(fixture_site)

    assert_no_traceback(result)
    assert f"{ENTRY_DIR}/more:1:1: error: {SYMLINK}" in problem_lines(result)
    assert not [line for line in problem_lines(result) if "outside-entry" in line]
    assert result.returncode == 1


def test_symlinked_entry_named_on_the_command_line_is_refused(fixture_site: Path, tmp_path: Path) -> None:
    """As a pre-commit hook runs it: the link itself is the problem, not its target."""
    folder = empty_entries(fixture_site)
    real = write_entry(folder, "real-entry")
    (folder / "linked-inside.md").symlink_to(real)
    (folder / "linked-outside.md").symlink_to(_outside_entry(tmp_path))

    for name in ("linked-inside.md", "linked-outside.md"):
        result = run_check(fixture_site, f"{ENTRY_DIR}/{name}")
        assert_no_traceback(result)
        assert result.returncode == 1, (name, result.stdout, result.stderr)
        assert f"{ENTRY_DIR}/{name}:1:1: error: {SYMLINK}" in problem_lines(result), name


def test_symlinked_entry_in_a_folder_argument_is_refused(fixture_site: Path, tmp_path: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "real-entry")
    (folder / "linked-entry.md").symlink_to(_outside_entry(tmp_path))

    result = run_check(fixture_site, ENTRY_DIR)

    assert_no_traceback(result)
    assert f"{ENTRY_DIR}/linked-entry.md:1:1: error: {SYMLINK}" in problem_lines(result)
    assert result.returncode == 1


def test_symlinked_page_is_refused_and_never_published(fixture_site: Path, tmp_path: Path) -> None:
    """Hand-written pages are content too: a link in content/pages/ would publish any
    file the build machine can read."""
    canary = tmp_path / "outside-canary.md"
    canary.write_text("# Canary\n\nCANARY-7f3a9c outside the project.\n", encoding="utf-8")
    (fixture_site / "content/pages/leak.md").symlink_to(canary)

    result = run_check(fixture_site)

    assert_no_traceback(result)
    assert any(line.startswith("content/pages/leak.md:") and "symbolic link" in line for line in problem_lines(result))
    assert result.returncode == 1
    run(fixture_site, "build")
    published = [p for p in (fixture_site / "site").rglob("*") if p.is_file() and b"CANARY-7f3a9c" in p.read_bytes()]
    assert published == []


def test_forbidden_characters_in_pages_are_reported(fixture_site: Path) -> None:
    """A hand-written page is held to the entries' character rules, with the line."""
    (fixture_site / "content/pages/odd.md").write_text("# Odd\n\nA\x00B \u202e rtl\n", encoding="utf-8")

    result = run_check(fixture_site)

    assert_no_traceback(result)
    lines = problem_lines(result)
    assert "content/pages/odd.md:3:2: error: file: forbidden character U+0000 control character" in lines
    assert "content/pages/odd.md:3:5: error: file: forbidden character U+202E RIGHT-TO-LEFT OVERRIDE" in lines
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.html", "<script>window.__pwned=1</script>\n"),
        ("evil.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"/>\n'),
        ("evil.js", "window.__pwned=1;\n"),
    ],
)
def test_non_markdown_page_is_reported_and_never_published(fixture_site: Path, name: str, content: str) -> None:
    """MkDocs copies every other file of docs_dir (content/pages/) verbatim into the site:
    HTML, SVG or script there would run on the site's origin."""
    (fixture_site / "content/pages" / name).write_text(content, encoding="utf-8")

    result = run_check(fixture_site)

    assert_no_traceback(result)
    assert any(line.startswith(f"content/pages/{name}:") for line in problem_lines(result)), result.stdout
    assert result.returncode == 1
    run(fixture_site, "build")
    assert not (fixture_site / "site" / name).exists()


def test_non_markdown_files_in_entries_are_reported(fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "real-entry")
    write_entry(folder, "shouting", "shouting.MD")
    write_entry(folder, "backup", "backup.md.bak")
    (folder / "notes.txt").write_text("notes\n", encoding="utf-8")
    (folder / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (fixture_site / "content/entries/stray.html").write_text("<script>x</script>\n", encoding="utf-8")

    result = run_check(fixture_site)

    assert_no_traceback(result)
    lines = problem_lines(result)
    for path in (
        f"{ENTRY_DIR}/backup.md.bak",
        f"{ENTRY_DIR}/chart.png",
        f"{ENTRY_DIR}/notes.txt",
        f"{ENTRY_DIR}/shouting.MD",
        "content/entries/stray.html",
    ):
        assert f"{path}:1:1: error: {NOT_AN_ENTRY}" in lines, path
    assert result.returncode == 1


def test_hidden_files_and_folders_are_ignored(fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "real-entry")
    (folder / ".draft.md").write_text("<script>not front matter</script>\n", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / ".notes.txt").write_text("notes\n", encoding="utf-8")
    (folder / ".scratch").mkdir()
    (folder / ".scratch/broken.md").write_text("---\ntitle: [\n", encoding="utf-8")

    for args in ((), (ENTRY_DIR,)):
        result = run_check(fixture_site, *args)
        assert_no_traceback(result)
        assert [line for line in problem_lines(result) if "/." in line or ": error:" in line] == []
        assert result.returncode == 0, result.stdout


def test_a_hidden_parent_folder_hides_nothing(tmp_path: Path) -> None:
    """Hidden means hidden inside the project: a project under ~/.cache is still checked."""
    project = copy_site(tmp_path / ".cache" / "project")
    folder = empty_entries(project)
    write_entry(folder, "real-entry")
    (folder / "broken-entry.md").write_text("no front matter\n", encoding="utf-8")

    result = run_check(project, ENTRY_DIR)

    assert_no_traceback(result)
    assert (
        f"{ENTRY_DIR}/broken-entry.md:1:1: error: front matter: missing: the file must start with a '---' line"
        in problem_lines(result)
    )
    assert result.returncode == 1


def test_names_that_differ_only_by_case(fixture_site: Path) -> None:
    folder = empty_entries(fixture_site)
    write_entry(folder, "twin-entry")
    write_entry(folder, "twin-entry-2", "Twin-Entry.md")

    result = run_check(fixture_site, ENTRY_DIR)

    assert_no_traceback(result)
    assert problem_lines(result) == [
        f"{ENTRY_DIR}/Twin-Entry.md:1:1: error: file: 'Twin-Entry.md': file names must be lowercase words "
        "joined by hyphens, e.g. chip-rules-tightened.md",
        f"{ENTRY_DIR}/twin-entry.md:1:1: error: file: same URL as {ENTRY_DIR}/Twin-Entry.md: "
        "slugs must differ by more than case",
        # Twins, word for word: a duplicate too.
        f"{ENTRY_DIR}/twin-entry.md:2:8: warning: title: near-identical to the title of {ENTRY_DIR}/Twin-Entry.md "
        "(100% alike, 0 days apart): 'A valid entry'; the same story twice?",
    ]
    assert result.returncode == 1


# --- 2. the hostile site, built -----------------------------------------------------------


def copy_hostile_site(target: Path) -> Path:
    """Copy the hostile digest; like support.copy_site, point its theme at overrides/."""
    shutil.copytree(HOSTILE_SITE, target, ignore=shutil.ignore_patterns("site", ".site-*"))
    config = target / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "../../../overrides" in text
    config.write_text(text.replace("../../../overrides", str(ROOT / "overrides")), encoding="utf-8")
    return target


def plain(value: str) -> str:
    """A plain-text field as the validator keeps it: whitespace runs made one space."""
    return " ".join(value.split())


def _front(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return data


class Payloads:
    """What the hostile digest's files say, read straight from them (the expected text)."""

    def __init__(self, root: Path) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        for path in sorted((root / "content/entries").rglob("*.md")):
            data = _front(path)
            self.entries[f"entries/{data['date'].year}/{path.stem}/"] = {
                "title": plain(data["title"]),
                "summary": plain(data["summary"]),
                "sources": [
                    {k: plain(v) for k, v in s.items() if k in ("publisher", "title")} for s in data["sources"]
                ],
                "corrections": [plain(c["text"]) for c in data.get("corrections") or []],
            }
        self.terms: dict[str, dict[str, Any]] = {}
        for facet in ("actors", "topics"):
            for key, term in yaml.safe_load((root / f"content/{facet}.yml").read_text(encoding="utf-8")).items():
                self.terms[f"{facet}/{key}/"] = {
                    "name": plain(term["name"]),
                    "description": plain(term["description"]),
                    "aliases": [plain(a) for a in term.get("aliases") or []],
                }
        self.page = _front(root / "content/pages/about.md")

    @property
    def titles(self) -> set[str]:
        return {e["title"] for e in self.entries.values()}

    @property
    def summaries(self) -> set[str]:
        return {e["summary"] for e in self.entries.values()}

    @property
    def names(self) -> set[str]:
        return {t["name"] for t in self.terms.values()}


PAYLOADS = Payloads(HOSTILE_SITE)
JINJA = "{{ 7*7 }}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The hostile digest: `digest check` accepts it (warnings allowed), then a strict build."""
    from generator.mkdocs_plugin import build_site

    project = copy_hostile_site(tmp_path_factory.mktemp("hostile") / "project")
    result = run_check(project)
    assert_no_traceback(result)
    assert [line for line in problem_lines(result) if ": error: " in line] == []
    assert result.returncode == 0
    yield build_site(project)


def html_pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    return pages


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page_soup(site: Path, url: str) -> BeautifulSoup:
    return soup_of(site / url / "index.html")


def test_hostile_site_is_configured_like_the_fixture_site() -> None:
    """The same theme, features, Markdown and plugins as tests/fixtures/site: only the
    names differ, so what is proven here holds for the digest the other tests build."""

    def settings(path: Path) -> dict[str, Any]:
        text = re.sub(r"^#.*\n", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        data: dict[str, Any] = yaml.safe_load(text.replace("!ENV", ""))
        for key in ("site_name", "site_description", "site_url"):
            data.pop(key)
        return data

    assert settings(HOSTILE_SITE / "mkdocs.yml") == settings(FIXTURES / "site" / "mkdocs.yml")


def test_every_field_of_the_fixture_is_hostile() -> None:
    """The fixture keeps its teeth: each kind of field holds markup, and template syntax somewhere."""
    markup = re.compile(r"<(script|img|svg|/title)|onmouseover|\]\]>|&lt;")
    entries = list(PAYLOADS.entries.values())
    fields = {
        "title": [e["title"] for e in entries],
        "summary": [e["summary"] for e in entries],
        "publisher": [s["publisher"] for e in entries for s in e["sources"]],
        "source title": [s["title"] for e in entries for s in e["sources"] if "title" in s],
        "correction": [c for e in entries for c in e["corrections"]],
        "term name": [t["name"] for t in PAYLOADS.terms.values()],
        "alias": [a for t in PAYLOADS.terms.values() for a in t["aliases"]],
        "description": [t["description"] for t in PAYLOADS.terms.values()],
    }
    for name, values in fields.items():
        assert any(markup.search(v) for v in values), name
        assert any("{{" in v or "{%" in v for v in values), name
    assert JINJA in PAYLOADS.titles and JINJA in PAYLOADS.names
    assert "<script>" in PAYLOADS.page["title"]


def test_no_event_handler_attributes(hostile_site: Path) -> None:
    found = []
    for path in html_pages(hostile_site):
        for element in soup_of(path).find_all(True):
            found += [
                f"{path.relative_to(hostile_site)}: <{element.name} {a}>"
                for a in element.attrs
                if a.lower().startswith("on")
            ]
    assert found == []


SCRIPT_SRC = re.compile(
    r"^(?:\.\./)*(?:/hostile/)?(?:assets/javascripts/bundle\.[0-9a-f]{8}\.min\.js|assets/explore\.js|assets/search\.js)$"
)
# Material's own inline scripts: its scope, palette and anchor helpers, and its config.
INLINE_SCRIPT = re.compile(
    r'^(?:__md_scope=new URL\("[./a-z]*",location\)'
    r'|var palette=__md_get\("__palette"\)'
    r"|var target=document\.getElementById\(location\.hash\.slice\(1\)\)"
    r'|\{"annotate": null, "base": )'
)


def test_only_the_sites_own_scripts(hostile_site: Path) -> None:
    found = []
    for path in html_pages(hostile_site):
        for script in soup_of(path).find_all("script"):
            where = path.relative_to(hostile_site)
            source = script.get("src")
            if script.get("type") == "application/ld+json":
                found += _data_block_problems(where, script)
            elif source:
                if not SCRIPT_SRC.match(source):
                    found.append(f"{where}: src={source}")
            else:
                code = script.string or ""
                if not INLINE_SCRIPT.match(code.strip()) or "__pwned" in code or "7*7" in code or "alert(" in code:
                    found.append(f"{where}: inline {code[:80]!r}")
    assert found == []


def _data_block_problems(where: Path, script: Any) -> list[str]:
    """A JSON-LD block must be JSON and hold no "<" at all (none can end the element or
    open a comment), nor a raw line separator."""
    code = script.string or ""
    problems = []
    try:
        json.loads(code)
    except ValueError:
        problems.append(f"{where}: JSON-LD that is not JSON")
    if "<" in code or "\u2028" in code or "\u2029" in code:
        problems.append(f"{where}: JSON-LD with a raw '<' or line separator")
    return problems


SCRIPT_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)


def test_no_script_urls(hostile_site: Path) -> None:
    found = []
    for path in html_pages(hostile_site):
        for element in soup_of(path).find_all(True):
            for attribute in ("href", "src", "action", "formaction", "xlink:href", "poster", "data"):
                value = element.get(attribute)
                if isinstance(value, str) and SCRIPT_SCHEME.match(html.unescape(value)):
                    found.append(f"{path.relative_to(hostile_site)}: <{element.name} {attribute}={value!r}>")
    assert found == []


def test_no_element_from_a_payload(hostile_site: Path) -> None:
    """Only Material's icons and the activity charts are SVG; no image, frame, base or refresh comes from content."""
    found = []
    for path in html_pages(hostile_site):
        soup = soup_of(path)
        where = path.relative_to(hostile_site)
        for svg in soup.find_all("svg"):
            classes = " ".join(svg.parent.get("class", []))
            if svg.get("class") == ["digest-chart__plot"] and classes == "digest-chart":
                # An activity chart (digest/chart.html): only its own shapes and links, no handler.
                parts = svg.find_all(True)
                found += [f"{where}: <{e.name}> in a chart" for e in parts if e.name not in ("g", "line", "text", "a", "rect")]
                found += [f"{where}: {a} in a chart" for e in (svg, *parts) for a in e.attrs if a.lower().startswith("on")]
                continue
            if "md-icon" not in classes and "md-logo" not in classes:
                found.append(f"{where}: svg in <{svg.parent.name} class={classes!r}>")
        for element in soup.find_all(["img", "iframe", "object", "embed", "base", "textarea", "style"]):
            found.append(f"{where}: <{element.name}>")
        found += [f"{where}: refresh" for m in soup.find_all("meta") if m.get("http-equiv")]
        if len(soup.find_all("title")) != 1:
            found.append(f"{where}: {len(soup.find_all('title'))} <title> elements")
        article = soup.select_one("article")
        if article is not None:  # payloads write <b>, <i> and <u>; the site's Markdown never does
            found += [f"{where}: <{t.name}> in the article" for t in article.find_all(["b", "i", "u"])]
            found += [
                f"{where}: <script> in the article"
                for t in article.find_all("script")
                if not SCRIPT_SRC.match(t.get("src", "")) and t.get("type") != "application/ld+json"
            ]
    assert found == []


def test_entry_pages_show_every_field_as_text(hostile_site: Path) -> None:
    for url, entry in PAYLOADS.entries.items():
        soup = page_soup(hostile_site, url)
        title, summary = entry["title"], entry["summary"]
        assert soup.title.get_text() == f"{title} - {SITE_NAME}", url
        assert soup.find("meta", attrs={"name": "description"})["content"] == summary, url
        assert soup.find("meta", property="og:title")["content"] == title, url
        assert soup.find("meta", property="og:description")["content"] == summary, url
        assert soup.find("meta", property="og:type")["content"] == "article", url
        article = soup.select_one("article.md-content__inner")
        assert article.h1.get_text() == title, url
        assert len(article.find_all("h1")) == 1, url
        header = soup.select_one(".md-header__topic[data-md-component=header-topic]")
        assert header.get_text(strip=True) == title, url
        assert article.select_one(".digest-summary").get_text() == summary, url
        sources = article.select(".digest-sources li")
        assert len(sources) == len(entry["sources"]), url
        for item, source in zip(sources, entry["sources"], strict=True):
            assert item.select_one(".digest-source__publisher").get_text() == source["publisher"], url
            if "title" in source:
                assert item.cite.get_text() == source["title"], url
        notes = [li.get_text() for li in article.select(".digest-corrections li")]
        assert len(notes) == len(entry["corrections"]), url
        for note, text in zip(notes, entry["corrections"], strict=True):
            assert note.endswith(": " + text), (url, note)


def test_template_syntax_is_never_evaluated(hostile_site: Path) -> None:
    (url,) = [u for u, e in PAYLOADS.entries.items() if e["title"] == JINJA]
    soup = page_soup(hostile_site, url)
    assert soup.title.get_text() == f"{JINJA} - {SITE_NAME}"
    assert soup.select_one("article h1").get_text() == JINJA
    article = soup.select_one("article").get_text()
    assert "{{ 7*7 }}" in article and "49" not in article
    assert "{% raw %}{{ 7*7 }}{% endraw %}" in article  # a source title, not a Jinja block
    (term,) = [u for u, t in PAYLOADS.terms.items() if t["name"] == JINJA]
    term_page = page_soup(hostile_site, term)
    assert term_page.title.get_text() == f"{JINJA} - {SITE_NAME}"
    assert term_page.select_one("article h1").get_text() == JINJA
    assert "49" not in term_page.select_one("article").get_text()
    # Every page that lists the entry shows its title as written.
    cards = [
        a.get_text()
        for path in html_pages(hostile_site)
        for a in soup_of(path).select(".digest-card__title a")
        if a.get_text() in (JINJA, "49")
    ]
    assert cards and set(cards) == {JINJA}


def test_cards_and_chips_show_titles_summaries_and_names_as_text(hostile_site: Path) -> None:
    seen = 0
    for path in html_pages(hostile_site):
        for card in soup_of(path).select(".digest-card"):
            seen += 1
            where = path.relative_to(hostile_site)
            assert card.select_one(".digest-card__title").get_text() in PAYLOADS.titles, where
            assert card.select_one(".digest-card__summary").get_text() in PAYLOADS.summaries, where
            for chip in card.select(".digest-chip"):
                assert chip.get_text() in PAYLOADS.names, (where, chip.get_text())
    assert seen >= len(PAYLOADS.entries)


def test_term_pages_show_names_aliases_and_descriptions_as_text(hostile_site: Path) -> None:
    for url, term in PAYLOADS.terms.items():
        soup = page_soup(hostile_site, url)
        article = soup.select_one("article.md-content__inner")
        assert soup.title.get_text() == f"{term['name']} - {SITE_NAME}", url
        assert soup.find("meta", attrs={"name": "description"})["content"] == term["description"], url
        assert article.h1.get_text() == term["name"], url
        assert article.select_one(".digest-term__description").get_text() == term["description"], url
        aliases = [span.get_text() for span in article.select(".digest-term__aliases span[lang]")]
        assert aliases == term["aliases"], url
    for facet in ("actors", "topics"):
        index = page_soup(hostile_site, f"{facet}/").select_one("article")
        names = [h.get_text() for h in index.select(".digest-term-card h3")]
        assert sorted(names) == sorted(t["name"] for u, t in PAYLOADS.terms.items() if u.startswith(facet))
        for card in index.select(".digest-term-card"):
            description = card.find_all("p")[-1].get_text()
            assert description in {t["description"] for t in PAYLOADS.terms.values()}


def test_hand_written_page_title_is_text(hostile_site: Path) -> None:
    soup = page_soup(hostile_site, "about/")
    title, description = plain(PAYLOADS.page["title"]), plain(PAYLOADS.page["description"])
    assert soup.title.get_text() == f"{title} - {SITE_NAME}"
    assert soup.find("meta", attrs={"name": "description"})["content"] == description
    assert soup.find("meta", property="og:title")["content"] == title
    assert soup.select_one(".md-header__topic[data-md-component=header-topic]").get_text(strip=True) == title


def test_explore_page_lists_term_names_as_text(hostile_site: Path) -> None:
    if not (hostile_site / "explore/index.html").is_file():
        pytest.fail("no explore page in this build")
    article = page_soup(hostile_site, "explore/").select_one("article")
    options = [re.sub(r" \(\d+\)$", "", o.get_text()) for o in article.select("select option")]
    assert options and set(options) <= PAYLOADS.names


# --- search index --------------------------------------------------------------------------------


def test_search_index_holds_the_text_exactly(hostile_site: Path) -> None:
    """Pagefind keeps titles, summaries and names as plain text (the header search and
    explore insert them as text): every payload arrives exactly as written, and only
    entries and terms are indexed."""
    pages = pagefind_pages(hostile_site)
    assert sorted(pages) == sorted([*PAYLOADS.entries, *PAYLOADS.terms])
    for url, entry in PAYLOADS.entries.items():
        meta = pages[url]["meta"]
        assert meta["title"] == entry["title"], url  # type: ignore[index]
        assert meta["summary"] == entry["summary"], url  # type: ignore[index]
    for url, term in PAYLOADS.terms.items():
        assert pages[url]["meta"]["title"] == term["name"], url  # type: ignore[index]



# --- feeds ---------------------------------------------------------------------------------------


def _visible(detail: Any) -> str:
    """What a reader shows for a feedparser text construct."""
    if detail.type == "text/plain":
        return str(detail.value)
    return BeautifulSoup(detail.value, "html.parser").get_text()


def _markup_problems(fragment: str) -> list[str]:
    found = []
    soup = BeautifulSoup(fragment, "html.parser")
    for element in soup.find_all(True):
        if element.name in ("script", "svg", "img", "iframe", "object", "embed", "style", "base", "meta", "form"):
            found.append(f"<{element.name}>")
        for attribute, value in element.attrs.items():
            if attribute.lower().startswith("on"):
                found.append(f"<{element.name} {attribute}>")
            if attribute in ("href", "src") and SCRIPT_SCHEME.match(html.unescape(str(value))):
                found.append(f"<{element.name} {attribute}={value!r}>")
    return found


def xml_feeds(site: Path) -> list[Path]:
    feeds = sorted(p for p in site.rglob("*.xml") if p.name in ("feed.xml", "atom.xml"))
    assert len(feeds) >= 2 * (2 + len(PAYLOADS.terms))
    return feeds


def test_rss_and_atom_feeds_show_payloads_as_text(hostile_site: Path) -> None:
    import feedparser

    problems = []
    items = 0
    for feed in xml_feeds(hostile_site):
        where = feed.relative_to(hostile_site).as_posix()
        # Unsanitised: what a feed reader without its own sanitiser would get.
        parsed = feedparser.parse(feed.read_bytes(), sanitize_html=False)
        assert parsed.bozo == 0, (where, parsed.get("bozo_exception"))
        folder = where.rsplit("/", 1)[0] + "/" if "/" in where else ""
        if folder in PAYLOADS.terms:
            want = f"{PAYLOADS.terms[folder]['name']}: {SITE_NAME}"
            if _visible(parsed.feed.title_detail) != want:
                problems.append(f"{where}: feed title {_visible(parsed.feed.title_detail)!r} != {want!r}")
            want = PAYLOADS.terms[folder]["description"]
            if _visible(parsed.feed.subtitle_detail) != want:
                problems.append(f"{where}: feed description {_visible(parsed.feed.subtitle_detail)!r} != {want!r}")
        for item in parsed.entries:
            items += 1
            url = item.link.split("/hostile/", 1)[1]
            if url in PAYLOADS.entries:
                want = PAYLOADS.entries[url]["title"]
                if _visible(item.title_detail) != want:
                    problems.append(f"{where}: title {_visible(item.title_detail)!r} != {want!r}")
                summary = PAYLOADS.entries[url]["summary"]
                if _visible(item.summary_detail) != summary:
                    problems.append(f"{where}: summary {_visible(item.summary_detail)!r} != {summary!r}")
            details = [*item.get("content", []), item.summary_detail]
            for detail in details:
                if detail.type != "text/plain":
                    problems += [f"{where}: {url} {detail.type}: {p}" for p in _markup_problems(detail.value)]
    assert items > 0
    assert problems == []


def test_json_feeds_keep_titles_exact(hostile_site: Path) -> None:
    feeds = sorted(hostile_site.rglob("feed.json"))
    assert len(feeds) >= 2 + len(PAYLOADS.terms)
    for feed in feeds:
        data = json.loads(feed.read_text(encoding="utf-8"))
        folder = feed.relative_to(hostile_site).parent.as_posix() + "/"
        if folder in PAYLOADS.terms:
            assert data["title"] == f"{PAYLOADS.terms[folder]['name']}: {SITE_NAME}"
        for item in data["items"]:
            url = item["url"].split("/hostile/", 1)[1]
            if url in PAYLOADS.entries:
                assert item["title"] == PAYLOADS.entries[url]["title"], url
                assert item["summary"] == PAYLOADS.entries[url]["summary"], url
                for tag in item.get("tags", []):
                    assert tag in PAYLOADS.names
            assert _markup_problems(item["content_html"]) == [], (feed, url)


def test_entries_json_keeps_text_exact(hostile_site: Path) -> None:
    path = hostile_site / "entries.json"
    if not path.is_file():
        pytest.fail("no entries.json in this build")
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = {e["path"]: e for e in data["entries"]}
    assert set(entries) == set(PAYLOADS.entries)
    for url, want in PAYLOADS.entries.items():
        got = entries[url]
        assert got["title"] == want["title"] and got["summary"] == want["summary"], url
        assert [s["publisher"] for s in got["sources"]] == [s["publisher"] for s in want["sources"]], url
        assert [c["text"] for c in got.get("corrections", [])] == want["corrections"], url
    names = {t["name"] for facet in data["terms"].values() for t in facet}
    assert names == PAYLOADS.names


def test_opml_keeps_feed_titles_exact(hostile_site: Path) -> None:
    tree = ET.parse(hostile_site / "feeds.opml")
    titles = {o.get("title") for o in tree.iter("outline") if o.get("type") == "rss"}
    for name in PAYLOADS.names:
        assert f"{name}: {SITE_NAME}" in titles


# --- 3. in a browser --------------------------------------------------------------------------------

PROBE = """() => {
  const handlers = document.querySelectorAll('[onerror],[onload],[onmouseover],[onclick],[onfocus]').length;
  for (const el of document.querySelectorAll('body *')) {
    el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
  }
  return {pwned: window.__pwned === undefined ? null : String(window.__pwned), handlers};
}"""


def _urls(site: Path) -> list[str]:
    urls = []
    for path in html_pages(site):
        rel = path.relative_to(site).as_posix()
        urls.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return urls


def _check(tab: Any, label: str, failures: list[str]) -> None:
    result = tab.evaluate(PROBE)
    if result["pwned"] is not None or result["handlers"]:
        failures.append(f"{label}: {result}")


def _search(tab: Any, query: str) -> str:
    """Type `query` into the header search; return its status line once it answers."""
    if not tab.evaluate("document.getElementById('digest-search').open"):
        tab.click("[data-digest-search-open]")
    tab.fill("#digest-search-input", "")
    tab.wait_for_function("() => document.getElementById('digest-search-status').textContent === ''")
    tab.fill("#digest-search-input", query)
    tab.wait_for_function("() => document.getElementById('digest-search-status').textContent !== ''")
    return str(tab.inner_text("#digest-search-status"))


def test_no_payload_runs_in_a_browser(chromium: Any, hostile_site: Path) -> None:
    from browser import serve, watch

    failures: list[str] = []
    with serve(hostile_site) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        try:
            tab = context.new_page()
            seen = watch(tab)
            for url in _urls(hostile_site):
                tab.goto(base + url, wait_until="load")
                _check(tab, url, failures)
            # The header search shows titles, excerpts and names from the index.
            tab.goto(base, wait_until="load")
            answered = {}
            for query in ("script", "onerror", "svg", "pwned", "7*7", "CDATA", "title", "quotes"):
                status = _search(tab, query)
                answered[query] = (status, tab.locator(".digest-search__result").count())
                _check(tab, f"search {query!r}", failures)
            assert answered["script"][1] > 0 and answered["pwned"][1] > 0, answered
            names = tab.eval_on_selector_all(".digest-search__name", "els => els.map(e => e.textContent)")
            assert names and set(names) <= PAYLOADS.titles | PAYLOADS.names, names
            # A shared search puts the query into the page: payloads in ?q=.
            entry = next(iter(PAYLOADS.entries))
            for query in ("<script>window.__pwned=1</script>", '"><img src=x onerror=window.__pwned=1>', "script"):
                tab.goto(base + entry + "?q=" + quote(query, safe=""), wait_until="load")
                tab.wait_for_function("() => document.getElementById('digest-search-status').textContent !== ''")
                _check(tab, f"{entry}?q={query}", failures)
            # The explore page reads its filters from the address.
            if (hostile_site / "explore/index.html").is_file():
                for query in (
                    "text=<script>window.__pwned=1</script>",
                    'text="><img src=x onerror=window.__pwned=1>&actor=<svg onload=window.__pwned=1>',
                    'topic="><img src=x onerror=window.__pwned=1>&from=<x>&to="\'><svg onload=window.__pwned=1>',
                    "text=script",
                    "text=7*7",
                ):
                    tab.goto(base + "explore/?" + quote(query, safe="=&"), wait_until="load")
                    tab.wait_for_function(
                        "() => /match|could not/.test(document.getElementById('explore-count').textContent)"
                    )
                    _check(tab, f"explore?{query}", failures)
                tab.goto(base + "explore/?text=script", wait_until="load")
                tab.wait_for_function("() => /match/.test(document.getElementById('explore-count').textContent)")
                shown = tab.eval_on_selector_all(
                    "#explore-results .digest-card__title a", "els => els.map(e => e.textContent)"
                )
                assert shown and set(shown) <= PAYLOADS.titles
        finally:
            context.close()
    assert failures == []
    assert seen.dialogs == []
    assert seen.page_errors == []
    assert seen.outside == []


def test_structured_data_holds_every_field_as_text(hostile_site: Path) -> None:
    """The JSON-LD of each entry parses back to its fields exactly, payloads included;
    a script element's end, a comment's start and "@" keys in text stay text."""
    for url, entry in PAYLOADS.entries.items():
        (script,) = page_soup(hostile_site, url).find_all("script", type="application/ld+json")
        data = json.loads(script.string)
        assert data["@type"] == "NewsArticle", url
        assert data["headline"] == entry["title"] and data["description"] == entry["summary"], url
        assert [c["publisher"]["name"] for c in data["citation"]] == [s["publisher"] for s in entry["sources"]], url
        assert [c["text"] for c in data.get("correction", [])] == entry["corrections"], url
    breakout = [e for e in PAYLOADS.entries.values() if "</script>" in e["title"] and "<!--" in e["title"]]
    assert breakout, "the corpus has a title that ends a script element and opens a comment"


def test_json_ld_escapes_what_could_end_its_element() -> None:
    from generator.schema import script_json

    text = script_json({"a": "</script><!-- & \u2028 \u2029 <SCRIPT>"})
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"a": "</script><!-- & \u2028 \u2029 <SCRIPT>"}


def test_citation_files_parse_back_with_payloads(hostile_site: Path) -> None:
    import bibtexparser
    import rispy

    for url, entry in PAYLOADS.entries.items():
        library = bibtexparser.parse_string((hostile_site / url / "citation.bib").read_text(encoding="utf-8"))
        assert library.failed_blocks == [] and len(library.entries) == 1, url
        assert set(library.entries[0].fields_dict) >= {"title", "author", "url", "date"}, url
        (record,) = rispy.loads((hostile_site / url / "citation.ris").read_text(encoding="utf-8"))
        assert record["title"] == entry["title"] and record["abstract"] == entry["summary"], url
