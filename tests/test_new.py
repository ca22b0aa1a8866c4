"""`digest new`: from options or prompts to a valid entry file, never overwriting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from generator.cli import main
from generator.new import slugify


class Terminal(io.StringIO):
    """Typed answers on a standard input that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


OPTIONS = [
    "new", "--no-input",
    "--title", "Huawei's new Ascend chip: what's known",
    "--date", "2026-05-20",
    "--actor", "huawei", "--actor", "prc",
    "--topic", "Chip Controls",
    "--publisher", "Example News",
    "--url", "https://news.example.org/ascend",
    "--summary", "Huawei showed a new chip.",
]


def test_new_from_options(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    assert main(OPTIONS) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "content/entries/2026/huaweis-new-ascend-chip-whats-known.md",
        "preview: http://127.0.0.1:8000/entries/2026/huaweis-new-ascend-chip-whats-known/ (run `make serve`)",
    ]
    text = (fixture_site / out[0]).read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: 'Huawei''s new Ascend chip: what''s known'\ndate: 2026-05-20\n")
    assert "actors:\n- huawei\n- china\ntopics:\n- export-controls\n" in text
    assert "  url: https://news.example.org/ascend\n" in text
    # The new file passes the checker as it is.
    assert main(["check", out[0]]) == 0
    assert capsys.readouterr().out.strip() == "no problems in 3 files"


def test_new_never_overwrites(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    target = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    before = target.read_bytes()
    args = ["new", "--no-input", "--title", "UN: AI dialogue opens", "--date", "2026-04-21", "--actor", "UN", "--topic", "ai-diplomacy", "--publisher", "UN"]
    assert main(args) == 1
    assert "content/entries/2026/un-ai-dialogue-opens.md already exists" in capsys.readouterr().err
    assert target.read_bytes() == before
    # A file `digest new` wrote itself is not overwritten either.
    fresh = [*args[:3], "A fresh entry", *args[4:]]
    assert main(fresh) == 0
    written = fixture_site / "content/entries/2026/a-fresh-entry.md"
    written.write_text(written.read_text(encoding="utf-8") + "\nEdited by hand.\n", encoding="utf-8")
    edited = written.read_bytes()
    assert main(fresh) == 1
    assert written.read_bytes() == edited


def test_new_reports_every_problem(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    code = main(["new", "--no-input", "--title", "Something", "--date", "2026-02-30", "--actor", "chna", "--topic", "model-acess", "--url", "javascript:alert(1)"])
    assert code == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "digest new: error: '2026-02-30' is not a date (YYYY-MM-DD)",
        "digest new: error: unknown actor 'chna' (did you mean 'china'?)",
        "digest new: error: unknown topic 'model-acess' (did you mean 'model-access'?)",
        "digest new: error: a source publisher is required (--publisher)",
        "digest new: error: 'javascript:alert(1)' is not an http(s) URL",
    ]
    assert not list((fixture_site / "content/entries/2026").glob("something*"))


def test_new_writes_nothing_check_would_refuse(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    before = sorted(p.relative_to(fixture_site) for p in (fixture_site / "content").rglob("*"))
    for option, value in (
        ("--url", 'https://ex.org/"><script>'),
        ("--title", "A" * 299),
        ("--summary", "S" * 600),
        ("--title", "Bell\x07 in a title"),
        ("--publisher", "Right\u202eto left"),
    ):
        args = list(OPTIONS)
        args[args.index(option) + 1] = value
        assert main(args) == 1, option
        err = capsys.readouterr().err
        assert err.startswith("digest new: error: ") and "Traceback" not in err, err
    assert sorted(p.relative_to(fixture_site) for p in (fixture_site / "content").rglob("*")) == before


def test_new_asks_at_a_terminal(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_site)
    answers = "Carnegie meeting in Singapore\n2026-04-15\nCarnegie Endowment, 中国\nmodel access\nA think tank met.\nCarnegie\n\n"
    monkeypatch.setattr("sys.stdin", Terminal(answers))
    assert main(["new"]) == 0
    out = capsys.readouterr().out
    for prompt in ("Title: ", "Date [", "Actors (comma-separated, Tab completes): ", "Topics (", "Summary (one paragraph): ", "Source publisher: ", "Source URL (optional): "):
        assert prompt in out
    path = fixture_site / "content/entries/2026/carnegie-meeting-in-singapore.md"
    text = path.read_text(encoding="utf-8")
    assert "actors:\n- carnegie-endowment\n- china\ntopics:\n- model-access\n" in text
    assert "url:" not in text


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("China's chip push", "chinas-chip-push"),
        ("  US–China talks: round 2!  ", "us-china-talks-round-2"),
        ("Café déjà vu", "cafe-deja-vu"),
        ("华为 Ascend 910C", "ascend-910c"),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug
