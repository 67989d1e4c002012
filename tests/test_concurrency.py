"""Several processes, threads and asyncio tasks writing to one store; processes killed mid-write."""

from __future__ import annotations

import asyncio
import os
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
import sys, uitlegbaar as ub
ub.configure(store=sys.argv[1])

@ub.step
def work(i):
    return i + 1

for r in range(int(sys.argv[2])):
    with ub.run(f"process {sys.argv[3]} run {r}"):
        for i in range(int(sys.argv[4])):
            work(i)
"""

ENDLESS = """
import sys, uitlegbaar as ub
ub.configure(store=sys.argv[1])

@ub.step
def work(i):
    return i + 1

with ub.run("killed"):
    print("started", flush=True)
    i = 0
    while True:
        work(i)
        i += 1
"""


def python(script: str, *args: object) -> list[str]:
    return [sys.executable, "-c", script, *map(str, args)]


def test_processes_writing_at_once_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    store, processes, runs, steps = tmp_path / "store", 4, 10, 20
    LocalStore.open(store, create=True)
    procs = [subprocess.Popen(python(WRITER, store, runs, p, steps)) for p in range(processes)]
    assert [p.wait(timeout=120) for p in procs] == [0] * processes
    local = LocalStore.open(store)
    summaries = local.summaries()
    assert len(summaries) == processes * runs
    assert {s.status for s in summaries} == {"finished"}
    assert {s.kinds["step"] for s in summaries} == {steps}
    assert len({s.name for s in summaries}) == processes * runs
    report = verify_store(local)
    assert report.ok and report.incomplete == [] and report.records == processes * runs * (steps + 2)


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


def test_a_process_killed_mid_write_leaves_a_readable_store_and_the_next_run_writes_fine(tmp_path: Path) -> None:
    store = tmp_path / "store"
    LocalStore.open(store, create=True)
    runs = store / "runs"
    for attempt in range(5):
        before = set(runs.iterdir())
        proc = subprocess.Popen(python(ENDLESS, store), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        while not any(p.glob("*.parquet") for p in set(runs.iterdir()) - before) and time.monotonic() < deadline:
            time.sleep(0.005)  # wait for the run's first file: then the kill lands among writes
        time.sleep(0.013 * attempt)  # at a different point of the writer's cycle each time
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    report = verify_store(LocalStore.open(store))
    assert report.ok, report.problems
    assert len(report.incomplete) == 5  # killed runs are incomplete, not corrupt
    done = subprocess.run(python(WRITER, store, 1, "after", 3), timeout=60)
    assert done.returncode == 0
    summaries = LocalStore.open(store).summaries()
    assert [s.status for s in summaries if s.name.startswith("process after")] == ["finished"]
