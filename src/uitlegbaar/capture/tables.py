"""Turn the table-like objects users pass around into Arrow tables.

Supported: pandas DataFrames and Series, pyarrow Tables and RecordBatches, numpy arrays and polars
DataFrames. Libraries are detected by the object's module, so none of them is imported unless the
user already has such an object.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uitlegbaar.capture.parallel import PARALLEL_MIN_BYTES, map_columns

if TYPE_CHECKING:
    import pyarrow as pa

_TABLE_TYPES = {
    ("pandas", "DataFrame"),
    ("pandas", "Series"),
    ("pyarrow", "Table"),
    ("pyarrow", "RecordBatch"),
    ("numpy", "ndarray"),
    ("polars", "DataFrame"),
}


def origin_of(obj: Any) -> str:
    """`pandas.DataFrame`, `pyarrow.Table`, …: the library and class an object came as."""
    cls = type(obj)
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def is_table(obj: Any) -> bool:
    """True for objects uitlegbaar can fingerprint as a dataset."""
    cls = type(obj)
    if (cls.__module__.split(".")[0], cls.__name__) in _TABLE_TYPES:
        return cls.__name__ != "ndarray" or getattr(obj, "ndim", 0) in (1, 2)
    return False


def to_arrow(obj: Any) -> pa.Table:
    """The Arrow table with the same logical content as `obj` (no copy where Arrow can avoid one)."""
    import pyarrow as pa

    origin = origin_of(obj)
    if origin == "pyarrow.Table":
        return obj
    if origin == "pyarrow.RecordBatch":
        return pa.Table.from_batches([obj])
    if origin == "pandas.DataFrame":
        return _from_pandas(obj)
    if origin == "pandas.Series":
        return _from_pandas(obj.to_frame(name=str(obj.name) if obj.name is not None else "0"))
    if origin == "polars.DataFrame":
        return obj.to_arrow()
    if origin == "numpy.ndarray":
        return _from_numpy(obj)
    raise TypeError(f"cannot read a {origin} as a table; pass a pandas, pyarrow, polars or numpy object")


def _from_pandas(df: Any) -> pa.Table:
    import pyarrow as pa

    frame = df if all(isinstance(c, str) for c in df.columns) else df.rename(columns=str)
    index = _index_is_content(frame.index)
    try:
        if not index and frame.columns.is_unique:
            return _numbers_as_they_are(frame)
        return pa.Table.from_pandas(frame, preserve_index=index)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return _from_pandas_columnwise(frame)


def _numbers_as_they_are(frame: Any) -> pa.Table:
    """A frame with no index of its own: its number columns without NaN read without a copy, the others (and any
    with a NaN) converted by Arrow as `from_pandas` converts them."""
    import pyarrow as pa

    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    wide = frame.shape[0] * frame.shape[1] * 8 >= PARALLEL_MIN_BYTES
    arrays = map_columns(_numbers_without_nan, columns, parallel=wide)
    rest = [i for i, a in enumerate(arrays) if a is None]
    if rest:
        converted = pa.Table.from_pandas(frame.iloc[:, rest], preserve_index=False)
        for i, array in zip(rest, converted.columns, strict=True):
            arrays[i] = array
    return pa.Table.from_arrays(arrays, names=list(frame.columns))


def _numbers_without_nan(series: Any) -> pa.Array | None:
    """A column of plain numpy numbers with no NaN as Arrow, without a copy: what `from_pandas` makes of it, which
    copies every value to look for NaN (its null); None for any other column."""
    import math

    import numpy as np
    import pyarrow as pa

    if not isinstance(series.dtype, np.dtype) or series.dtype.kind not in "biuf":
        return None
    values = np.ascontiguousarray(series.to_numpy())
    if values.dtype.kind == "f" and len(values) and math.isnan(values.min()):  # min is NaN where a value is
        return None
    return pa.array(values)


def _from_pandas_columnwise(frame: Any) -> pa.Table:
    """Convert column by column; a column Arrow cannot type (mixed objects) becomes text of its values."""
    import pyarrow as pa

    arrays, fields = [], []
    for name in frame.columns:
        series = frame[name]
        try:
            array = pa.array(series, from_pandas=True)
            field = pa.field(name, array.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            texts = [None if v is None else f"{type(v).__name__}:{v!r}" for v in series.tolist()]
            array = pa.array(texts, type=pa.large_string())
            field = pa.field(name, array.type, metadata={b"uitlegbaar.mixed": b"1"})
        arrays.append(array)
        fields.append(field)
    if _index_is_content(frame.index):
        for level, name in enumerate(frame.index.names):
            index = pa.array(frame.index.get_level_values(level), from_pandas=True)
            arrays.append(index)
            fields.append(pa.field(str(name), index.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _index_is_content(index: Any) -> bool:
    """A named index carries data (an id, a date); an unnamed one is row numbering, left over from
    reading, filtering or splitting, and is not part of the table's content."""
    return any(name is not None for name in index.names)


def _from_numpy(array: Any) -> pa.Table:
    import numpy as np
    import pyarrow as pa

    if array.dtype.names:
        return pa.table({name: np.ascontiguousarray(array[name]) for name in array.dtype.names})
    if array.ndim == 1:
        return pa.table({"0": array})
    return pa.table({str(i): np.ascontiguousarray(array[:, i]) for i in range(array.shape[1])})
