"""Helpers shared by the tests (conftest.py holds the fixtures built on them)."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_SITE = FIXTURES / "site"
ROOT = Path(__file__).parent.parent


def copy_site(target: Path) -> Path:
    """Copy the fixture digest; its theme points at the project's overrides by path."""
    shutil.copytree(FIXTURE_SITE, target, ignore=shutil.ignore_patterns("site", ".site-*"))
    config = target / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("../../../overrides", str(ROOT / "overrides")), encoding="utf-8")
    return target
