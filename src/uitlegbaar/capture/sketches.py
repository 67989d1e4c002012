"""A table's profile computed batch by batch in bounded memory, mergeable across partitions.

Exact: row and null counts, minimum, maximum, mean, and every value's count while a column has at most
`EXACT_DISTINCT` distinct values (in at most `EXACT_BYTES` of memory) — then also the most frequent values, as in
`profile.profile_table`. Past that, the distinct count is a HyperLogLog estimate and marked `distinct_estimated`:
its registers (merged by their maximum) are fed the cells' hashes the multiset fingerprint computes anyway
(`multiset.cell_hashes`, keyed by the column), so that sketching a value costs no hash of its own.

The quantiles and histogram of number columns and the personal-data screening work on a bounded sample: the
`SAMPLE_ROWS` rows with the smallest row hashes (`multiset.row_hashes`), a bottom-k sample that is uniform (for a
hash that behaves as a random function), the same whatever the order or partitioning, and mergeable by keeping the
smallest. Quantiles are exact while the whole column fits in it, else marked `quantiles_estimated`: by the
Dvoretzky–Kiefer–Wolfowitz inequality, with 32,768 rows every estimated quantile is within 1% of its rank with
probability at least 99.7%. (A KLL sketch fed every value cost 55 ns a value here, four times the multiset
fingerprint; the sample costs nothing more.)
"""

from __future__ import annotations

import pickle
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.fingerprint import logical_type
from uitlegbaar.capture.multiset import cell_hashes, column_key
from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, map_columns
from uitlegbaar.capture.profile import (
    HISTOGRAM_SAMPLE,
    TOP_VALUES_MAX_DISTINCT,
    bins_of,
    hll_estimate,
    hll_hash_registers,
    hll_update,
    plain,
    top_values,
    value_counts,
)
from uitlegbaar.evidence.records import ColumnProfile

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

EXACT_DISTINCT = 100_000
EXACT_BYTES = 16 * 1024 * 1024
SAMPLE_ROWS = HISTOGRAM_SAMPLE
MERGE_EVERY = 64  # batches' value counts merged at a time
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass
class _Column:
    name: str
    type_name: str  # the logical type of the column as it came (a dictionary column's values are profiled)
    type: pa.DataType
    personal: bool
    key: int  # the column's key in the multiset fingerprint: the cells' hashes the registers are fed
    nulls: int = 0
    low: Any = None
    high: Any = None
    total: float = 0.0
    counted: int = 0  # values in `total` (finite numbers)
    counts: pa.Table | None = None  # values → counts while exact
    pending: list[pa.Table] = field(default_factory=list)  # batches' counts not yet merged into `counts`
    pending_rows: int = 0
    exact: bool = True
    registers: np.ndarray | None = None

    @property
    def numeric(self) -> bool:
        import pyarrow as pa

        return bool(pa.types.is_integer(self.type) or pa.types.is_floating(self.type))

    @property
    def ranged(self) -> bool:
        import pyarrow as pa

        t = self.type
        return self.numeric or bool(pa.types.is_decimal(t) or pa.types.is_temporal(t))


@dataclass
class StreamProfile:
    """Feed batches with `add` (and their row hashes), combine partial profiles with `merge`, finish with
    `profiles`. Columns in `personal` get type and null count only."""

    columns: list[_Column]
    min_count: int
    sample: pa.Table | None = None
    sample_keys: np.ndarray | None = None
    sample_rows: int = SAMPLE_ROWS
    sample_bound: int | None = None  # the largest key in the sample once it is full
    waiting: list[tuple[pa.Table, np.ndarray]] = field(default_factory=list)  # rows for the sample, not yet in it
    waiting_rows: int = 0
    rows: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_schema(cls, schema: pa.Schema, personal: Collection[str], min_count: int) -> StreamProfile:
        import pyarrow as pa

        columns = []
        for name, t in zip(schema.names, schema.types, strict=True):
            value_type = t.value_type if pa.types.is_dictionary(t) else t
            key = column_key(str(name), logical_type(t))
            columns.append(_Column(str(name), logical_type(t), value_type, str(name) in personal, key))
        return cls(columns, min_count)

    def add(self, batch: pa.RecordBatch | pa.Table, row_hashes: np.ndarray) -> None:
        """Add a batch with its row hashes (`multiset.MultisetSum.add`)."""
        jobs = [(column, batch.column(i), None) for i, column in enumerate(self.columns)]
        map_columns(lambda job: _add_column(*job), jobs, parallel=batch.nbytes >= PARALLEL_MIN_BYTES)
        self.add_rows(batch, row_hashes)

    def add_column(self, index: int, array: pa.Array | pa.ChunkedArray, cells: np.ndarray | None) -> None:
        """Add one column of a batch, with its cells' hashes when they are at hand (else computed when needed);
        `add_rows` then adds the batch's rows."""
        _add_column(self.columns[index], array, cells)

    def add_rows(self, batch: pa.RecordBatch | pa.Table, row_hashes: np.ndarray) -> None:
        """Count a batch whose columns were added and keep its rows that belong in the sample."""
        self.rows += batch.num_rows
        self._add_sample(batch, row_hashes)

    def merge(self, other: StreamProfile) -> None:
        self.rows += other.rows
        for column in (*self.columns, *other.columns):
            _flush(column)
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            _merge_column(mine, theirs)
        other._settle()
        if other.sample is not None and other.sample_keys is not None:
            self._add_sample(other.sample, other.sample_keys)

    def sample_table(self, schema: pa.Schema) -> pa.Table:
        """The sample, in the order of its row hashes (the same table whatever the order of the input)."""
        import numpy as np

        self._settle()
        if self.sample is None or self.sample_keys is None:
            return schema.empty_table()
        return self.sample.take(np.argsort(self.sample_keys, kind="stable")[: self.sample_rows]).cast(schema)

    def profiles(self, withheld: Collection[str], schema: pa.Schema) -> list[ColumnProfile]:
        sample = self.sample_table(schema)
        rows = self.rows
        for column in self.columns:
            _flush(column)
        return [_profile(c, c.personal or c.name in withheld, sample, self.min_count, rows) for c in self.columns]

    def to_bytes(self) -> bytes:
        self._settle()
        for column in self.columns:
            _flush(column)
        return pickle.dumps(self)

    @staticmethod
    def from_bytes(raw: bytes) -> StreamProfile:
        profile: StreamProfile = pickle.loads(raw)  # our own partial state, from our own executors
        return profile

    def _add_sample(self, rows: pa.RecordBatch | pa.Table, keys: np.ndarray) -> None:
        import numpy as np
        import pyarrow as pa

        table = rows if isinstance(rows, pa.Table) else pa.Table.from_batches([rows])
        if self.sample_bound is not None:  # `sample_rows` rows have a key up to the bound: no larger one is wanted
            wanted = np.flatnonzero(keys <= self.sample_bound)
            if not len(wanted):
                return
            table, keys = table.take(wanted), keys[wanted]
        self.waiting.append((table, keys))
        self.waiting_rows += len(keys)
        if self.waiting_rows >= self.sample_rows:
            self._settle()

    def _settle(self) -> None:
        """Join the waiting rows to the sample and cut it to the `sample_rows` smallest keys (a cut copies the
        sample, so rows wait until there are as many as the sample holds)."""
        import numpy as np
        import pyarrow as pa

        parts = ([(self.sample, self.sample_keys)] if self.sample is not None else []) + self.waiting
        self.waiting, self.waiting_rows = [], 0
        if not parts:
            return
        tables = [_decoded(t) for t, _ in parts if t is not None]
        table = pa.concat_tables([t.cast(tables[0].schema) for t in tables])
        keys = np.concatenate([k for _, k in parts if k is not None])
        if len(keys) > self.sample_rows:
            keep = np.sort(np.argpartition(keys, self.sample_rows - 1)[: self.sample_rows])
            table, keys = table.take(keep), keys[keep]
            self.sample_bound = int(keys.max())
        self.sample, self.sample_keys = table.combine_chunks(), keys


def _decoded(table: pa.Table) -> pa.Table:
    """`table` with its dictionary columns decoded (the sample holds values; `sample_table` gives the schema's
    types back)."""
    import pyarrow as pa

    if not any(pa.types.is_dictionary(t) for t in table.schema.types):
        return table
    types = [t.value_type if pa.types.is_dictionary(t) else t for t in table.schema.types]
    return table.cast(pa.schema([f.with_type(t) for f, t in zip(table.schema, types, strict=True)]))


def _add_column(column: _Column, array: pa.Array | pa.ChunkedArray, cells: np.ndarray | None) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    column.nulls += array.null_count
    if column.personal or pa.types.is_null(column.type):
        return
    if pa.types.is_dictionary(array.type) and not _countable_encoded(column, array):
        array = array.dictionary_decode() if isinstance(array, pa.Array) else array.cast(column.type)
    values = pc.drop_null(array) if array.null_count else array
    if not len(values):
        return
    if column.ranged:
        bounds = _bounds(values)
        _widen(column, *bounds)
    if column.numeric:
        _add_sum(column, values.to_numpy(zero_copy_only=False))
    if column.exact:
        _add_counts(column, value_counts(values, bounds if column.ranged else None))
    else:
        if cells is None:
            cells = cell_hashes(values, column.key)
        elif array.null_count:
            cells = cells[_valid(array)]
        if column.registers is None:
            column.registers = hll_hash_registers(cells)
        else:
            hll_update(column.registers, cells)


def _add_sum(column: _Column, x: np.ndarray) -> None:
    """Add the finite numbers of `x` to the column's sum (in one pass when all are finite, as usual)."""
    import math

    import numpy as np

    total = float(np.sum(x, dtype=np.float64))
    if not math.isfinite(total):
        x = np.asarray(x, dtype=np.float64)
        x = x[np.isfinite(x)]
        total = float(x.sum())
    column.total += total
    column.counted += len(x)


def _valid(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    import numpy as np
    import pyarrow.compute as pc

    return np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)


def _countable_encoded(column: _Column, array: pa.Array | pa.ChunkedArray) -> bool:
    """A dictionary array whose values can be counted and sketched through its dictionary (no range to take, no
    null among the dictionary's values)."""
    import pyarrow as pa

    return isinstance(array, pa.DictionaryArray) and not column.ranged and not array.dictionary.null_count


def _bounds(values: pa.Array | pa.ChunkedArray) -> tuple[Any, Any]:
    """The minimum and maximum of values without nulls: by numpy for an array of numbers (a tenth of Arrow's
    time for floats), unless NaN is among them (Arrow's kernel passes over NaN)."""
    import math

    import pyarrow as pa
    import pyarrow.compute as pc

    t = values.type
    if isinstance(values, pa.Array) and (pa.types.is_integer(t) or pa.types.is_floating(t)) and len(values):
        x = values.to_numpy()
        low, high = x.min().item(), x.max().item()
        if not (isinstance(low, float) and (math.isnan(low) or math.isnan(high))):
            return low, high
    bounds = pc.min_max(values)
    return bounds["min"].as_py(), bounds["max"].as_py()


def _registers(values: pa.Array | pa.ChunkedArray, key: int) -> np.ndarray:
    """The HyperLogLog registers of values (no null among them) of the column keyed `key`."""
    return hll_hash_registers(cell_hashes(values, key))


def _add_registers(column: _Column, registers: np.ndarray) -> None:
    import numpy as np

    column.registers = registers if column.registers is None else np.maximum(column.registers, registers)


def _give_up_counts(column: _Column, counts: pa.Table) -> None:
    """Too many distinct values to count exactly: from now on a HyperLogLog sketch, seeded with the values seen."""
    column.counts, column.exact = None, False
    _add_registers(column, _registers(counts.column("values"), column.key))


def _widen(column: _Column, low: Any, high: Any) -> None:
    if low is not None and (column.low is None or low < column.low):
        column.low = low
    if high is not None and (column.high is None or high > column.high):
        column.high = high


def _add_counts(column: _Column, counts: pa.Table) -> None:
    """Keep a batch's counts; they are merged (one group-by, which costs milliseconds however small) once enough
    have gathered, and before anyone reads them."""
    column.pending.append(counts)
    column.pending_rows += counts.num_rows
    if column.pending_rows > EXACT_DISTINCT or len(column.pending) >= MERGE_EVERY:
        _flush(column)


def _flush(column: _Column) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = ([column.counts] if column.counts is not None else []) + column.pending
    column.pending, column.pending_rows = [], 0
    if not parts or not column.exact:
        return
    schema = parts[0].schema
    both = pa.concat_tables([p.cast(schema) for p in parts])
    if both.num_rows > EXACT_DISTINCT and len(pc.unique(both.column("values"))) > EXACT_DISTINCT:
        _give_up_counts(column, both)  # too many values, told by a hash set at a third of the group-by's cost
        return
    counts = both.group_by("values").aggregate([("counts", "sum")]).rename_columns(["values", "counts"])
    if counts.num_rows > EXACT_DISTINCT or counts.nbytes > EXACT_BYTES:
        _give_up_counts(column, counts)
    else:
        column.counts = _compact(counts)


def _compact(table: pa.Table) -> pa.Table:
    """A copy of `table` in buffers of its own size: Arrow's hash kernels return small results as slices of
    buffers sized for their input, which kept batch after batch would hold memory proportional to the data."""
    import numpy as np
    import pyarrow as pa

    rows = pa.array(np.arange(table.num_rows))
    return table.take(rows).combine_chunks()


def _merge_column(mine: _Column, theirs: _Column) -> None:

    mine.nulls += theirs.nulls
    _widen(mine, theirs.low, theirs.high)
    mine.total += theirs.total
    mine.counted += theirs.counted
    if theirs.registers is not None:
        _add_registers(mine, theirs.registers)
    if mine.exact and theirs.counts is not None:
        _add_counts(mine, theirs.counts)
        _flush(mine)
    elif not mine.exact and theirs.counts is not None:
        _add_registers(mine, _registers(theirs.counts.column("values"), mine.key))
    if mine.exact and not theirs.exact and mine.counts is not None:
        _give_up_counts(mine, mine.counts)
    elif not theirs.exact:
        mine.exact = False


def _profile(column: _Column, withheld: bool, sample: pa.Table, min_count: int, rows: int) -> ColumnProfile:
    import numpy as np
    import pyarrow as pa

    base: dict[str, Any] = dict(name=column.name, type=column.type_name, null_count=column.nulls)
    if withheld:
        return ColumnProfile(**base, personal=True)
    if pa.types.is_null(column.type):
        return ColumnProfile(**base, distinct=0)
    if column.ranged and column.low is not None:
        base.update(min=plain(column.low), max=plain(column.high))
    if column.numeric:
        base["mean"] = column.total / column.counted if column.counted else None
        x = np.asarray(sample.column(column.name).drop_null().to_numpy(), dtype=np.float64)
        base["histogram"] = bins_of(x, base.get("min"), base.get("max"))
        x = x[np.isfinite(x)]
        if len(x):
            values = np.quantile(x, QUANTILES, method="inverted_cdf")
            base["quantiles"] = {f"{q:g}": plain(v.item()) for q, v in zip(QUANTILES, values, strict=True)}
            base["quantiles_estimated"] = sample.num_rows < rows
    if column.exact and column.counts is not None:
        base.update(distinct=column.counts.num_rows, distinct_estimated=False)
        if column.counts.num_rows <= TOP_VALUES_MAX_DISTINCT and not pa.types.is_floating(column.type):
            counts = pa.StructArray.from_arrays(
                [column.counts.column("values").combine_chunks(), column.counts.column("counts").combine_chunks()],
                names=["values", "counts"],
            )
            base["top_values"], base["suppressed_values"] = top_values(counts, min_count)
    elif column.exact:
        base.update(distinct=0, distinct_estimated=False)
    else:
        base.update(distinct=round(hll_estimate(column.registers)) if column.registers is not None else 0)
        base["distinct_estimated"] = True
    return ColumnProfile(**base)
