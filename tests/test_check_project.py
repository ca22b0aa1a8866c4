"""Checks across files: the taxonomy files, shared source URLs, unused terms, future dates,
slugs that differ only by case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main

TAXONOMY_CASES = sorted((Path(__file__).parent / "fixtures" / "taxonomy").glob("*.yml"))


def check(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, list[str]]:
    monkeypatch.chdir(project)
    code = main(["check", *args])
    out = capsys.readouterr().out.splitlines()
    return code, out[:-1]


@pytest.mark.parametrize("case", TAXONOMY_CASES, ids=[c.stem for c in TAXONOMY_CASES])
def test_taxonomy_case(case: Path, fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case replaces actors.yml or topics.yml; its own lines are compared exactly."""
    target = "content/actors.yml" if case.name.startswith("actors") else "content/topics.yml"
    shutil.copy(case, fixture_site / target)
    code, lines = check(fixture_site, capsys, monkeypatch)
    mine = [line for line in lines if line.startswith(target + ":") and ": warning: " not in line]
    expected = case.with_suffix(".expected").read_text(encoding="utf-8").replace("{path}", target).splitlines()
    assert mine == expected
    assert code == 1


def test_unused_term_is_a_warning(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    actors = fixture_site / "content/actors.yml"
    actors.write_text(actors.read_text(encoding="utf-8") + "japan:\n  name: Japan\n  kind: state\n  country: JP\n  description: A state.\n", encoding="utf-8")
    code, lines = check(fixture_site, capsys, monkeypatch)
    assert "content/actors.yml:36:1: warning: japan: no entry uses this actor" in lines
    assert code == 0
    # Checking single files says nothing about the rest of the digest.
    code, lines = check(fixture_site, capsys, monkeypatch, "content/entries/2026/un-ai-dialogue-opens.md")
    assert not [line for line in lines if "no entry uses" in line]


def test_shared_source_url_names_the_other_entry(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("  - publisher: United Nations\n", "  - publisher: United Nations\n    url: https://www.bis.gov/\n"), encoding="utf-8")
    code, lines = check(fixture_site, capsys, monkeypatch, "--strict")
    assert (
        "content/entries/2026/un-ai-dialogue-opens.md:9:10: error: sources[0].url: "
        "https://www.bis.gov/ is already cited by content/entries/2026/huawei-ascend-guidance.md"
    ) in lines
    assert code == 1


def test_future_date_is_a_warning(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    entry = fixture_site / "content/entries/2026/un-ai-dialogue-opens.md"
    future = fixture_site / "content/entries/2099/un-ai-dialogue-opens.md"
    future.parent.mkdir()
    future.write_text(entry.read_text(encoding="utf-8").replace("date: 2026-04-20", "date: 2099-04-20"), encoding="utf-8")
    entry.unlink()
    monkeypatch.setenv("DIGEST_AS_OF", "2099-04-19")  # "today", for the check as for a build
    code, lines = check(fixture_site, capsys, monkeypatch, "content/entries/2099/un-ai-dialogue-opens.md")
    assert [line for line in lines if "future" in line] == [
        "content/entries/2099/un-ai-dialogue-opens.md:3:7: warning: date: 2099-04-20 is in the future (today is 2099-04-19): the entry is published on that day"
    ]
    assert code == 0
    monkeypatch.setenv("DIGEST_AS_OF", "2099-04-20")
    code, lines = check(fixture_site, capsys, monkeypatch, "content/entries/2099/un-ai-dialogue-opens.md")
    assert not [line for line in lines if "future" in line]


def test_slugs_differing_only_by_case(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    original = fixture_site / "content/entries/2025/chip-rules-tightened.md"
    twin = fixture_site / "content/entries/2025/Chip-Rules-Tightened.md"
    twin.write_bytes(original.read_bytes())
    if len(list(original.parent.iterdir())) < 2:
        pytest.fail("this file system folds case; the test needs one that does not")
    code, lines = check(fixture_site, capsys, monkeypatch)
    assert "content/entries/2025/chip-rules-tightened.md:1:1: error: file: same URL as content/entries/2025/Chip-Rules-Tightened.md: slugs must differ by more than case" in lines
    assert code == 1


def test_naming_a_taxonomy_file_checks_it_like_every_run(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """What the pre-commit hook does: the taxonomy is always checked, never read as an entry."""
    monkeypatch.chdir(fixture_site)
    assert main(["check", "content/actors.yml", "content/topics.yml"]) == 0
    assert capsys.readouterr().out.strip() == "no problems in 2 files"
    (fixture_site / "content/topics.yml").write_text("model-access:\n  name: Model access\n", encoding="utf-8")
    assert main(["check", "content/topics.yml"]) == 1
    assert "content/topics.yml:1:1: error: model-access.description: required field is missing" in capsys.readouterr().out


def test_naming_a_folder_checks_what_the_whole_check_would(fixture_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`digest check content/` is the whole check, not a check of every file as an entry:
    the taxonomy, pages and other files are not entries."""
    (fixture_site / "content/LICENSE.md").write_text("# License\n\nCC BY 4.0\n", encoding="utf-8")
    code, whole = check(fixture_site, capsys, monkeypatch)
    for named in ("content/", "content", ".", "content/entries/"):
        assert check(fixture_site, capsys, monkeypatch, named) == (code, whole), named
    assert code == 0
    # A named page is checked as a page (Markdown only), not as an entry.
    assert check(fixture_site, capsys, monkeypatch, "content/pages/about.md")[0] == 0
    about = fixture_site / "content/pages/about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n", encoding="utf-8")
    code, lines = check(fixture_site, capsys, monkeypatch, "content/pages/about.md")
    assert code == 1 and any(line.startswith("content/pages/about.md:") and "required field" not in line for line in lines)
    assert check(fixture_site, capsys, monkeypatch, "content/LICENSE.md")[0] == 0
