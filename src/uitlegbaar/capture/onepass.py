"""One pass over a table's batches: the ordered fingerprint, the multiset sum and the profile, column by column.

Each column of a batch is one job — its SHA-256 streams, its cell hashes, its profile sketches, which read the
cell hashes too, and the cell hashes added to their rows' sums — so a column is read while it is in the cache,
nothing is hashed twice and no column's cell hashes outlive its job. The jobs run in the pool of
`parallel.submit_columns` (Arrow, numpy and hashlib release the GIL); meanwhile the calling thread finishes the
batch before (its row hashes, the multiset sum and the sample), so that work waits for no one either.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import TYPE_CHECKING

from uitlegbaar.capture.fingerprint import PARALLEL_MIN_BYTES, StreamingFingerprint, TableFingerprint
from uitlegbaar.capture.multiset import MultisetSum
from uitlegbaar.capture.parallel import submit_columns
from uitlegbaar.capture.sketches import StreamProfile

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa


class OnePass:
    """Feed batches with `add`, then `finish`; `ordered` false leaves the ordered fingerprint out (a Spark
    partition, whose rows have no order)."""

    def __init__(self, schema: pa.Schema, personal: Collection[str], min_count: int, *, ordered: bool = True) -> None:
        self.ordered = StreamingFingerprint(schema) if ordered else None
        self.multiset = MultisetSum.for_schema(schema)
        self.profile = StreamProfile.for_schema(schema, personal, min_count)
        self._unfinished: tuple[pa.RecordBatch | pa.Table, np.ndarray] | None = None

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        import numpy as np

        total = np.zeros(batch.num_rows, dtype=np.uint64)  # each row's sum of cell hashes, added to as columns end
        lock = threading.Lock()

        def column(job: tuple[int, pa.Array | pa.ChunkedArray]) -> None:
            index, array = job
            if self.ordered is not None:
                self.ordered.feed(index, array)
            cells = self.multiset.cells(index, array)
            self.profile.add_column(index, array, cells)
            with lock:
                np.add(total, cells, out=total)

        jobs = [(i, batch.column(i)) for i in range(batch.num_columns)]
        pending = submit_columns(column, jobs, parallel=batch.nbytes >= PARALLEL_MIN_BYTES)
        self.finish()  # the batch before, while this one's columns are worked on
        pending.result()
        self._unfinished = (batch, total)

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
