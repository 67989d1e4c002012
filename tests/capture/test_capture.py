"""The capture decorators and runs, end to end: real pandas data, a real scikit-learn model, a real
store folder read back after the run is closed."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import inspect
import itertools
import json
import pickle
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression

import uitlegbaar as ub
from uitlegbaar.capture.fingerprint import ALGORITHM, fingerprint_table
from uitlegbaar.capture.tables import to_arrow
from uitlegbaar.evidence.records import (
    DatasetRecord,
    EvaluationRecord,
    ExplanationRecord,
    ModelRecord,
    Record,
    RunEndRecord,
    RunRecord,
    StepRecord,
)
from uitlegbaar.store import LocalStore

# ---------------------------------------------------------------- helpers and data


def load(store: Path, run_id: str) -> list[Record]:
    return LocalStore.open(store).load(run_id)


def kinds(records: list[Record]) -> list[str]:
    return [r.kind for r in records]


def only(records: list[Record], kind: type[Record]) -> list[Any]:
    return [r for r in records if isinstance(r, kind)]


def applications(rows: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "bsn": [f"9{n:08d}" for n in rng.integers(0, 10**8, rows)],
            "naam": [f"Aanvrager{n}" for n in rng.integers(10**5, 10**6, rows)],
            "geslacht": rng.choice(["vrouw", "man"], rows),
            "inkomen": rng.normal(30_000, 8_000, rows).round(2),
            "kinderen": rng.integers(0, 4, rows),
            "heronderzoek": np.tile([0, 1], rows // 2),
        }
    )


def assert_chain(store: Path, run_id: str) -> list[Record]:
    """Every record's digest is the SHA-256 of its body; seq runs 0..n-1; prev is the digest before."""
    rows = LocalStore.open(store).read(run_id)
    assert [r.seq for r in rows] == list(range(len(rows)))
    assert rows[0].prev is None
    for before, after in itertools.pairwise(rows):
        assert after.prev == before.digest
    for row in rows:
        body = row.body if isinstance(row.body, bytes) else row.body.encode()
        assert hashlib.sha256(body).hexdigest() == row.digest
        assert row.run_id == run_id
    records = [row.parse() for row in rows]
    assert isinstance(records[0], RunRecord)
    assert isinstance(records[-1], RunEndRecord)
    assert records[-1].records == len(records) - 1
    return records


# ---------------------------------------------------------------- @dataset


def test_dataset_records_name_source_personal_schema_counts_profile_fingerprint(store: Path) -> None:
    frame = applications()

    @ub.dataset(
        name="aanvragen",
        source="s3://gemeente/aanvragen.parquet",
        personal=["bsn", "naam"],
        sensitive=["geslacht"],
        owner="Team Toeslagen",
        description="export",
        licence="intern",
    )
    def load_applications() -> pd.DataFrame:
        return frame

    with ub.run("dataset test") as run:
        assert load_applications() is frame
    records = assert_chain(store, run.id)
    assert kinds(records) == ["run", "dataset", "run_end"]
    ds: DatasetRecord = records[1]
    assert ds.name == "aanvragen"
    assert ds.role == "source"
    assert ds.source == "s3://gemeente/aanvragen.parquet"
    assert ds.origin == "pandas.DataFrame"
    assert (ds.owner, ds.description, ds.licence) == ("Team Toeslagen", "export", "intern")
    assert ds.personal == ["bsn", "naam"]
    assert ds.sensitive == ["geslacht"]
    assert (ds.num_rows, ds.num_columns) == (60, 6)
    assert [(c.name, c.type) for c in ds.columns] == [
        ("bsn", "string"),
        ("naam", "string"),
        ("geslacht", "string"),
        ("inkomen", "double"),
        ("kinderen", "int64"),
        ("heronderzoek", "int64"),
    ]
    expected = fingerprint_table(to_arrow(frame))
    assert ds.fingerprint.algorithm == ALGORITHM
    assert ds.fingerprint.digest == expected.digest
    assert len(ds.fingerprint.digest) == 64
    # per-column digests for lineage, except for personal columns
    assert set(ds.fingerprint.columns) == {"geslacht", "inkomen", "kinderen", "heronderzoek"}
    assert ds.fingerprint.columns["inkomen"] == expected.columns["inkomen"]
    profile = {p.name: p for p in ds.profile}
    assert profile["bsn"].personal and profile["bsn"].top_values == [] and profile["bsn"].distinct is None
    assert profile["inkomen"].min == pytest.approx(frame["inkomen"].min())
    assert profile["inkomen"].max == pytest.approx(frame["inkomen"].max())
    assert profile["kinderen"].mean == pytest.approx(frame["kinderen"].mean())
    assert {v.value for v in profile["geslacht"].top_values} == {"vrouw", "man"}
    assert ds.produced_by is not None and ds.produced_by.endswith("load_applications")


def test_dataset_source_is_inferred_from_a_path_argument(store: Path, tmp_path: Path) -> None:
    csv = tmp_path / "aanvragen-2025.csv"
    applications(10).to_csv(csv, index=False)

    @ub.dataset(personal=["bsn", "naam"])
    def read(path: Path, sep: str = ",") -> pd.DataFrame:
        return pd.read_csv(path, sep=sep, dtype={"bsn": str})

    @ub.dataset
    def numbers(rows: int, label: str) -> pd.DataFrame:
        return pd.DataFrame({"x": range(rows), "label": label})

    with ub.run() as run:
        read(csv)
        read(str(csv), sep=",")
        numbers(2, "s3://bucket/key")
        numbers(3, label="export.parquet")
        numbers(4, "not a path")
    datasets = only(assert_chain(store, run.id), DatasetRecord)
    assert [d.source for d in datasets] == [str(csv), str(csv), "s3://bucket/key", "export.parquet", None]
    assert [d.name for d in datasets] == ["read", "read", "numbers", "numbers", "numbers"]  # the function's name
    assert datasets[0].fingerprint.digest == datasets[1].fingerprint.digest
    assert datasets[0].num_rows == 10


def test_dataset_returning_several_tables_and_record_dataset(store: Path) -> None:
    frame = applications(20)

    @ub.dataset(name="split", personal=["bsn", "naam"])
    def split() -> tuple[pd.DataFrame, pd.DataFrame, str]:
        return frame.iloc[:10], frame.iloc[10:], "not a table"

    with ub.run() as run:
        _, _, text = split()
        record_id = ub.record_dataset(frame[["inkomen"]], name="losse tabel", source=Path("/data/x.parquet"))
    datasets = only(assert_chain(store, run.id), DatasetRecord)
    assert [d.name for d in datasets] == ["split[0]", "split[1]", "losse tabel"]
    assert [d.num_rows for d in datasets] == [10, 10, 20]
    assert datasets[2].id == record_id
    assert datasets[2].source == "/data/x.parquet"
    assert text == "not a table"


# ---------------------------------------------------------------- @step


def test_step_records_inputs_outputs_lineage_source_hash_and_redacted_params(store: Path) -> None:
    frame = applications()

    @ub.dataset(name="aanvragen", personal=["bsn", "naam"])
    def load_applications() -> pd.DataFrame:
        return frame

    @ub.step
    def prepare(
        df: pd.DataFrame,
        threshold: float,
        password: str,
        api_key: str,
        token: str,
        database: str = "postgresql://admin:geheim123@db.internal/toeslagen",
        n_bins: int = 4,
    ) -> pd.DataFrame:
        out = df.drop(columns=["bsn", "naam"]).rename(columns={"inkomen": "inkomen_eur"})
        out["hoog_inkomen"] = out["inkomen_eur"] > threshold
        return out

    with ub.run() as run:
        raw = load_applications()
        prepared = prepare(
            raw,
            35_000.0,
            "hunter2-wachtwoord",
            api_key="sk-live-abcdef",
            token="tok-xyz",
            database="postgresql://admin:geheim123@db.internal/toeslagen",
        )
    records = assert_chain(store, run.id)
    assert kinds(records) == ["run", "dataset", "dataset", "step", "run_end"]
    source, output, step = records[1], records[2], records[3]
    assert isinstance(step, StepRecord)
    assert step.function.endswith("prepare")
    # the input is the dataset recorded by the loader (same content), the output a new derived one
    assert [i.id for i in step.inputs] == [source.id]
    assert [o.id for o in step.outputs] == [output.id]
    assert output.role == "derived"
    assert output.fingerprint.digest == fingerprint_table(to_arrow(prepared)).digest
    assert step.lineage is not None
    assert step.lineage.kept == ["geslacht", "kinderen", "heronderzoek"]
    assert step.lineage.renamed == {"inkomen": "inkomen_eur"}
    assert step.lineage.added == ["hoog_inkomen"]
    assert step.lineage.removed == ["bsn", "naam"]
    assert step.source_sha256 == hashlib.sha256(inspect.getsource(prepare.__wrapped__).encode()).hexdigest()
    params = {k: v for k, v in step.params.items() if k != "n_bins"}  # defaults: see test_default_parameters_...
    assert params == {
        "threshold": 35_000.0,
        "password": "[redacted]",
        "api_key": "[redacted]",
        "token": "[redacted]",
        "database": "postgresql://[redacted]@db.internal/toeslagen",
    }
    assert step.duration_s >= 0
    everything = _all_text(store)
    for secret in ("hunter2-wachtwoord", "sk-live-abcdef", "tok-xyz", "geheim123"):
        assert secret not in everything


def test_step_without_tables_and_with_a_name(store: Path) -> None:
    @ub.step(name="schoonmaak")
    def clean(values: list[int], factor: int = 2) -> list[int]:
        return [v * factor for v in values]

    with ub.run() as run:
        assert clean([1, 2], factor=3) == [3, 6]
    step = only(assert_chain(store, run.id), StepRecord)[0]
    assert step.function == "schoonmaak"
    assert step.inputs == [] and step.outputs == [] and step.lineage is None
    assert step.params == {"values": "<builtins.list>", "factor": 3}


# ---------------------------------------------------------------- @train, @evaluate, @explain


def _pipeline(frame: pd.DataFrame) -> tuple[Any, ...]:
    @ub.dataset(name="aanvragen", personal=["bsn", "naam"], sensitive=["geslacht"])
    def load_applications() -> pd.DataFrame:
        return frame

    @ub.step
    def features(df: pd.DataFrame) -> pd.DataFrame:
        return df.drop(columns=["bsn", "naam"])

    @ub.train(model="risico")
    def fit(X: pd.DataFrame, y: pd.Series, C: float = 0.5) -> LogisticRegression:
        return LogisticRegression(C=C, max_iter=200).fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def score(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, Any]:
        predicted = model.predict(X)
        return {
            "accuracy": np.float64((predicted == y).mean()),
            "n": len(y),
            "positives": np.int64(predicted.sum()),
            "note": "not a number",
            "flag": True,
            "geslacht": {
                str(g): {"selection_rate": float(predicted[(groups == g).to_numpy()].mean()), "label": "x"}
                for g in sorted(groups.unique())
            },
        }

    @ub.explain(method="coefficients")
    def importances(model: LogisticRegression) -> dict[str, float]:
        return dict(zip(model.feature_names_in_, np.abs(model.coef_[0]), strict=True))

    return load_applications, features, fit, score, importances


def test_train_evaluate_explain_with_sklearn(store: Path) -> None:
    load_applications, features, fit, score, importances = _pipeline(applications(80))
    with ub.run("model") as run:
        prepared = features(load_applications())
        X, y = prepared[["inkomen", "kinderen"]], prepared["heronderzoek"]
        model = fit(X, y)
        metrics = score(model, X, y, prepared["geslacht"])
        weights = importances(model)
    assert isinstance(model, LogisticRegression) and hasattr(model, "coef_")
    records = assert_chain(store, run.id)
    assert "gap" not in kinds(records)

    m: ModelRecord = only(records, ModelRecord)[0]
    assert m.name == "risico"
    assert m.class_name == "sklearn.linear_model._logistic.LogisticRegression"
    assert m.library == "sklearn"
    assert m.library_version == sklearn.__version__
    assert m.hyperparameters["C"] == 0.5
    assert m.hyperparameters["max_iter"] == 200
    assert set(m.hyperparameters) == set(model.get_params(deep=False))
    assert m.features == ["inkomen", "kinderen"]
    assert m.artifact_sha256 == hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()
    assert [d.fingerprint for d in m.training_data] == [
        fingerprint_table(to_arrow(X)).digest,
        fingerprint_table(to_arrow(y)).digest,
    ]
    datasets = {d.id: d for d in only(records, DatasetRecord)}
    assert all(d.id in datasets for d in m.training_data)
    assert m.function.endswith("fit")
    assert m.duration_s > 0

    e: EvaluationRecord = only(records, EvaluationRecord)[0]
    assert e.model_id == m.id
    assert e.split == "test"
    assert e.sensitive == ["geslacht"]
    assert e.metrics == {
        "accuracy": pytest.approx(metrics["accuracy"]),
        "n": 80.0,
        "positives": float(metrics["positives"]),
    }
    assert set(e.by_group["geslacht"]) == {"man", "vrouw"}
    assert e.by_group["geslacht"]["man"] == {"selection_rate": metrics["geslacht"]["man"]["selection_rate"]}
    assert len(e.data) == 3

    x: ExplanationRecord = only(records, ExplanationRecord)[0]
    assert x.model_id == m.id
    assert x.method == "coefficients"
    assert x.importances == pytest.approx(weights)


def test_train_without_feature_names_and_without_artifact_hash(store: Path) -> None:
    @ub.train(hash_artifact=False)
    def fit(X: np.ndarray, y: np.ndarray) -> LogisticRegression:
        return LogisticRegression().fit(X, y)

    with ub.run() as run:
        fit(np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]]), np.array([0, 1, 0, 1]))
    m = only(assert_chain(store, run.id), ModelRecord)[0]
    assert m.name == "fit"
    assert m.artifact_sha256 is None
    assert m.features == ["0", "1"]  # the columns of the first table argument
    assert len(m.training_data) == 2


# ---------------------------------------------------------------- the wrappers are transparent


def test_decorators_keep_result_name_doc_and_signature(store: Path) -> None:
    marker = object()

    def original(df: pd.DataFrame, *, scale: float = 1.0) -> object:
        """Documented."""
        return marker

    for decorate in (
        ub.dataset,
        ub.dataset(name="x"),
        ub.step,
        ub.step(name="s"),
        ub.train,
        ub.train(model="m"),
        ub.evaluate,
        ub.evaluate(split="val"),
        ub.explain,
        ub.explain(method="shap"),
    ):
        wrapped = decorate(original)
        assert wrapped.__name__ == "original"
        assert wrapped.__doc__ == "Documented."
        assert inspect.signature(wrapped) == inspect.signature(original)
        assert wrapped.__wrapped__ is original
    # the result is passed through untouched, also when it is not a table
    with ub.run():
        assert ub.step(original)(pd.DataFrame({"a": [1]}), scale=2.0) is marker
        assert ub.train(original)(pd.DataFrame({"a": [1]})) is marker


def test_async_functions_stay_async_and_are_captured(store: Path) -> None:
    @ub.dataset(name="async-data")
    async def fetch(n: int) -> pd.DataFrame:
        """Fetch."""
        await asyncio.sleep(0)
        return pd.DataFrame({"i": range(n)})

    @ub.evaluate
    async def measure(df: pd.DataFrame) -> dict[str, float]:
        await asyncio.sleep(0)
        return {"rows": float(len(df))}

    assert inspect.iscoroutinefunction(fetch) and inspect.iscoroutinefunction(measure)
    assert fetch.__name__ == "fetch" and fetch.__doc__ == "Fetch."
    assert list(inspect.signature(fetch).parameters) == ["n"]

    async def main() -> tuple[str, pd.DataFrame]:
        async with ub.run("async") as run:
            df = await fetch(5)
            await measure(df)
        return run.id, df

    run_id, df = asyncio.run(main())
    assert len(df) == 5
    records = assert_chain(store, run_id)
    assert kinds(records) == ["run", "dataset", "evaluation", "run_end"]
    assert records[1].name == "async-data" and records[1].num_rows == 5
    assert records[2].metrics == {"rows": 5.0}


# ---------------------------------------------------------------- runs


def test_nested_runs_record_their_parent(store: Path) -> None:
    @ub.step
    def double(values: list[int]) -> list[int]:
        return values * 2

    with ub.run("outer", tags={"team": "toeslagen"}) as outer:
        double([1])
        with ub.run("inner") as inner:
            assert ub.current_run() is inner
            double([2])
        assert ub.current_run() is outer
        double([3])
    assert ub.current_run() is None
    outer_records = assert_chain(store, outer.id)
    inner_records = assert_chain(store, inner.id)
    assert outer_records[0].name == "outer" and outer_records[0].parent_run_id is None
    assert outer_records[0].tags == {"team": "toeslagen"}
    assert inner_records[0].name == "inner" and inner_records[0].parent_run_id == outer.id
    assert [s.params["values"] for s in only(outer_records, StepRecord)] == ["<builtins.list>"] * 2
    assert len(only(inner_records, StepRecord)) == 1
    assert inner_records[0].trace_id == outer_records[0].trace_id  # one trace
    assert outer_records[0].provenance is not None and outer_records[0].provenance.python


def test_a_decorator_without_a_run_opens_an_implicit_run(store: Path) -> None:
    @ub.step
    def work(x: int) -> int:
        return x + 1

    assert ub.current_run() is None
    assert work(1) == 2
    implicit = ub.current_run()
    assert implicit is not None and implicit.implicit
    assert work(2) == 3
    assert ub.current_run() is implicit  # one implicit run for both calls
    ub.end_run()
    assert ub.current_run() is None
    records = assert_chain(store, implicit.id)
    assert kinds(records) == ["run", "step", "step", "run_end"]
    assert records[0].implicit is True
    assert records[-1].status == "finished"
    # the next capture opens a new implicit run
    work(3)
    assert ub.current_run() is not None and ub.current_run().id != implicit.id


def test_a_failing_block_ends_the_run_failed_and_the_exception_propagates(store: Path) -> None:
    @ub.step
    def fails(df: pd.DataFrame) -> pd.DataFrame:
        raise ZeroDivisionError("deling door nul")

    @ub.step
    def works(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with pytest.raises(ZeroDivisionError, match="deling door nul"), ub.run("failing") as run:
        works(pd.DataFrame({"a": [1]}))
        fails(pd.DataFrame({"a": [1]}))
    records = assert_chain(store, run.id)
    # one dataset (works returns its input unchanged: same content, one record), nothing for the failed call
    assert kinds(records) == ["run", "dataset", "step", "run_end"]
    end = records[-1]
    assert end.status == "failed"
    assert end.error_type == "ZeroDivisionError"
    assert ub.current_run() is None


def test_threads_with_a_copied_context_join_the_run_and_others_use_the_implicit_run(store: Path) -> None:
    @ub.step
    def work(thread: str) -> str:
        return thread

    with ub.run("threads") as run:
        copied = [threading.Thread(target=contextvars.copy_context().run, args=(work, f"copied-{i}")) for i in range(4)]
        plain = threading.Thread(target=work, args=("plain",))
        for t in [*copied, plain]:
            t.start()
        for t in [*copied, plain]:
            t.join()
        work("main")
    implicit = ub.current_run()
    assert implicit is not None and implicit.implicit
    ub.end_run()
    in_run = {s.params["thread"] for s in only(assert_chain(store, run.id), StepRecord)}
    assert in_run == {"main", "copied-0", "copied-1", "copied-2", "copied-3"}
    in_implicit = [s.params["thread"] for s in only(assert_chain(store, implicit.id), StepRecord)]
    assert in_implicit == ["plain"]


def test_concurrent_asyncio_tasks_keep_their_records_in_their_own_run(store: Path) -> None:
    @ub.step
    async def work(task: int, i: int) -> int:
        await asyncio.sleep(0.001 * ((task * 7 + i) % 3))
        return i

    async def job(task: int) -> str:
        async with ub.run(f"task-{task}") as run:
            for i in range(5):
                await work(task, i)
                await asyncio.sleep(0)
        return run.id

    async def main() -> list[str]:
        async with ub.run("parent") as parent:
            ids = await asyncio.gather(*(job(t) for t in range(6)))
        return [parent.id, *ids]

    parent_id, *run_ids = asyncio.run(main())
    assert len(set(run_ids)) == 6
    for task, run_id in enumerate(run_ids):
        records = assert_chain(store, run_id)
        assert records[0].name == f"task-{task}"
        assert records[0].parent_run_id == parent_id
        steps = only(records, StepRecord)
        assert [(s.params["task"], s.params["i"]) for s in steps] == [(task, i) for i in range(5)]
    assert kinds(assert_chain(store, parent_id)) == ["run", "run_end"]


def test_many_records_keep_the_hash_chain(store: Path) -> None:
    @ub.step
    def tick(i: int) -> int:
        return i

    with ub.run() as run:
        for i in range(120):
            tick(i)
    records = assert_chain(store, run.id)
    assert len(records) == 122
    assert [s.params["i"] for s in only(records, StepRecord)] == list(range(120))


# ---------------------------------------------------------------- privacy


def _all_text(store: Path) -> str:
    """Every byte of every file in the store, and every string inside its Parquet files, decoded."""
    parts: list[str] = []
    files = [p for p in store.rglob("*") if p.is_file()]
    assert files
    for path in files:
        raw = path.read_bytes()
        parts.append(raw.decode("latin-1"))
        if path.suffix == ".parquet":
            for row in pq.read_table(path).to_pylist():
                for value in row.values():
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    parts.append(str(value))
                    if isinstance(value, str) and value.startswith("{"):
                        parts.append(json.dumps(json.loads(value), ensure_ascii=False))
    return "\n".join(parts)


def test_personal_values_never_reach_the_store(store: Path) -> None:
    frame = applications(80, seed=11)
    frame.loc[:4, "bsn"] = ["123456782", "999999990", "111222333", "987654321", "555666777"]
    frame.loc[:4, "naam"] = ["Jan Jansen", "Fatima el Amrani", "Piet de Vries", "Anna Bakker", "Kees Smit"]
    frame["bsn_nummer"] = frame["bsn"].astype(np.int64)  # a numeric personal column too (min/max would leak)
    secrets = [*frame["bsn"], *frame["naam"], *map(str, frame["bsn_nummer"])]

    @ub.dataset(name="aanvragen", personal=["bsn", "naam", "bsn_nummer"])
    def load_applications() -> pd.DataFrame:
        return frame

    @ub.step
    def keep_names(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        out["kinderen"] = out["kinderen"] + 1  # a new derived table that still holds the personal columns
        return out

    @ub.step
    def features(df: pd.DataFrame) -> pd.DataFrame:
        return df.drop(columns=["bsn", "naam", "bsn_nummer"])

    @ub.train
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=200).fit(X, y)

    with ub.run("privacy") as run:
        raw = load_applications()
        kept = keep_names(raw)
        prepared = features(kept)
        fit(prepared[["inkomen", "kinderen"]], prepared["heronderzoek"])
        ub.record_dataset(kept.iloc[:40], name="subset")
    records = assert_chain(store, run.id)
    assert len(only(records, DatasetRecord)) == 6
    for d in only(records, DatasetRecord):
        assert set(d.personal) == {"bsn", "naam", "bsn_nummer"} & {c.name for c in d.columns}
    text = _all_text(store)
    assert "Aanvrager" not in text
    leaked = [s for s in secrets if s in text]
    assert leaked == []


def test_a_renamed_personal_column_stays_personal(store: Path) -> None:
    frame = pd.DataFrame({"bsn": ["123456782", "999999990", "123456782"], "x": [1, 2, 3]})

    @ub.dataset(name="bron", personal=["bsn"])
    def load_frame() -> pd.DataFrame:
        return frame

    @ub.step
    def rename(df: pd.DataFrame) -> pd.DataFrame:
        return df.rename(columns={"bsn": "burgerservicenummer"})

    with ub.run():
        rename(load_frame())
    assert "123456782" not in _all_text(store)


def test_personal_columns_stay_personal_in_a_nested_run(store: Path) -> None:
    frame = pd.DataFrame({"bsn": ["123456782", "999999990"], "x": [1, 2]})

    @ub.dataset(name="bron", personal=["bsn"])
    def load_frame() -> pd.DataFrame:
        return frame

    @ub.step
    def passthrough(df: pd.DataFrame) -> pd.DataFrame:
        return df

    with ub.run("outer"):
        df = load_frame()
        with ub.run("inner"):
            passthrough(df)
    assert "123456782" not in _all_text(store)


def test_personal_given_as_an_iterator(store: Path) -> None:
    @ub.dataset(name="bron", personal=(c for c in ["bsn"]))
    def load_frame() -> pd.DataFrame:
        return pd.DataFrame({"bsn": ["123456782", "999999990"], "x": [1, 2]})

    with ub.run():
        load_frame()
    assert "123456782" not in _all_text(store)


# ---------------------------------------------------------------- parameter and source heuristics


def test_ordinary_parameters_are_not_redacted(store: Path) -> None:
    @ub.step
    def configure_model(n_passes: int, max_tokens: int, author: str, passenger_count: int) -> None:
        return None

    with ub.run() as run:
        configure_model(3, 256, "team toeslagen", 2)
    step = only(load(store, run.id), StepRecord)[0]
    assert step.params == {"n_passes": 3, "max_tokens": 256, "author": "team toeslagen", "passenger_count": 2}


def test_dutch_and_short_password_names_are_redacted(store: Path) -> None:
    @ub.step
    def connect(wachtwoord: str, pwd: str) -> None:
        return None

    with ub.run() as run:
        connect("geheim-1", "geheim-2")
    step = only(load(store, run.id), StepRecord)[0]
    assert step.params == {"wachtwoord": "[redacted]", "pwd": "[redacted]"}


def test_only_paths_and_uris_become_the_source(store: Path) -> None:
    @ub.dataset(name="dossier")
    def load_dossier(applicant: str) -> pd.DataFrame:
        return pd.DataFrame({"x": [1, 2]})

    with ub.run() as run:
        load_dossier("J. Jansen")
    dataset = only(load(store, run.id), DatasetRecord)[0]
    assert dataset.source is None


def test_default_parameters_are_recorded(store: Path) -> None:
    @ub.step
    def make_features(values: list[int], reference_date: str = "2026-01-01", bins: int = 4) -> None:
        return None

    with ub.run() as run:
        make_features([1], bins=5)
    step = only(load(store, run.id), StepRecord)[0]
    assert step.params == {"values": "<builtins.list>", "reference_date": "2026-01-01", "bins": 5}
