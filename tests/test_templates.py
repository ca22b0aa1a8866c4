"""The digest's templates: a site's overrides, their errors, and what invalidates caches."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator import incremental
from generator.config import load_project
from generator.incremental import CheckCache, Keys, decode, encode
from generator.load import load
from generator.theme import PACKAGE, Templates
from support import ROOT, assert_no_traceback, run

CARD = """{% import "digest/macros.html" as m %}
<article class="house-card">
<p class="house-card__kicker">From the newsroom</p>
<h3><a href="{{ url(entry.url) }}">{{ entry.title }}</a></h3>
<p>{{ m.time(entry.date) }}</p>
</article>
"""


def own_overrides(project: Path) -> Path:
    """Give the fixture site an overrides folder of its own (a copy of the project's)."""
    folder = project / "overrides"
    shutil.copytree(ROOT / "overrides", folder)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(f"custom_dir: {ROOT / 'overrides'}", "custom_dir: overrides"), encoding="utf-8")
    assert "custom_dir: overrides\n" in config.read_text(encoding="utf-8")
    (folder / "digest").mkdir()
    return folder / "digest"


def test_every_shipped_template_is_listed_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for template in sorted((PACKAGE / "digest").glob("*.html")):
        assert f"`{template.name}`" in readme, template.name


def test_an_override_replaces_the_shipped_template_in_pages_and_the_built_site(fixture_site: Path) -> None:
    own_overrides(fixture_site).joinpath("card.html").write_text(CARD, encoding="utf-8")
    out = fixture_site / "out"
    result = run(fixture_site, "generate", "--out", str(out))
    assert result.returncode == 0, result.stderr
    home = (out / "index.md").read_text(encoding="utf-8")
    golden = (ROOT / "tests/fixtures/golden/index.md").read_text(encoding="utf-8")
    assert home.count('<article class="house-card">') == golden.count('class="digest-card"') == 3
    assert 'class="digest-card"' not in home
    # Links in the override are relative to each page, as in the shipped template.
    topic = (out / "topics/model-access/index.md").read_text(encoding="utf-8")
    assert '<h3><a href="../../entries/2026/china-sought-anthropic-model-access/">' in topic
    # The templates not overridden are the shipped ones.
    entry = (out / "entries/2026/china-sought-anthropic-model-access.md").read_text(encoding="utf-8")
    assert '<div class="digest-entry__header">' in entry and "house-card" not in entry

    result = run(fixture_site, "build")
    assert result.returncode == 0, result.stderr
    site = (fixture_site / "site/index.html").read_text(encoding="utf-8")
    assert "<p class=\"house-card__kicker\">From the newsroom</p>" in site


def test_a_template_error_names_the_file_and_line_without_a_traceback(fixture_site: Path) -> None:
    folder = own_overrides(fixture_site)
    (folder / "card.html").write_text('<div class="digest-card">\n{% if entry.title %}\n<h3>{{ entry.title }}</h3>\n</div>\n', encoding="utf-8")
    for command in (["generate", "--out", "out"], ["build"]):
        result = run(fixture_site, *command)
        assert result.returncode == 1
        assert_no_traceback(result)
        assert "overrides/digest/card.html:3:1: error: template: Unexpected end of template." in result.stdout, result.stdout
    assert not (fixture_site / "site").exists()


def test_a_template_that_fails_on_a_page_stops_the_build_with_its_file_and_line(fixture_site: Path) -> None:
    folder = own_overrides(fixture_site)
    (folder / "related.html").write_text("<ul>\n<li>{{ entry.no_such_field }}</li>\n</ul>\n", encoding="utf-8")
    result = run(fixture_site, "build")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert f"{folder / 'related.html'}:2: template error: 'generator.model.Entry object' has no attribute 'no_such_field'" in result.stderr
    result = run(fixture_site, "generate", "--out", "out")
    assert result.returncode == 1
    assert_no_traceback(result)
    assert "related.html:2: template error" in result.stderr


def test_a_changed_override_template_changes_the_keys_and_rewrites_its_pages(fixture_site: Path) -> None:
    folder = own_overrides(fixture_site)
    out = fixture_site / "out"
    assert run(fixture_site, "generate", "--out", str(out)).returncode == 0
    project = load_project(fixture_site)
    before = Templates(project.custom_dir).fingerprint()
    (folder / "card.html").write_text(CARD, encoding="utf-8")
    after = Templates(project.custom_dir).fingerprint()
    assert before != after
    digest = load(project).digest
    assert digest is not None
    assert Keys(project, digest, before).salt != Keys(project, digest, after).salt
    result = run(fixture_site, "generate", "--out", str(out))
    assert result.returncode == 0, result.stderr
    # Every page with a card is written again, and shows the new one.
    assert "house-card" in (out / "index.md").read_text(encoding="utf-8")
    assert "house-card" in (out / "weekly/2026-W20/index.md").read_text(encoding="utf-8")


def test_a_changed_package_file_changes_the_salt_of_every_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "generator"
    shutil.copytree(PACKAGE.parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(incremental, "PACKAGE", package)
    incremental.package_hash.cache_clear()
    try:
        first = incremental.package_hash()
        card = package / "templates/digest/card.html"
        card.write_text(card.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        incremental.package_hash.cache_clear()
        second = incremental.package_hash()
        (package / "new_stage.py").write_text("# a new module\n", encoding="utf-8")
        incremental.package_hash.cache_clear()
        third = incremental.package_hash()
    finally:
        incremental.package_hash.cache_clear()
    assert len({first, second, third}) == 3


def test_a_cached_record_of_another_shape_is_checked_afresh(fixture_site: Path, tmp_path: Path) -> None:
    """Records are keyed by field name: one made when Entry had a field fewer or more
    (a new field, one taken out) is not used, where one encoded by position would be
    read into the wrong fields."""
    project = load_project(fixture_site)
    digest = load(project).digest
    assert digest is not None
    from generator.incremental import Checked

    entry = digest.entries[0]
    record = encode(Checked(entry, (), (), ()))
    assert decode(record).entry == entry
    data = json.loads(record)
    added = {**data, "entry": {**data["entry"], "region": "asia"}}
    removed = {**data, "entry": {k: v for k, v in data["entry"].items() if k != "draft"}}
    cache = CheckCache(tmp_path / "checked.jsonl", "context")
    for case in (added, removed):
        cache.old["entry.md"] = ("hash", json.dumps(case))
        assert cache.get("entry.md", "hash") is None
    cache.old["entry.md"] = ("hash", record)
    hit = cache.get("entry.md", "hash")
    assert hit is not None and hit.entry == entry
