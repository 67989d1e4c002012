"""Per-column profiles: type, nulls, range, mean, distinct count, most frequent values and, for numbers, a
histogram of counts between the minimum and the maximum (what training-data drift is measured on).

Columns declared personal get their type and null count only: no value of theirs, not even a
minimum or a most frequent value, leaves the user's process. Of the other columns, a value that occurs
fewer than `min_count` times is never among the most frequent values (small-cell disclosure control);
the profile says how many such values there were.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.fingerprint import logical_type
from uitlegbaar.capture.multiset import cell_hashes, column_key, dictionary_indices
from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, map_columns
from uitlegbaar.capture.settings import DEFAULT_MIN_CELL_COUNT
from uitlegbaar.evidence.records import ColumnProfile, ValueCount

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

EXACT_DISTINCT_MAX_ROWS = 100_000
DISTINCT_SAMPLE_ROWS = 32_768
TOP_VALUES = 5
TOP_VALUES_MAX_DISTINCT = 1_000
HISTOGRAM_BINS = 20
HISTOGRAM_SAMPLE = 32_768
_TEXT_MAX = 200


def profile_table(
    table: pa.Table, personal: Collection[str] = (), min_count: int = DEFAULT_MIN_CELL_COUNT
) -> list[ColumnProfile]:
    """Profile every column of `table`; columns named in `personal` get type and nulls only, and no value
    occurring fewer than `min_count` times is kept among the most frequent ones."""
    jobs = [(field, table.column(i), field.name in personal) for i, field in enumerate(table.schema)]
    return map_columns(lambda job: _profile_column(*job, min_count), jobs, parallel=table.nbytes >= PARALLEL_MIN_BYTES)


class TableProfile:
    """The profile of a table in memory, as `profile_table` gives it, filled column by column by a pass that hashes
    the cells anyway (`onepass.OnePass`): a distinct-count estimate reads those hashes instead of hashing again.
    Columns in `personal` are not profiled; `profiles` withholds more."""

    def __init__(self, schema: pa.Schema, personal: Collection[str], min_count: int) -> None:
        self.schema = schema
        self.personal = {str(c) for c in personal}
        self.min_count = min_count
        self._columns: dict[int, ColumnProfile] = {}

    def add_column(self, index: int, array: pa.Array | pa.ChunkedArray, cells: np.ndarray | None) -> None:
        import pyarrow as pa

        if index in self._columns:
            raise ValueError("a table in memory is profiled in one piece")
        field = self.schema.field(index)
        whole = array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array], type=array.type)
        self._columns[index] = _profile_column(field, whole, field.name in self.personal, self.min_count, cells)

    def add_rows(self, batch: pa.RecordBatch | pa.Table, row_hashes: np.ndarray) -> None:
        """Nothing: the profile of a table in memory keeps no rows (screening reads the table itself)."""

    def profiles(self, withheld: Collection[str]) -> list[ColumnProfile]:
        """Every column's profile, those in `withheld` (and `personal`) with type and nulls only."""
        return [_withheld(p) if p.name in withheld else p for _, p in sorted(self._columns.items(), key=lambda c: c[0])]


def _withheld(profile: ColumnProfile) -> ColumnProfile:
    base: dict[str, Any] = dict(name=profile.name, type=profile.type, null_count=profile.null_count)
    return ColumnProfile(**base, personal=True)


def _profile_column(
    field: pa.Field, column: pa.ChunkedArray, personal: bool, min_count: int, cells: np.ndarray | None = None
) -> ColumnProfile:
    """One column's profile; `cells` are its cells' hashes (`multiset.cell_hashes`) when they are at hand."""
    import pyarrow as pa

    name = str(field.name)
    base: dict[str, Any] = dict(name=name, type=logical_type(column.type), null_count=column.null_count)
    if personal:
        return ColumnProfile(**base, personal=True)
    t = column.type
    if pa.types.is_null(t):
        return ColumnProfile(**base, distinct=0)
    if pa.types.is_nested(t):  # lists (token ids), structs, maps: their nulls only
        return ColumnProfile(**base)
    if pa.types.is_dictionary(t):
        column = column.cast(t.value_type)
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_temporal(t):
        base.update(_range(column))
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        base["histogram"] = _histogram(column, base.get("min"), base.get("max"))
    bounds = (base["min"], base["max"]) if pa.types.is_integer(t) and "min" in base else None
    counts, estimate = _value_counts(column, lambda: _valid_cells(field, column, cells), bounds)
    if counts is None:
        base.update(distinct=estimate, distinct_estimated=True)
    else:
        base.update(distinct=len(counts), distinct_estimated=False)
        if len(counts) <= TOP_VALUES_MAX_DISTINCT and not pa.types.is_floating(t):
            base["top_values"], base["suppressed_values"] = top_values(counts, min_count)
    return ColumnProfile(**base)


def _valid_cells(field: pa.Field, column: pa.ChunkedArray, cells: np.ndarray | None) -> np.ndarray:
    """The hashes of the column's cells that are not null, keyed as the multiset fingerprint keys them: the same
    values give the same HyperLogLog registers in memory, in a stream and on Spark."""
    import numpy as np
    import pyarrow.compute as pc

    if cells is None:
        values = pc.drop_null(column) if column.null_count else column
        return cell_hashes(values, column_key(str(field.name), logical_type(field.type)))
    if column.null_count:
        valid: np.ndarray = cells[np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)]
        return valid
    return cells


def _range(column: pa.ChunkedArray) -> dict[str, Any]:
    """Minimum, maximum and (for numbers) mean; numpy where it is faster and the column allows it."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    t = column.type
    if column.num_chunks == 1 and not column.null_count and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        values = column.chunk(0).to_numpy()
        if len(values) == 0:
            return {}
        low, high, mean = values.min(), values.max(), values.mean()
        if values.dtype.kind == "f" and np.isnan(low):  # NaN among the values (min is NaN then): left out
            low, high, mean = np.nanmin(values), np.nanmax(values), np.nanmean(values)
        return {"min": plain(low.item()), "max": plain(high.item()), "mean": plain(float(mean))}
    bounds = pc.min_max(column)
    out: dict[str, Any] = {"min": plain(bounds["min"].as_py()), "max": plain(bounds["max"].as_py())}
    if not pa.types.is_temporal(t):
        mean = pc.mean(column).as_py()
        out["mean"] = None if mean is None else float(mean)
    return out


def _value_counts(
    column: pa.ChunkedArray, hashes: Callable[[], np.ndarray], bounds: tuple[Any, Any] | None = None
) -> tuple[pa.StructArray | None, int]:
    """Every distinct value with its count — or, for a large numeric column with many values, only an
    estimate of how many there are.

    Text, and columns up to EXACT_DISTINCT_MAX_ROWS values, are counted exactly. A large integer or date
    column is first sampled (uniform, fixed seed): a sample in which every value occurs at least twice
    has seen them all, and the column is counted exactly. Otherwise, and for floats, the number of
    distinct values is a HyperLogLog estimate over the `hashes` of every value (about 2% error).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.drop_null(column) if column.null_count else column
    total, t = len(values), values.type
    numeric = pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_temporal(t)
    if total <= EXACT_DISTINCT_MAX_ROWS or not numeric or t.bit_width > 64:
        return _counted(values, bounds), 0
    if not pa.types.is_floating(t):
        sample = value_counts(values.take(_sample(total, DISTINCT_SAMPLE_ROWS)), bounds).column("counts").to_numpy()
        if not np.any(sample == 1):
            return _counted(values, bounds), 0
    return None, min(total, round(hll_estimate(hll_hash_registers(hashes()))))


def value_counts(values: pa.Array | pa.ChunkedArray, bounds: tuple[Any, Any] | None) -> pa.Table:
    """Every value (no null among them) with its count, as a table of `values` and `counts`: by counting into bins
    for integers of a narrow range between `bounds` (a hash table costs forty times as much), else by Arrow's hash
    kernel."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(values.type) and bounds is not None:
        low, high = bounds
        if low is not None and high - low < 1 << 16 and high < 1 << 63:
            x = np.asarray(values.to_numpy(zero_copy_only=False)).astype(np.int64) - low
            bins = np.bincount(x, minlength=high - low + 1)
            seen = np.flatnonzero(bins)
            found = pa.array(seen + low).cast(values.type)
            return pa.table({"values": found, "counts": pa.array(bins[seen], pa.int64())})
    if isinstance(values, pa.DictionaryArray):  # by position in the dictionary (equal values merge in `_flush`)
        bins = np.bincount(dictionary_indices(values.indices), minlength=len(values.dictionary))
        seen = np.flatnonzero(bins)
        return pa.table({"values": values.dictionary.take(seen), "counts": pa.array(bins[seen], pa.int64())})
    if pa.types.is_boolean(values.type) and isinstance(values, pa.Array):
        trues = values.true_count
        pairs = [(v, n) for v, n in ((False, len(values) - trues), (True, trues)) if n]
        return pa.table({"values": pa.array([v for v, _ in pairs], pa.bool_()), "counts": [n for _, n in pairs]})
    counts = pc.value_counts(values)
    found = counts.field("values")
    if pa.types.is_dictionary(found.type):
        found = found.dictionary_decode()
    return pa.table({"values": found, "counts": counts.field("counts")})


def _counted(values: pa.ChunkedArray, bounds: tuple[Any, Any] | None) -> pa.StructArray:
    """`value_counts` as the struct array Arrow's own kernel gives."""
    import pyarrow as pa

    counts = value_counts(values, bounds)
    return pa.StructArray.from_arrays(
        [counts.column("values").combine_chunks(), counts.column("counts").combine_chunks()], names=["values", "counts"]
    )


@functools.lru_cache(maxsize=4)
def _sample(total: int, size: int) -> np.ndarray:
    """`size` of `total` row positions, uniform with a fixed seed, in order (the same for every column)."""
    import numpy as np

    rows = np.sort(np.random.default_rng(0).choice(total, size, replace=False))
    rows.flags.writeable = False
    return rows


def _histogram(column: pa.ChunkedArray, low: Any, high: Any) -> list[int]:
    """Counts of the finite values in HISTOGRAM_BINS equal-width bins from `low` to `high` (one bin when they are
    equal), of a seeded sample of HISTOGRAM_SAMPLE values in a longer column. No value of the column is kept."""
    import numpy as np
    import pyarrow.compute as pc

    values = pc.drop_null(column) if column.null_count else column
    if len(values) > HISTOGRAM_SAMPLE:
        rows = _sample(len(values), HISTOGRAM_SAMPLE)
        if values.num_chunks == 1:  # numpy's gather on Arrow's own values (no copy of the column)
            x = values.chunk(0).to_numpy(zero_copy_only=False)[rows]
        else:
            x = values.take(rows).to_numpy()
    else:
        x = values.to_numpy()
    return bins_of(np.asarray(x, dtype=np.float64), low, high)


def bins_of(x: np.ndarray, low: Any, high: Any) -> list[int]:
    """Counts of the finite values of `x` in HISTOGRAM_BINS equal-width bins from `low` to `high`."""
    import math

    import numpy as np

    numbers = (int, float)
    if not (isinstance(low, numbers) and isinstance(high, numbers) and math.isfinite(low) and math.isfinite(high)):
        return []
    x = x[np.isfinite(x)]
    if len(x) == 0 or high == low:
        return [len(x)] if len(x) else []
    bins = ((x - low) * (HISTOGRAM_BINS / (high - low))).astype(np.intp)
    np.clip(bins, 0, HISTOGRAM_BINS - 1, out=bins)
    return [int(n) for n in np.bincount(bins, minlength=HISTOGRAM_BINS)]


_MAX_RANK = 17
_HLL_SLICE = 1 << 15


@functools.lru_cache(maxsize=1)
def _rank_of_top16() -> np.ndarray:
    """Leading zeros + 1 of every 16-bit value (17 for zero): the HyperLogLog rank of a hash's top bits."""
    import numpy as np

    ranks = np.full(1 << 16, _MAX_RANK, dtype=np.uint8)
    ranks[1:] = 16 - np.floor(np.log2(np.arange(1, 1 << 16))).astype(np.uint8)
    return ranks


def hll_hash_registers(hashes: np.ndarray, precision: int = 12) -> np.ndarray:
    """The HyperLogLog registers of 64-bit hashes already mixed (every input bit in every output bit): the
    register from the low bits, the rank from the top 16; each register keeps its highest rank."""
    import numpy as np

    registers = np.zeros(1 << precision, dtype=np.uint8)
    hll_update(registers, hashes)
    return registers


def hll_update(registers: np.ndarray, hashes: np.ndarray) -> None:
    """Raise HyperLogLog registers (2^precision of them) in place by 64-bit hashes already mixed. A hash of rank r
    lies below 2^(65 - r), so only hashes below 2^(64 - the lowest register) can raise one: once the registers
    have filled, a few in a hundred are looked at (so a long array is taken a slice at a time)."""
    import numpy as np

    if len(hashes) > _HLL_SLICE:
        for start in range(0, len(hashes), _HLL_SLICE):
            hll_update(registers, hashes[start : start + _HLL_SLICE])
        return
    u64 = np.uint64
    lowest = int(registers.min())
    if lowest and len(hashes):
        hashes = np.compress(hashes < u64(1 << (64 - lowest)), hashes) if lowest < _MAX_RANK else hashes[:0]
    if len(hashes) == 0:
        return
    rank = np.take(_rank_of_top16(), hashes >> u64(48))
    np.maximum.at(registers, (hashes & u64(len(registers) - 1)).view(np.int64), rank)


def hll_estimate(registers: np.ndarray) -> float:
    """The distinct count HyperLogLog registers stand for (linear counting for small counts)."""
    import numpy as np

    m = len(registers)
    if not registers.any():
        return 0.0
    estimate = 0.7213 / (1 + 1.079 / m) * m * m / float(np.sum(np.exp2(-registers.astype(np.float64))))
    empty = int(np.count_nonzero(registers == 0))
    if estimate <= 2.5 * m and empty:  # small counts: linear counting is more accurate
        estimate = m * float(np.log(m / empty))
    return float(estimate)


def top_values(counts: pa.StructArray, min_count: int) -> tuple[list[ValueCount], int]:
    """The TOP_VALUES most frequent values that occur at least `min_count` times, and how many distinct
    values occur fewer times (those are never kept)."""
    import pyarrow.compute as pc

    shown = pc.greater_equal(counts.field("counts"), min_count)
    suppressed = len(counts) - pc.sum(shown).as_py() if len(counts) else 0
    kept = counts.filter(shown)
    order = pc.sort_indices(kept, sort_keys=[("counts", "descending"), ("values", "ascending")])
    top = kept.take(order[:TOP_VALUES]).to_pylist()
    return [ValueCount(value=plain(row["values"]), count=int(row["counts"])) for row in top], int(suppressed)


def plain(value: Any) -> str | int | float | bool | None:
    """A JSON scalar for a profile: numbers stay numbers, the rest becomes (short) text."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text if len(text) <= _TEXT_MAX else text[: _TEXT_MAX - 1] + "…"
