"""MinBZK system cards compiled from a real captured run, validated against the official JSON Schemas
(algorithm reporting standard 0.1a14), with the example and an empty declaration, hostile text and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import ROOT, problems, systemcard_validator
from pipelines import capture_run
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.systemcard import compile_systemcard
from uitlegbaar.evidence.declaration import Declaration, load
from uitlegbaar.pipeline import compile_run, load_evidence
from uitlegbaar.store import LocalStore

EXAMPLE_DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"
EXECUTABLE = shutil.which("uitlegbaar") or str(Path(sys.executable).with_name("uitlegbaar"))


@pytest.fixture(scope="module")
def validator() -> Any:
    return systemcard_validator()


def with_licence(tmp_path: Path) -> Path:
    """The example declaration, which has a licence (the MinBZK model card requires one)."""
    assert "licence:" in EXAMPLE_DECLARATION.read_text(encoding="utf-8")
    return EXAMPLE_DECLARATION


def without_licence(tmp_path: Path) -> Path:
    """The example declaration with its licence taken out."""
    path = tmp_path / "no-licence.yaml"
    lines = EXAMPLE_DECLARATION.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.strip().startswith("licence:")), encoding="utf-8")
    return path


def cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=env, timeout=60)


def test_the_validator_rejects_what_the_schemas_reject(validator: Any) -> None:
    assert problems(validator, {"schema_version": "0.1a14"}) == []
    assert problems(validator, {})
    assert problems(validator, {"schema_version": "0.1a14", "models": [{"model_index": []}]})  # no licence
    assert problems(validator, {"schema_version": "0.1a14", "begin_date": "2026-01"})  # format: date


def test_example_declaration_gives_a_valid_card_with_the_model_embedded(
    store: Path, tmp_path: Path, validator: Any
) -> None:
    run_id = capture_run()
    document = compile_run(LocalStore.open(store), run_id, "systemcard", declaration=with_licence(tmp_path)).document
    assert problems(validator, document) == []
    assert document["schema_version"] == "0.1a14"
    assert document["ai_act_profile"] == {
        "type": "AI-systeem",
        "risk_group": "hoog-risico AI",
        "role": "gebruiksverantwoordelijke",
    }
    assert document["begin_date"] == "2026-01-01"
    assert document["legal_base"] == [{"name": "Participatiewet", "link": "https://wetten.overheid.nl/BWBR0015703"}]
    assert {"name": "Data Protection Impact Assessment (DPIA)"} in document["references"]
    assert "bsn (burgerservicenummer)" in document["used_data"]
    assert "123456700" not in yaml.safe_dump(document)  # personal values never appear
    (model,) = document["models"]
    assert model["license"] == {"license_name": "EUPL-1.2"}
    (index,) = model["model_index"]
    assert {"name": "C", "dtype": "float", "value": "1.0"} in index["parameters"]
    (result,) = index["results"]
    assert result["task"] == [{"type": "tabular-classification"}]
    grouped = [m for m in result["metrics"] if m.get("labels")]
    assert {m["labels"][0]["value"] for m in grouped} == {"man", "vrouw"}
    evidence = load_evidence(LocalStore.open(store), run_id)
    fingerprints = {f"{d.fingerprint.algorithm}:{d.fingerprint.digest}" for d in evidence.datasets}
    assert {d["revision"] for d in result["datasets"]} <= fingerprints
    assert result["measurements"]["bar_plots"][0]["type"] == "coefficients"


def test_the_example_without_a_licence_is_valid_and_leaves_the_model_card_out(
    store: Path, tmp_path: Path, validator: Any
) -> None:
    run_id = capture_run()
    document = compile_run(LocalStore.open(store), run_id, "systemcard", declaration=without_licence(tmp_path)).document
    assert problems(validator, document) == []
    assert "models" not in document
    assert document["name"] == "Selecteren van toeslagaanvragen voor heronderzoek"


def test_empty_declaration_gives_a_valid_card_from_the_evidence_alone(
    store: Path, tmp_path: Path, validator: Any
) -> None:
    run_id = capture_run()
    empty = tmp_path / "uitlegbaar.yaml"
    empty.write_text("", encoding="utf-8")
    document = compile_run(LocalStore.open(store), run_id, "systemcard", declaration=empty).document
    assert problems(validator, document) == []
    assert document["name"] == "toeslag-heronderzoek"
    assert not {"owners", "ai_act_profile", "description", "goal_and_impact", "models"} & set(document)
    assert all(value not in ("", None, [], {}) for value in document.values())


def test_same_run_gives_the_same_card(store: Path, tmp_path: Path) -> None:
    run_id = capture_run()
    path = with_licence(tmp_path)
    first = compile_run(LocalStore.open(store), run_id, "systemcard", declaration=path).document
    assert compile_run(LocalStore.open(store), run_id, "systemcard", declaration=path).document == first


def test_hostile_text_stays_valid_yaml_and_valid_against_the_schema(store: Path, validator: Any) -> None:
    name = "<script>alert('x')</script> \"quoted\" 'single' : - # & * ! | > % @ `"
    run_id = capture_run(dataset=name)
    evidence = load_evidence(LocalStore.open(store), run_id)
    declared = Declaration(
        name='Naam <b>met</b> "quotes"',
        description_short="Een zin met <script> en 'quotes'. " * 300,
        organization='Gemeente "X"',
        licence="EUPL-1.2",
        owners=[{"name": "Team: ja\nnee", "contact": "team@x.nl"}],
    )
    assert len(declared.description_short or "") > 10_000
    document = compile_systemcard(compile_card(evidence, declared), evidence, declared)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    assert yaml.safe_load(text) == document
    assert problems(validator, yaml.safe_load(text)) == []
    assert document["description"] == declared.description_short
    assert name in {d["name"] for d in document["models"][0]["model_index"][0]["results"][0]["datasets"]}


def test_cli_writes_yaml_that_round_trips_and_validates(store: Path, tmp_path: Path, validator: Any) -> None:
    run_id = capture_run()
    out = tmp_path / "systemcard.yaml"
    done = cli("systemcard", run_id, "-o", str(out), "--declaration", str(with_licence(tmp_path)), store=store)
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout
    document = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert problems(validator, document) == []
    assert (
        document
        == compile_run(LocalStore.open(store), run_id, "systemcard", declaration=with_licence(tmp_path)).document
    )
    assert "impact assessments are listed under references" in done.stderr


def test_cli_names_the_missing_licence_and_the_algorithm_choice(store: Path, tmp_path: Path) -> None:
    run_id = capture_run()
    out = tmp_path / "card.yaml"
    done = cli("systemcard", run_id, "-o", str(out), "--declaration", str(without_licence(tmp_path)), store=store)
    assert done.returncode == 0, done.stderr
    assert "set `licence` in uitlegbaar.yaml" in done.stderr
    two = tmp_path / "two.yaml"
    two.write_text("algorithms:\n  a: {name: A}\n  b: {name: B}\n", encoding="utf-8")
    load(two)
    done = cli("systemcard", run_id, "-o", str(out), "--declaration", str(two), store=store)
    assert done.returncode == 2
    assert "--algorithm" in done.stderr
    done = cli("systemcard", run_id, "-o", str(out), "--declaration", str(two), "--algorithm", "b", store=store)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["name"] == "B"


def test_a_pipeline_gets_its_task_from_its_final_estimator(store: Path, validator: Any, tmp_path: Path) -> None:
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import uitlegbaar as ub

    frame = pd.DataFrame({"inkomen": [float(i) for i in range(80)], "y": [i % 3 == 0 for i in range(80)]})

    @ub.train(model="toeslag-heronderzoek")
    def fit(X: pd.DataFrame, y: pd.Series) -> Any:
        return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)

    @ub.evaluate(split="test")
    def evaluate(model: Any, X: pd.DataFrame, y: pd.Series) -> dict[str, float]:
        return {"accuracy": float((model.predict(X) == y).mean())}

    with ub.run("pipeline") as run:
        model = fit(frame[["inkomen"]], frame["y"])
        evaluate(model, frame[["inkomen"]], frame["y"])
    assert load_evidence(LocalStore.open(store), run.id).model.task == "classification"  # type: ignore[union-attr]
    compiled = compile_run(LocalStore.open(store), run.id, "systemcard", declaration=with_licence(tmp_path))
    assert not any("no task type" in note for note in compiled.notes)
    results = compiled.document["models"][0]["model_index"][0]["results"]
    assert results[0]["task"][0]["type"] == "tabular-classification"
    assert {m["type"] for m in results[0]["metrics"]} >= {"accuracy"}
    assert problems(validator, compiled.document) == []
