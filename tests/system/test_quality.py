"""The project's own quality bar, checked with the suite: ruff (lint and format) and mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff is not installed (pip install -e '.[test]')",
)
def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    checked = run(ruff, "check", "--no-cache", "src", "cli", "integrations", "tests", "benchmarks", "examples")
    assert checked.returncode == 0, checked.stdout
    formatted = run(
        ruff, "format", "--check", "--no-cache", "src", "cli", "integrations", "tests", "benchmarks", "examples"
    )
    assert formatted.returncode == 0, formatted.stdout


def test_mypy_strict_passes_on_the_library() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    checked = run(sys.executable, "-m", "mypy")
    assert checked.returncode == 0, checked.stdout
