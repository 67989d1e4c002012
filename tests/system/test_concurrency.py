"""Several processes, threads and asyncio tasks writing to one store; processes killed mid-write."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import uitlegbaar as ub
from uitlegbaar.store import LocalStore
from uitlegbaar.store.verify import verify_store

WRITER = """
import asyncio, sys, threading, uitlegbaar as ub
store, runs, proc, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ub.configure(store=store)

@ub.step
def work(i):
    return i + 1

def in_thread(numbers):
    for r in numbers:
        with ub.run(f"process {proc} run {r}"):
            for i in range(steps):
                work(i)

async def in_task(r):
    async with ub.run(f"process {proc} run {r}"):
        for i in range(steps):
            work(i)
            await asyncio.sleep(0)

async def tasks(numbers):
    await asyncio.gather(*(in_task(r) for r in numbers))

# a third of the runs in each of two threads, a third as asyncio tasks of the main thread, all at once
threads = [threading.Thread(target=in_thread, args=(range(k, runs, 3),)) for k in (0, 1)]
for t in threads:
    t.start()
asyncio.run(tasks(range(2, runs, 3)))
for t in threads:
    t.join()
"""

CRASHING = """
import random, sys, time, uitlegbaar as ub
ub.configure(store=sys.argv[1])
rng = random.Random(int(sys.argv[2]))

@ub.step
def work(i):
    time.sleep(rng.random() / 500)  # some work: runs last long enough to be killed while open
    return i + 1

print("started", flush=True)
n = 0
while True:  # runs of random length, so that a kill can land in a segment write, a seal or a summary
    with ub.run(f"crashing {sys.argv[2]} run {n}"):
        for i in range(rng.randint(1, 40)):
            work(i)
    n += 1
"""


def python(script: str, *args: object) -> list[str]:
    return [sys.executable, "-c", script, *map(str, args)]


def test_processes_threads_and_tasks_writing_at_once_lose_and_duplicate_nothing(tmp_path: Path, soak: bool) -> None:
    """8 processes at once, each running its runs in two threads and as asyncio tasks at the same time:
    50 runs each with --soak (400 runs), 6 otherwise."""
    store, processes, runs, steps = tmp_path / "store", 8, 50 if soak else 6, 5
    LocalStore.open(store, create=True)
    procs = [subprocess.Popen(python(WRITER, store, runs, p, steps)) for p in range(processes)]
    assert [p.wait(timeout=900) for p in procs] == [0] * processes
    local = LocalStore.open(store)
    summaries = local.summaries()
    expected = {f"process {p} run {r}" for p in range(processes) for r in range(runs)}
    assert len(summaries) == len(expected)
    assert {s.name for s in summaries} == expected  # none lost, none twice
    assert {s.status for s in summaries} == {"finished"}
    assert {s.kinds["step"] for s in summaries} == {steps}
    report = verify_store(local)
    assert report.ok, report.problems[:3]
    assert report.incomplete == [] and report.leftovers == []
    assert report.records == len(expected) * (steps + 2)
    ids = [row.id for s in summaries for row in local.read(s.run_id)]
    assert len(set(ids)) == len(ids) == report.records  # no record duplicated


def test_threads_and_asyncio_tasks_keep_their_records_in_their_own_runs(store: Path) -> None:
    @ub.step
    def work(i: int) -> int:
        return i

    ids: dict[str, str] = {}

    def in_thread(name: str) -> None:
        with ub.run(name) as run:
            for i in range(25):
                work(i)
            ids[name] = run.id

    async def in_task(name: str) -> None:
        async with ub.run(name) as run:
            for i in range(25):
                work(i)
                await asyncio.sleep(0)
            ids[name] = run.id

    async def tasks() -> None:
        await asyncio.gather(*(in_task(f"task {i}") for i in range(4)))

    threads = [threading.Thread(target=in_thread, args=(f"thread {i}",)) for i in range(4)]
    for t in threads:
        t.start()
    asyncio.run(tasks())
    for t in threads:
        t.join()
    local = LocalStore.open(store)
    for name, run_id in ids.items():
        records = local.load(run_id)
        assert records[0].name == name  # type: ignore[attr-defined]
        assert [r.kind for r in records].count("step") == 25
    assert verify_store(local).ok


def test_processes_killed_mid_write_leave_a_readable_store_and_the_next_run_writes_fine(
    tmp_path: Path, soak: bool
) -> None:
    """SIGKILL at random moments of a stream of runs: 200 times with --soak, 20 otherwise."""
    store, kills = tmp_path / "store", 200 if soak else 20
    LocalStore.open(store, create=True)
    runs = store / "runs"
    rng = random.Random(7)
    for attempt in range(kills):
        before = set(runs.iterdir())
        proc = subprocess.Popen(python(CRASHING, store, attempt), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        # Wait for the first file: then the kill lands among writes. Every other time, wait for a segment
        # (only an open run has one) and kill at once: a run cut off half-way; else at a random moment.
        pattern = "[0-9]*.parquet" if attempt % 2 else "*.parquet"
        deadline = time.monotonic() + 30
        while not any(any(p.glob(pattern)) for p in set(runs.iterdir()) - before) and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.002 if attempt % 2 else 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    local = LocalStore.open(store)
    report = verify_store(local)
    assert report.ok, report.problems[:3]  # killed runs are incomplete, not corrupt
    assert 0 < len(report.incomplete) <= kills  # at most one run open per kill (and some runs were cut off)
    summaries = {s.run_id: s for s in local.summaries()}  # (a run killed before its first write is none yet)
    assert {summaries[r].status for r in report.incomplete if r in summaries} <= {"incomplete"}
    assert {s.status for r, s in summaries.items() if r not in report.incomplete} == {"finished"}
    for run_id in report.incomplete:  # every record written before the kill reads back, in chain order
        records = local.load(run_id)
        assert [r.seq for r in records] == list(range(len(records)))
    done = subprocess.run(python(WRITER, store, 3, "after", 3), timeout=120)
    assert done.returncode == 0
    after = LocalStore.open(store)
    assert [s.status for s in after.summaries() if s.name.startswith("process after")] == ["finished"] * 3
    assert verify_store(after).ok
    print(
        f"\n{kills} kills: {len(summaries)} runs, {len(report.incomplete)} incomplete, "
        f"{len(report.leftovers)} unfinished writes left, {report.records} records; verify OK"
    )
