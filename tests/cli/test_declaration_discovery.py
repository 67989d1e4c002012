"""Commands find the declaration the run was captured with (the run records where its uitlegbaar.yaml was,
relative to the git root) before the nearest one, say which file they used, or say plainly that none was found."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, EXECUTABLE


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git checkout with the example in examples/, trained from the checkout's root as the README does."""
    root = tmp_path_factory.mktemp("checkout")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    shutil.copytree(EXAMPLES, root / "examples")
    env = {**os.environ, "UITLEGBAAR_STORE": str(root / ".uitlegbaar")}
    script = [sys.executable, "examples/toeslagen_pipeline.py", "--rows", "1500"]
    subprocess.run(script, cwd=root, env=env, check=True, capture_output=True, timeout=300)
    return root


def run(cwd: Path, store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    return subprocess.run([EXECUTABLE, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_readme_commands_find_the_declaration_recorded_with_the_run(checkout: Path) -> None:
    store = checkout / ".uitlegbaar"
    card = run(checkout, store, "card", "latest", "--format", "html", "-o", "model-card.html")
    assert card.returncode == 0 and "declaration: examples/uitlegbaar.yaml" in card.stderr, card.stderr
    assert "Gemeente Voorbeeldstad" in (checkout / "model-card.html").read_text(encoding="utf-8")
    gate = run(checkout, store, "check", "latest", "--require", "iama")
    assert "declaration: examples/uitlegbaar.yaml" in gate.stderr and "0 required item(s) missing" in gate.stdout
    verified = run(checkout, store, "verify", "--document", "model-card.html")
    assert verified.returncode == 0 and "OK: compiled from" in verified.stdout, verified.stdout + verified.stderr
    deeper = checkout / "examples"  # from a subfolder the recorded path is found through the git root
    assert "declaration: " in run(deeper, store, "card", "latest", "-o", "-").stderr


def test_without_a_declaration_the_command_says_so(checkout: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(checkout / ".uitlegbaar", store)
    done = run(tmp_path, store, "card", "latest", "-o", "card.md")  # outside the checkout: the file is not here
    assert done.returncode == 0 and "no uitlegbaar.yaml found" in done.stderr and "--declaration" in done.stderr
    given = run(tmp_path, store, "card", "latest", "--declaration", str(checkout / "examples" / "uitlegbaar.yaml"))
    assert f"declaration: {checkout / 'examples' / 'uitlegbaar.yaml'}" in given.stderr
