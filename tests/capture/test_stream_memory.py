"""Memory: capturing a Parquet folder ten times larger than the capture's memory bound stays within the bound.

Measured in a fresh interpreter: its peak resident set during the capture (VmHWM, reset before it through
/proc/self/clear_refs), less its resident set just before it. Before that, a capture of one file of the same shape
has loaded every library capture uses, and Arrow's and the C library's allocators have handed back to the system
what they kept from it (`release_unused`, `malloc_trim`): otherwise memory they kept would hide part of what the
capture needs, and memory they happened to return would count twice. What is measured is then the capture's whole
working set — a few batches, the sketches and the sample, and what the allocators keep around them — which does
not depend on the size of the data (docs/scale.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LIMIT_MB = 160  # MiB: the bound docs/scale.md states
FILES = 25
ROWS_PER_FILE = 1 << 20  # 25 x 2^20 rows x 8 columns of 8 bytes: 1,600 MiB decoded, ten times the bound

CHILD = r"""
import ctypes, ctypes.util, json, sys
import pyarrow, pyarrow.dataset, numpy
from uitlegbaar.capture.datasets import measure

def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":")) / 1024

def hand_back():
    pyarrow.default_memory_pool().release_unused()
    ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)

measure(sys.argv[2], (), 10)  # the libraries capture loads on first use
hand_back()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak resident set to the current one
before = status_mb("VmRSS")
measured = measure(sys.argv[1], (), 10)
peak = status_mb("VmHWM")
print(json.dumps({"before": before, "peak": peak, "rows": measured.num_rows}))
"""


def write(folder: Path, files: int = FILES, seed: int = 0) -> int:
    """`files` files of ROWS_PER_FILE rows; the same values in each but for the running id (drawing them once keeps
    the test quick). Returns the decoded size."""
    folder.mkdir()
    rng = np.random.default_rng(seed)
    n = ROWS_PER_FILE
    columns = {
        "bedrag": rng.normal(1000, 300, n),
        "leeftijd": rng.integers(18, 90, n),
        "score": rng.random(n),
        "gemeente": rng.integers(0, 350, n),
        "jaar": rng.integers(2015, 2026, n),
        "uren": rng.gamma(2.0, 10.0, n),
        "klasse": rng.integers(0, 2, n),
    }
    decoded = 0
    for i in range(files):
        table = pa.table({"id": np.arange(i * n, (i + 1) * n, dtype=np.int64), **columns})
        decoded += table.nbytes
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=131_072, compression="snappy")
    return decoded


def test_a_parquet_folder_ten_times_the_bound_is_captured_within_it(tmp_path: Path) -> None:
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
    assert grown <= LIMIT_MB, f"the capture grew the process by {grown:.0f} MB (bound {LIMIT_MB} MB): {result}"
