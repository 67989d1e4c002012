"""Progress of commands over many runs: `verify` of a whole store and `check` looking for the previous version
show a bar on a terminal (a pseudo-terminal here), and nothing when standard error is not one or with --quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EXECUTABLE, cli, on_terminal
from pipelines import capture_run


@pytest.fixture
def three_versions(store: Path) -> list[str]:
    return [capture_run(c=c) for c in (0.5, 1.0, 2.0)]


def test_verify_of_a_whole_store_shows_a_bar_on_a_terminal(store: Path, three_versions: list[str]) -> None:
    out, shown = on_terminal([EXECUTABLE, "verify"], UITLEGBAAR_STORE=str(store))
    assert "verifying runs" in shown and "runs" in shown
    assert "3 run" in out  # the report itself goes to standard output, unmixed with the bar
    _, quiet = on_terminal([EXECUTABLE, "--quiet", "verify"], UITLEGBAAR_STORE=str(store))
    assert "verifying runs" not in quiet
    piped = cli("verify", store=store)
    assert piped.returncode == 0 and "verifying runs" not in piped.stderr


def test_check_against_the_previous_version_shows_a_bar_on_a_terminal(
    store: Path, three_versions: list[str], tmp_path: Path
) -> None:
    declaration = tmp_path / "uitlegbaar.yaml"
    declaration.write_text("policy:\n  regression: {tolerance: 0.05}\n", encoding="utf-8")
    command = [EXECUTABLE, "check", "latest", "--require", "algoritmeregister", "--declaration", str(declaration)]
    out, shown = on_terminal(command, UITLEGBAAR_STORE=str(store))
    assert "earlier versions" in shown
    assert "for run" in out
    piped = cli(*command[1:], store=store)
    assert "earlier versions" not in piped.stderr
