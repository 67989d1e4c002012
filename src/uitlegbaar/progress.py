"""Progress of long work: a rich progress bar (count, rate, time left) on standard error when it is a terminal,
else nothing but a `logging` line when the work starts and ends (logger `uitlegbaar`), so the user's own output
and logging are never in the way. `UITLEGBAAR_QUIET=1` (the command line's `--quiet`) turns the bar off too.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger("uitlegbaar")
_TRUTHY = {"1", "true", "yes", "on"}


def shown() -> bool:
    """Whether a progress bar is drawn: standard error is a terminal and nobody asked for quiet."""
    if os.environ.get("UITLEGBAAR_QUIET", "").strip().lower() in _TRUTHY:
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


@contextmanager
def rows(what: str, total: int | None = None, unit: str = "rows") -> Iterator[Callable[..., None]]:
    """`with rows("dataset x", 10_000) as advance: advance(n)` — a bar while `what` is worked through;
    `advance(0, total=n, completed=m)` sets the total once it is known, and the count."""
    started = time.perf_counter()
    done = 0
    log.info("uitlegbaar: reading %s%s", what, f" ({total:,} {unit})" if total else "")
    if not shown():

        def count(n: int, total: int | None = None, completed: int | None = None) -> None:
            nonlocal done
            done = completed if completed is not None else done + n

        yield count
    else:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        columns = [
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ]
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task(what, total=total, rate="")

            def advance(n: int, total: int | None = None, completed: int | None = None) -> None:
                nonlocal done
                done = completed if completed is not None else done + n
                elapsed = time.perf_counter() - started
                rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 else ""
                bar.update(task, completed=done, rate=rate)
                if total is not None:
                    bar.update(task, total=total)

            yield advance
    elapsed = time.perf_counter() - started
    log.info("uitlegbaar: read %s: %s %s in %.1f s", what, f"{done:,}", unit, elapsed)


def each(what: str, items: Iterable[T], total: int | None = None, unit: str = "entries") -> Iterator[T]:
    """The items of `items`, with a bar over them (see `rows`)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with rows(what, total, unit) as advance:
        for item in items:
            yield item
            advance(1)
