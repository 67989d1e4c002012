"""One small thread pool for column-wise work (hashing, profiling), and reading ahead: Arrow, numpy and hashlib
release the GIL, so columns are processed side by side on the available cores while the next batch is decoded."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None


def workers() -> int:
    """The pool's threads: one a core, at most four."""
    return min(4, os.cpu_count() or 1)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="uitlegbaar")
    return _pool


def map_columns(fn: Callable[[T], R], items: Iterable[T], *, parallel: bool) -> list[R]:
    """`[fn(x) for x in items]`, in worker threads when `parallel` is true."""
    return submit_columns(fn, items, parallel=parallel).result()


class Pending(Generic[R]):
    """Results being computed; `result` waits for them all, in order."""

    def __init__(self, futures: list[Future[R]] | None = None, done: list[R] | None = None) -> None:
        self._futures = futures or []
        self._done = done

    def result(self) -> list[R]:
        if self._done is None:
            self._done = [f.result() for f in self._futures]
        return self._done


def submit_columns(fn: Callable[[T], R], items: Iterable[T], *, parallel: bool) -> Pending[R]:
    """`[fn(x) for x in items]` started in worker threads when `parallel` is true (else computed at once), to be
    collected with `result` while the caller does other work."""
    if not parallel:
        return Pending(done=[fn(x) for x in items])
    return Pending(futures=[_executor().submit(fn, x) for x in items])


def read_ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """`items`, produced by a thread of their own up to `depth` ahead of the consumer (decoding the next batch
    while this one is hashed); what it raises is raised to the consumer. Closing the iterator stops the thread."""
    if depth < 1:
        yield from items
        return
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            ready.put(("error", exc))

    producer = threading.Thread(target=produce, name="uitlegbaar-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        while producer.is_alive():
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.1)
        producer.join()
