"""Declarations held against the evidence: a claim in uitlegbaar.yaml that the evidence refutes is a warning at
the top of every card, a note from register and systemcard, and an error in check; what it confirms is shown as
confirmed. Real pipelines and the real command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression, SGDClassifier

import uitlegbaar as ub
from helpers import EXAMPLES, cli
from uitlegbaar.documents.claims import check_claims
from uitlegbaar.evidence.declaration import load
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore


def declaration(folder: Path, claims: dict[str, object]) -> Path:
    path = folder / "uitlegbaar.yaml"
    data = {"organization": "Gemeente Test", "name": "Toeslagen", "claims": claims}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The README example (small), captured once: `leeftijd` is a model input, `gemeente` one-hot encoded."""
    store = tmp_path_factory.mktemp("claims") / "store"
    ub.configure(store=store)
    sys.path.insert(0, str(EXAMPLES))
    try:
        import toeslagen_pipeline

        run_id = toeslagen_pipeline.main(rows=2000, data_dir=tmp_path_factory.mktemp("data"))
    finally:
        sys.path.remove(str(EXAMPLES))
        ub.end_run()
        ub.capture.settings.reset()  # type: ignore[attr-defined]
    return store, run_id


def statuses(store: Path, run_id: str, path: Path) -> dict[str, str]:
    checks = check_claims(load_evidence(LocalStore.open(store), run_id), load(path).select())
    return {f"{c.claim}:{c.subject}" if c.subject else c.claim: c.status for c in checks}


def test_a_false_claim_is_on_every_document_and_fails_the_gate(example: tuple[Path, str], tmp_path: Path) -> None:
    store, _ = example
    path = declaration(tmp_path, {"not_model_inputs": ["geslacht", "leeftijd"], "personal_data": False})
    for fmt in ("md", "html"):
        card = cli("card", "latest", "--format", fmt, "--declaration", str(path), store=store).stdout
        top = card.split("## ", 1)[0] if fmt == "md" else card.split("<main", 1)[0]
        assert "contradicts what was declared" in top and "leeftijd is not a model input" in top, top[-2000:]
        assert "geslacht is not a model input" not in top  # a confirmed claim is no warning
        assert "toeslagaanvragen.bsn" in top  # the personal columns refute 'no personal data'
    nl = cli("card", "latest", "--lang", "nl", "--declaration", str(path), store=store).stdout
    assert "Het bewijs weerspreekt wat is verklaard" in nl and "leeftijd is geen invoer van het model" in nl
    data = json.loads(cli("card", "latest", "--format", "json", "--declaration", str(path), store=store).stdout)
    assert {c["subject"]: c["status"] for c in data["claims"] if c["claim"] == "not_model_inputs"} == {
        "geslacht": "confirmed",
        "leeftijd": "refuted",
    }
    for command in (["register", "latest", "-o", str(tmp_path / "e.json")], ["systemcard", "latest"]):
        done = cli(*command, "--declaration", str(path), store=store)
        assert "note: contradiction: leeftijd is not a model input" in done.stderr, done.stderr
    gate = cli("check", "latest", "--require", "iama", "--declaration", str(path), store=store)
    assert gate.returncode == 1 and "CONTRADICTION: leeftijd is not a model input" in gate.stdout, gate.stdout
    report = json.loads(
        cli("check", "latest", "--require", "iama", "--json", "--declaration", str(path), store=store).stdout
    )
    assert report["ok"] is False and len(report["contradictions"]) == 2


def test_a_one_hot_feature_is_an_input_of_its_source_column(example: tuple[Path, str], tmp_path: Path) -> None:
    store, run_id = example
    found = statuses(store, run_id, declaration(tmp_path, {"not_model_inputs": ["gemeente", "bsn"]}))
    assert found == {"not_model_inputs:gemeente": "refuted", "not_model_inputs:bsn": "confirmed"}


def test_the_example_declaration_holds(example: tuple[Path, str]) -> None:
    store, run_id = example
    found = statuses(store, run_id, EXAMPLES / "uitlegbaar.yaml")
    assert set(found.values()) == {"confirmed"}, found
    gate = cli("check", "latest", "--require", "iama", "--declaration", str(EXAMPLES / "uitlegbaar.yaml"), store=store)
    assert "CONTRADICTION" not in gate.stdout
    entry = cli("register", "latest", "--declaration", str(EXAMPLES / "uitlegbaar.yaml"), store=store).stdout
    assert "niet zelflerend" in entry


def test_a_renamed_column_is_still_the_attribute(store: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"geslacht": [0, 1] * 30, "inkomen": [float(i) for i in range(60)], "y": [i % 3 == 0 for i in range(60)]}
    )

    @ub.step
    def encode(data: pd.DataFrame) -> pd.DataFrame:
        return data.rename(columns={"geslacht": "g"})

    @ub.train(model="m")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression().fit(X, y)

    with ub.run("rename") as run:
        ub.record_dataset(frame, name="aanvragen")
        data = encode(frame)
        fit(data[["g", "inkomen"]], data["y"])
    found = statuses(store, run.id, declaration(tmp_path, {"not_model_inputs": ["geslacht"]}))
    assert found == {"not_model_inputs:geslacht": "refuted"}


def test_special_categories_self_learning_and_the_data_period(store: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "etniciteit": ["a", "b"] * 30,
            "aanvraagdatum": pd.date_range("2024-03-01", periods=60, freq="D"),
            "x": [float(i) for i in range(60)],
            "y": [i % 2 == 0 for i in range(60)],
        }
    )

    @ub.train(model="online")
    def fit(X: pd.DataFrame, y: pd.Series) -> SGDClassifier:
        return SGDClassifier(warm_start=True, random_state=0).fit(X, y)

    with ub.run("claims") as run:
        ub.record_dataset(frame, name="aanvragen")
        fit(frame[["x"]], frame["y"])
    claims = {
        "special_categories": False,
        "self_learning": False,
        "data_period": {"start": "2024-01", "end": "2024-12", "column": "aanvraagdatum"},
    }
    assert statuses(store, run.id, declaration(tmp_path, claims)) == {
        "special_categories": "refuted",
        "self_learning": "refuted",
        "data_period:aanvraagdatum": "confirmed",
    }
    claims["data_period"] = {"start": "2024-01", "end": "2024-03"}  # the data runs into April
    assert statuses(store, run.id, declaration(tmp_path, claims))["data_period"] == "refuted"
    entry = cli("register", "latest", "--force", "--declaration", str(declaration(tmp_path, claims)), store=store)
    assert "zelflerend" not in entry.stdout and "left out the self-learning claim" in entry.stderr


def test_a_bad_claim_is_one_clear_error(example: tuple[Path, str], tmp_path: Path) -> None:
    store, _ = example
    path = declaration(tmp_path, {"data_period": {"start": "2024", "end": "2024-12"}})
    done = cli("check", "latest", "--require", "iama", "--declaration", str(path), store=store)
    assert done.returncode == 2 and "start" in done.stderr and "Traceback" not in done.stderr, done.stderr
