"""A PySpark DataFrame measured where it lives: on the executors, never collected.

Each partition streams its Arrow batches (`mapInArrow`) through the multiset fingerprint, the streamed profile and
the bottom-k row sample (`sketches.py`); the partial states are combined on the executors (`treeReduce`) and only
the combined state — counts, sketches and the bounded sample — reaches the driver, where the personal-data
screening looks at the sample. Spark rows have no order, so the dataset's fingerprint is the order-independent
`uitlegbaar-multiset-v1`, unless the capture names a key (`order_by=`): then the frame, sorted by that key and
read as one ordered partition on one executor, also gets the ordered `uitlegbaar-arrow-sha256-v1`, equal to the
fingerprint of the same table sorted by the key anywhere else.

The executors import uitlegbaar: on a cluster it must be installed where the Python workers run (docs/scale.md).
"""

from __future__ import annotations

import pickle
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from uitlegbaar import progress
from uitlegbaar.capture.fingerprint import StreamingFingerprint, TableFingerprint
from uitlegbaar.capture.measured import Measured
from uitlegbaar.capture.multiset import ALGORITHM as MULTISET
from uitlegbaar.capture.multiset import MultisetSum
from uitlegbaar.capture.onepass import OnePass
from uitlegbaar.capture.sketches import StreamProfile
from uitlegbaar.capture.streams import BATCH_ROWS

if TYPE_CHECKING:
    import pyarrow as pa


def is_spark_frame(obj: Any) -> bool:
    cls = type(obj)
    return cls.__module__.split(".")[0] == "pyspark" and cls.__name__ == "DataFrame"


def measure(frame: Any, personal: Collection[str], min_count: int, order_by: Sequence[str] = ()) -> Measured:
    """Fingerprints, profile and screening sample of a Spark DataFrame, computed by its executors."""
    from pyspark.sql.types import BinaryType, StructField, StructType

    out = StructType([StructField("state", BinaryType())])
    hidden = frozenset(personal)

    def partial(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return _partial(batches, hidden, min_count)

    states = frame.mapInArrow(partial, out).rdd.map(lambda row: bytes(row.state))
    with _tasks(frame, "Spark dataset"):
        try:
            state = states.treeReduce(_merge, depth=2)
        except ValueError:  # no rows in any partition
            state = None
    schema, multiset, profile = _unpack(state) if state is not None else _empty(frame, hidden, min_count)
    fingerprint = TableFingerprint(multiset.digest(), {}, MULTISET)
    if order_by:
        sorted_one = frame.orderBy(*order_by).coalesce(1)
        with _tasks(frame, "Spark dataset, ordered"):
            rows = sorted_one.mapInArrow(_ordered_partial, out).collect()  # one row: the digests
        fingerprint = pickle.loads(rows[0].state) if rows else _ordered_empty(schema)
    return Measured(
        schema=schema,
        num_rows=multiset.rows,
        fingerprint=fingerprint,
        multiset_of=multiset.digest,
        screen=profile.sample_table(schema),
        profile=lambda withheld: profile.profiles(withheld, schema),
        origin="pyspark.DataFrame",
        streamed=True,
        ordered_by=tuple(order_by),
    )


@contextmanager
def _tasks(frame: Any, what: str) -> Iterator[None]:
    """A progress bar over the tasks of the Spark jobs that run meanwhile (read from the status tracker)."""
    if not progress.shown():
        with progress.rows(what, unit="tasks"):
            yield
        return
    tracker = frame.sparkSession.sparkContext.statusTracker()
    finished = threading.Event()
    with progress.rows(what, unit="tasks") as advance:

        def poll() -> None:
            while not finished.wait(0.5):
                stages = [tracker.getStageInfo(s) for s in tracker.getActiveStageIds()]
                stages = [s for s in stages if s is not None]
                total = sum(s.numTasks for s in stages)
                if total:
                    advance(0, total=total, completed=sum(s.numCompletedTasks for s in stages))

        watcher = threading.Thread(target=poll, name="uitlegbaar-spark-progress", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            finished.set()
            watcher.join()


def _partial(batches: Iterator[pa.RecordBatch], personal: frozenset[str], min_count: int) -> Iterator[pa.RecordBatch]:
    """On an executor: one partition's batches into one partial state (no row for an empty partition)."""
    import pyarrow as pa

    one = schema = None
    for batch in _rebatched(batches):
        if one is None:
            schema = batch.schema
            one = OnePass(schema, personal, min_count, ordered=False)
        one.add(batch)
    if one is not None:
        one.finish()
        state = pickle.dumps((schema, one.multiset, one.profile.to_bytes()))
        yield pa.RecordBatch.from_pydict({"state": pa.array([state], type=pa.binary())})


def _rebatched(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.Table]:
    """Spark's Arrow batches (10,000 rows by default) gathered into tables of BATCH_ROWS: the per-batch work of the
    profile (a kernel call per column) then counts once per 65,536 rows, as for a stream."""
    import pyarrow as pa

    gathered: list[pa.RecordBatch] = []
    rows = 0
    for batch in batches:
        gathered.append(batch)
        rows += batch.num_rows
        if rows >= BATCH_ROWS:
            yield pa.Table.from_batches(gathered).combine_chunks()
            gathered, rows = [], 0
    if gathered:
        yield pa.Table.from_batches(gathered).combine_chunks()


def _merge(a: bytes, b: bytes) -> bytes:
    schema, multiset, profile = _unpack(a)
    _, other_multiset, other_profile = _unpack(b)
    multiset.merge(other_multiset)
    profile.merge(other_profile)
    return pickle.dumps((schema, multiset, profile.to_bytes()))


def _unpack(state: bytes) -> tuple[pa.Schema, MultisetSum, StreamProfile]:
    schema, multiset, profile = pickle.loads(state)  # our own state, from our own executors
    return schema, multiset, StreamProfile.from_bytes(profile)


def _empty(frame: Any, personal: frozenset[str], min_count: int) -> tuple[pa.Schema, MultisetSum, StreamProfile]:
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(frame.schema)
    return schema, MultisetSum.for_schema(schema), StreamProfile.for_schema(schema, personal, min_count)


def _ordered_partial(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """On the one executor reading the sorted frame: the ordered fingerprint, batch after batch."""
    import pyarrow as pa

    ordered = None
    for batch in _rebatched(batches):
        if ordered is None:
            ordered = StreamingFingerprint(batch.schema)
        ordered.add(batch)
    if ordered is not None:
        yield pa.RecordBatch.from_pydict({"state": pa.array([pickle.dumps(ordered.result())], type=pa.binary())})


def _ordered_empty(schema: pa.Schema) -> TableFingerprint:
    ordered = StreamingFingerprint(schema)
    return ordered.result()
