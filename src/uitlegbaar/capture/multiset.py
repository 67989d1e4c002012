"""The order-independent fingerprint of a table: the same rows in any order, any partitioning, from any engine.

`uitlegbaar-multiset-v1` hashes every row to 64 bits and adds the row hashes up modulo the Mersenne prime
p = 2^61 − 1, so that parts computed anywhere (a Spark partition, a Parquet file, a batch) combine by addition.
The digest is SHA-256 over the algorithm, the row count, the column names and logical types, and that sum.

A cell's hash is a 64-bit mix (splitmix64's finaliser) of its value's canonical 64-bit word, keyed by its column's
name and type; a row's hash mixes the sum of its cells' hashes again, so that values cannot trade places between
rows unnoticed. Canonical words: a fixed-width value's bits (NaNs made one, narrow integers widened, wide ones
folded), a text or binary value a keyed sum over its 8-byte words and their positions with its length, anything else the
SHA-256 of its canonical JSON; a null is its own constant. The collision bound is in docs/scale.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.fingerprint import logical_type
from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, map_columns

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

ALGORITHM = "uitlegbaar-multiset-v1"
PRIME = (1 << 61) - 1
_NULL = 0x6E756C6C2D63656C  # "null-cel"
_BYTE_SALT = 0x9E3779B97F4A7C15
_LENGTH_SALT = 0xD6E8FEB86659FD93
_ROW_SALT = 0xA0761D6478BD642F
_MIX_BLOCK = 1 << 16  # 512 KiB of words: in a core's cache, and long enough for numpy to run beside the GIL


def mix(z: np.ndarray, key: int = 0, out: np.ndarray | None = None) -> np.ndarray:
    """splitmix64's finaliser on every word of `z ^ key`, into `out` (default: `z` itself, in place; every input bit
    reaches every output bit). A block of `_MIX_BLOCK` words at a time: its steps then work in the core's cache, at
    a third of the time they take over a long array in memory; `out` spares a copy of `z` made beforehand."""
    import numpy as np

    u = np.uint64
    out = z if out is None else out
    tmp = np.empty(min(_MIX_BLOCK, len(z)), dtype=np.uint64)
    for start in range(0, len(z), _MIX_BLOCK):
        block = out[start : start + _MIX_BLOCK]
        if key or out is not z:
            np.bitwise_xor(z[start : start + _MIX_BLOCK], u(key), out=block)
        spare = tmp[: len(block)]
        np.right_shift(block, u(30), out=spare)
        block ^= spare
        block *= u(0xBF58476D1CE4E5B9)
        np.right_shift(block, u(27), out=spare)
        block ^= spare
        block *= u(0x94D049BB133111EB)
        np.right_shift(block, u(31), out=spare)
        block ^= spare
    return out


def column_key(name: str, type_name: str) -> int:
    """The key of a column's cell hashes, drawn from its name and logical type."""
    raw = hashlib.sha256(f"{ALGORITHM}\0{name}\0{type_name}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(raw[:8], "little")


@dataclass
class MultisetSum:
    """The running sum of a table's row hashes; `add` batches, `merge` partial sums computed elsewhere."""

    names: list[str]
    types: list[str]
    rows: int = 0
    total: int = 0
    _keys: list[int] = field(default_factory=list, repr=False)

    @classmethod
    def for_schema(cls, schema: pa.Schema) -> MultisetSum:
        return cls([str(n) for n in schema.names], [logical_type(t) for t in schema.types])

    def add(self, batch: pa.RecordBatch | pa.Table) -> np.ndarray:
        """Add a batch's rows; returns their row hashes (what samples and sketches key on)."""
        return self.add_hashes(row_hashes(batch, self._column_keys()))

    def cells(self, index: int, column: pa.Array | pa.ChunkedArray, out: np.ndarray | None = None) -> np.ndarray:
        """The cell hashes of the column at `index` of a batch (`add_cells` adds the batch's rows from them), in
        `out` when given (`cell_hashes`)."""
        return cell_hashes(column, self._column_keys()[index], out)

    def add_cells(self, cells: list[np.ndarray], rows: int) -> np.ndarray:
        """Add a batch's rows from every column's cell hashes; returns their row hashes."""
        return self.add_hashes(combine_cells(cells, rows))

    def add_sums(self, total: np.ndarray) -> np.ndarray:
        """Add a batch's rows from the sums of their cell hashes (modulo 2^64; used up); returns their row hashes."""
        return self.add_hashes(mix_rows(total))

    def add_hashes(self, hashes: np.ndarray) -> np.ndarray:
        self.rows += len(hashes)
        self.total = (self.total + _exact_sum(hashes)) % PRIME
        return hashes

    def merge(self, other: MultisetSum) -> None:
        if (other.names, other.types) != (self.names, self.types):
            raise ValueError("cannot combine the multiset sums of two different schemas")
        self.rows += other.rows
        self.total = (self.total + other.total) % PRIME

    def digest(self) -> str:
        top = hashlib.sha256()
        top.update(ALGORITHM.encode() + b"\0")
        top.update(self.rows.to_bytes(8, "little"))
        top.update(len(self.names).to_bytes(8, "little"))
        for name, type_name in zip(self.names, self.types, strict=True):
            for text in (name, type_name):
                raw = text.encode("utf-8", "surrogatepass")
                top.update(len(raw).to_bytes(8, "little") + raw)
        top.update(self.total.to_bytes(8, "little"))
        return top.hexdigest()

    def _column_keys(self) -> list[int]:
        if not self._keys:
            self._keys = [column_key(n, t) for n, t in zip(self.names, self.types, strict=True)]
        return self._keys


def multiset_fingerprint(table: pa.Table) -> str:
    """The multiset digest of an in-memory table."""
    total = MultisetSum.for_schema(table.schema)
    for batch in table.to_batches(max_chunksize=1 << 18):
        total.add(batch)
    return total.digest()


def row_hashes(batch: pa.RecordBatch | pa.Table, keys: list[int]) -> np.ndarray:
    """Each row's 64-bit hash: the mixed sum of its cells' keyed hashes."""
    jobs = [(batch.column(i), key) for i, key in enumerate(keys)]
    cells = map_columns(lambda job: cell_hashes(*job), jobs, parallel=batch.nbytes >= PARALLEL_MIN_BYTES)
    return combine_cells(cells, batch.num_rows)


def combine_cells(cells: list[np.ndarray], rows: int) -> np.ndarray:
    """The row hashes of a batch from its columns' cell hashes (`cell_hashes`)."""
    import numpy as np

    total = np.zeros(rows, dtype=np.uint64) if not cells else cells[0].copy()
    for column in cells[1:]:
        total += column
    return mix_rows(total)


def mix_rows(total: np.ndarray) -> np.ndarray:
    """The row hashes from the sums (modulo 2^64) of each row's cell hashes, in place."""
    import numpy as np

    total ^= np.uint64(_ROW_SALT)
    return mix(total)


def cell_hashes(column: pa.Array | pa.ChunkedArray, key: int, out: np.ndarray | None = None) -> np.ndarray:
    """The keyed hash of every cell of one column (nulls: the column's null constant): a fresh writable array, or
    the first `len(column)` words of `out` (a scratch array reused from column to column spares the memory a fresh
    one costs the system to hand out)."""
    import numpy as np
    import pyarrow as pa

    chunks = [c for c in (column.chunks if isinstance(column, pa.ChunkedArray) else [column]) if len(c)]
    if out is None:
        if not chunks:
            return np.zeros(0, dtype=np.uint64)
        parts = [_chunk_cells(c, key) for c in chunks]
        return np.concatenate(parts) if len(parts) != 1 else parts[0]
    words, start = out[: sum(len(c) for c in chunks)], 0
    for chunk in chunks:
        part = words[start : start + len(chunk)]
        found = _chunk_cells(chunk, key, out=part)
        if found is not part:
            part[:] = found
        start += len(chunk)
    return words


def _chunk_cells(
    array: pa.Array, key: int, *, through_domain: bool = True, out: np.ndarray | None = None
) -> np.ndarray:
    """`mix(value_words(array) ^ key)`, nulls made the null constant, in `out` where it can be. A column of few
    values (a dictionary, booleans, integers of a narrow range) hashes those values once and picks their hashes: the
    same words at a fraction of the cost."""
    import numpy as np

    domain = _domain(array) if through_domain else None
    if domain is not None:
        values, positions = domain
        hashes = _chunk_cells(values, key, through_domain=False)
        words = np.take(hashes, positions, mode="clip", out=out)  # clip: under nulls
    elif _fixed(array.type) and array.type.byte_width == 8:  # the values are the words: read, never written
        words = mix(_fixed_words(array, copy=False), key, out=np.empty(len(array), np.uint64) if out is None else out)
    else:
        words = mix(value_words(array), key)
    if array.null_count:
        words[~_valid(array)] = mix(np.array([key ^ _NULL], dtype=np.uint64))[0]
    return words


def _domain(array: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
    """The distinct values `array` is made of and each row's position among them, when they are few and cheap to
    find (a dictionary's values, false and true, a narrow range of integers); else None."""
    import numpy as np
    import pyarrow as pa

    t, n = array.type, len(array)
    if pa.types.is_dictionary(t):
        dictionary = array.dictionary
        if dictionary.null_count or not len(dictionary):
            return None
        return dictionary, dictionary_indices(array.indices)
    if pa.types.is_boolean(t):
        flags = np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        return pa.array([False, True]), flags.view(np.uint8)
    if pa.types.is_integer(t) and n >= 1024:
        raw = np.frombuffer(array.buffers()[1], dtype=t.to_pandas_dtype())[array.offset : array.offset + n]
        wide = raw.astype(np.int64) if raw.dtype.itemsize < 8 else raw
        low, high = wide.min(), wide.max()
        if int(high) - int(low) < n // 4:
            values = np.arange(int(high) - int(low) + 1, dtype=wide.dtype) + low
            return pa.array(values, t), (wide - low).view(np.int64)
    if _is_text(t) and n >= 1024 and _few_values(array):  # codes, places, categories: encoded at a sixth of the cost
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(array)
        return encoded.dictionary, dictionary_indices(encoded.indices)
    return None


def _is_text(t: pa.DataType) -> bool:
    """Text or binary with offsets (not the view types)."""
    import pyarrow as pa

    is_ = pa.types
    return bool(is_.is_string(t) or is_.is_large_string(t) or is_.is_binary(t) or is_.is_large_binary(t))


def _few_values(array: pa.Array, sample: int = 2048) -> bool:
    """True when an evenly spread sample of the array holds at most one distinct value in sixteen."""
    import numpy as np
    import pyarrow.compute as pc

    picked = array.take(np.arange(0, len(array), max(1, len(array) // sample)))
    return bool(pc.count_distinct(picked, mode="all").as_py() * 16 <= len(picked))


def _valid(array: pa.Array) -> np.ndarray:
    import numpy as np
    import pyarrow.compute as pc

    return np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False), dtype=bool)


def value_words(array: pa.Array) -> np.ndarray:
    """One canonical 64-bit word per value, equal for equal values of one logical type (a fresh, writable array;
    words under nulls are arbitrary)."""
    import numpy as np
    import pyarrow as pa

    t = array.type
    if pa.types.is_dictionary(t):
        if array.dictionary.null_count or not len(array.dictionary) or not len(array):
            return value_words(array.dictionary_decode())
        positions = dictionary_indices(array.indices)
        return np.take(value_words(array.dictionary), positions, mode="clip")  # clip: under nulls
    if str(t) in ("string_view", "binary_view"):
        return value_words(array.cast(pa.large_string() if str(t) == "string_view" else pa.large_binary()))
    if pa.types.is_boolean(t):
        return np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.uint64)
    if pa.types.is_null(t):
        return np.zeros(len(array), dtype=np.uint64)
    if _is_text(t):
        return _text_words(array)
    if _fixed(t):
        return _fixed_words(array)
    return _json_words(array)


def dictionary_indices(indices: pa.Array) -> np.ndarray:
    """A dictionary's indices as numpy, zero-copy (what lies under a null is arbitrary)."""
    import numpy as np

    raw = np.frombuffer(indices.buffers()[1], dtype=indices.type.to_pandas_dtype())
    return raw[indices.offset : indices.offset + len(indices)]


def _fixed(t: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(
        (pa.types.is_primitive(t) and t.bit_width % 8 == 0)
        or pa.types.is_decimal(t)
        or pa.types.is_fixed_size_binary(t)
    )


def _fixed_words(array: pa.Array, *, copy: bool = True) -> np.ndarray:
    """The values' canonical words; with `copy` false, 8-byte values without NaN may be Arrow's own (read-only)."""
    import numpy as np
    import pyarrow as pa

    t = array.type
    width = t.byte_width
    raw = np.frombuffer(array.buffers()[1], dtype=np.uint8)[array.offset * width : (array.offset + len(array)) * width]
    fresh = False
    if pa.types.is_floating(t):
        floats = raw.view({2: np.float16, 4: np.float32, 8: np.float64}[width])
        if len(floats) and np.isnan(floats.min()):  # min is NaN where a value is (and fast, unlike isnan)
            floats = floats.copy()
            floats[np.isnan(floats)] = np.nan
            raw, fresh = floats.view(np.uint8), True
    words: np.ndarray
    if width == 8:
        words = raw.view(np.uint64) if fresh or not copy else raw.view(np.uint64).copy()
        return words
    if width in (1, 2, 4):
        words = raw.view({1: np.uint8, 2: np.uint16, 4: np.uint32}[width]).astype(np.uint64)
        return words
    # wider values (decimal128/256, fixed-size binary): fold their 8-byte words, mixing between them
    padded = np.zeros((len(array), -(-width // 8) * 8), dtype=np.uint8)
    padded[:, :width] = raw.reshape(len(array), width)
    lanes = padded.view(np.uint64)
    words = lanes[:, 0].copy()
    for j in range(1, lanes.shape[1]):
        mix(words)
        words ^= lanes[:, j]
    return words


def _text_words(array: pa.Array) -> np.ndarray:
    """A keyed sum over each value's 8-byte words (each word hashed with its position; the last one zero-padded),
    mixed with the value's length."""
    import numpy as np
    import pyarrow as pa

    large = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if large else np.int32)[
        array.offset : array.offset + len(array) + 1
    ].astype(np.int64)
    lengths = np.diff(offsets)
    if array.null_count:
        lengths[~_valid(array)] = 0
    words_per_value = (lengths + 7) // 8
    ends = np.cumsum(words_per_value)
    total = int(ends[-1]) if len(ends) else 0
    if total and data_buffer is not None:
        firsts = ends - words_per_value  # where each value's words start among all words
        position = np.arange(total, dtype=np.int64) - np.repeat(firsts, words_per_value)
        base = int(offsets[0])
        starts = np.repeat(offsets[:-1] - base, words_per_value) + 8 * position
        left = np.repeat(lengths, words_per_value) - 8 * position  # bytes of the value from this word on
        data = np.frombuffer(data_buffer, dtype=np.uint8)[base : int(offsets[-1])]
        padded = np.zeros(len(data) + 8, dtype=np.uint8)
        padded[: len(data)] = data
        windows = np.lib.stride_tricks.as_strided(padded, shape=(len(data) + 1, 8), strides=(1, 1))
        words = np.ascontiguousarray(windows[starts]).view(np.uint64).ravel()
        short = left < 8
        words[short] &= (np.uint64(1) << (8 * left[short]).astype(np.uint64)) - np.uint64(1)
        words ^= position.astype(np.uint64) * np.uint64(_BYTE_SALT)
        cumulative = np.zeros(total + 1, dtype=np.uint64)
        np.cumsum(mix(words), dtype=np.uint64, out=cumulative[1:])
        sums = cumulative[ends] - cumulative[firsts]
    else:
        sums = np.zeros(len(array), dtype=np.uint64)
    length_words = lengths.astype(np.uint64) ^ np.uint64(_LENGTH_SALT)
    mix(length_words)
    out: np.ndarray = sums ^ length_words
    return out


def _json_words(array: pa.Array) -> np.ndarray:
    import json

    import numpy as np

    def word(value: Any) -> int:
        text = json.dumps(value, sort_keys=True, default=repr).encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")

    return np.array([word(v) for v in array.to_pylist()], dtype=np.uint64)


def _exact_sum(words: np.ndarray) -> int:
    """The exact integer sum of 64-bit words (as two 32-bit halves, so that numpy cannot overflow)."""
    import numpy as np

    if not len(words):
        return 0
    high = low = 0
    half = np.empty(min(_MIX_BLOCK, len(words)), dtype=np.uint64)
    for start in range(0, len(words), _MIX_BLOCK):  # a block at a time, in the core's cache (as `mix`)
        block = words[start : start + _MIX_BLOCK]
        part = half[: len(block)]
        high += int(np.right_shift(block, np.uint64(32), out=part).sum(dtype=np.uint64))
        low += int(np.bitwise_and(block, np.uint64(0xFFFFFFFF), out=part).sum(dtype=np.uint64))
    return (high << 32) + low
