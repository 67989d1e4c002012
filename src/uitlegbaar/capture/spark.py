"""A PySpark DataFrame measured where it lives: on the executors, never collected.

Each partition streams its Arrow batches (`mapInArrow`) through the multiset fingerprint, the streamed profile and
the bottom-k row sample (`sketches.py`); the partial states are combined on the executors (`treeReduce`) and only
the combined state — counts, sketches and the bounded sample — reaches the driver, where the personal-data
screening looks at the sample. Spark rows have no order, so the dataset's fingerprint is the order-independent
`uitlegbaar-multiset-v1`, unless the capture names a key (`order_by=`): then the frame, sorted by that key and
read as one ordered partition on one executor, also gets the ordered `uitlegbaar-arrow-sha256-v1`, equal to the
fingerprint of the same table sorted by the key anywhere else.

A frame that is nothing but a scan of Parquet files (`spark.read.parquet(path)`, no filter, projection or
partition columns; columns of plain types) is measured the same way from its files: each task reads its share of
`inputFiles()` with pyarrow, as the streaming capture does, which skips Spark's row-by-row conversion to Arrow
(the larger part of the time of a `mapInArrow`); the batches get the Arrow types Spark's own conversion gives, so
both ways give the same state. Should the executors fail to read the files that way, the frame is measured
through `mapInArrow` after all.

The executors import uitlegbaar: on a cluster it must be installed where the Python workers run (docs/scale.md).
"""

from __future__ import annotations

import logging
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

log = logging.getLogger("uitlegbaar")
# Spark types read from Parquet files exactly as Spark's Arrow conversion gives them (no time zones, no precision)
_PLAIN_TYPES = frozenset(
    (
        "ByteType",
        "ShortType",
        "IntegerType",
        "LongType",
        "FloatType",
        "DoubleType",
        "BooleanType",
        "StringType",
        "BinaryType",
        "DateType",
    )
)


def is_spark_frame(obj: Any) -> bool:
    cls = type(obj)
    return cls.__module__.split(".")[0] == "pyspark" and cls.__name__ == "DataFrame"


def measure(frame: Any, personal: Collection[str], min_count: int, order_by: Sequence[str] = ()) -> Measured:
    """Fingerprints, profile and screening sample of a Spark DataFrame, computed by its executors."""
    from pyspark.sql.types import BinaryType, StructField, StructType

    out = StructType([StructField("state", BinaryType())])
    hidden = frozenset(personal)

    def partial(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        state = _partial(_rebatched(batches), hidden, min_count)
        if state is not None:  # no row for an empty partition
            yield pa.RecordBatch.from_pydict({"state": pa.array([state], type=pa.binary())})

    with _tasks(frame, "Spark dataset"):
        files = parquet_files(frame)
        state = None
        if files:
            try:
                state = _reduce(_file_states(frame, files, hidden, min_count))
                log.info("uitlegbaar: read the Spark frame from its %d Parquet files on the executors", len(files))
            except Exception as exc:  # e.g. a file system pyarrow cannot open where the executors run
                log.info("uitlegbaar: reading the Parquet files on the executors failed (%s); using mapInArrow", exc)
                files = []
        if not files:
            state = _reduce(frame.mapInArrow(partial, out).rdd.map(lambda row: bytes(row.state)))
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


def parquet_files(frame: Any) -> list[str]:
    """The files of a frame that is a bare scan of Parquet files with columns of plain types, else []."""
    try:
        plan = frame._jdf.queryExecution().optimizedPlan()  # classic PySpark; Spark Connect has no _jdf
        if plan.getClass().getSimpleName() != "LogicalRelation":
            return []
        relation = plan.relation()
        if relation.getClass().getSimpleName() != "HadoopFsRelation":
            return []
        if (
            relation.fileFormat().getClass().getSimpleName() != "ParquetFileFormat"
            or relation.partitionSchema().length()
        ):
            return []
        if any(type(f.dataType).__name__ not in _PLAIN_TYPES for f in frame.schema.fields):
            return []
        return [str(f) for f in frame.inputFiles()]
    except Exception:  # anything unexpected about the plan: measure through mapInArrow
        return []


def _file_states(frame: Any, files: list[str], personal: frozenset[str], min_count: int) -> Any:
    """The partial states of the frame's files, each task reading its share with pyarrow."""
    from pyspark.sql.pandas.types import to_arrow_schema

    schema = to_arrow_schema(frame.schema)
    context = frame.sparkSession.sparkContext

    def read(paths: Iterator[str]) -> Iterator[bytes]:
        import pyarrow.fs

        from uitlegbaar.capture.streams import parquet_batches

        def batches() -> Iterator[pa.RecordBatch]:
            for uri in paths:
                filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
                yield from parquet_batches([path], filesystem, schema, BATCH_ROWS)

        state = _partial(batches(), personal, min_count, schema)
        if state is not None:
            yield state

    return context.parallelize(files, min(len(files), context.defaultParallelism)).mapPartitions(read)


def _reduce(states: Any) -> bytes | None:
    try:
        state: bytes = states.treeReduce(_merge, depth=2)
    except ValueError:  # no rows in any partition
        return None
    return state


def _partial(
    batches: Iterator[pa.RecordBatch], personal: frozenset[str], min_count: int, schema: pa.Schema | None = None
) -> bytes | None:
    """On an executor: one partition's batches into one partial state (None for no rows); `schema` (default: the
    first batch's) is the one the state is of, where a file keeps text dictionary-encoded."""
    one = None
    for batch in batches:
        if one is None:
            schema = schema or batch.schema
            one = OnePass(schema, StreamProfile.for_schema(schema, personal, min_count), ordered=False)
        one.add(batch)
    if one is None:
        return None
    one.finish()
    return pickle.dumps((schema, one.multiset, one.profile.to_bytes()))


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
