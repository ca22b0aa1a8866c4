"""The code stays typed and linted: mypy (strict) and ruff, as configured in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys

from support import ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff() -> None:
    result = run("ruff", "check", "generator", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
