"""No document is compiled from evidence that fails verification: every command that compiles or shows a run
verifies that run's hash chain first, and damage is one clear error (exit 2) naming the damaged file, never a
traceback and never a document. `--no-verify` shows damaged evidence for forensics, still without a traceback.

The quick suite flips bytes at offsets spread over the whole sealed file (its header, every column chunk and
its footer); `--soak` flips every byte of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from uitlegbaar.cli.app import cli

from pipelines import capture_run
from uitlegbaar.store.format import SEALED, SUMMARY

COMMANDS = [
    ["card", "latest", "--format", "json"],
    ["show", "latest", "--json"],
    ["register", "latest", "--force"],
    ["systemcard", "latest"],
    ["lineage", "latest"],
    ["export", "latest", "--to", "spdx"],
    ["check", "latest", "--require", "iama"],
    ["diff", "latest", "latest"],
]


def run_cli(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def two_runs(store: Path) -> tuple[Path, Path]:
    """Two captured runs of the same model; the sealed file and summary of the second (the latest)."""
    capture_run()
    run_id = capture_run(c=0.5)
    folder = store / "runs" / run_id
    return next(folder.glob(f"{SEALED}-*.parquet")), folder / SUMMARY


def flipped(path: Path, offset: int) -> bytes:
    original = path.read_bytes()
    changed = bytearray(original)
    changed[offset] ^= 0x01
    path.write_bytes(bytes(changed))
    return original


def assert_refused(result: Result, damaged: Path) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "does not verify" in lines[0], result.output
    assert damaged.name in lines[0] or "summary" in lines[0] or "record" in lines[0], lines[0]
    assert "Traceback" not in result.output


def test_every_command_refuses_a_run_whose_sealed_file_changed(store: Path) -> None:
    sealed, _ = two_runs(store)
    original = flipped(sealed, sealed.stat().st_size // 2)
    try:
        for command in COMMANDS:
            assert_refused(run_cli(store, *command), sealed)
    finally:
        sealed.write_bytes(original)
    for command in COMMANDS:  # restored: every command works again
        assert run_cli(store, *command).exit_code in (0, 1), command


def test_a_damaged_previous_version_stops_the_card_that_compares_with_it(store: Path) -> None:
    capture_run()
    first_sealed = next(p for p in (store / "runs").glob(f"*/{SEALED}-*.parquet"))
    capture_run(c=0.5)
    flipped(first_sealed, 100)
    assert_refused(run_cli(store, "card", "latest"), first_sealed)
    assert run_cli(store, "register", "latest", "--force").exit_code in (0, 1)  # no comparison: not affected


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.999])
def test_a_changed_summary_is_refused_too(store: Path, fraction: float) -> None:
    _, summary = two_runs(store)
    flipped(summary, int(summary.stat().st_size * fraction))
    result = run_cli(store, "card", "latest")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_single_byte_flips_fail_with_exit_2_and_never_a_traceback(store: Path, soak: bool) -> None:
    sealed, _ = two_runs(store)
    size = sealed.stat().st_size
    offsets = (
        range(size)
        if soak
        else sorted({*range(0, 16), *range(16, size - 16, max(1, size // 40)), *range(size - 16, size)})
    )
    for offset in offsets:
        original = flipped(sealed, offset)
        try:
            for command in (["card", "latest", "--format", "md"], ["show", "latest"]):
                assert_refused(run_cli(store, *command), sealed)
            forensic = run_cli(store, "show", "latest", "--no-verify")
            assert forensic.exit_code in (0, 2) and "Traceback" not in forensic.output, (offset, forensic.output)
        finally:
            sealed.write_bytes(original)


def test_no_verify_shows_evidence_whose_file_was_copied_under_another_name(store: Path, tmp_path: Path) -> None:
    """A renamed sealed file fails verification (its name is its digest) but its records are intact: --no-verify
    shows them, the default refuses them."""
    sealed, _ = two_runs(store)
    shutil.move(sealed, sealed.with_name(f"{SEALED}-{'0' * 32}.parquet"))
    assert run_cli(store, "show", "latest").exit_code == 2
    shown = run_cli(store, "show", "latest", "--no-verify")
    assert shown.exit_code == 0 and "toeslag-heronderzoek" in shown.output, shown.output
