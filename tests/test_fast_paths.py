"""The two fast paths for the common case must answer exactly as the slow, general ones.

- `read.fast_yaml` reads front matter in the common shape without libyaml; it must give
  the very nodes (kinds, tags, texts, lines, columns) libyaml gives, or give up.
- `text.maybe_forbidden` lets the reader skip searching a file for refused characters;
  it must never miss one.
- `bodies.plain_html` renders plain-prose write-ups without Python-Markdown; it must
  give Markdown's very HTML, or give up. A feed item's HTML then skips nh3 for that
  part, which nh3 must give back unchanged.

Both are checked on every entry of the bundled digest, the test fixtures and a
benchmark corpus, and on thousands of seeded mutations and generated documents.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from bench.corpus import write_corpus
from generator.bodies import _MARKUP, _feed_parser, _has_markup, as_is, body_html, notes_html, plain_html, sanitise
from generator.config import load_project
from generator.load import load
from generator.model import Correction, Digest, Source
from generator.read import (
    MAX_ENTRY_BYTES,
    YamlNode,
    fast_yaml,
    parse_yaml,
    read_capped,
    read_unless_link,
    split_front_matter,
)
from generator.text import blank_forbidden, forbidden_chars, maybe_forbidden, nfc
from support import FIXTURES, ROOT


def _libyaml(text: str) -> tuple[YamlNode | None, list[object]]:
    try:
        node, problems = parse_yaml(text, "e.md", 2, fast=False)
    except Exception as err:  # any failure is a difference
        return None, [err]
    return node, list(problems)


def _same_or_gave_up(text: str) -> bool:
    """True when the fast reader answered (and then it must equal libyaml)."""
    text = nfc(text)
    fast = fast_yaml(text, 2)
    if fast is None:
        return False
    slow, problems = _libyaml(text)
    assert problems == [] and slow == fast, f"fast reader differs from libyaml on:\n{text}"
    return True


def _fronts(files: list[Path]) -> list[str]:
    fronts = []
    for file in files:
        try:
            text = blank_forbidden(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        front = split_front_matter(text.replace("\r\n", "\n"), "e.md")[0]
        if front is not None:
            fronts.append(front)
    return fronts


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    bench = write_corpus(tmp_path_factory.mktemp("corpus") / "c", 300, ROOT / "overrides")
    files = sorted((ROOT / "content").rglob("*.md")) + sorted(FIXTURES.rglob("*.md"))
    return _fronts(files + sorted((bench / "content/entries").rglob("*.md")))


def test_fast_reader_reads_every_bundled_entry_as_libyaml_does() -> None:
    entries = sorted((ROOT / "content/entries").rglob("*.md"))
    fronts = _fronts(entries)
    assert len(fronts) == len(entries) > 40
    # Every bundled entry is in the common shape (quoted titles, `>-` summaries, lists
    # of sources): the fast reader must take them all, and agree.
    assert all(_same_or_gave_up(front) for front in fronts)


def test_fast_reader_agrees_on_fixtures_and_a_benchmark_corpus(corpus: list[str]) -> None:
    taken = sum(_same_or_gave_up(front) for front in corpus)
    assert taken > 0.75 * len(corpus)  # the fixtures hold many broken files on purpose


def test_fast_reader_agrees_on_mutated_front_matter(corpus: list[str]) -> None:
    rng = random.Random(8)
    bits = [
        " ", "  ", "\n", "\n  ", "\n- ", "- ", ": ", ":", "#", " #", "'", '"', "''", "\\", "[", "]", ",", "{",
        "}", "&a ", "*a", "!!str ", "!x ", "|", "|-", ">", ">-", "\n\n", "    ", "b c", "yes", "2024-01-01", "12",
        "null", "~", "-1", "?", "%", "@", "`", "\t", "é", "中", "\u2028", "\ufeff", "\x85",
    ]
    taken = 0
    for _ in range(12_000):
        lines = rng.choice(corpus).split("\n")
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(lines))
            line, cut = lines[at], rng.randint(0, len(lines[at]))
            roll = rng.random()
            if roll < 0.6:
                lines[at] = line[:cut] + rng.choice(bits) + line[cut:]
            elif roll < 0.8:
                lines[at] = line[:cut] + line[cut + rng.randint(1, 3) :]
            else:
                lines.insert(at, " " * rng.randint(0, 4) + rng.choice(bits) + rng.choice(["x", "a: b", "- c", ""]))
        taken += _same_or_gave_up("\n".join(lines))
    assert taken > 1_000  # the mutations must not all fall back


def test_fast_reader_agrees_on_what_yaml_dump_writes() -> None:
    """`digest new` writes with yaml.dump: long values over several lines, quoted ones."""
    rng = random.Random(9)
    plain = ["China", "US", "chips", "export", "it's", "é", "中国", "controls", "said", "the", "of"]
    odd = ["a: b", "#1", "x #y", "- dash", "[x]", "{y}", "'q'", '"d"', "yes", "12", "1.5", "2024-01-01", "@h", "end:", "\\"]

    def text() -> str:
        return " ".join(rng.choice(odd) if rng.random() < 0.03 else rng.choice(plain) for _ in range(rng.randint(1, 40)))

    taken = 0
    for n in range(3_000):
        front = {
            "title": text() if rng.random() > 0.1 else text() + "\n" + text(),
            "date": dt.date(2024, 1, 1),
            "summary": text(),
            "actors": rng.sample(["china", "united-states", "a-b"], rng.randint(1, 3)),
            "sources": [{"publisher": text(), "title": text(), "url": f"https://x.example/{n}", "date": dt.date(2024, 2, 2)}],
        }
        dumped = yaml.dump(
            front,
            allow_unicode=True,
            sort_keys=False,
            width=rng.choice([40, 88, 200]),
            default_flow_style=rng.choice([False, None]),
            default_style=rng.choice([None, None, None, "'", '"', "|", ">"]),
        )
        taken += _same_or_gave_up(dumped)
    assert taken > 300


@pytest.mark.parametrize(
    "text",
    [
        "title: A # a comment\n",
        "title: &a A\nother: *a\n",
        "title: !!str 2024\n",
        "title: A\ntitle: B\n",
        'title: "with \\u00e9 escape"\n',
        "summary: >-\n  one\n\n  two\n",
        "summary:\n",
        "title:\tA\n",
        "sources:\n  - publisher: P\n      extra: deeper\n",
        "title: 'not closed\n",
        "- a list\n- at the top\n",
    ],
)
def test_fast_reader_gives_up_on_anything_else(text: str) -> None:
    assert fast_yaml(text, 2) is None
    # ... and the general reader still answers, with its problems where there are any.
    assert parse_yaml(text, "e.md", 2) == parse_yaml(text, "e.md", 2, fast=False)


def test_duplicate_keys_are_still_reported_with_their_line() -> None:
    node, problems = parse_yaml("title: A\ndate: 2026-05-12\ntitle: B\n", "e.md", 2)
    assert node is not None
    assert [(p.line, p.field, p.message) for p in problems] == [(4, "title", "duplicate key (first set on line 2)")]


# --- plain write-ups -------------------------------------------------------------------


def _markdown(body: str) -> str:
    parser = _feed_parser()
    parser.reset()
    return parser.convert(body)


def test_plain_html_is_markdowns_html_for_corpus_bodies(corpus: list[str]) -> None:
    files = sorted((ROOT / "content/entries").rglob("*.md"))
    bodies = [f.read_text(encoding="utf-8").split("\n---\n", 1)[1] for f in files]
    plain = [b for b in bodies if plain_html(b) is not None]
    assert len(plain) > len(bodies) / 2  # most write-ups are plain prose
    for body in plain:
        assert plain_html(body) == _markdown(body)
    # Emphasis, links or lists go to Markdown.
    assert plain_html("Some *emphasis*.") is None
    assert plain_html("A [link](https://example.org/).") is None
    assert plain_html("- an item\n- another") is None


def test_plain_html_agrees_with_markdown_on_generated_text() -> None:
    rng = random.Random(10)
    pieces = [
        "word", "Word", "a", "1.", "2)", "-", "+", "=", "*", "_", "`", "[", "]", "(", ")", "<", ">", "&", "#", "|",
        "~", "\\", " ", "  ", "\n", "\n\n", "\n\n\n", "\t", "\u00a0", "é", "中文", "'", '"', ":", "!", "%", "$",
        "{", "}", ".", " - ", "\u2028", "    ", "---", "===",
    ]
    taken = 0
    for _ in range(20_000):
        words = [rng.choice(pieces) if rng.random() < 0.3 else rng.choice(["word", " ", "said", "\n", "\n\n"]) for _ in range(rng.randint(0, 30))]
        body = "".join(words)
        html = plain_html(body)
        if html is not None:
            taken += 1
            assert html == _markdown(body), repr(body)
            assert sanitise(html, "https://d.example/e/") == html, repr(body)
    assert taken > 2_000


def test_feed_html_of_plain_write_ups_is_what_nh3_gives_for_the_whole(corpus_digests: list[Digest]) -> None:
    """body_html sanitises only the notes of a plain write-up; the result must be what
    sanitising all of it gives, for every entry of the bundled digest and of a benchmark
    corpus, each also with hostile sources and corrections."""
    hostile = (
        Source("<b>Pub</b> & 'co' {{x}} &amp;", 'A "title" <i>\xa0', "https://x.example/a?b=1&c=<2>#f", dt.date(2026, 5, 12)),
        Source("P", None, "HTTP://X.example/a/../b?", None),
        Source("Q", None, "https://x.example/a#", None),
        Source("R", "No link", None, None),
    )
    broken = Source("S", None, "https://[broken/", None)  # urljoin fails: nh3 drops the link
    note = Correction(dt.date(2026, 5, 13), "<script>x</script> & co \xa0 {{y}}")
    plain_seen = 0
    for digest in corpus_digests:
        for entry in digest.entries:
            variants = (
                entry,
                replace(entry, sources=(*entry.sources, *hostile), corrections=(note,)),
                replace(entry, sources=(*entry.sources, broken)),
            )
            for variant in variants:
                base = "https://d.example/" + variant.url
                plain = plain_html(variant.body)
                if plain is not None:
                    plain_seen += 1
                    assert body_html(variant, base) == sanitise("\n".join([plain, *(notes_html(variant) or ())]), base)
    assert plain_seen > 1000


@pytest.fixture(scope="module")
def corpus_digests(tmp_path_factory: pytest.TempPathFactory) -> list[Digest]:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 1000, ROOT / "overrides")
    digests = [load(load_project(root)).digest for root in (ROOT, folder)]
    assert all(d is not None for d in digests)
    return [d for d in digests if d is not None]


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


def test_markup_precheck_agrees_with_the_pattern_on_every_character() -> None:
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        text = f"Some text {chr(code)} more"
        assert _has_markup(text) == (_MARKUP.search(text) is not None), hex(code)


def test_links_taken_as_they_are_are_what_urljoin_gives() -> None:
    """as_is skips urljoin for a source link; it may only when urljoin gives the link
    back unchanged (and does not fail), whatever the item's URL."""
    rng = random.Random(7)
    pieces = [
        "https://", "http://", "HTTPS://", "ftp://", "//", "/", "x.example", "a", ".", "..", "?", "#", ";", "=", "&",
        "[", "]", ":", "@", "%20", " ", "\t", "\n", "é", "~", "-", "80", "",
    ]
    bases = ["https://d.example/entries/2026/x/", "http://d.example/", "https://d.example"]
    taken = 0
    for _ in range(30_000):
        url = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if rng.random() < 0.5:
            url = rng.choice(["https://", "http://"]) + "host.example" + url
        if as_is(url) is None:
            continue
        taken += 1
        for base in bases:
            assert urljoin(base, url) == url, (base, url)
    assert taken > 3000
    assert as_is("https://www.reuters.com/technology/a-story-2026-05-12/?utm=x#top") is not None
    for odd in ("https://x.example/a?", "https://x.example/a#", "https:///a", "HTTPS://x.example/", "https://[x/", "https://x.example/a;b"):
        assert as_is(odd) is None, odd


def test_the_ascii_shortcut_never_passes_an_awkward_character() -> None:
    """fast_yaml skips its search for awkward characters in printable ASCII text."""
    from generator.read import _AWKWARD

    for code in range(128):
        text = f"title: a{chr(code)}b\n"
        if text.isascii() and text.replace("\n", "").isprintable():
            assert _AWKWARD.search(text) is None, code
        else:
            assert fast_yaml(text, 2) is None or _AWKWARD.search(text) is None, code


def test_text_values_left_as_they_are_are_already_collapsed() -> None:
    """validate.text skips collapsing whitespace in printable text without doubled or
    outer spaces; that is right only if no other character is whitespace to split()."""
    for code in range(0x110000):
        char = chr(code)
        if char.isspace() and char != " ":
            assert not char.isprintable(), hex(code)


def test_weekly_issues_are_what_nh3_gives(corpus_digests: list[Digest]) -> None:
    """A weekly issue's HTML skips nh3; it must be what nh3 makes of it, hostile titles
    and summaries included."""
    from generator.config import load_project as project_of
    from generator.feeds import absolute, issue_html, week_item
    from generator.group import by_week

    project = project_of(ROOT)
    first = corpus_digests[0]
    hostile = Digest(
        tuple(
            replace(e, title=f"<b>{e.title}</b> & 'x' \\xa0{{y}}", summary=f'"{e.summary}" <script>&amp;</script>')
            for e in first.entries
        ),
        first.facets,
        first.terms,
    )
    weeks = 0
    for digest in (*corpus_digests, hostile):
        for week in by_week(digest.entries)[:60]:
            base = absolute(project, week.url)
            expected = sanitise(issue_html(project, digest, week, clean=False) or "", base)
            assert week_item(project, digest, week).html == expected
            assert issue_html(project, digest, week, clean=True) == expected
            weeks += 1
    assert weeks > 60


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
