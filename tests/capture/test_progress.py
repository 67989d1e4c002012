"""Progress: a rich bar on standard error when it is a real terminal (a pseudo-terminal here), nothing there when
it is not or when asked for quiet; capture says when it starts and ends through `logging` either way."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import on_terminal

CHILD = """
import sys
import pyarrow as pa
from uitlegbaar.capture.datasets import measure
table = pa.table({"x": list(range(200_000))})
reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=1000))
print("digest", measure(reader, (), 10).fingerprint.digest[:12])
"""


def run_child(tty: bool, **env: str) -> tuple[str, str]:
    if tty:
        return on_terminal([sys.executable, "-c", CHILD], **env)
    environment = {**os.environ, "COLUMNS": "120", **env}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=environment)
    return done.stdout, done.stderr


def test_a_terminal_gets_a_progress_bar_and_the_output_stays_clean() -> None:
    out, err = run_child(tty=True)
    assert out.startswith("digest ") and out.count("\n") == 1
    assert "rows" in err and "dataset" in err


def test_no_terminal_or_quiet_gets_no_bar() -> None:
    out, err = run_child(tty=False)
    assert out.startswith("digest ") and err == ""
    out, err = run_child(tty=True, UITLEGBAAR_QUIET="1")
    assert out.startswith("digest ") and "rows" not in err


def test_capture_reports_through_logging(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from uitlegbaar.capture.datasets import measure

    pq.write_table(pa.table({"x": list(range(5000))}), tmp_path / "x.parquet")
    with caplog.at_level(logging.INFO, logger="uitlegbaar"):
        measure(tmp_path / "x.parquet", (), 10)
    assert any("5,000 rows" in r.getMessage() for r in caplog.records)
