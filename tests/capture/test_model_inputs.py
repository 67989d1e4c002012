"""@ub.train records the lineage of a scikit-learn pipeline's inputs; the card shows it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import uitlegbaar as ub
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import GapRecord, ModelRecord
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

FRAME = pd.DataFrame(
    {
        "gemeente": ["Zwolle", "Utrecht", "Zwolle", "Den Haag"] * 15,
        "inkomen": [21_000.0 + 750 * i for i in range(60)],
        "label": [i % 2 for i in range(60)],
    }
)


def train_pipeline(store: Path) -> str:
    @ub.dataset(name="aanvragen", sensitive=["gemeente"])
    def load() -> pd.DataFrame:
        return FRAME

    @ub.train(model="pijplijn")
    def fit(X: pd.DataFrame, y: pd.Series) -> Pipeline:
        prep = ColumnTransformer([("onehot", OneHotEncoder(), ["gemeente"]), ("scale", StandardScaler(), ["inkomen"])])
        return Pipeline([("prep", prep), ("clf", LogisticRegression())]).fit(X, y)

    with ub.run("inputs") as run:
        data = load()
        fit(data[["gemeente", "inkomen"]], data["label"])
    return run.id


def test_the_model_record_carries_each_inputs_sources_transforms_and_flags(store: Path) -> None:
    run_id = train_pipeline(store)
    model = next(r for r in LocalStore.open(store).load(run_id) if isinstance(r, ModelRecord))
    by_name = {i.name: i for i in model.inputs}
    assert set(by_name) == {
        "onehot__gemeente_Den Haag",
        "onehot__gemeente_Utrecht",
        "onehot__gemeente_Zwolle",
        "scale__inkomen",
    }
    assert by_name["onehot__gemeente_Zwolle"].sources == ["gemeente"]
    assert by_name["onehot__gemeente_Zwolle"].transforms == ["onehot(gemeente)"]
    assert by_name["onehot__gemeente_Zwolle"].sensitive and not by_name["scale__inkomen"].sensitive
    card = compile_card(load_evidence(LocalStore.open(store), run_id), Declaration())
    assert [f.name for f in card.features] == [i.name for i in model.inputs]
    assert next(f for f in card.features if f.name == "scale__inkomen").transforms == ["standardscaler(inkomen)"]


def test_a_lineage_failure_is_a_gap_and_the_model_is_still_recorded(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uitlegbaar.integrations.sklearn as integration

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lineage exploded")

    monkeypatch.setattr(integration, "feature_lineage", broken)  # our own code, not a system we integrate with
    with pytest.warns(ub.UitlegbaarWarning, match="feature lineage of pijplijn"):
        run_id = train_pipeline(store)
    records = LocalStore.open(store).load(run_id)
    model = next(r for r in records if isinstance(r, ModelRecord))
    assert model.inputs == [] and model.class_name.endswith("Pipeline")
    assert [g.what for g in records if isinstance(g, GapRecord)] == ["feature lineage of pijplijn"]


def test_a_training_table_that_cannot_be_captured_is_a_gap_and_the_model_is_still_recorded(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uitlegbaar.capture.decorators as decorators

    captured = decorators.capture_table

    def broken_for_labels(run: object, table: object, *, name: str, **kwargs: object) -> object:
        if name.endswith(".y"):
            raise RuntimeError("the labels exploded")
        return captured(run, table, name=name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(decorators, "capture_table", broken_for_labels)  # our own code, not a system we integrate with
    with pytest.warns(ub.UitlegbaarWarning, match="the training data y of model pijplijn"):
        run_id = train_pipeline(store)
    records = LocalStore.open(store).load(run_id)
    model = next(r for r in records if isinstance(r, ModelRecord))
    assert [ref.argument for ref in model.training_data] == ["X"]
    assert model.features and model.inputs and model.artifact_sha256
    assert [g.what for g in records if isinstance(g, GapRecord)] == ["the training data y of model pijplijn"]
