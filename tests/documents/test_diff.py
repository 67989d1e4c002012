"""`uitlegbaar diff`: field-level differences between two real runs, from the library and the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import uitlegbaar as ub
from helpers import cli
from uitlegbaar.documents.diff import RunDiff, changes_since, diff_evidence, ranks
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.pipeline import previous_version as previous_run
from uitlegbaar.store import LocalStore

METRICS: dict[str, Any] = {"accuracy": 0.75, "auc": 0.8, "geslacht": {"man": {"recall": 0.5}, "vrouw": {"recall": 0.9}}}
IMPORTANCES = {"inkomen": 0.5, "leeftijd": -0.3, "huishouden": 0.1}


def applications() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "inkomen": rng.normal(30_000, 8_000, 200).round(2),
            "leeftijd": rng.integers(18, 80, 200),
            "huishouden": rng.integers(1, 6, 200),
            "geslacht": rng.choice(["man", "vrouw"], 200),
        }
    )
    frame["heronderzoek"] = (frame["inkomen"] < 28_000).astype(int)
    return frame


@ub.dataset(name="aanvragen", sensitive=["geslacht"])
def load(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.copy()


@ub.step
def features(frame: pd.DataFrame, per_person: bool = False) -> pd.DataFrame:
    out = frame.drop(columns=["geslacht"])
    if per_person:
        out["inkomen_per_persoon"] = out["inkomen"] / out["huishouden"]
    return out


@ub.train(model="risico")
def fit(X: pd.DataFrame, y: pd.Series, C: float = 1.0) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=1_000).fit(X, y)


@ub.evaluate(split="test", sensitive=["geslacht"])
def evaluate(model: LogisticRegression, X: pd.DataFrame, reported: dict[str, Any]) -> dict[str, Any]:
    return reported  # fixed numbers, so that the test knows the deltas


@ub.explain(method="coefficients")
def explain(model: LogisticRegression, importances: dict[str, float]) -> dict[str, float]:
    return importances


def pipeline(
    frame: pd.DataFrame | None = None,
    *,
    C: float = 1.0,
    per_person: bool = False,
    metrics: dict[str, Any] = METRICS,
    importances: dict[str, float] = IMPORTANCES,
) -> str:
    """One run of the pipeline; returns its id."""
    with ub.run("risico training") as run:
        table = features(load(applications() if frame is None else frame), per_person=per_person)
        X, y = table.drop(columns=["heronderzoek"]), table["heronderzoek"]
        model = fit(X, y, C=C)
        evaluate(model, X, metrics)
        explain(model, importances)
    return run.id


def evidence(store: Path, run_id: str) -> Evidence:
    return load_evidence(LocalStore.open(store), run_id)


def diff_runs(store: Path, a: str, b: str) -> RunDiff:
    return diff_evidence(evidence(store, a), evidence(store, b))


def test_a_run_compared_with_itself_has_no_differences(store: Path) -> None:
    run_id = pipeline()
    same = diff_runs(store, run_id, run_id)
    assert not same.differs
    sections = {k: v for k, v in same.model_dump().items() if k not in ("a", "b", "differs")}
    assert len(sections) == 5 and all(v == {"added": [], "removed": [], "changed": []} for v in sections.values())
    done = cli("diff", "latest", run_id[:8], store=store)
    assert done.returncode == 0 and "no differences" in done.stdout.lower()


def test_one_changed_cell_changes_the_source_fingerprint_and_its_profile(store: Path) -> None:
    changed = applications()
    changed.loc[0, "inkomen"] += 500.0
    found = diff_runs(store, pipeline(), pipeline(changed))
    source = found.datasets.changed[0]  # source datasets come first
    assert (source.name, source.role, source.fingerprint_changed) == ("aanvragen", "source", True)
    assert (source.rows.delta, source.columns.delta, source.columns_added, source.types_changed) == (0, 0, [], [])
    assert [p.column for p in source.profile] == ["inkomen"]
    mean = next(c for c in source.profile[0].changes if c.name == "mean")
    assert mean.delta == pytest.approx(500.0 / 200)
    assert mean.new == pytest.approx(float(mean.old) + 2.5)  # type: ignore[arg-type]
    assert not found.models and not found.evaluations and not found.explanations


def test_a_changed_hyperparameter_and_an_added_feature_show_up(store: Path) -> None:
    found = diff_runs(store, pipeline(), pipeline(C=0.5, per_person=True))
    (model,) = found.models.changed
    assert model.name == "risico" and model.class_name is None
    assert model.features_added == ["inkomen_per_persoon"] and model.features_removed == []
    (c,) = [h for h in model.hyperparameters if h.name == "C"]
    assert (c.change, c.old, c.new, c.delta) == ("changed", 1.0, 0.5, -0.5)
    (step,) = found.steps.changed
    assert not step.source_changed and [(p.name, p.old, p.new) for p in step.params] == [("per_person", False, True)]
    derived = next(d for d in found.datasets.changed if d.name == "features.output")
    assert derived.columns_added == ["inkomen_per_persoon"] and derived.columns.delta == 1
    text = cli("diff", "latest~1", "latest", store=store).stdout
    assert "hyperparameter C" in text and "feature inkomen_per_persoon" in text


def test_metric_deltas_are_new_minus_old_per_split_and_per_group(store: Path) -> None:
    newer = {"accuracy": 0.8, "auc": 0.8, "f1": 0.6, "geslacht": {"man": {"recall": 0.7}, "vrouw": {"recall": 0.9}}}
    found = diff_runs(store, pipeline(), pipeline(metrics=newer))
    (evaluation,) = found.evaluations.changed
    assert evaluation.split == "test" and evaluation.model == "risico"
    accuracy, f1 = evaluation.metrics  # auc did not change
    assert (accuracy.name, accuracy.change, accuracy.old, accuracy.new) == ("accuracy", "changed", 0.75, 0.8)
    assert accuracy.delta == pytest.approx(0.05)
    assert (f1.name, f1.change, f1.old, f1.new, f1.delta) == ("f1", "added", None, 0.6, None)
    (group,) = evaluation.by_group  # vrouw did not change
    assert (group.attribute, group.group) == ("geslacht", "man")
    assert group.changes[0].name == "recall" and group.changes[0].delta == pytest.approx(0.2)


def test_rank_changes_follow_absolute_importance(store: Path) -> None:
    newer = {"inkomen": 0.2, "leeftijd": -0.6, "huishouden": 0.1, "woonsituatie": 0.05}
    found = diff_runs(store, pipeline(), pipeline(importances=newer))
    (explanation,) = found.explanations.changed
    moves = [(r.feature, r.old_rank, r.new_rank, r.movement) for r in explanation.features]
    assert moves == [("leeftijd", 2, 1, 1), ("inkomen", 1, 2, -1), ("woonsituatie", None, 4, None)]
    assert explanation.features[0].delta == pytest.approx(-0.3)  # huishouden kept rank and value: left out


def test_equal_importances_share_a_rank() -> None:
    assert ranks({"a": 0.5, "b": -0.5, "c": 0.1, "d": float("nan")}) == {"a": 1, "b": 1, "c": 3, "d": 4}


def test_latest_tilde_n_names_an_earlier_run_and_json_is_valid(store: Path) -> None:
    first, second = pipeline(), pipeline(C=2.0)
    done = cli("diff", "latest~1", "latest", "--json", store=store)
    assert done.returncode == 0
    found = json.loads(done.stdout)
    assert (found["a"]["run_id"], found["b"]["run_id"], found["differs"]) == (first, second, True)
    assert found["models"]["changed"][0]["hyperparameters"][0]["name"] == "C"
    too_far = cli("diff", "latest~2", "latest", store=store)
    assert too_far.returncode == 2 and too_far.stderr.startswith("Error: 'latest~2' needs at least 3 runs")


def test_previous_run_is_the_last_finished_run_of_the_same_model(store: Path) -> None:
    first = pipeline()
    with pytest.raises(RuntimeError), ub.run("failed training"):
        fit(*_xy())
        raise RuntimeError("stopped")
    with ub.run("data only"):
        load(applications())
    current = evidence(store, pipeline(C=3.0))
    local = LocalStore.open(store)
    previous = previous_run(local, current)
    assert previous is not None and previous.run_id == first
    assert previous_run(local, previous) is None
    assert changes_since(None, current) is None
    since = changes_since(previous, current)
    assert since is not None and since == diff_evidence(previous, current) and since.differs


def _xy() -> tuple[pd.DataFrame, pd.Series]:
    frame = applications().drop(columns=["geslacht"])
    return frame.drop(columns=["heronderzoek"]), frame["heronderzoek"]


def test_a_changed_source_is_a_difference(store: Path) -> None:
    frame = pd.DataFrame({"inkomen": [1.0, 2.0, 3.0]})
    ids = []
    for source in ("s3://bucket/aanvragen-2024.parquet", "s3://bucket/aanvragen-2025.parquet"):
        with ub.run("bron") as run:
            ub.record_dataset(frame, name="aanvragen", source=source)
        ids.append(run.id)
    local = LocalStore.open(store)
    found = diff_evidence(load_evidence(local, ids[0]), load_evidence(local, ids[1]))
    assert found.differs and found.datasets.changed[0].source[0].new == "s3://bucket/aanvragen-2025.parquet"
    printed = cli("diff", ids[0], ids[1], store=store)
    assert "No differences" not in printed.stdout and "aanvragen-2025.parquet" in printed.stdout, printed.stdout
