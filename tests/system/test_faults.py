"""Capture never breaks training: failures inside capture become one warning and a gap record (or a
CaptureError in strict mode), an unwritable or full store costs a warning and a spill folder, bad
decorator arguments are rejected up front, and awkward data is captured without error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

import uitlegbaar as ub
import uitlegbaar.capture.datasets
import uitlegbaar.capture.decorators
import uitlegbaar.capture.settings
from uitlegbaar.evidence.records import DatasetRecord, GapRecord, ModelRecord, Record, RunEndRecord
from uitlegbaar.store import LocalStore
from uitlegbaar.store.verify import verify_store


def load(store: Path, run_id: str) -> list[Record]:
    return LocalStore.open(store).load(run_id)


def gaps(records: list[Record]) -> list[GapRecord]:
    return [r for r in records if isinstance(r, GapRecord)]


@contextmanager
def uitlegbaar_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Collect every UitlegbaarWarning of the block (each one, not once per place)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found: list[warnings.WarningMessage] = []
        yield found
    found.extend(w for w in caught if issubclass(w.category, ub.UitlegbaarWarning))


def frame(rows: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"x": rng.normal(size=rows), "z": rng.integers(0, 5, rows), "y": np.tile([0, 1], rows // 2)})


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("kapot in capture")


# ---------------------------------------------------------------- a failure inside capture


def test_a_failing_capture_gives_one_warning_a_gap_and_the_users_result(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uitlegbaar.capture.datasets, "fingerprint_table", _boom)
    data = frame()

    @ub.dataset(name="bron")
    def load_data() -> pd.DataFrame:
        return data

    with uitlegbaar_warnings() as caught, ub.run() as run:
        result = load_data()
    assert result is data
    assert len(caught) == 1
    assert "kapot in capture" in str(caught[0].message)
    assert "RuntimeError" in str(caught[0].message)
    records = load(store, run.id)
    assert [r.kind for r in records] == ["run", "gap", "run_end"]
    gap = gaps(records)[0]
    assert gap.error_type == "RuntimeError"
    assert gap.message == "kapot in capture"
    assert gap.function is not None and gap.function.endswith("load_data")
    assert "dataset" in gap.what
    assert records[-1].status == "finished"


def test_a_failing_model_capture_still_returns_the_model(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from uitlegbaar.integrations.models.sklearn import SklearnAdapter

    monkeypatch.setattr(SklearnAdapter, "artifact", _boom)
    data = frame()

    @ub.train
    def fit(X: pd.DataFrame, y: pd.Series) -> DecisionTreeClassifier:
        return DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)

    @ub.evaluate
    def accuracy(model: DecisionTreeClassifier, X: pd.DataFrame, y: pd.Series) -> float:
        return float((model.predict(X) == y).mean())  # not a mapping: cannot be recorded

    with uitlegbaar_warnings() as caught, ub.run() as run:
        model = fit(data[["x", "z"]], data["y"])
        score = accuracy(model, data[["x", "z"]], data["y"])
    assert isinstance(model, DecisionTreeClassifier) and model.tree_.max_depth <= 2
    assert 0.0 <= score <= 1.0
    assert len(caught) == 2
    records = load(store, run.id)
    assert [g.error_type for g in gaps(records)] == ["RuntimeError", "TypeError"]
    assert gaps(records)[0].what == "the artifact hash of model fit"
    (recorded,) = [r for r in records if isinstance(r, ModelRecord)]  # the rest of the model is kept
    assert recorded.artifact_sha256 is None and recorded.hyperparameters["max_depth"] == 2


def test_a_table_that_cannot_be_converted_gives_a_gap(store: Path) -> None:
    duplicate = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])

    @ub.dataset(name="dubbel")
    def load_data() -> pd.DataFrame:
        return duplicate

    with uitlegbaar_warnings() as caught:
        assert load_data() is duplicate
        run = ub.current_run()
        assert run is not None
        ub.end_run()
    assert len(caught) == 1
    records = load(store, run.id)
    assert [r.kind for r in records] == ["run", "gap", "run_end"]
    assert "Duplicate column names" in gaps(records)[0].message


# ---------------------------------------------------------------- strict mode


def test_strict_mode_raises_capture_error(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uitlegbaar.capture.settings.configure(strict=True)
    monkeypatch.setattr(uitlegbaar.capture.datasets, "fingerprint_table", _boom)

    @ub.dataset(name="bron")
    def load_data() -> pd.DataFrame:
        return frame()

    with pytest.raises(ub.CaptureError, match="kapot in capture") as raised, ub.run() as run:
        load_data()
    assert isinstance(raised.value.__cause__, RuntimeError)
    records = load(store, run.id)
    assert [r.kind for r in records] == ["run", "run_end"]  # no gap: the error says it
    assert records[-1].status == "failed" and records[-1].error_type == "CaptureError"


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_strict_mode_from_the_environment(store: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("UITLEGBAAR_STRICT", value)
    monkeypatch.setattr(uitlegbaar.capture.datasets, "fingerprint_table", _boom)

    @ub.dataset(name="bron")
    def load_data() -> pd.DataFrame:
        return frame()

    with pytest.raises(ub.CaptureError):
        load_data()  # the implicit run
    implicit = ub.current_run()
    assert implicit is not None and implicit.strict


def test_strict_off_in_the_environment_warns(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UITLEGBAAR_STRICT", "0")
    monkeypatch.setattr(uitlegbaar.capture.datasets, "fingerprint_table", _boom)

    @ub.dataset(name="bron")
    def load_data() -> pd.DataFrame:
        return frame()

    with pytest.warns(ub.UitlegbaarWarning, match="kapot in capture"):
        assert len(load_data()) == 30


# ---------------------------------------------------------------- an unwritable store


def _spill_folder(caught: list[warnings.WarningMessage], run_id: str) -> Path:
    named = [m for m in map(str, (w.message for w in caught)) if "saved to" in m]
    assert len(named) == 1, [str(w.message) for w in caught]
    assert run_id in named[0]
    match = re.search(r"saved to (\S+) instead", named[0])
    assert match, named[0]
    return Path(match.group(1))


def _train_pipeline() -> tuple[DecisionTreeClassifier, str]:
    model, run_id, _ = _train(None, "onbeschrijfbaar")
    return model, run_id


def _assert_spilled(caught: list[warnings.WarningMessage], run_id: str, tmp_path: Path) -> None:
    assert caught, "an unwritable store must be reported"
    assert all("did not capture" not in str(w.message) for w in caught)  # no capture gap, a store problem
    spill = _spill_folder(caught, run_id)
    assert spill.is_dir()
    assert spill.is_relative_to(tmp_path)  # the temp folder was pointed there
    records = load(spill, run_id)
    assert [r.kind for r in records] == ["run", "dataset", "dataset", "dataset", "model", "gap", "run_end"]
    assert [r.seq for r in records] == list(range(7))
    assert records[-2].what.startswith("writing to the store")  # type: ignore[attr-defined]
    assert isinstance(records[-1], RunEndRecord) and records[-1].status == "finished"


@pytest.fixture
def temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point `tempfile` (where spill folders go) into this test's tmp_path."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_read_only_store_completes_training_and_spills(tmp_path: Path, temp_folder: Path) -> None:
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    probe = read_only / "probe"
    try:
        probe.touch()
        can_write_anyway = True  # root (as in CI) ignores permission bits
        probe.unlink()
    except PermissionError:
        can_write_anyway = False
    if can_write_anyway:
        # chmod does not stop root, so make the store impossible to create another way: its path is a
        # regular file, so the store folder (and anything in it) cannot be created.
        read_only.chmod(0o755)
        store_path = read_only / "store"
        store_path.write_text("not a folder")
    else:
        store_path = read_only / "store"
    uitlegbaar.capture.settings.configure(store=store_path)
    try:
        with uitlegbaar_warnings() as caught:
            model, run_id = _train_pipeline()
        assert isinstance(model, DecisionTreeClassifier) and model.get_depth() <= 3
        _assert_spilled(caught, run_id, tmp_path)
        assert not store_path.is_dir()
    finally:
        read_only.chmod(0o755)
        uitlegbaar.end_run()
        uitlegbaar.capture.settings.reset()


def test_unwritable_store_gives_one_warning(tmp_path: Path, temp_folder: Path) -> None:
    store_path = tmp_path / "a-file"
    store_path.write_text("not a folder")
    uitlegbaar.capture.settings.configure(store=store_path)
    try:
        with uitlegbaar_warnings() as caught:
            _train_pipeline()
        assert len(caught) == 1, [str(w.message) for w in caught]
    finally:
        uitlegbaar.end_run()
        uitlegbaar.capture.settings.reset()


def test_unwritable_store_in_strict_mode_raises(tmp_path: Path) -> None:
    store_path = tmp_path / "a-file"
    store_path.write_text("not a folder")
    uitlegbaar.capture.settings.configure(store=store_path, strict=True)
    try:
        # an explicit run raises StoreError, an implicit one CaptureError (see the report); both are
        # UitlegbaarErrors and neither is a silent loss
        with pytest.raises(ub.UitlegbaarError, match="a-file"), ub.run():
            pass

        @ub.dataset
        def load_data() -> pd.DataFrame:
            return frame()

        with pytest.raises(ub.CaptureError, match="a-file"):
            load_data()
    finally:
        uitlegbaar.end_run()
        uitlegbaar.capture.settings.reset()


@contextmanager
def tiny_disk(folder: Path, size: str = "64k") -> Iterator[Path]:
    folder.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs to simulate a full disk: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to simulate a full disk (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, timeout=10, check=False)


def _fill(folder: Path) -> None:
    """Write until the file system is full (down to the last byte)."""
    with open(folder / "filler", "wb", buffering=0) as f:
        for size in (4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError:
                continue
    stats = os.statvfs(folder)
    assert stats.f_bavail == 0


def test_full_disk_completes_training_and_spills(tmp_path: Path, temp_folder: Path) -> None:
    with tiny_disk(tmp_path / "disk") as disk:
        store_path = disk / "store"
        LocalStore.open(store_path, create=True)  # the store exists; then the disk fills up
        _fill(disk)
        uitlegbaar.capture.settings.configure(store=store_path)
        try:
            with uitlegbaar_warnings() as caught:
                model, run_id = _train_pipeline()
            assert isinstance(model, DecisionTreeClassifier)
            assert any("No space left" in str(w.message) or "errno 28" in str(w.message).lower() for w in caught)
            _assert_spilled(caught, run_id, tmp_path)
            assert LocalStore.open(store_path).leftovers() == []  # failed writes leave no temporary files
        finally:
            uitlegbaar.end_run()
            uitlegbaar.capture.settings.reset()


# ---------------------------------------------------------------- the store fails in the middle of a run


def _train_in_two_halves(between: Any) -> tuple[DecisionTreeClassifier, str, int]:
    """A pipeline whose first records are on disk when `between()` breaks the store; the rest follow."""
    return _train(between, "halverwege")


def _train(between: Any, name: str) -> tuple[DecisionTreeClassifier, str, int]:
    """Load a dataset and train on it in one run; with `between`, the records so far are flushed and `between()`
    runs before the training (its third value: how many records were written by then)."""
    data = frame()

    @ub.dataset(name="bron")
    def load_data() -> pd.DataFrame:
        return data

    @ub.train
    def fit(X: pd.DataFrame, y: pd.Series) -> DecisionTreeClassifier:
        return DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)

    with ub.run(name) as run:
        loaded = load_data()
        written = 0
        if between is not None:
            assert run.flush()  # the run's first records are in the store
            written = run._seq
            between()
        model = fit(loaded[["x", "z"]], loaded["y"])
    return model, run.id, written


def _remount(disk: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True, timeout=10)


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_a_store_that_fails_mid_run_keeps_what_it_has_and_the_rest_is_spilled(
    tmp_path: Path, temp_folder: Path, fault: str
) -> None:
    with tiny_disk(tmp_path / "disk", size="2m") as disk:
        store_path = disk / "store"
        uitlegbaar.capture.settings.configure(store=store_path)
        try:
            with uitlegbaar_warnings() as caught:
                model, run_id, written = _train_in_two_halves(
                    (lambda: _remount(disk, "ro")) if fault == "read-only" else (lambda: _fill(disk))
                )
        finally:
            uitlegbaar.end_run()
            uitlegbaar.capture.settings.reset()
        assert isinstance(model, DecisionTreeClassifier) and model.get_depth() <= 3
        spill = _spill_folder(caught, run_id)
        if fault == "read-only":
            _remount(disk, "rw")
        else:
            (disk / "filler").unlink()
        kept = LocalStore.open(store_path)
        assert [r.seq for r in kept.load(run_id)] == list(range(written))  # the first half stayed in the store
        report = verify_store(kept)
        assert report.ok and report.incomplete == [run_id]  # incomplete, not corrupt
        rest = load(spill, run_id)
        assert rest[0].seq == written and rest[-1].kind == "run_end"
        assert any(isinstance(r, ModelRecord) for r in rest)
        assert gaps(rest)[-1].what.startswith("writing to the store")
        # as the warning says: copied back, the run is whole again
        for path in (spill / "runs" / run_id).glob("*.parquet"):
            shutil.copy(path, store_path / "runs" / run_id / path.name)
        whole = verify_store(LocalStore.open(store_path))
        assert whole.ok and whole.incomplete == [] and whole.records == rest[-1].seq + 1


def test_a_store_removed_mid_run_is_not_recreated_half_way_and_the_rest_is_spilled(
    store: Path, temp_folder: Path, tmp_path: Path
) -> None:
    with uitlegbaar_warnings() as caught:
        model, run_id, written = _train_in_two_halves(lambda: shutil.rmtree(store))
    assert isinstance(model, DecisionTreeClassifier)
    assert not store.exists()  # no folder without its marker, holding half a run
    rest = load(_spill_folder(caught, run_id), run_id)
    assert rest[0].seq == written and rest[-1].kind == "run_end"
    gap = gaps(rest)[-1]
    assert gap.error_type == "StoreError" and "removed or moved while the run was open" in gap.message
    with ub.run("daarna") as after:  # the next run makes the store again
        pass
    assert verify_store(LocalStore.open(store)).ok and len(load(store, after.id)) == 2


class Unpicklable:
    """A model holding a lock: pickle refuses it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(X))


def test_a_model_that_cannot_be_pickled_is_recorded_without_its_hash(store: Path) -> None:
    @ub.train
    def fit(X: pd.DataFrame, y: pd.Series) -> Unpicklable:
        return Unpicklable()

    data = frame()
    with uitlegbaar_warnings() as caught, ub.run() as run:
        model = fit(data[["x", "z"]], data["y"])
    assert isinstance(model, Unpicklable)
    assert len(caught) == 1 and "cannot pickle '_thread.lock'" in str(caught[0].message)
    records = load(store, run.id)
    assert [g.what for g in gaps(records)] == ["the artifact hash of model fit"]
    (recorded,) = [r for r in records if isinstance(r, ModelRecord)]
    assert recorded.artifact_sha256 is None and recorded.features == ["x", "z"]


def test_cells_that_cannot_be_hashed_are_captured(store: Path) -> None:
    data = pd.DataFrame({"cellen": [{"a": 1}, [1, 2], {3}, object()], "n": [1, 2, 3, 4]})
    with uitlegbaar_warnings() as caught:
        ds = _capture_one(store, data)
    assert caught == []
    assert ds.num_rows == 4 and [c.name for c in ds.columns] == ["cellen", "n"]


# ---------------------------------------------------------------- bad decorator arguments


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: ub.dataset(personal="bsn"), "personal="),
        (lambda: ub.dataset(sensitive="geslacht"), "sensitive="),
        (lambda: ub.dataset(personal=["bsn", 7]), "personal="),
        (lambda: ub.dataset(source=123), "source="),
        (lambda: ub.train(model=5), "model="),
        (lambda: ub.evaluate(sensitive="geslacht"), "sensitive="),
        (lambda: ub.record_dataset(frame(), name="x", personal="bsn"), "personal="),
    ],
    ids=[
        "personal-str",
        "sensitive-str",
        "personal-int",
        "source-int",
        "model-int",
        "evaluate-sensitive",
        "record_dataset-personal",
    ],
)
def test_bad_decorator_arguments_raise_configuration_error(store: Path, make: Any, argument: str) -> None:
    with pytest.raises(ub.ConfigurationError, match=re.escape(argument)):
        make()


def test_decorating_something_that_is_not_a_function(store: Path) -> None:
    with pytest.raises(ub.ConfigurationError, match="not int"):
        ub.step(5)
    with pytest.raises(ub.ConfigurationError):
        ub.record_dataset([1, 2, 3], name="lijst")


def test_personal_none_is_a_configuration_error(store: Path) -> None:
    with pytest.raises(ub.ConfigurationError, match="personal="):
        ub.dataset(personal=None)


@pytest.mark.parametrize(
    "make",
    [lambda: ub.dataset(name=123), lambda: ub.step(name=5), lambda: ub.evaluate(split=5), lambda: ub.explain(method=5)],
    ids=["dataset-name", "step-name", "evaluate-split", "explain-method"],
)
def test_non_string_names_are_configuration_errors(store: Path, make: Any) -> None:
    with pytest.raises(ub.ConfigurationError):
        make()


# ---------------------------------------------------------------- awkward data


def _capture_one(store: Path, data: pd.DataFrame) -> DatasetRecord:
    @ub.dataset(name="lastig")
    def load_data() -> pd.DataFrame:
        return data

    with ub.run() as run:
        assert load_data() is data
    records = load(store, run.id)
    assert [r.kind for r in records] == ["run", "dataset", "run_end"]
    return records[1]


def test_zero_row_dataset(store: Path) -> None:
    empty = pd.DataFrame(
        {"i": pd.Series([], dtype="int64"), "f": pd.Series([], dtype="float64"), "s": pd.Series([], dtype="str")}
    )
    ds = _capture_one(store, empty)
    assert (ds.num_rows, ds.num_columns) == (0, 3)
    assert [c.type for c in ds.columns] == ["int64", "double", "string"]
    assert all(p.null_count == 0 and p.distinct == 0 and p.min is None for p in ds.profile)
    assert len(ds.fingerprint.digest) == 64


@pytest.mark.parametrize(
    "data",
    [pd.DataFrame({"leeg": [None, None, None], "x": [1, 2, 3]}), pd.DataFrame(columns=["a", "b"])],
    ids=["all-null-column", "zero-rows-untyped"],
)
def test_null_typed_columns(store: Path, data: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ub.UitlegbaarWarning)
        try:
            ds = _capture_one(store, data)
        except ub.UitlegbaarWarning as warning:
            pytest.fail(f"capture warned: {warning}")
    assert ds.profile[0].null_count == len(data)


def test_all_null_numeric_and_text_columns(store: Path) -> None:
    data = pd.DataFrame(
        {
            "f": [np.nan] * 4,
            "i": pd.array([None] * 4, dtype="Int64"),
            "s": pd.Series([None] * 4, dtype="str"),
            "ok": [1, 2, 3, 4],
        }
    )
    ds = _capture_one(store, data)
    profile = {p.name: p for p in ds.profile}
    for name in ("f", "i", "s"):
        assert profile[name].null_count == 4
        assert profile[name].distinct == 0
        assert profile[name].top_values == []


def test_mixed_type_object_column(store: Path) -> None:
    data = pd.DataFrame({"gemengd": pd.Series([1, "a", 2.5, None], dtype=object), "n": [1, 2, 3, 4]})
    ds = _capture_one(store, data)
    assert ds.num_rows == 4
    assert [c.name for c in ds.columns] == ["gemengd", "n"]
    assert ds.columns[0].type == "string"
    mixed = {p.name: p for p in ds.profile}["gemengd"]
    assert mixed.null_count == 1
    assert mixed.distinct == 3
    # values of different types stay different (1 and "1" are not the same value)
    other = pd.DataFrame({"gemengd": pd.Series(["1", "a", 2.5, None], dtype=object), "n": [1, 2, 3, 4]})
    assert _capture_one(store, other).fingerprint.digest != ds.fingerprint.digest
