"""Facets are data: a third one is a config entry and a YAML file, not new code."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.cli import main

FACETS = """      facets:
        - {key: actors, title: Actors, singular: actor, file: actors.yml, kinds: [state, government-body, company, think-tank, international-body], country: true}
        - {key: topics, title: Topics, singular: topic, file: topics.yml}
        - {key: regions, title: Regions, singular: region, file: regions.yml, required: false}
"""


@pytest.fixture
def regions_site(fixture_site: Path) -> Path:
    config = fixture_site / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("      home_entries: 3\n", "      home_entries: 3\n" + FACETS), encoding="utf-8")
    (fixture_site / "content/regions.yml").write_text(
        "east-asia:\n  name: East Asia\n  aliases: [东亚]\n  description: China, Japan, the Koreas and their neighbours.\n"
        "southeast-asia:\n  name: Southeast Asia\n  description: The ASEAN states.\n",
        encoding="utf-8",
    )
    entry = fixture_site / "content/entries/2026/china-sought-anthropic-model-access.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("topics: [model-access, us-china-rivalry]\n", "topics: [model-access, us-china-rivalry]\nregions: [Southeast Asia]\n"), encoding="utf-8")
    return fixture_site


def test_third_facet_builds_pages(regions_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(regions_site)
    assert main(["build"]) == 0
    site = regions_site / "site"
    index = BeautifulSoup((site / "regions/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [h.get_text() for h in index.select(".digest-term-card h3")] == ["Southeast Asia", "East Asia"]
    region = BeautifulSoup((site / "regions/southeast-asia/index.html").read_text(encoding="utf-8"), "html.parser")
    assert [c.a.get_text() for c in region.select(".digest-card__title")] == [
        "China sought access to Anthropic's newest model and was refused"
    ]
    entry = BeautifulSoup((site / "entries/2026/china-sought-anthropic-model-access/index.html").read_text(encoding="utf-8"), "html.parser")
    assert entry.select_one(".digest-meta__regions a")["href"] == "../../../regions/southeast-asia/"


def test_third_facet_is_validated(regions_site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    entry = regions_site / "content/entries/2026/un-ai-dialogue-opens.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("topics: [ai-diplomacy]\n", "topics: [ai-diplomacy]\nregions: [east asai]\n"), encoding="utf-8")
    monkeypatch.chdir(regions_site)
    assert main(["check", "content/entries/2026/un-ai-dialogue-opens.md"]) == 1
    out = capsys.readouterr().out
    assert (
        "content/entries/2026/un-ai-dialogue-opens.md:7:11: error: regions: unknown region 'east asai' "
        "(did you mean 'East Asia'?); terms are listed in content/regions.yml"
    ) in out
