"""The one writer behind every `-o`: atomic, makes missing folders below an existing one, `-` is standard output,
and a name it cannot write is one clear error (exit 2), never a traceback or a folder at the file-system root."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EXAMPLES, cli
from pipelines import capture_run

DECLARATION = str(EXAMPLES / "uitlegbaar.yaml")
WRITERS = [
    ["card", "latest", "--declaration", DECLARATION],
    ["register", "latest", "--declaration", DECLARATION, "--force"],
    ["systemcard", "latest", "--declaration", DECLARATION],
    ["export", "latest", "--to", "spdx"],
    ["export", "latest", "--to", "openlineage"],
    ["lineage", "latest"],
]


@pytest.fixture
def captured(store: Path) -> Path:
    capture_run()
    return store


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: "-".join(c[:3:2]))
def test_missing_folders_are_made_and_dash_is_standard_output(
    captured: Path, tmp_path: Path, command: list[str]
) -> None:
    target = tmp_path / "new" / "deeper" / "document.out"
    done = cli(*command, "-o", str(target), store=captured)
    assert done.returncode == 0, done.stderr
    assert target.stat().st_size > 0 and not list(target.parent.glob(".tmp-*"))
    printed = cli(*command, "-o", "-", store=captured)
    assert printed.returncode == 0 and len(printed.stdout) > 0, printed.stderr
    if command[0] != "export" or command[3] != "openlineage":  # events carry their emission time
        assert printed.stdout.encode() == target.read_bytes()


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: "-".join(c[:3:2]))
@pytest.mark.parametrize("name", ["", "/nonexistent-uitlegbaar/document.out", "{folder}"])
def test_a_name_that_cannot_be_written_is_one_clear_error(
    captured: Path, tmp_path: Path, command: list[str], name: str
) -> None:
    done = cli(*command, "-o", name.format(folder=tmp_path), store=captured)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in done.stderr, done.stderr
    assert not Path("/nonexistent-uitlegbaar").exists()


def test_the_site_is_never_made_at_the_file_system_root(captured: Path, tmp_path: Path) -> None:
    entry = tmp_path / "entry.json"
    assert (
        cli("register", "latest", "--declaration", DECLARATION, "--force", "-o", str(entry), store=captured).returncode
        == 0
    )
    refused = cli("site", str(entry), "-o", "/nonexistent-uitlegbaar-site/site")
    assert refused.returncode == 2 and "root" in refused.stderr and not Path("/nonexistent-uitlegbaar-site").exists()
    made = cli("site", str(entry), "-o", str(tmp_path / "a" / "site"))
    assert made.returncode == 0 and (tmp_path / "a" / "site" / "index.html").is_file(), made.stderr
