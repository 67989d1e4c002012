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
    """Exact distinct count up to EXACT_DISTINCT_MAX_ROWS rows; above that an estimate from a sample.

    The estimate is Charikar et al.'s GEE (sqrt(N/n)·f1 + Σ f_j for j ≥ 2), except at the two ends where
    GEE is weak: a sample with no value seen once has seen every value, and a sample that is (almost)
    all singletons belongs to a (nearly) unique column.
    """
    import numpy as np
    import pyarrow.compute as pc

    values = pc.drop_null(column)
    total = len(values)
    if total <= EXACT_DISTINCT_MAX_ROWS:
        return int(pc.count_distinct(values).as_py()), False
    step = total / DISTINCT_SAMPLE_ROWS
    sample = values.take(pa_indices((np.arange(DISTINCT_SAMPLE_ROWS) * step).astype(np.int64)))
    frequencies = pc.value_counts(sample).field("counts").to_numpy()
    seen = len(frequencies)
    singletons = int(np.count_nonzero(frequencies == 1))
    if singletons == 0:
        return seen, True
    if singletons >= 0.95 * len(sample):
        return round(total * seen / len(sample)), True
    return round(np.sqrt(total / len(sample)) * singletons + (seen - singletons)), True


def pa_indices(indices: np.ndarray) -> pa.Array:
    import pyarrow as pa

    return pa.array(indices)


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
