"""Spark: a real PySpark session in local mode (a real JVM, real Python workers) measures a DataFrame on its
executors; the fingerprints equal those of the same table from pandas and from a Parquet folder, a reordered
frame keeps its multiset fingerprint, and a table written by Spark and read back by pandas is the same data."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_streaming import ROWS, frame, write_folder

import uitlegbaar as ub
from uitlegbaar.capture.datasets import measure
from uitlegbaar.capture.fingerprint import ALGORITHM
from uitlegbaar.capture.multiset import ALGORITHM as MULTISET
from uitlegbaar.evidence.records import DatasetRecord
from uitlegbaar.store import LocalStore

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'uitlegbaar[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime for Spark (.ci/run installs Debian's headless OpenJDK)", allow_module_level=True)


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python workers import uitlegbaar from here
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("uitlegbaar-test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    try:
        yield session
    finally:
        session.stop()


def spark_frame(spark: object, df: pd.DataFrame, partitions: int = 5) -> object:
    return spark.createDataFrame(df).repartition(partitions)  # type: ignore[attr-defined]


def test_spark_gives_the_fingerprints_of_pandas_and_parquet(spark: object, tmp_path: Path) -> None:
    df = frame()
    expected = measure(df, (), 10)
    folder = write_folder(df, tmp_path / "parquet")
    from_spark = measure(spark.read.parquet(str(folder)).repartition(7), (), 10)  # type: ignore[attr-defined]
    assert from_spark.multiset == expected.multiset == measure(folder, (), 10).multiset
    assert from_spark.fingerprint.algorithm == MULTISET  # no order without a key
    assert from_spark.num_rows == ROWS
    # sorted by the declared key, the ordered fingerprint is the Arrow one of the table in that order
    ordered = measure(spark_frame(spark, df.sample(frac=1.0, random_state=3)), (), 10, order_by=["id"])
    assert ordered.fingerprint.algorithm == ALGORITHM
    assert ordered.fingerprint.digest == expected.fingerprint.digest
    assert ordered.multiset == expected.multiset


def test_a_reordered_spark_frame_keeps_its_multiset_fingerprint_and_a_changed_cell_does_not(spark: object) -> None:
    from pyspark.sql import functions as F

    df = frame()
    sdf = spark_frame(spark, df)
    multiset = measure(sdf, (), 10).multiset
    reordered = sdf.orderBy(F.col("gemeente").desc(), F.col("bedrag")).repartition(3)  # type: ignore[attr-defined]
    assert measure(reordered, (), 10).multiset == multiset
    changed = sdf.withColumn(  # type: ignore[attr-defined]
        "aantal", F.when(F.col("id") == ROWS - 1, F.col("aantal") + 1).otherwise(F.col("aantal"))
    )
    assert measure(changed, (), 10).multiset != multiset


def test_a_table_exported_by_spark_and_read_back_by_pandas_is_the_same_data(spark: object, tmp_path: Path) -> None:
    df = frame()
    sdf = spark_frame(spark, df, partitions=6)
    sdf.write.parquet(str(tmp_path / "export"))  # type: ignore[attr-defined]
    read_back = pd.read_parquet(tmp_path / "export")  # files in Spark's order: the rows are shuffled
    assert not read_back["id"].is_monotonic_increasing
    assert measure(read_back, (), 10).multiset == measure(sdf, (), 10).multiset
    # and sorted by the key, even the ordered fingerprint agrees
    by_id = read_back.sort_values("id").reset_index(drop=True)
    assert measure(by_id, (), 10).fingerprint.digest == measure(df, (), 10).fingerprint.digest


def test_a_spark_capture_records_profile_and_screening_from_the_executors(spark: object, store: Path) -> None:
    from people import personal_frame

    people = personal_frame(2000)
    with pytest.warns(ub.UitlegbaarWarning, match="not declared"), ub.run("spark") as run:
        ub.record_dataset(spark_frame(spark, frame()), name="aanvragen", order_by=["id"], not_personal=["opmerking"])
        ub.record_dataset(spark_frame(spark, people), name="mensen")
    aanvragen, mensen = [r for r in LocalStore.open(store).load(run.id) if isinstance(r, DatasetRecord)]
    assert aanvragen.origin == "pyspark.DataFrame" and aanvragen.streamed and aanvragen.ordered_by == ["id"]
    assert aanvragen.fingerprint.algorithm == ALGORITHM and aanvragen.multiset is not None
    in_memory = {p.name: p for p in measure(frame(), (), 10).profile(set())}
    for p in aanvragen.profile:
        assert (p.null_count, p.distinct, p.min, p.max) == (
            in_memory[p.name].null_count,
            in_memory[p.name].distinct,
            in_memory[p.name].min,
            in_memory[p.name].max,
        )
    assert mensen.privacy is not None and len(mensen.privacy.suspected) >= 5
    assert all(p.personal for p in mensen.profile if p.name in mensen.privacy.suspected)


def test_a_bare_parquet_scan_is_read_from_its_files_on_the_executors(
    spark: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from uitlegbaar.capture import spark as on_spark

    df = frame()
    folder = write_folder(df, tmp_path / "parquet files")  # Spark names the files by URI: %20 for the space
    scan = spark.read.parquet(str(folder))  # type: ignore[attr-defined]
    assert len(on_spark.parquet_files(scan)) == 8
    with caplog.at_level(logging.INFO, logger="uitlegbaar"):
        from_files = measure(scan, (), 10)
    assert any("from its 8 Parquet files on the executors" in r.getMessage() for r in caplog.records)
    through_arrow = measure(scan.repartition(3), (), 10)  # not a bare scan: mapInArrow
    assert on_spark.parquet_files(scan.repartition(3)) == []
    assert from_files.multiset == through_arrow.multiset == measure(df, (), 10).multiset
    assert from_files.num_rows == through_arrow.num_rows == ROWS
    files_profile, arrow_profile = from_files.profile(frozenset()), through_arrow.profile(frozenset())
    # means are sums over the partitions: equal up to the order of the additions
    assert [p.model_copy(update={"mean": None}) for p in files_profile] == [
        p.model_copy(update={"mean": None}) for p in arrow_profile
    ]
    assert [p.mean or 0.0 for p in files_profile] == pytest.approx([p.mean or 0.0 for p in arrow_profile], rel=1e-12)
    assert from_files.schema == through_arrow.schema


def test_only_a_bare_scan_of_plain_columns_is_read_from_its_files(spark: object, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    from uitlegbaar.capture import spark as on_spark

    folder = write_folder(frame(), tmp_path / "parquet")
    scan = spark.read.parquet(str(folder))  # type: ignore[attr-defined]
    assert on_spark.parquet_files(scan.where(F.col("aantal") > 3)) == []  # a filter: the rows are Spark's choice
    assert on_spark.parquet_files(scan.select("id", "bedrag")) == []  # a projection
    stamped = tmp_path / "stamped"
    scan.withColumn("moment", F.current_timestamp()).write.parquet(str(stamped))
    assert on_spark.parquet_files(spark.read.parquet(str(stamped))) == []  # a time zone to agree on: mapInArrow


def test_a_file_read_that_fails_on_the_executors_falls_back_to_map_in_arrow(
    spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uitlegbaar.capture import spark as on_spark

    df = frame(3000)
    folder = write_folder(df, tmp_path / "parquet", files=3)

    def unreadable(*args: object) -> object:
        raise OSError("no file system for this scheme")

    monkeypatch.setattr(on_spark, "_file_states", unreadable)  # our own code, standing in for a remote store
    measured = measure(spark.read.parquet(str(folder)), (), 10)  # type: ignore[attr-defined]
    assert measured.multiset == measure(df, (), 10).multiset and measured.num_rows == 3000
