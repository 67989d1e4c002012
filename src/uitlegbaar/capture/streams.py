"""Tables read batch by batch: a Parquet file or folder, a pyarrow dataset, an Arrow RecordBatchReader (or anything
with `__arrow_c_stream__`), a polars LazyFrame, a DuckDB relation or query result, a Delta Lake table (when
`deltalake` is installed) and an Iceberg table (a pyiceberg `Table`). Each becomes a `Stream`: its schema, an
iterator of record batches and, for file-based sources, the files and the table version it was read from.
Libraries are detected by the object's module, as in `tables.py`, and imported only when used.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.parallel import read_ahead
from uitlegbaar.capture.tables import is_table, origin_of
from uitlegbaar.evidence.records import SourceFile, TableVersion

if TYPE_CHECKING:
    import pyarrow as pa

BATCH_ROWS = 1 << 16
HASH_FILES_MAX_BYTES = 256 * 1024 * 1024  # the files' own SHA-256 is taken when they are at most this together


@dataclass
class Stream:
    """A table as a sequence of record batches, read once."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    origin: str
    source: str | None = None
    files: list[SourceFile] = field(default_factory=list)
    version: TableVersion | None = None
    rows: int | None = None  # when known in advance (for progress)


def is_stream(obj: Any) -> bool:
    """True for the sources `open_stream` reads (a path only when it names a Parquet file or folder)."""
    if isinstance(obj, (str, os.PathLike)):
        return _parquet_path(obj) is not None
    module, name = _kind(obj)
    if module == "pyspark" or is_table(obj):
        return False
    return (
        (module == "pyarrow" and name in ("FileSystemDataset", "UnionDataset", "InMemoryDataset"))
        or (module == "pyarrow" and "RecordBatch" in name and "Reader" in name)
        or (module == "polars" and name == "LazyFrame")
        or (module == "duckdb" and name in ("DuckDBPyRelation", "DuckDBPyConnection"))
        or (module == "deltalake" and name == "DeltaTable")
        or (module == "pyiceberg" and name == "Table")
        or hasattr(obj, "__arrow_c_stream__")
    )


def one_shot(obj: Any) -> bool:
    """A source that reading uses up (a reader, a query result): captured only when handed over to be read."""
    name = type(obj).__name__
    return ("Reader" in name or name == "DuckDBPyConnection") or not (
        isinstance(obj, (str, os.PathLike))
        or name.endswith("Dataset")
        or name in ("LazyFrame", "DuckDBPyRelation")
        or name in ("DeltaTable", "Table")
    )


def open_stream(obj: Any, batch_rows: int = BATCH_ROWS) -> Stream:
    """The `Stream` of `obj`; `TypeError` when it is none of the supported sources."""
    import pyarrow as pa

    if isinstance(obj, (str, os.PathLike)):
        path = _parquet_path(obj)
        if path is None:
            raise TypeError(f"{os.fspath(obj)!r} is not a Parquet file or a folder of Parquet files")
        if (path / "_delta_log").is_dir():
            return _delta(_delta_table(path), batch_rows, source=os.fspath(obj))
        import pyarrow.dataset as ds

        return _dataset(ds.dataset(path, format="parquet"), batch_rows, origin="parquet", source=os.fspath(obj))
    module, name = _kind(obj)
    if module == "pyarrow" and name.endswith("Dataset"):
        return _dataset(obj, batch_rows, origin=origin_of(obj))
    if module == "polars" and name == "LazyFrame":
        return _polars(obj, batch_rows)
    if module == "duckdb":
        return _reader(obj.to_arrow_reader(batch_rows), origin_of(obj))
    if module == "deltalake":
        return _delta(obj, batch_rows)
    if module == "pyiceberg":
        return _iceberg(obj)
    if isinstance(obj, pa.RecordBatchReader):
        return _reader(obj, origin_of(obj))
    if hasattr(obj, "__arrow_c_stream__"):
        return _reader(pa.RecordBatchReader.from_stream(obj), origin_of(obj))
    raise TypeError(f"cannot read a {origin_of(obj)} batch by batch")


def _kind(obj: Any) -> tuple[str, str]:
    """The library (`duckdb` for `_duckdb`) and class of an object."""
    return type(obj).__module__.split(".")[0].lstrip("_"), type(obj).__name__


def _parquet_path(obj: str | os.PathLike[str]) -> Path | None:
    text = os.fspath(obj)
    if "://" in text:
        return None
    path = Path(text)
    if path.is_file() and path.suffix.lower() in (".parquet", ".pq"):
        return path
    if path.is_dir() and ((path / "_delta_log").is_dir() or any(path.rglob("*.parquet"))):
        return path
    return None


def _reader(reader: pa.RecordBatchReader, origin: str) -> Stream:
    return Stream(reader.schema, iter(reader), origin)


def _dataset(dataset: Any, batch_rows: int, *, origin: str, source: str | None = None) -> Stream:
    """A pyarrow dataset in order: a Parquet dataset file by file and row group by row group (which holds one row
    group in memory at a time, where the dataset scanner reads ahead), any other through its scanner."""
    import pyarrow.dataset as ds

    files = list(getattr(dataset, "files", []))
    parquet = isinstance(dataset, ds.FileSystemDataset) and isinstance(dataset.format, ds.ParquetFileFormat)
    if parquet:
        batches = read_ahead(parquet_batches(files, dataset.filesystem, dataset.schema, batch_rows))
        rows = sum(f.count_rows() for f in dataset.get_fragments())
    else:
        scanned = dataset.to_batches(batch_size=batch_rows, batch_readahead=1, fragment_readahead=1)
        batches = _sliced(scanned, batch_rows)
        rows = None
    provenance = _files(files, dataset.filesystem) if files else []
    return Stream(dataset.schema, batches, origin, source=source, files=provenance, rows=rows)


def parquet_batches(paths: list[str], filesystem: Any, schema: pa.Schema, batch_rows: int) -> Iterator[pa.RecordBatch]:
    """The files' batches; text columns that a file stores dictionary-encoded stay so (`conform`): decoding,
    hashing and counting them through their dictionary costs a fraction of doing so value by value."""
    import pyarrow.parquet as pq

    for path in paths:
        source = filesystem.open_input_file(path) if filesystem is not None else path
        metadata = pq.read_metadata(source)
        dictionary = _dictionary_columns(metadata, schema)
        # pre-buffering holds a whole row group's chunks
        with pq.ParquetFile(source, metadata=metadata, pre_buffer=False, read_dictionary=dictionary) as file:
            for batch in file.iter_batches(batch_size=batch_rows, columns=schema.names, use_threads=True):
                yield conform(batch, schema)


def _dictionary_columns(metadata: Any, schema: pa.Schema) -> list[str]:
    """The top-level text and binary columns a Parquet file stores with a dictionary."""
    import pyarrow as pa

    if not metadata.num_row_groups:
        return []
    group = metadata.row_group(0)
    stored = {group.column(j).path_in_schema for j in range(group.num_columns) if group.column(j).has_dictionary_page}
    text = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_large_binary)
    return [f.name for f in schema if f.name in stored and any(is_text(f.type) for is_text in text)]


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """`batch` with the types of `schema`, except that a column may stay dictionary-encoded where `schema` has its
    value type: the same logical values, which the fingerprints and the profile read through the dictionary."""
    import pyarrow as pa

    if batch.schema == schema:
        return batch
    arrays = []
    for array, want in zip(batch.columns, schema.types, strict=True):
        t = array.type
        encoded = pa.types.is_dictionary(t) and not pa.types.is_dictionary(want) and t.value_type == want
        arrays.append(array if t == want or encoded else array.cast(want))
    return pa.RecordBatch.from_arrays(arrays, names=schema.names)


def _sliced(batches: Iterator[pa.RecordBatch], batch_rows: int) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        for start in range(0, max(batch.num_rows, 1), batch_rows):
            yield batch.slice(start, batch_rows)


def _polars(frame: Any, batch_rows: int) -> Stream:
    batches = frame.collect_batches(chunk_size=batch_rows, maintain_order=True)
    first = next(iter(batches), None)
    if first is None:
        return Stream(frame.head(0).collect().to_arrow().schema, iter(()), "polars.LazyFrame")
    head = first.to_arrow()

    def rest() -> Iterator[pa.RecordBatch]:
        yield from head.to_batches()
        for part in batches:
            yield from part.to_arrow().cast(head.schema).to_batches()

    return Stream(head.schema, rest(), "polars.LazyFrame")


def _delta_table(path: Path) -> Any:
    try:
        from deltalake import DeltaTable
    except ImportError as exc:
        raise TypeError(f"{path} is a Delta Lake table; install deltalake (pip install 'uitlegbaar[scale]')") from exc
    return DeltaTable(str(path))


def _delta(table: Any, batch_rows: int, source: str | None = None) -> Stream:
    import pyarrow.dataset as ds

    root = table.table_uri.removeprefix("file://")
    dataset = ds.dataset([f.removeprefix("file://") for f in table.file_uris()], format="parquet")
    stream = _dataset(dataset, batch_rows, origin="deltalake.DeltaTable", source=source)
    stream.files = _files([f.removeprefix("file://") for f in table.file_uris()], None, root=root)
    stream.version = TableVersion(format="delta", version=str(table.version()))
    return stream


def _iceberg(table: Any) -> Stream:
    scan = table.scan()
    snapshot = table.current_snapshot()
    tasks = list(scan.plan_files())
    location = str(table.location()).removeprefix("file://")
    files = []
    for task in tasks:
        path = str(task.file.file_path).removeprefix("file://")
        files.append(
            SourceFile(
                path=os.path.relpath(path, location) if path.startswith(location) else Path(path).name,
                size=int(task.file.file_size_in_bytes),
                modified=_mtime(path),
                sha256=None,
            )
        )
    reader = scan.to_arrow_batch_reader()
    version = TableVersion(format="iceberg", version=str(snapshot.snapshot_id)) if snapshot is not None else None
    return Stream(reader.schema, iter(reader), "pyiceberg.Table", files=files, version=version)


def _files(paths: list[str], filesystem: Any, root: str | None = None) -> list[SourceFile]:
    """The files with their sizes and modification times, named relative to their common folder; with the SHA-256
    of their bytes when they are local and at most HASH_FILES_MAX_BYTES together."""
    local = [p for p in paths if os.path.exists(p)]
    if len(local) != len(paths):
        return []
    base = root or (os.path.commonpath([os.path.dirname(p) for p in paths]) if paths else "")
    sizes = [os.path.getsize(p) for p in paths]
    hashed = sum(sizes) <= HASH_FILES_MAX_BYTES
    return [
        SourceFile(
            path=os.path.relpath(p, base) if base else os.path.basename(p),
            size=size,
            modified=_mtime(p),
            sha256=_sha256(p) if hashed else None,
        )
        for p, size in zip(paths, sizes, strict=True)
    ]


def _mtime(path: str) -> datetime:
    try:
        return datetime.fromtimestamp(os.path.getmtime(path), tz=timezone.utc)
    except OSError:
        return datetime.fromtimestamp(0, tz=timezone.utc)


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
