"""What every benchmark script shares: timing, formatting and the result table."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    """One line of the result table; `result` is PASS, FAIL or info."""

    measurement: str
    value: str
    anchor: str
    ratio: str
    target: str
    result: str


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall seconds of one call of `fn`, and what it returned."""
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def best_of(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    """The fastest of `repeats` calls of `fn`, and what the last call returned."""
    runs = [timed(fn) for _ in range(repeats)]
    return min(s for s, _ in runs), runs[-1][1]


def verdict(ok: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if ok else "FAIL"


def fmt_time(seconds: float) -> str:
    """Seconds in the unit that reads best (µs, ms or s)."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(part: float, whole: float) -> str:
    """`part / whole` as a percentage below 1, else as a multiple."""
    if whole <= 0:
        return "n/a"
    ratio = part / whole
    if ratio >= 10:
        return f"{ratio:.0f}×"
    if ratio >= 1:
        return f"{ratio:.1f}×"
    return f"{ratio:.1%}" if ratio >= 0.01 else f"{ratio:.2%}"


def note(message: str) -> None:
    """Progress on stderr, so stdout holds only the table."""
    print(f"[{sys.argv[0].rsplit('/', 1)[-1].removesuffix('.py')}] {message}", file=sys.stderr, flush=True)


def print_table(rows: Sequence[Row], title: str) -> None:
    """Print the rows as an aligned text table with a summary line."""
    header = Row("measurement", "value", "anchor", "ratio", "target", "result")
    cells = [[r.measurement, r.value, r.anchor, r.ratio, r.target, r.result] for r in (header, *rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(cells[0]))]
    line = "  ".join("-" * w for w in widths)
    print(title)
    print(line)
    for i, c in enumerate(cells):
        print("  ".join(text.ljust(w) for text, w in zip(c, widths, strict=True)).rstrip())
        if i == 0:
            print(line)
    print(line)
    checked = [r for r in rows if r.result in ("PASS", "FAIL")]
    passed = sum(r.result == "PASS" for r in checked)
    print(f"{passed} of {len(checked)} targets met")
