"""Per-column profiles: type, nulls, range, mean, distinct count and most frequent values.

Columns declared personal get their type and null count only: no value of theirs, not even a
minimum or a most frequent value, leaves the user's process.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.fingerprint import PARALLEL_MIN_BYTES, logical_type
from uitlegbaar.capture.parallel import map_columns
from uitlegbaar.records import ColumnProfile, ValueCount

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

EXACT_DISTINCT_MAX_ROWS = 100_000
DISTINCT_SAMPLE_ROWS = 32_768
TOP_VALUES = 5
TOP_VALUES_MAX_DISTINCT = 1_000
_TEXT_MAX = 200


def profile_table(table: pa.Table, personal: Collection[str] = ()) -> list[ColumnProfile]:
    """Profile every column of `table`; columns named in `personal` get type and nulls only."""
    jobs = [(str(name), table.column(i), str(name) in personal) for i, name in enumerate(table.column_names)]
    return map_columns(lambda job: _profile_column(*job), jobs, parallel=table.nbytes >= PARALLEL_MIN_BYTES)


def _profile_column(name: str, column: pa.ChunkedArray, personal: bool) -> ColumnProfile:
    import pyarrow as pa
    import pyarrow.compute as pc

    type_name = logical_type(column.type)
    base: dict[str, Any] = dict(name=name, type=type_name, null_count=column.null_count)
    if personal:
        return ColumnProfile(**base, personal=True)
    t = column.type
    if pa.types.is_null(t):
        return ColumnProfile(**base, distinct=0)
    if pa.types.is_dictionary(t):
        column = column.cast(t.value_type)
        t = t.value_type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    temporal = pa.types.is_temporal(t)
    if numeric or temporal:
        bounds = pc.min_max(column)
        base["min"] = _plain(bounds["min"].as_py())
        base["max"] = _plain(bounds["max"].as_py())
        if numeric:
            mean = pc.mean(column).as_py()
            base["mean"] = None if mean is None else float(mean)
    distinct, estimated = _distinct(column)
    base.update(distinct=distinct, distinct_estimated=estimated)
    if distinct <= TOP_VALUES_MAX_DISTINCT and not pa.types.is_floating(t):
        base["top_values"] = _top_values(column)
    return ColumnProfile(**base)


def _distinct(column: pa.ChunkedArray) -> tuple[int, bool]:
    """Exact distinct count up to EXACT_DISTINCT_MAX_ROWS values, and for text of any size.

    Above that, numbers and dates are first sampled (uniform, fixed seed): a sample in which every
    value occurs at least twice has seen them all, and its count is the answer. Otherwise the count
    is a HyperLogLog estimate over every value (about 2% error).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.drop_null(column)
    total = len(values)
    t = values.type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_temporal(t)
    if total <= EXACT_DISTINCT_MAX_ROWS or not numeric or t.bit_width > 64:
        return int(pc.count_distinct(values).as_py()), False
    rows = np.sort(np.random.default_rng(0).choice(total, DISTINCT_SAMPLE_ROWS, replace=False))
    frequencies = pc.value_counts(values.take(rows)).field("counts").to_numpy()
    if not np.any(frequencies == 1):
        return len(frequencies), True
    return min(total, round(hyperloglog(_as_words(values)))), True


def _as_words(values: pa.ChunkedArray) -> np.ndarray:
    """The values as 64-bit words (equal values, equal words)."""
    import numpy as np
    import pyarrow as pa

    t = values.type
    wide = pa.float64() if pa.types.is_floating(t) else pa.int64()
    if t.bit_width != 64:
        values = values.cast(wide)
    parts = [np.frombuffer(c.buffers()[1], np.uint64)[c.offset : c.offset + len(c)] for c in values.chunks]
    return np.concatenate(parts) if len(parts) != 1 else parts[0]


def hyperloglog(words: np.ndarray, precision: int = 12) -> float:
    """Estimate how many distinct 64-bit words there are (HyperLogLog, 2^precision registers)."""
    import numpy as np

    if len(words) == 0:
        return 0.0
    u64 = np.uint64
    m = 1 << precision
    # Mix (multiply-xorshift) so every input bit reaches every output bit; in place, to spare allocations.
    z = words * u64(0x9E3779B97F4A7C15)
    tmp = z >> u64(29)
    z ^= tmp
    z *= u64(0xBF58476D1CE4E5B9)
    np.right_shift(z, u64(32), out=tmp)
    z ^= tmp
    # rank = leading zeros + 1 = 64 - floor(log2 z), read off the exponent of z as a float
    np.bitwise_or(z, u64(1), out=tmp)
    rank = tmp.astype(np.float64).view(u64)
    rank >>= u64(52)
    np.subtract(u64(64 + 1023), rank, out=rank)
    # register = the low bits of z; count each (register, rank) pair, keep each register's highest rank
    z &= u64(m - 1)
    z <<= u64(6)
    z |= rank
    seen = np.bincount(z.view(np.int64), minlength=m << 6).reshape(m, 64) > 0
    registers = np.where(seen.any(axis=1), 63 - np.argmax(seen[:, ::-1], axis=1), 0)
    estimate = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(np.exp2(-registers.astype(np.float64))))
    empty = int(np.count_nonzero(registers == 0))
    if estimate <= 2.5 * m and empty:  # small counts: linear counting is more accurate
        estimate = m * float(np.log(m / empty))
    return float(estimate)


def _top_values(column: pa.ChunkedArray) -> list[ValueCount]:
    import pyarrow.compute as pc

    counts = pc.value_counts(pc.drop_null(column))
    if len(counts) == 0:
        return []
    order = pc.sort_indices(counts, sort_keys=[("counts", "descending"), ("values", "ascending")])
    top = counts.take(order[:TOP_VALUES]).to_pylist()
    return [ValueCount(value=_plain(row["values"]), count=int(row["counts"])) for row in top]


def _plain(value: Any) -> str | int | float | bool | None:
    """A JSON scalar for a profile: numbers stay numbers, the rest becomes (short) text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"
