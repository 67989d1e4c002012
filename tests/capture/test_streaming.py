"""Streaming capture: one table from pandas, a Parquet folder of many files, a RecordBatchReader, a polars
LazyFrame and DuckDB gives one ordered and one multiset fingerprint; the streamed profile is exact where it says
so and marks its estimates; file provenance names the files. Real files, real libraries (Spark: test_spark.py)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import uitlegbaar as ub
from uitlegbaar.capture.datasets import measure
from uitlegbaar.capture.fingerprint import ALGORITHM, StreamingFingerprint, fingerprint_table
from uitlegbaar.capture.multiset import ALGORITHM as MULTISET
from uitlegbaar.capture.multiset import multiset_fingerprint
from uitlegbaar.capture.tables import to_arrow
from uitlegbaar.evidence.records import DatasetRecord
from uitlegbaar.store import LocalStore

ROWS = 12_000
FILES = 8


def frame(rows: int = ROWS, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "bedrag": rng.normal(1000, 250, rows).round(2),
            "gemeente": rng.choice(["Utrecht", "Zwolle", "Assen", "Breda"], rows),
            "aantal": rng.integers(0, 9, rows).astype(np.int64),
            "actief": rng.integers(0, 2, rows).astype(bool),
            "opmerking": [None if i % 7 == 0 else f"dossier {i % 500}" for i in range(rows)],
        }
    )
    df.loc[rng.choice(rows, 40, replace=False), "bedrag"] = np.nan
    return df


def write_folder(df: pd.DataFrame, folder: Path, files: int = FILES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, part in enumerate(np.array_split(np.arange(len(df)), files)):
        table = pa.Table.from_pandas(df.iloc[part], preserve_index=False)
        pq.write_table(table, folder / f"part-{i:04d}.parquet", row_group_size=700)
    return folder


def expected_quantiles(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(values, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99], method="inverted_cdf")]


def fingerprints(data: Any) -> tuple[str, str]:
    measured = measure(data, (), 10)
    return measured.fingerprint.digest, measured.multiset


@pytest.fixture(scope="module")
def table_and_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    df = frame()
    return df, write_folder(df, tmp_path_factory.mktemp("parquet") / "aanvragen")


@pytest.mark.filterwarnings("ignore:Arrow output on a DB-API result")  # DuckDB's advice to prefer con.sql()
def test_every_source_gives_the_same_ordered_and_multiset_fingerprint(
    table_and_folder: tuple[pd.DataFrame, Path],
) -> None:
    import duckdb
    import polars as pl

    df, folder = table_and_folder
    expected = fingerprints(df)
    glob = str(folder / "*.parquet")
    con = duckdb.connect()
    sources = {
        "parquet folder": folder,
        "parquet folder as str": str(folder),
        "pyarrow dataset": ds.dataset(folder, format="parquet"),
        "RecordBatchReader": pa.RecordBatchReader.from_batches(
            to_arrow(df).schema, to_arrow(df).to_batches(max_chunksize=999)
        ),
        "polars LazyFrame": pl.scan_parquet(glob).sort("id"),
        "duckdb relation": con.sql(f"SELECT * FROM read_parquet('{glob}') ORDER BY id"),
        "duckdb query result": con.cursor().execute(f"SELECT * FROM read_parquet('{glob}') ORDER BY id"),
    }
    got = {label: fingerprints(source) for label, source in sources.items()}
    assert got == {label: expected for label in sources}
    # the in-memory fingerprint is the one captured before this issue: the stream reproduces it, chunk-independently
    assert expected[0] == fingerprint_table(to_arrow(df)).digest
    assert expected[1] == multiset_fingerprint(to_arrow(df).combine_chunks())


def test_the_multiset_fingerprint_ignores_order_and_the_ordered_one_does_not(
    table_and_folder: tuple[pd.DataFrame, Path],
) -> None:
    import duckdb
    import polars as pl

    df, folder = table_and_folder
    ordered, multiset = fingerprints(df)
    shuffled = df.sample(frac=1.0, random_state=1)
    assert fingerprints(shuffled)[1] == multiset
    assert fingerprints(shuffled)[0] != ordered
    by_gemeente = duckdb.sql(f"SELECT * FROM read_parquet('{folder / '*.parquet'}') ORDER BY gemeente, aantal DESC")
    assert fingerprints(by_gemeente)[1] == multiset
    lazy = pl.scan_parquet(str(folder / "*.parquet")).sort("bedrag", descending=True)
    assert fingerprints(lazy)[1] == multiset


def test_one_changed_cell_in_the_last_file_changes_both(
    table_and_folder: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    df, folder = table_and_folder
    ordered, multiset = fingerprints(folder)
    changed = df.copy()
    changed.loc[len(df) - 3, "gemeente"] = "Zwolle" if changed.loc[len(df) - 3, "gemeente"] != "Zwolle" else "Assen"
    other = write_folder(changed, tmp_path / "changed")
    same = [
        p.read_bytes() == q.read_bytes() for p, q in zip(sorted(folder.iterdir()), sorted(other.iterdir()), strict=True)
    ]
    assert same == [True] * (FILES - 1) + [False]
    new_ordered, new_multiset = fingerprints(other)
    assert new_ordered != ordered and new_multiset != multiset


@pytest.mark.parametrize("size", [1, 3, 64, 1000, ROWS])
def test_the_ordered_fingerprint_is_chunk_independent_when_streamed(size: int) -> None:
    table = to_arrow(frame(3000))
    streamed = StreamingFingerprint(table.schema)
    for batch in table.to_batches(max_chunksize=size):
        streamed.add(batch)
    # the first null of `opmerking` comes after rows without one: the validity stream is caught up
    assert streamed.result() == fingerprint_table(table)
    assert multiset_fingerprint(table) == multiset_fingerprint(pa.Table.from_batches(table.to_batches(size)))


def test_the_multiset_fingerprint_sees_cells_traded_between_rows_and_null_versus_empty() -> None:
    base = pa.table({"a": [1, 2, 3], "s": ["x", "y", ""]})
    traded = pa.table({"a": [2, 1, 3], "s": ["x", "y", ""]})
    nulled = pa.table({"a": [1, 2, 3], "s": ["x", "y", None]})
    renamed = pa.table({"b": [1, 2, 3], "s": ["x", "y", ""]})
    retyped = pa.table({"a": pa.array([1, 2, 3], pa.int32()), "s": ["x", "y", ""]})
    digests = {multiset_fingerprint(t) for t in (base, traded, nulled, renamed, retyped)}
    assert len(digests) == 5
    assert multiset_fingerprint(base.take([2, 0, 1])) == multiset_fingerprint(base)
    doubled = pa.concat_tables([base, base.slice(0, 1)])
    assert multiset_fingerprint(doubled) != multiset_fingerprint(base)


def test_a_streamed_capture_records_both_fingerprints_profile_and_files(
    store: Path, table_and_folder: tuple[pd.DataFrame, Path]
) -> None:
    df, folder = table_and_folder
    with ub.run("streamed") as run:
        ub.record_dataset(folder, name="aanvragen", not_personal=["opmerking"])
        ub.record_dataset(df, name="in memory", not_personal=["opmerking"])
    streamed, in_memory = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert streamed.streamed and not in_memory.streamed
    assert streamed.fingerprint.algorithm == ALGORITHM and streamed.multiset is not None
    assert streamed.multiset.algorithm == MULTISET
    assert (streamed.fingerprint.digest, streamed.multiset) == (in_memory.fingerprint.digest, in_memory.multiset)
    assert streamed.num_rows == ROWS and streamed.source == str(folder) and streamed.origin == "parquet"
    assert [f.path for f in streamed.files] == [f"part-{i:04d}.parquet" for i in range(FILES)]
    assert all(f.size == (folder / f.path).stat().st_size and f.sha256 for f in streamed.files)
    # exact where the table is small enough: the same profile as in memory, but for the sample-based histogram
    # and the quantiles only a stream carries
    by_name = {p.name: p for p in in_memory.profile}
    for p in streamed.profile:
        mine = p.model_dump(exclude={"histogram", "quantiles", "quantiles_estimated", "mean"})
        assert mine == by_name[p.name].model_dump(exclude={"histogram", "quantiles", "quantiles_estimated", "mean"})
        if by_name[p.name].mean is not None:
            assert p.mean == pytest.approx(by_name[p.name].mean)
    bedrag = next(p for p in streamed.profile if p.name == "bedrag")
    values = df["bedrag"].dropna().to_numpy()
    assert bedrag.quantiles == dict(
        zip(["0.01", "0.05", "0.25", "0.5", "0.75", "0.95", "0.99"], expected_quantiles(values), strict=True)
    )
    assert not bedrag.quantiles_estimated  # 12,000 rows: all of them are in the sample
    assert sum(bedrag.histogram) == ROWS - 40


def test_many_distinct_values_are_estimated_and_marked() -> None:
    from uitlegbaar.capture import sketches

    rows = sketches.EXACT_DISTINCT + 50_000
    table = pa.table({"code": pa.array([f"c{i}" for i in range(rows)]), "n": np.arange(rows) % 7})
    measured = measure(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(20_000)), (), 10)
    code, n = measured.profile(set())
    assert code.distinct_estimated and abs(code.distinct - rows) / rows < 0.05
    # 150,000 rows: quantiles from the 32,768-row sample, marked, within 1% of their rank
    assert n.quantiles_estimated and n.quantiles["0.5"] == 3.0
    assert not n.distinct_estimated and n.distinct == 7 and n.top_values[0].count >= rows // 7


def test_a_distinct_count_estimate_is_the_same_in_memory_and_streamed() -> None:
    """Both sketch the multiset fingerprint's keyed cell hashes, so equal values give equal registers."""
    from uitlegbaar.capture import sketches

    rows = sketches.EXACT_DISTINCT + 50_000
    values = np.random.default_rng(7).normal(size=rows)
    values[::1000] = np.nan  # nulls once converted from pandas: left out of the estimate on both paths
    table = to_arrow(pd.DataFrame({"bedrag": values}))
    in_memory = measure(table, (), 10).profile(set())[0]
    streamed = measure(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(20_000)), (), 10)
    estimate = streamed.profile(set())[0]
    assert in_memory.distinct_estimated and estimate.distinct_estimated
    assert in_memory.null_count == estimate.null_count == rows // 1000
    assert in_memory.distinct == estimate.distinct
    assert abs(in_memory.distinct - (rows - rows // 1000)) / rows < 0.05


def test_personal_data_in_a_stream_is_screened_on_its_sample(store: Path, tmp_path: Path) -> None:
    from people import personal_frame

    people = personal_frame(3000)
    folder = write_folder(people, tmp_path / "people", files=3)
    with pytest.warns(ub.UitlegbaarWarning, match="not declared"), ub.run("people") as run:
        ub.record_dataset(folder, name="mensen")
    (record,) = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert record.privacy is not None and record.privacy.suspected
    withheld = {p.name for p in record.profile if p.personal}
    assert set(record.privacy.suspected) <= withheld
    # screened columns are never profiled: no value of theirs in the record
    assert all(not p.top_values and p.min is None for p in record.profile if p.name in withheld)


def test_a_delta_lake_table_records_its_version_and_files(store: Path, tmp_path: Path) -> None:
    deltalake = pytest.importorskip("deltalake", reason="deltalake is not installed (pip install 'uitlegbaar[scale]')")
    df = frame(3000)
    table = to_arrow(df)
    deltalake.write_deltalake(str(tmp_path / "delta"), table.slice(0, 2000))
    deltalake.write_deltalake(str(tmp_path / "delta"), table.slice(2000), mode="append")
    with ub.run("delta") as run:
        ub.record_dataset(tmp_path / "delta", name="aanvragen", not_personal=["opmerking"])
    (record,) = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert record.table_version is not None
    assert (record.table_version.format, record.table_version.version) == ("delta", "1")
    assert len(record.files) == 2 and all(f.path.endswith(".parquet") and "/" not in f.path for f in record.files)
    assert all(f.sha256 == hashlib.sha256((tmp_path / "delta" / f.path).read_bytes()).hexdigest() for f in record.files)
    assert record.multiset is not None and record.multiset.digest == multiset_fingerprint(table)
    assert record.num_rows == 3000
    from helpers import cli

    card = cli("card", "latest", "--format", "md", store=store)
    assert "**Table version:** Delta Lake version 1" in card.stdout and "**Files:** 2 files, " in card.stdout
    dutch = cli("card", "latest", "--format", "md", "--lang", "nl", store=store)
    assert "**Tabelversie:** Delta Lake-versie 1" in dutch.stdout
    assert "**Bestanden:** 2 bestanden, samen " in dutch.stdout
    entry = cli("register", "latest", "--force", store=store)  # no declaration: only the evidenced fields
    assert entry.returncode == 1 and entry.stdout, entry.stderr
    assert "Gelezen: Delta Lake-versie 1, 2 bestanden, samen " in json.loads(entry.stdout)["source_data"]


def test_an_iceberg_table_records_its_snapshot(store: Path, tmp_path: Path) -> None:
    pytest.importorskip("pyiceberg", reason="pyiceberg is not installed (pip install 'uitlegbaar[scale]')")
    from pyiceberg.catalog.sql import SqlCatalog

    catalog = SqlCatalog(
        "lokaal", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=f"file://{tmp_path / 'warehouse'}"
    )
    catalog.create_namespace("toeslagen")
    table = to_arrow(frame(2500)).drop_columns(["opmerking"])
    iceberg = catalog.create_table("toeslagen.aanvragen", schema=table.schema)
    iceberg.append(table)
    snapshot = iceberg.current_snapshot()
    with ub.run("iceberg") as run:
        ub.record_dataset(iceberg, name="aanvragen")
    (record,) = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert record.table_version is not None and record.table_version.format == "iceberg"
    assert snapshot is not None and record.table_version.version == str(snapshot.snapshot_id)
    assert record.files and all(f.size > 0 and not f.path.startswith("/") for f in record.files)
    assert record.multiset is not None and record.multiset.digest == multiset_fingerprint(table)


def test_the_card_shows_the_multiset_fingerprint_and_the_files(
    store: Path, table_and_folder: tuple[pd.DataFrame, Path]
) -> None:
    from helpers import cli

    _, folder = table_and_folder
    with ub.run("card"):
        ub.record_dataset(folder, name="aanvragen", not_personal=["opmerking"])
    ub.end_run()
    (record,) = [
        r for r in LocalStore.open(store).load(LocalStore.open(store).resolve("latest")) if isinstance(r, DatasetRecord)
    ]
    card = cli("card", "latest", "--format", "md", store=store)
    assert card.returncode == 0, card.stderr
    assert record.multiset is not None and f"{record.multiset.digest} (uitlegbaar-multiset-v1)" in card.stdout
    size = sum(f.size for f in record.files)
    said = re.search(rf"\*\*Files:\*\* {FILES} files, ([\d.]+) (kB|MB) together", card.stdout)
    assert said is not None, card.stdout
    assert abs(float(said[1]) * {"kB": 1e3, "MB": 1e6}[said[2]] - size) / size < 0.01
    assert str(folder) not in card.stdout  # the card names no local path


def test_text_values_that_differ_only_in_padding_or_word_boundaries_hash_apart() -> None:
    values = ["", "a", "a\0", "ab", "abcdefgh", "abcdefgh\0", "abcdefghi", "bacdefgh", "abcdefhg", "x" * 17, "x" * 16]
    digests = {multiset_fingerprint(pa.table({"t": [v]})) for v in values}
    assert len(digests) == len(values)
    # a slice of a larger array hashes as the same values on their own
    many = pa.array([f"waarde {i}" for i in range(1000)])
    sliced = pa.table({"t": many.slice(100, 300)})
    assert multiset_fingerprint(sliced) == multiset_fingerprint(
        pa.table({"t": [f"waarde {i}" for i in range(100, 400)]})
    )


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=9)), min_size=1, max_size=60), st.data())
def test_a_text_column_read_through_its_dictionary_hashes_and_counts_as_its_values(
    values: list[str | None], data: st.DataObject
) -> None:
    from uitlegbaar.capture.multiset import cell_hashes
    from uitlegbaar.capture.sketches import StreamProfile

    start = data.draw(st.integers(0, len(values) - 1))
    plain = pa.array(values, pa.string()).slice(start)
    encoded = pa.array(values, pa.string()).dictionary_encode().slice(start)  # with an offset, as a reader slices
    assert np.array_equal(cell_hashes(encoded, 12345), cell_hashes(plain, 12345))
    schema = pa.schema({"t": pa.string()})
    profiles = []
    for array in (plain, encoded):
        profile = StreamProfile.for_schema(schema, (), 1)
        profile.add(pa.RecordBatch.from_arrays([array], names=["t"]), cell_hashes(plain, 1))
        profiles.append(profile.profiles(set(), schema))
    assert profiles[0] == profiles[1]


def test_parquet_text_stored_with_a_dictionary_or_falling_back_to_plain_gives_the_in_memory_evidence(
    tmp_path: Path,
) -> None:
    rows = 30_000
    table = pa.table(
        {
            "few": pa.array([None if i % 11 == 0 else f"code {i % 40}" for i in range(rows)]),
            "many": pa.array([None if i % 13 == 0 else f"dossier {i * 7919 % rows}" for i in range(rows)]),
            "n": np.arange(rows),
        }
    )
    # a small dictionary page limit: "many" starts with a dictionary and falls back to plain pages in each file
    for i, part in enumerate((table.slice(0, 10_000), table.slice(10_000))):
        pq.write_table(part, tmp_path / f"part-{i}.parquet", row_group_size=4_000, dictionary_pagesize_limit=4_096)
    assert pq.ParquetFile(tmp_path / "part-0.parquet").metadata.row_group(0).column(1).has_dictionary_page
    streamed, in_memory = measure(tmp_path, (), 10), measure(table, (), 10)
    assert streamed.fingerprint == in_memory.fingerprint and streamed.multiset == in_memory.multiset
    exclude = {"histogram", "quantiles", "quantiles_estimated", "mean"}
    assert [p.model_dump(exclude=exclude) for p in streamed.profile(set())] == [
        p.model_dump(exclude=exclude) for p in in_memory.profile(set())
    ]
    assert streamed.screen.schema == table.schema


def test_a_loader_returning_a_lazy_frame_is_captured_and_a_reader_is_left_to_its_caller(
    store: Path, table_and_folder: tuple[pd.DataFrame, Path], tmp_path: Path
) -> None:
    import polars as pl

    df, folder = table_and_folder

    @ub.dataset(name="lazy", not_personal=["opmerking"])
    def lazy(path: str) -> pl.LazyFrame:
        return pl.scan_parquet(path)

    @ub.dataset(name="reader")
    def reader() -> pa.RecordBatchReader:
        table = to_arrow(df)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches())

    with ub.run("loaders") as run:
        lazy(str(folder / "*.parquet"))
        returned = reader()
    assert returned.read_all().num_rows == ROWS  # not read by the capture
    (record,) = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert record.name == "lazy" and record.origin == "polars.LazyFrame" and record.streamed
    assert record.fingerprint.digest == fingerprints(df)[0]
    csv = tmp_path / "x.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(ub.ConfigurationError, match="Parquet path"):
        ub.record_dataset(str(csv), name="csv")


def test_reading_ahead_stays_one_batch_ahead_raises_what_the_source_raises_and_stops_when_closed() -> None:
    import threading
    import time

    from uitlegbaar.capture.parallel import read_ahead

    produced: list[int] = []

    def source(n: int, fail_at: int | None = None) -> Iterator[int]:
        for i in range(n):
            if i == fail_at:
                raise ValueError("the source failed")
            produced.append(i)
            yield i

    assert list(read_ahead(source(5))) == [0, 1, 2, 3, 4]
    produced.clear()
    items = read_ahead(source(100))
    assert next(items) == 0
    time.sleep(0.3)  # the thread has had ample time to run further ahead, were it allowed to
    assert produced == [0, 1]
    items.close()
    assert not any(t.name == "uitlegbaar-read-ahead" for t in threading.enumerate())
    with pytest.raises(ValueError, match="the source failed"):
        list(read_ahead(source(5, fail_at=3)))


def test_the_multiset_digest_stays_what_it_was_in_memory_and_streamed() -> None:
    """Stored multiset fingerprints must stay comparable across releases: this digest (computed by the release
    before the one-pass capture of tables in memory) may only change together with the algorithm's name. The table
    covers every way a cell is hashed: 64-bit words in several blocks, NaN, narrow integers, booleans, text of few
    and of many values, a dictionary, nulls."""
    rng = np.random.default_rng(4)
    rows = 150_000
    plaats = pa.array(rng.choice(np.array(["Assen", "Ede", "Zwolle", None], dtype=object), rows))
    table = pa.table(
        {
            "id": pa.array(np.arange(rows), pa.int64()),
            "bedrag": pa.array(np.where(np.arange(rows) % 97 == 0, np.nan, rng.normal(size=rows))),
            "plaats": plaats,
            "code": pa.array([f"c{i}" for i in rng.integers(0, 10**6, rows)]),
            "ok": pa.array(rng.random(rows) > 0.5),
            "klasse": pa.array(rng.integers(0, 4, rows), pa.int8()),
            "soort": plaats.dictionary_encode(),
        }
    )
    expected = "19ac5103fdb23d89b37b2ee3b97f570069f4e7e7eebf3074d8a00e6ece14dfae"
    assert MULTISET == "uitlegbaar-multiset-v1"
    assert multiset_fingerprint(table) == measure(table, (), 10).multiset == expected
    streamed = measure(pa.RecordBatchReader.from_batches(table.schema, table.to_batches(40_000)), (), 10)
    assert streamed.multiset == expected
