"""Shared fixtures: fresh copies of the fixture digest, and one strict build of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import copy_site

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A fresh, writable copy of tests/fixtures/site."""
    return copy_site(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fixture digest built once with `digest build` (strict); yields its site/."""
    from generator.mkdocs_plugin import build_site

    project = copy_site(tmp_path_factory.mktemp("built") / "project")
    yield build_site(project)
