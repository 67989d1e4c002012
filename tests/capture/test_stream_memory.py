"""Memory: capturing a Parquet folder ten times larger than the capture's memory limit stays within the limit.

Measured in a fresh interpreter: its peak resident set during the capture (VmHWM, reset before it through
/proc/self/clear_refs), less its resident set just before it, once a capture of one file of the same shape (a
tenth of the folder) has loaded every library capture uses and brought Arrow's and numpy's allocators to their
working size. What stays is what the capture holds while it reads: a few batches, the sketches and the sample,
independent of the size of the data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LIMIT_MB = 64  # MiB
FILES = 10
ROWS_PER_FILE = 1 << 20  # 10 x 2^20 rows x 8 columns of 8 bytes: 640 MiB decoded, ten times the limit

CHILD = r"""
import json, sys
import pyarrow, pyarrow.dataset, numpy
from uitlegbaar.capture.datasets import measure

def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":")) / 1024

warm = measure(sys.argv[2], (), 10)  # the libraries capture loads on first use, the allocators at working size
after_warm = status_mb("VmHWM")
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak resident set to the current one
before = status_mb("VmRSS")
measured = measure(sys.argv[1], (), 10)
peak = status_mb("VmHWM")
print(json.dumps({"before": before, "peak": peak, "after_warm": after_warm, "rows": measured.num_rows}))
"""


def write(folder: Path, files: int = FILES, seed: int = 0) -> int:
    folder.mkdir()
    rng = np.random.default_rng(seed)
    decoded = 0
    for i in range(files):
        n = ROWS_PER_FILE
        table = pa.table(
            {
                "id": np.arange(i * n, (i + 1) * n, dtype=np.int64),
                "bedrag": rng.normal(1000, 300, n),
                "leeftijd": rng.integers(18, 90, n),
                "score": rng.random(n),
                "gemeente": rng.integers(0, 350, n),
                "jaar": rng.integers(2015, 2026, n),
                "uren": rng.gamma(2.0, 10.0, n),
                "klasse": rng.integers(0, 2, n),
            }
        )
        decoded += table.nbytes
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=131_072, compression="snappy")
    return decoded


def test_a_parquet_folder_ten_times_the_limit_is_captured_within_it(tmp_path: Path) -> None:
    folder = tmp_path / "groot"
    decoded = write(folder)
    assert decoded >= 10 * LIMIT_MB * 1024 * 1024
    write(tmp_path / "klein", files=1, seed=1)
    command = [sys.executable, "-c", CHILD, str(folder), str(tmp_path / "klein")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["rows"] == FILES * ROWS_PER_FILE
    grown = result["peak"] - result["before"]
    assert grown <= LIMIT_MB, f"the capture grew the process by {grown:.0f} MB (limit {LIMIT_MB} MB): {result}"
