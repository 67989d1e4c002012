"""One pass over a table's batches: the ordered fingerprint, the multiset sum and the profile, column by column.

Each column of a batch is one job — its SHA-256 streams, its cell hashes, its profile (sketches for a stream,
`sketches.StreamProfile`; the exact profile of a table in memory, `profile.TableProfile`), which reads the cell
hashes too, and the cell hashes added to their rows' sums — so a column is read while it is in the cache,
nothing is hashed twice and no column's cell hashes outlive its job. The jobs run in the pool of
`parallel.submit_columns` (Arrow, numpy and hashlib release the GIL); meanwhile the calling thread finishes the
batch before (its row hashes, the multiset sum and the sample), so that work waits for no one either.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from uitlegbaar.capture.fingerprint import StreamingFingerprint, TableFingerprint
from uitlegbaar.capture.multiset import MultisetSum
from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, submit_columns

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


class ColumnProfiler(Protocol):
    """What a pass profiles into: each column of a batch with its cell hashes, then the batch's rows."""

    def add_column(self, index: int, array: pa.Array | pa.ChunkedArray, cells: np.ndarray | None) -> None: ...

    def add_rows(self, batch: pa.RecordBatch | pa.Table, row_hashes: np.ndarray) -> None: ...


P = TypeVar("P", bound=ColumnProfiler)


class OnePass(Generic[P]):
    """Feed batches with `add`, then `finish`; `ordered` false leaves the ordered fingerprint out (a Spark
    partition, whose rows have no order; a table in memory, fingerprinted whole)."""

    def __init__(self, schema: pa.Schema, profile: P, *, ordered: bool = True) -> None:
        self.ordered = StreamingFingerprint(schema) if ordered else None
        self.multiset = MultisetSum.for_schema(schema)
        self.profile = profile
        self._scratch = threading.local()  # each worker's array for a column's cell hashes, reused column to column
        self._unfinished: tuple[pa.RecordBatch | pa.Table, np.ndarray] | None = None

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        import numpy as np

        sums = threading.local()  # each thread's sums of its columns' cell hashes, row by row: no lock to wait for
        totals: list[np.ndarray] = []

        def column(job: tuple[int, pa.Array | pa.ChunkedArray]) -> None:
            index, array = job
            if self.ordered is not None:
                self.ordered.feed(index, array)
            cells = self.multiset.cells(index, array, self._cells_scratch(len(array)))
            self.profile.add_column(index, array, cells)
            total = getattr(sums, "total", None)
            if total is None:
                total = sums.total = np.zeros(batch.num_rows, dtype=np.uint64)
                totals.append(total)
            np.add(total, cells, out=total)

        jobs = [(i, batch.column(i)) for i in range(batch.num_columns)]
        pending = submit_columns(column, jobs, parallel=batch.nbytes >= PARALLEL_MIN_BYTES)
        self.finish()  # the batch before, while this one's columns are worked on
        pending.result()
        total = totals[0] if totals else np.zeros(batch.num_rows, dtype=np.uint64)
        for other in totals[1:]:
            np.add(total, other, out=total)
        self._unfinished = (batch, total)

    def _cells_scratch(self, rows: int) -> np.ndarray:
        """This thread's scratch array of at least `rows` words: a profile reads the cell hashes during its
        `add_column` and keeps none of them."""
        import numpy as np

        scratch: np.ndarray | None = getattr(self._scratch, "cells", None)
        if scratch is None or len(scratch) < rows:
            scratch = self._scratch.cells = np.empty(rows, dtype=np.uint64)
        return scratch

    def finish(self) -> None:
        """Complete the batch added last (its rows in the multiset sum and the sample)."""
        if self._unfinished is None:
            return
        batch, total = self._unfinished
        self._unfinished = None
        if self.ordered is not None:
            self.ordered.count(batch.num_rows)
        self.profile.add_rows(batch, self.multiset.add_sums(total))

    def fingerprint(self) -> TableFingerprint:
        if self.ordered is None:
            raise ValueError("this pass computed no ordered fingerprint")
        self.finish()
        return self.ordered.result()
