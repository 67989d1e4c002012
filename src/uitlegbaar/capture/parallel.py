"""One small thread pool for column-wise work (hashing, profiling): Arrow, numpy and hashlib
release the GIL, so columns are processed side by side on the available cores."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_pool: ThreadPoolExecutor | None = None


def map_columns(fn: Callable[[T], R], items: Iterable[T], *, parallel: bool) -> list[R]:
    """`[fn(x) for x in items]`, in worker threads when `parallel` is true."""
    if not parallel:
        return [fn(x) for x in items]
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="uitlegbaar")
    return list(_pool.map(fn, items))
