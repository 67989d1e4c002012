"""Background writing, so that capture costs the training loop microseconds, not a file write.

Records are queued by the capturing thread and written in batches, one segment per run per batch,
by one daemon thread per store. Failures are kept, not raised in the writer thread: the capturing
thread picks them up (`take_errors`) and turns them into one warning. Records that could not be written
are retried at every flush; when the run ends and they still cannot be written, they are saved to a
spill folder so that nothing captured is lost.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from uitlegbaar.store.format import Row
    from uitlegbaar.store.local import LocalStore


LINGER_S = 0.05  # under a stream of records, write at most this often: few, larger files


class BackgroundWriter:
    """Writes queued records of any number of runs to one store."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        # A deque (append is atomic and lock-free) and an event that wakes the writer when it sleeps:
        # a capture costs the caller an append, not a lock round trip.
        self._incoming: deque[tuple[str, Row] | threading.Event] = deque()
        self._wake = threading.Event()
        self._pending: dict[str, list[Row]] = defaultdict(list)
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._last_write = 0.0
        self._flush_requested = threading.Event()  # cuts the writer's lingering short
        self._thread = threading.Thread(target=self._run, name="uitlegbaar-writer", daemon=True)
        self._thread.start()

    def submit(self, run_id: str, item: Row) -> None:
        self._incoming.append((run_id, item))
        if not self._wake.is_set():  # checked after the append: the writer drains after it clears
            self._wake.set()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Wait until everything submitted so far was written (or failed); False on time-out."""
        done = threading.Event()
        self._flush_requested.set()
        self._incoming.append(done)
        self._wake.set()
        return done.wait(timeout)

    def take_errors(self) -> list[BaseException]:
        """Write failures since the last call (empty almost always)."""
        if not self._errors:
            return []
        with self._lock:
            errors, self._errors = self._errors, []
        return errors

    def seal(self, run_id: str) -> None:
        self.store.seal(run_id)

    def unwritten(self, run_id: str) -> int:
        return len(self._pending.get(run_id, ()))

    def spill(self, run_id: str) -> Path | None:
        """Save a run's unwritable records to a fresh store in the temp folder; return where."""
        from uitlegbaar.store.local import LocalStore

        with self._lock:
            items = self._pending.pop(run_id, [])
        if not items:
            return None
        folder = Path(tempfile.mkdtemp(prefix=f"uitlegbaar-unsaved-{run_id[:12]}-"))
        spill = LocalStore.open(folder, create=True)
        (spill.root / "runs" / run_id).mkdir()  # the run may start later than its first record
        spill.append(run_id, items)
        return folder

    def _run(self) -> None:
        import pyarrow.parquet  # noqa: F401  (load the writer's slowest import before the first record arrives)

        while True:
            self._wake.wait()
            self._wake.clear()
            # Idle: write at once. Busy (the last write was moments ago): gather for a while first,
            # unless someone waits for a flush.
            wait = self._last_write + LINGER_S - time.monotonic()
            if wait > 0:
                self._flush_requested.wait(wait)
            self._flush_requested.clear()
            batch = [self._incoming.popleft() for _ in range(len(self._incoming))]  # what is there now
            with self._lock:
                for entry in batch:
                    if not isinstance(entry, threading.Event):
                        run_id, item = entry
                        self._pending[run_id].append(item)
            self._write_pending()
            self._last_write = time.monotonic()
            for entry in batch:
                if isinstance(entry, threading.Event):
                    entry.set()

    def _write_pending(self) -> None:
        with self._lock:
            runs = [run_id for run_id, items in self._pending.items() if items]
        for run_id in runs:
            with self._lock:
                items = list(self._pending.get(run_id, ()))
            try:
                self.store.append(run_id, items)  # creates the store with a run's first records
            except Exception as exc:  # kept for the capturing thread to report
                with self._lock:
                    self._errors.append(exc)
                continue
            with self._lock:
                del self._pending[run_id][: len(items)]
