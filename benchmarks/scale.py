"""Data beyond memory: streaming capture of a Parquet dataset next to `sha256sum`, Spark capture next to `count()`.

    python benchmarks/scale.py                      # 20,000,000 x 20 Parquet, Spark on 10,000,000 rows (long)
    python benchmarks/scale.py --rows 2000000 --spark-rows 1000000
    python benchmarks/scale.py --no-spark

One run, one machine, the files in the page cache for every contender:

1. `sha256sum` over the dataset's files (a subprocess): the anchor, one pass over the bytes;
2. the streaming capture's measurement (`capture.datasets.measure(folder)`: ordered fingerprint, multiset
   fingerprint, profile and screening sample, batch by batch) in a fresh interpreter, its time taken inside it
   (imports excluded) and its peak resident set growth beside it; target: throughput over the files' bytes at
   least 0.5x the anchor's;
3. Spark local mode (`local[2]`) over the first `--spark-rows` rows of the same files: `df.count()` (anchor) and
   the capture's measurement on the executors (`capture.spark.measure`, multiset fingerprint and profile; no
   order key; a bare Parquet scan, so each task reads its files with pyarrow); target at most 3x the anchor.
   Beside it (info): Spark's own fastest pass over every column (`sum(xxhash64(*columns) >> 32)`, what any full
   read costs next to `count()`, which reads no column); the same frame behind a filter that keeps every row,
   which goes through `mapInArrow`; a `mapInArrow` that does nothing, what handing the rows to Python workers
   costs by itself; and the capture with `order_by` (the ordered fingerprint on one executor).

Beside the stream (info): its CPU time (user + sys) next to `sha256sum`'s, and the load average while it ran (the
machine may be shared: ratios of contenders measured in one run, but not the same at every load). `--phases` adds
the CPU time of each phase of the capture, run one after another in one thread.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Row, best_of, fmt_ratio, fmt_time, note, print_table, timed, verdict

ROWS_PER_FILE = 1_000_000
STREAM_TARGET = 0.5
SPARK_TARGET = 3.0

CHILD = r"""
import json, os, resource, sys, time
from uitlegbaar.capture.datasets import measure

def status_mb(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":")) / 1024

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

before = status_mb("VmRSS")
started, cpu_started, load = time.perf_counter(), cpu(), os.getloadavg()[0]
measured = measure(sys.argv[1], (), 10)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cpu": cpu() - cpu_started, "rows": measured.num_rows,
                  "grown_mb": status_mb("VmHWM") - before, "load": (load + os.getloadavg()[0]) / 2}))
"""

# The same work with no thread of ours, phase after phase for every batch, in the process's CPU time (Arrow's
# decoding threads included): where the capture's CPU time goes.
PHASES = r"""
import json, resource, sys
from uitlegbaar.capture import parallel, streams
from uitlegbaar.capture.onepass import OnePass
from uitlegbaar.capture.sketches import StreamProfile

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

streams.read_ahead = lambda items, depth=1: items  # decoding in this thread, timed as its own phase
stream = streams.open_stream(sys.argv[1])
one = OnePass(stream.schema, StreamProfile.for_schema(stream.schema, (), 10))
spent = dict.fromkeys(["decode", "ordered fingerprint", "cell hashes", "profile", "row hashes + sample"], 0.0)
batches = iter(stream.batches)
while True:
    mark = cpu()
    batch = next(batches, None)
    spent["decode"] += cpu() - mark
    if batch is None:
        break
    cells = []
    for j in range(batch.num_columns):
        mark = cpu()
        one.ordered.feed(j, batch.column(j))
        spent["ordered fingerprint"] += cpu() - mark
        mark = cpu()
        cells.append(one.multiset.cells(j, batch.column(j)))
        spent["cell hashes"] += cpu() - mark
        mark = cpu()
        one.profile.add_column(j, batch.column(j), cells[-1])
        spent["profile"] += cpu() - mark
    mark = cpu()
    one.ordered.count(batch.num_rows)
    one.profile.add_rows(batch, one.multiset.add_cells(cells, batch.num_rows))
    spent["row hashes + sample"] += cpu() - mark
mark = cpu()
one.profile.profiles(set(), stream.schema)
spent["profile"] += cpu() - mark
print(json.dumps(spent))
"""


def write_dataset(folder: Path, rows: int, columns: int) -> list[Path]:
    """`rows` x `columns` in files of ROWS_PER_FILE rows: floats, integers of narrow and wide range, booleans and
    text codes, in that rotation."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    codes = pa.array([f"GM{n:04d}" for n in range(350)])
    paths = []
    for i, start in enumerate(range(0, rows, ROWS_PER_FILE)):
        n = min(ROWS_PER_FILE, rows - start)
        data: dict[str, object] = {}
        for c in range(columns):
            kind = c % 5
            if kind == 0:
                data[f"f{c}"] = rng.normal(1000, 300, n)
            elif kind == 1:
                data[f"i{c}"] = rng.integers(0, 120, n)
            elif kind == 2:
                data[f"w{c}"] = np.arange(start, start + n, dtype=np.int64) * 7 + c
            elif kind == 3:
                data[f"b{c}"] = rng.integers(0, 2, n).astype(bool)
            else:
                data[f"s{c}"] = codes.take(pa.array(rng.integers(0, len(codes), n)))
        path = folder / f"part-{i:05d}.parquet"
        pq.write_table(pa.table(data), path, row_group_size=131_072)
        paths.append(path)
    return paths


def measure_stream(folder: Path, child: str = CHILD) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", child, str(folder)], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def sha256sum(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys) of one run of `sha256sum`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, _ = timed(lambda: subprocess.run(command, check=True, capture_output=True))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def spark_rows(folder: Path, rows: int, spark_rows: int) -> list[Row]:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from uitlegbaar.capture import spark as ub_spark

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    files = sorted(str(p) for p in folder.glob("*.parquet"))[: max(1, spark_rows // ROWS_PER_FILE)]
    frame = session.read.parquet(*files)
    # each timing on a new plan of the frame: Spark skips the stages of a plan it ran before (its shuffle files
    # are kept), so a second `frame.count()` would time a lookup, not a count
    count_s, counted = best_of(lambda: frame.select("*").count(), 3)
    note("spark: its own fastest pass over every column (xxhash64 of each row, summed)")
    xxhash_s, _ = best_of(
        lambda: frame.select("*").agg(F.sum(F.shiftrightunsigned(F.xxhash64(*frame.columns), 32))).collect(), 3
    )
    note(f"spark: {counted:,} rows counted in {count_s:.1f} s; measuring on the executors")
    ours_s, measured = best_of(lambda: ub_spark.measure(frame, (), 10), 2)  # the first starts the Python workers
    assert ub_spark.parquet_files(frame), "a bare Parquet scan: read from its files on the executors"
    note("spark: a frame that is not a bare scan (a filter keeping every row), measured through mapInArrow")
    filtered = frame.where(frame.w2 >= 0)
    arrow_s, through_arrow = best_of(lambda: ub_spark.measure(filtered, (), 10), 1)
    assert through_arrow.multiset == measured.multiset
    note("spark: a mapInArrow that does nothing (what moving the rows to Python workers costs)")
    noop_s, _ = best_of(lambda: frame.mapInArrow(_nothing, frame.schema).count(), 1)
    note("spark: with order_by (the ordered fingerprint on one executor)")
    ordered_s, _ = best_of(lambda: ub_spark.measure(frame, (), 10, order_by=["w2"]), 1)
    session.stop()
    assert measured.num_rows == counted
    return [
        Row(
            f"spark local[2]: multiset fingerprint + profile, {counted:,} rows",
            fmt_time(ours_s),
            f"df.count() {fmt_time(count_s)}",
            fmt_ratio(ours_s, count_s),
            f"≤ {SPARK_TARGET:.0f}×",
            verdict(ours_s <= SPARK_TARGET * count_s),
        ),
        Row(
            "spark: its own full pass, sum(xxhash64(all columns) >> 32)",
            fmt_time(xxhash_s),
            f"df.count() {fmt_time(count_s)}",
            fmt_ratio(xxhash_s, count_s),
            "—",
            "info",
        ),
        Row(
            "spark: the capture next to Spark's own full pass",
            fmt_time(ours_s),
            f"xxhash64 pass {fmt_time(xxhash_s)}",
            fmt_ratio(ours_s, xxhash_s),
            "—",
            "info",
        ),
        Row(
            "spark: the same frame filtered (every row kept), through mapInArrow",
            fmt_time(arrow_s),
            f"df.count() {fmt_time(count_s)}",
            fmt_ratio(arrow_s, count_s),
            "—",
            "info",
        ),
        Row(
            "spark: a mapInArrow doing nothing, for comparison",
            fmt_time(noop_s),
            f"df.count() {fmt_time(count_s)}",
            fmt_ratio(noop_s, count_s),
            "—",
            "info",
        ),
        Row(
            "spark: the same with order_by=['w2'] (+ ordered fingerprint)",
            fmt_time(ordered_s),
            f"df.count() {fmt_time(count_s)}",
            fmt_ratio(ordered_s, count_s),
            "—",
            "info",
        ),
    ]


def _nothing(batches: Any) -> Any:
    """Spark's Arrow batches read and dropped: the cost of handing the rows to a Python worker."""
    for batch in batches:
        yield batch.slice(0, 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--spark-rows", type=int, default=10_000_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--phases", action="store_true", help="also the CPU time of each phase, one after another")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="uitlegbaar-scale-") as tmp:
        folder = Path(tmp) / "dataset"
        note(f"writing {args.rows:,} x {args.columns} rows of Parquet")
        started = time.perf_counter()
        paths = write_dataset(folder, max(args.rows, args.spark_rows if not args.no_spark else 0), args.columns)
        paths = paths[: -(-args.rows // ROWS_PER_FILE)]
        size = sum(p.stat().st_size for p in paths)
        note(f"{len(paths)} files, {size / 1e6:,.0f} MB, written in {time.perf_counter() - started:.0f} s")
        stream_folder = folder if len(paths) == len(list(folder.glob("*.parquet"))) else _subset(folder, paths)
        command = ["sha256sum", *map(str, paths)]
        subprocess.run(command, check=True, capture_output=True)  # the files into the page cache
        note("sha256sum")
        anchor_s, anchor_cpu = min(sha256sum(command) for _ in range(2))
        note("streaming capture (fresh interpreter)")
        stream = min((measure_stream(stream_folder) for _ in range(2)), key=lambda r: r["seconds"])
        ours_mb_s, anchor_mb_s = size / 1e6 / stream["seconds"], size / 1e6 / anchor_s
        rows = [
            Row(
                f"streaming fingerprints + profile, {int(stream['rows']):,} x {args.columns}",
                f"{ours_mb_s:,.0f} MB/s ({fmt_time(stream['seconds'])})",
                f"sha256sum {anchor_mb_s:,.0f} MB/s ({fmt_time(anchor_s)})",
                fmt_ratio(ours_mb_s, anchor_mb_s),
                f"≥ {STREAM_TARGET:.0%} of the anchor",
                verdict(ours_mb_s >= STREAM_TARGET * anchor_mb_s),
            ),
            Row("  peak resident set growth during it", f"{stream['grown_mb']:,.0f} MB", "—", "—", "—", "info"),
            Row(
                "  its CPU time (user + sys; 2 cores make 2 s a second)",
                fmt_time(stream["cpu"]),
                f"sha256sum {fmt_time(anchor_cpu)}",
                fmt_ratio(stream["cpu"], anchor_cpu),
                "—",
                "info",
            ),
            Row("  load average during it", f"{stream['load']:.1f}", "—", "—", "—", "info"),
        ]
        if args.phases:
            note("the capture's phases one after another, in one thread")
            for phase, seconds in measure_stream(stream_folder, PHASES).items():
                rows.append(Row(f"  CPU time: {phase}", fmt_time(seconds), "—", "—", "—", "info"))
        if not args.no_spark:
            rows += spark_rows(folder, args.rows, args.spark_rows)
    print_table(rows, f"scale benchmark: {args.rows:,} x {args.columns} Parquet, {size / 1e6:,.0f} MB of files")
    return 0


def _subset(folder: Path, paths: list[Path]) -> Path:
    """A folder holding only `paths` (links), when more files were written for Spark than the stream reads."""
    subset = folder.parent / "stream"
    subset.mkdir()
    for path in paths:
        os.link(path, subset / path.name)
    return subset


if __name__ == "__main__":
    sys.exit(main())
