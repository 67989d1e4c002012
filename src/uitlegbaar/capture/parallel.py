"""One small thread pool for column-wise work (hashing, profiling), and reading ahead: Arrow, numpy and hashlib
release the GIL, so columns are processed side by side on the available cores while the next batch is decoded."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

PARALLEL_MIN_BYTES = 4 * 1024 * 1024  # below this a table's columns are worked on in the calling thread

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
    """`items`, produced by a thread of their own at most `depth` ahead of the consumer (the next batch decoded
    while this one is hashed: the consumer's item and `depth` more exist at a time); what it raises is raised to
    the consumer. Closing the iterator stops the thread."""
    if depth < 1:
        yield from items
        return
    ready: queue.Queue[tuple[str, Any]] = queue.Queue()
    slots = threading.Semaphore(depth)  # taken to produce an item, given back when the consumer takes one
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                ready.put(("item", item))
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
            ready.put(("end", None))
        except BaseException as exc:  # handed to the consumer
            ready.put(("error", exc))

    slots.acquire()  # the first item is produced before the consumer asks
    producer = threading.Thread(target=produce, name="uitlegbaar-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            slots.release()
            yield value
    finally:
        stop.set()
        producer.join()
