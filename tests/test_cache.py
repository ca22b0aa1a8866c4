"""The check cache: unchanged entry files are not checked again, and nothing else changes.

Every test here has a cache folder of its own (XDG_CACHE_HOME), and compares a run that
used the cache with one that could not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from generator import load as load_module
from generator.config import load_project
from generator.incremental import cache_file
from generator.load import Loaded, load

SEED = "content/entries/2026/china-sought-anthropic-model-access.md"


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("DIGEST_CACHE", raising=False)
    return folder


def _load(project: Path, **options: object) -> Loaded:
    return load(load_project(project), **options)  # type: ignore[arg-type]


def _no_checking(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record (and still run) every file the loader checks afresh."""
    checked: list[Path] = []
    real = load_module._check

    def spy(file: Path, *args: object) -> object:
        checked.append(file)
        return real(file, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module, "_check", spy)
    return checked


def test_warm_run_gives_the_same_digest_and_problems(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = _load(fixture_site, today=dt.date(2026, 5, 13))
    assert cold.digest is not None and cold.problems  # the fixture has warnings
    checked = _no_checking(monkeypatch)
    warm = _load(fixture_site, today=dt.date(2026, 5, 13))
    assert checked == []  # every file came from the cache
    assert warm.problems == cold.problems
    assert warm.digest is not None and warm.digest.entries == cold.digest.entries
    assert [e.body for e in warm.digest.entries] == [e.body for e in cold.digest.entries]


def test_cache_lives_outside_the_project(fixture_site: Path, own_cache: Path) -> None:
    before = sorted(p for p in fixture_site.rglob("*"))
    _load(fixture_site)
    assert sorted(p for p in fixture_site.rglob("*")) == before
    file = cache_file(fixture_site)
    assert file is not None and file.is_file() and own_cache in file.parents


def test_an_edited_file_is_checked_again(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(fixture_site)
    entry = fixture_site / SEED
    entry.write_text(entry.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1), encoding="utf-8")
    checked = _no_checking(monkeypatch)
    warm = _load(fixture_site)
    assert [p.name for p in checked] == [entry.name]
    assert warm.digest is not None
    assert any(e.title.startswith("Revised ") for e in warm.digest.entries)
    entry.write_text(entry.read_text(encoding="utf-8").replace("date: ", "date: not-a-date-", 1), encoding="utf-8")
    broken = _load(fixture_site)
    assert broken.digest is None
    assert any(p.path == SEED and p.field == "date" for p in broken.problems)


def test_a_taxonomy_change_checks_everything_again(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(fixture_site)
    actors = fixture_site / "content/actors.yml"
    text = actors.read_text(encoding="utf-8")
    assert "\nanthropic:\n  name: Anthropic\n" in text
    actors.write_text(text.replace("\nanthropic:\n  name: Anthropic\n", "\nanthropic-pbc:\n  name: Anthropic PBC\n", 1), encoding="utf-8")
    checked = _no_checking(monkeypatch)
    warm = _load(fixture_site)
    assert len(checked) >= 5
    assert warm.digest is None
    assert any(p.path == SEED and "anthropic" in p.message for p in warm.problems)


def test_future_dates_are_judged_on_every_run(fixture_site: Path) -> None:
    early = _load(fixture_site, today=dt.date(2026, 1, 1))
    late = _load(fixture_site, today=dt.date(2027, 1, 1))  # from the cache
    future = [p for p in early.problems if "in the future" in p.message]
    assert future and all(p.severity == "warning" for p in future)
    assert not [p for p in late.problems if "in the future" in p.message]


def test_a_damaged_cache_is_ignored(fixture_site: Path) -> None:
    cold = _load(fixture_site)
    file = cache_file(fixture_site)
    assert file is not None
    for damage in ("{not json", '{"context": 1, "files": []}', '[]', ""):
        file.write_text(damage, encoding="utf-8")
        again = _load(fixture_site)
        assert again.problems == cold.problems and again.digest == cold.digest


def test_a_forged_entry_in_the_cache_is_not_trusted(fixture_site: Path) -> None:
    """A cached result counts only for the exact bytes it was made from."""
    _load(fixture_site)
    file = cache_file(fixture_site)
    assert file is not None
    text = file.read_text(encoding="utf-8")
    entry = fixture_site / SEED
    entry.write_text(entry.read_text(encoding="utf-8") + "\n<script>alert(1)</script>\n", encoding="utf-8")
    assert file.read_text(encoding="utf-8") == text
    loaded = _load(fixture_site)
    assert loaded.digest is None
    assert any(p.path == SEED and "raw HTML" in p.message for p in loaded.problems)


def test_cache_can_be_turned_off(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGEST_CACHE", "off")
    assert cache_file(fixture_site) is None
    checked = _no_checking(monkeypatch)
    _load(fixture_site)
    _load(fixture_site)
    assert len(checked) == 2 * len({p for p in checked})


def test_related_entries_are_remembered_and_checked(fixture_site: Path, own_cache: Path) -> None:
    from generator.group import related
    from generator.pipeline import related_of

    project = load_project(fixture_site)
    digest = _load(fixture_site).digest
    assert digest is not None
    expected = related(digest)
    assert related_of(project, digest) == expected  # computed, then stored
    stored = next(own_cache.rglob("related.json"))
    assert related_of(project, digest) == expected  # read back
    data = stored.read_text(encoding="utf-8")
    stored.write_text(data.replace("entries/", "nowhere/"), encoding="utf-8")  # damaged, same key
    assert related_of(project, digest) == expected
    stored.write_text("{", encoding="utf-8")
    assert related_of(project, digest) == expected


def test_related_entries_without_a_cache_are_made_but_not_keyed(
    fixture_site: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import pipeline
    from generator.group import related

    monkeypatch.setenv("DIGEST_CACHE", "off")
    project = load_project(fixture_site)
    digest = _load(fixture_site).digest
    assert digest is not None
    # The key hashes every entry: with nothing to store it under, it must not be made.
    monkeypatch.setattr(pipeline, "package_hash", lambda: pytest.fail("keyed with caching off"))
    assert pipeline.related_of(project, digest) == related(digest)
    assert not list(own_cache.rglob("related.json"))


def test_cache_grows_by_what_changed_and_survives_a_cut_line(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(fixture_site)
    file = cache_file(fixture_site)
    assert file is not None
    lines = file.read_text(encoding="utf-8").splitlines()
    entry = fixture_site / SEED
    entry.write_text(entry.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1), encoding="utf-8")
    _load(fixture_site)
    grown = file.read_text(encoding="utf-8").splitlines()
    assert grown[: len(lines)] == lines and len(grown) == len(lines) + 1  # appended, not rewritten
    assert grown[-1].startswith(f'["{SEED}", ')
    # A run that crashed while appending left half a line: it is ignored.
    with open(file, "a", encoding="utf-8") as handle:
        handle.write('["content/entries/2026/un-ai-dia')
    checked = _no_checking(monkeypatch)
    warm = _load(fixture_site)
    assert checked == []
    assert warm.digest is not None and any(e.title.startswith("Revised ") for e in warm.digest.entries)


def test_checking_some_files_keeps_the_others_cached(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _load(fixture_site)
    entry = fixture_site / SEED
    entry.write_text(entry.read_text(encoding="utf-8").replace("title: ", "title: Revised ", 1), encoding="utf-8")
    _load(fixture_site, paths=[entry])  # `digest check FILE`
    checked = _no_checking(monkeypatch)
    _load(fixture_site)
    assert checked == []


def test_parallel_check_equals_one_process(fixture_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checked in two processes (this one takes the first share), the digest, problems
    and hashes are those of one process, cold and warm."""
    monkeypatch.setenv("DIGEST_CACHE", "off")
    one = _load(fixture_site, today=dt.date(2026, 5, 13))
    monkeypatch.setattr(load_module, "PARALLEL_FROM", 2)  # the fixture's few files: parallel all the same
    two = _load(fixture_site, today=dt.date(2026, 5, 13), workers=2)
    assert two.digest == one.digest and two.problems == one.problems and two.hashes == one.hashes
    assert one.digest is not None and len(one.digest.entries) > 2
