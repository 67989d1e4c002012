"""Exact content fingerprints of tables.

The fingerprint covers every row and every column of a table's logical content and its schema, and
nothing of its physical form: chunking, slicing, offsets, memory layout and whether it came from
pandas, Arrow, polars or numpy do not change it; any changed cell, reordered or added row, added,
removed, renamed or retyped column does.

Each column is hashed on its own (in parallel threads: hashlib and numpy release the GIL) from
normalised byte streams — values, string lengths, validity — each fed chunk after chunk so that chunk
boundaries leave no trace. The table digest is SHA-256 over a header (algorithm, row count), the
schema, and the column digests in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, map_columns

if TYPE_CHECKING:
    import pyarrow as pa

ALGORITHM = "uitlegbaar-arrow-sha256-v1"


@dataclass(frozen=True)
class TableFingerprint:
    digest: str
    columns: dict[str, str]
    algorithm: str = ALGORITHM


def logical_type(t: pa.DataType) -> str:
    """The type name a fingerprint and a schema record use: physical variants of one type share it."""
    import pyarrow as pa

    if pa.types.is_string(t) or pa.types.is_large_string(t) or _is_view(t, "string_view"):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or _is_view(t, "binary_view"):
        return "binary"
    if pa.types.is_dictionary(t):
        return f"dictionary<{logical_type(t.value_type)}>"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or _is_view(t, "list_view"):
        return f"list<{logical_type(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{logical_type(f.type)}" for f in t) + ">"
    return str(t)


def _is_view(t: pa.DataType, name: str) -> bool:
    return str(t) == name


# Arrow's view layouts hash as their large counterparts (`pa.type_for_alias` names).
_VIEW_TO_LARGE = {"string_view": "large_string", "binary_view": "large_binary"}


def fingerprint_table(table: pa.Table) -> TableFingerprint:
    """Fingerprint an Arrow table (see the module docstring for what it covers)."""
    names = [str(n) for n in table.column_names]
    columns = [table.column(i) for i in range(table.num_columns)]
    digests = map_columns(_column_digest, columns, parallel=table.nbytes >= PARALLEL_MIN_BYTES)
    return _table_fingerprint(names, [logical_type(c.type) for c in columns], table.num_rows, digests)


class StreamingFingerprint:
    """The same fingerprint, fed batch by batch (a Parquet dataset, a reader, a partition in order): equal to
    `fingerprint_table` of the concatenated batches, since every stream is fed in row order across them."""

    def __init__(self, schema: pa.Schema) -> None:
        self.names = [str(n) for n in schema.names]
        self.types = [logical_type(t) for t in schema.types]
        self.rows = 0
        self._columns = [_ColumnHasher() for _ in self.names]

    def add(self, batch: pa.RecordBatch | pa.Table) -> None:
        arrays = [batch.column(i) for i in range(batch.num_columns)]
        jobs = list(zip(self._columns, arrays, strict=True))
        map_columns(lambda job: job[0].feed(job[1]), jobs, parallel=batch.nbytes >= PARALLEL_MIN_BYTES)
        self.rows += batch.num_rows

    def feed(self, index: int, column: pa.Array | pa.ChunkedArray) -> None:
        """Feed one column of a batch (every column of a batch, then `count` its rows: the same as `add`)."""
        self._columns[index].feed(column)

    def count(self, rows: int) -> None:
        self.rows += rows

    def result(self) -> TableFingerprint:
        digests = [h.digest(t) for h, t in zip(self._columns, self.types, strict=True)]
        return _table_fingerprint(self.names, self.types, self.rows, digests)


def _table_fingerprint(names: list[str], types: list[str], rows: int, digests: list[bytes]) -> TableFingerprint:
    top = hashlib.sha256()
    top.update(ALGORITHM.encode() + b"\0")
    top.update(rows.to_bytes(8, "little"))
    top.update(len(names).to_bytes(8, "little"))
    for name, type_name, digest in zip(names, types, digests, strict=True):
        _update_text(top, name)
        _update_text(top, type_name)
        top.update(digest)
    return TableFingerprint(top.hexdigest(), {n: d.hex() for n, d in zip(names, digests, strict=True)})


def _update_text(h: Any, text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    h.update(len(raw).to_bytes(8, "little"))
    h.update(raw)


class _Streams:
    """Named SHA-256 streams of one column; each is fed in row order across chunks."""

    def __init__(self) -> None:
        self._streams: dict[str, Any] = {}
        self.null_paths: set[str] = set()  # parts of the null type: their row count is hashed once, at the end

    def feed(self, name: str, data: Any) -> None:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = hashlib.sha256()
        stream.update(data)

    def digest(self, type_name: str, length: int) -> bytes:
        for path in self.null_paths:
            self.feed(path + "nulls", length.to_bytes(8, "little"))
        top = hashlib.sha256()
        _update_text(top, type_name)
        top.update(length.to_bytes(8, "little"))
        for name in sorted(self._streams):
            _update_text(top, name)
            top.update(self._streams[name].digest())
        return top.digest()


class _ColumnHasher:
    """One column's streams, fed chunk after chunk. A column gets a validity stream when it has a null anywhere;
    as a stream cannot know that in advance, the first null feeds the rows before it as valid."""

    def __init__(self) -> None:
        self.streams = _Streams()
        self.rows = 0
        self.with_validity = False

    def feed(self, column: pa.Array | pa.ChunkedArray) -> None:
        import pyarrow as pa

        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        for chunk in chunks:
            if not len(chunk):
                continue
            if chunk.null_count and not self.with_validity and not pa.types.is_null(chunk.type):
                self.with_validity = True
                for start in range(0, self.rows, 1 << 20):
                    self.streams.feed("valid", b"\x01" * min(1 << 20, self.rows - start))
            _feed_array(self.streams, "", chunk, self.with_validity)
            self.rows += len(chunk)

    def digest(self, type_name: str) -> bytes:
        return self.streams.digest(type_name, self.rows)


def _column_digest(column: pa.ChunkedArray) -> bytes:
    hasher = _ColumnHasher()
    hasher.with_validity = column.null_count > 0  # known in advance for a whole column
    hasher.feed(column)
    return hasher.digest(logical_type(column.type))


def _feed_array(streams: _Streams, path: str, array: pa.Array, with_validity: bool) -> None:
    """Feed one chunk's logical content into the streams named under `path`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if str(array.type) in _VIEW_TO_LARGE:
        array = array.cast(pa.type_for_alias(_VIEW_TO_LARGE[str(array.type)]))
    lengths = None
    if pa.types.is_dictionary(array.type):
        if not array.null_count and _has_offsets(array.type.value_type) and not array.dictionary.null_count:
            lengths = _encoded_lengths(array)  # read through the dictionary: cheaper than from the decoded text
        array = array.dictionary_decode()
    t = array.type
    valid = None
    if with_validity and not pa.types.is_null(t):
        valid = pc.is_valid(array)
        streams.feed(path + "valid", _as_bytes(valid))
    if array.null_count and (pa.types.is_boolean(t) or _has_offsets(t)):
        array = pc.fill_null(array, pa.scalar(False if pa.types.is_boolean(t) else "", type=t))
    if pa.types.is_boolean(t):
        streams.feed(path + "values", _as_bytes(array))
    elif _is_fixed_width(t):
        streams.feed(path + "values", _fixed_width_values(array, valid if array.null_count else None))
    elif _has_offsets(t):
        _feed_variable(streams, path, array, lengths)
    elif pa.types.is_struct(t):
        for i, field in enumerate(t):
            _feed_array(streams, f"{path}{field.name}.", array.field(i), with_validity=True)
    elif pa.types.is_null(t):
        streams.null_paths.add(path)
    else:
        _feed_python(streams, path, array)


def _fixed_width_values(array: pa.Array, valid: pa.Array | None) -> Any:
    """The value bytes of a fixed-width chunk; bytes under nulls zeroed, NaNs made canonical."""
    import numpy as np
    import pyarrow as pa

    t = array.type
    width = t.byte_width
    values: Any = memoryview(array.buffers()[1])[array.offset * width : (array.offset + len(array)) * width]
    if valid is not None:
        rows = np.frombuffer(values, dtype=np.uint8).reshape(len(array), width).copy()
        rows[~valid.to_numpy(zero_copy_only=False)] = 0
        values = rows.tobytes()
    if pa.types.is_floating(t):
        values = _canonical_nans(values, t)
    return values


def _is_fixed_width(t: pa.DataType) -> bool:
    import pyarrow as pa

    return (
        bool(pa.types.is_primitive(t) and not pa.types.is_boolean(t) and t.bit_width % 8 == 0)
        or pa.types.is_decimal(t)
        or pa.types.is_fixed_size_binary(t)
    )


def _has_offsets(t: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)
    )


def _feed_variable(streams: _Streams, path: str, array: pa.Array, lengths: Any = None) -> None:
    """Strings and binaries: the byte length of each value (as int64, unless given), then the bytes, as two
    streams."""
    offsets = _offsets(array)
    streams.feed(path + "lengths", _lengths(offsets) if lengths is None else lengths)
    data_buffer = array.buffers()[2]
    if data_buffer is not None:
        streams.feed(path + "bytes", memoryview(data_buffer)[int(offsets[0]) : int(offsets[-1])])


def _offsets(array: pa.Array) -> Any:
    """The value offsets of a string or binary array, as numpy (zero-copy)."""
    import numpy as np
    import pyarrow as pa

    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if large else np.int32)
    return offsets[array.offset : array.offset + len(array) + 1]


def _lengths(offsets: Any) -> Any:
    import numpy as np

    return np.diff(offsets).astype(np.int64, copy=False)


def _encoded_lengths(array: pa.DictionaryArray) -> Any:
    """The byte lengths (int64) of a dictionary array's values, picked from its dictionary's (no null in either)."""
    import numpy as np

    indices = array.indices
    positions = np.frombuffer(indices.buffers()[1], dtype=indices.type.to_pandas_dtype())
    return np.take(_lengths(_offsets(array.dictionary)), positions[indices.offset : indices.offset + len(indices)])


def _canonical_nans(values: Any, t: pa.DataType) -> Any:
    """NaNs have many bit patterns; give them one so equal tables hash equal."""
    import numpy as np

    dtype = {16: np.float16, 32: np.float32, 64: np.float64}[t.bit_width]
    floats = np.frombuffer(values, dtype=dtype)
    if not len(floats) or not np.isnan(floats.min()):  # min is NaN where a value is (and fast, unlike isnan)
        return values
    floats = floats.copy()
    floats[np.isnan(floats)] = np.nan
    return floats.tobytes()


def _as_bytes(bools: pa.Array) -> Any:
    """A boolean array as one byte per value (bit-packed buffers carry offsets we must not hash)."""
    import numpy as np

    flags = np.asarray(bools.to_numpy(zero_copy_only=False))
    return flags.view(np.uint8) if flags.dtype == np.bool_ else flags.astype(np.uint8)


def _feed_python(streams: _Streams, path: str, array: pa.Array) -> None:
    """Any other type (lists, maps, unions …): its values as canonical JSON text, one per row."""
    import json

    encode: Callable[[Any], str] = lambda v: json.dumps(v, sort_keys=True, default=repr)  # noqa: E731
    for value in array.to_pylist():
        text = encode(value).encode()
        streams.feed(path + "lengths", len(text).to_bytes(8, "little"))
        streams.feed(path + "json", text)
