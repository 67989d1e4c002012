"""`ub.autolog()` next to MLflow's autologging of the deep-learning libraries: Lightning's `Trainer.fit`, Keras's
`Model.fit` (torch backend), Hugging Face's `Trainer.train`, and a plain torch module logged with
`mlflow.pytorch.log_model`. Each trains a tiny real model for one epoch in a process of its own
(`mlflow_dl_jobs.py`) against a real `mlflow server`; the evidence is checked record by record against what the job
computed independently: each dataset's fingerprint and schema, the model's identity and artifact hash, the
LoggedModel and registered version, the card on the run and on its LoggedModel. A broken adapter never breaks the
training: warnings and gaps, the run and its model as MLflow logs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mlflow.tracking import MlflowClient

from helpers import TESTS
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

LIBRARIES = {
    "lightning": ("torch", "lightning"),
    "keras": ("torch", "keras"),
    "transformers": ("torch", "transformers", "datasets"),
    "torch_module": ("torch", "datasets"),
}


def run_job(job: str, mlflow_uri: str, store: Path, **env: str) -> tuple[dict[str, Any], Evidence, str]:
    """Run a training script of mlflow_dl_jobs.py; its facts, the evidence of its MLflow run, and the run's id."""
    for library in LIBRARIES[job.split("-")[0]]:
        pytest.importorskip(library)
    done = subprocess.run(
        [sys.executable, str(TESTS / "mlflow_dl_jobs.py"), job.split("-")[0], f"{job}-{time.time_ns()}"],
        env={**os.environ, "MLFLOW_TRACKING_URI": mlflow_uri, "UITLEGBAAR_STORE": str(store), **env},
        capture_output=True,
        text=True,
        timeout=600,
        cwd=store.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    facts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    run = MlflowClient(mlflow_uri).get_run(facts["mlflow_run_id"])
    assert run.info.status == "FINISHED"
    evidence = load_evidence(LocalStore.open(store), run.data.tags["uitlegbaar.run_id"])
    assert evidence.run.tags["mlflow.run_id"] == facts["mlflow_run_id"]
    return facts, evidence, run.data.tags["uitlegbaar.run_id"]


def datasets_by_name(evidence: Evidence) -> dict[str, Any]:
    return {d.name: d for d in evidence.datasets}


def check_model_and_card(
    evidence: Evidence, facts: dict[str, Any], mlflow_uri: str, run_id: str, class_end: str, flavor: str
) -> None:
    model = evidence.model
    assert model is not None and model.class_name.endswith(class_end)
    assert model.artifact_sha256 == facts["artifact_sha256"]  # the trained weights, hashed independently
    (logged,) = evidence.logged_models
    assert logged.model_id == model.id and logged.logged_model_id == facts["logged_model_id"]
    assert logged.registered_version == "1" and logged.registered_name is not None and flavor in logged.flavors
    client = MlflowClient(mlflow_uri)
    on_run = {Path(a.path).name for a in client.list_artifacts(facts["mlflow_run_id"], f"uitlegbaar/cards/{run_id}")}
    assert on_run == {"card.md", "card.html"}
    on_model = {Path(a.path).name for a in client.list_logged_model_artifacts(facts["logged_model_id"], "uitlegbaar")}
    assert {"card.md", "card.html"} <= on_model


@pytest.mark.parametrize("job", ["lightning", "lightning-datamodule"])
def test_lightning_trainer_fit_records_its_dataloaders_and_module(mlflow_uri: str, tmp_path: Path, job: str) -> None:
    facts, evidence, run_id = run_job(job, mlflow_uri, tmp_path / "store")  # in the run MLflow opened itself
    assert not evidence.gaps, evidence.gaps
    assert len(LocalStore.open(tmp_path / "store").summaries()) == 1
    found = datasets_by_name(evidence)
    assert set(found) == {"Classifier.train_dataloaders", "Classifier.val_dataloaders"}
    train, val = found["Classifier.train_dataloaders"], found["Classifier.val_dataloaders"]
    # the Subsets random_split made, row for row: the TensorDataset's features x0… and its label
    assert train.fingerprint.digest == facts["fingerprint_train"] and train.num_rows == 180
    assert val.fingerprint.digest == facts["fingerprint_val"] and val.num_rows == 60
    assert [c.name for c in train.columns] == ["x0", "x1", "x2", "label"]
    model = evidence.model
    assert model is not None and model.library == "torch" and model.artifact_format == "torch state_dict"
    assert model.function == "lightning.pytorch.trainer.trainer.Trainer.fit"
    assert model.hyperparameters["hparams.hidden"] == 8
    assert [i.name for i in model.inputs] == ["x0", "x1", "x2"]  # the label is data, not an input
    assert [d.fingerprint for d in model.training_data] == [facts["fingerprint_train"]]
    check_model_and_card(evidence, facts, mlflow_uri, run_id, "Classifier", "pytorch")
    assert facts["warnings"] == []


@pytest.mark.parametrize("job", ["keras", "keras-first", "keras-first-split"])  # ub.autolog() after / before keras
def test_keras_model_fit_records_x_y_and_the_validation_data(mlflow_uri: str, tmp_path: Path, job: str) -> None:
    """With validation_split, the rows Keras trained on are the training data, the rest the validation data."""
    facts, evidence, run_id = run_job(job, mlflow_uri, tmp_path / "store")
    assert not evidence.gaps, evidence.gaps
    assert len(LocalStore.open(tmp_path / "store").summaries()) == 1  # one uitlegbaar run for the MLflow run
    found = datasets_by_name(evidence)
    if job == "keras":  # arrays: MLflow's autologging logs them inside the fit (from_numpy), captured with it
        x, y = found["dataset"], found["dataset targets"]
        assert x.role == "source" and [c.name for c in x.columns] == ["0", "1", "2"]
    else:  # a DataFrame, which MLflow does not log: the data passed to fit, its columns the model's inputs
        x, y = found["Sequential.x"], found["Sequential.y"]
        assert [c.name for c in x.columns] == ["inkomen", "leeftijd", "wijk"]
    assert x.fingerprint.digest == facts["fingerprint_x"] and y.fingerprint.digest == facts["fingerprint_y"]
    held = "validation_split" if "split" in job else "validation_data"
    assert found[f"Sequential.{held}.x"].fingerprint.digest == facts["fingerprint_val_x"]
    assert found[f"Sequential.{held}.y"].fingerprint.digest == facts["fingerprint_val_y"]
    model = evidence.model
    assert model is not None and model.library == "keras" and model.artifact_format == "keras weights"
    assert [i.name for i in model.inputs] == ([] if job == "keras" else ["inkomen", "leeftijd", "wijk"])
    assert [d.fingerprint for d in model.training_data] == [facts["fingerprint_x"], facts["fingerprint_y"]]
    check_model_and_card(evidence, facts, mlflow_uri, run_id, "Sequential", "keras")


def test_keras_fit_on_a_generator_is_a_gap_and_training_goes_on(mlflow_uri: str, tmp_path: Path) -> None:
    facts, evidence, _ = run_job("keras-generator", mlflow_uri, tmp_path / "store")
    (gap,) = evidence.gaps
    assert gap.what == "the data in x of Sequential" and "builtins.generator is not a table in memory" in gap.message
    assert "ub.record_dataset" in gap.message
    assert not evidence.datasets and evidence.model is not None
    assert evidence.model.artifact_sha256 == facts["artifact_sha256"]
    assert any("did not capture the data in x of Sequential" in w for w in facts["warnings"])


def test_transformers_trainer_train_records_its_datasets_and_model(mlflow_uri: str, tmp_path: Path) -> None:
    facts, evidence, run_id = run_job("transformers", mlflow_uri, tmp_path / "store")
    assert not evidence.gaps, evidence.gaps
    found = datasets_by_name(evidence)
    train = found["BertForSequenceClassification.train_dataset"]
    # the Arrow table datasets holds (token ids int32, as it stores them), the rows `select` chose
    assert train.fingerprint.digest == facts["fingerprint_train"] and train.num_rows == 90
    assert [c.name for c in train.columns] == ["tekst", "input_ids", "labels"]
    assert found["BertForSequenceClassification.eval_dataset"].fingerprint.digest == facts["fingerprint_eval"]
    model = evidence.model
    assert model is not None and model.library == "transformers"
    assert model.hyperparameters["model_type"] == "bert" and model.hyperparameters["num_labels"] == 2
    assert [i.name for i in model.inputs] == ["input_ids"]  # what the model takes, not the text or the labels
    assert model.function == "transformers.trainer.Trainer.train"
    check_model_and_card(evidence, facts, mlflow_uri, run_id, "BertForSequenceClassification", "transformers")


def test_transformers_trainer_train_in_the_run_mlflows_callback_opens(mlflow_uri: str, tmp_path: Path) -> None:
    facts, evidence, run_id = run_job("transformers-implicit", mlflow_uri, tmp_path / "store")
    assert not evidence.gaps, evidence.gaps
    assert len(LocalStore.open(tmp_path / "store").summaries()) == 1
    train = datasets_by_name(evidence)["BertForSequenceClassification.train_dataset"]
    assert train.fingerprint.digest == facts["fingerprint_train"]
    assert evidence.model is not None and evidence.model.artifact_sha256 == facts["artifact_sha256"]
    assert not evidence.logged_models  # none was logged
    on_run = MlflowClient(mlflow_uri).list_artifacts(facts["mlflow_run_id"], f"uitlegbaar/cards/{run_id}")
    assert {Path(a.path).name for a in on_run} == {"card.md", "card.html"}


def test_a_torch_module_logged_with_its_inputs_gets_exact_evidence(mlflow_uri: str, tmp_path: Path) -> None:
    facts, evidence, run_id = run_job("torch_module", mlflow_uri, tmp_path / "store")
    assert not evidence.gaps, evidence.gaps
    found = datasets_by_name(evidence)
    assert found["aanvragen"].fingerprint.digest == facts["fingerprint_X"]  # from_numpy's features
    assert found["aanvragen"].source == "s3://toeslagen/x.npy" and found["aanvragen"].role == "source"
    assert found["aanvragen targets"].fingerprint.digest == facts["fingerprint_y"]
    assert found["aanvragen_hf"].fingerprint.digest == facts["fingerprint_hf"]  # from_huggingface's Arrow table
    assert [c.name for c in found["aanvragen_hf"].columns] == ["inkomen", "label"]
    model = evidence.model
    assert model is not None and model.class_name == "torch.nn.modules.container.Sequential"
    assert model.function == "mlflow.models.Model.log" and model.hyperparameters["parameters"] == 41
    check_model_and_card(evidence, facts, mlflow_uri, run_id, "Sequential", "pytorch")


@pytest.mark.parametrize("job", ["lightning", "keras", "transformers"])
def test_a_broken_adapter_never_breaks_training(mlflow_uri: str, tmp_path: Path, job: str) -> None:
    facts, evidence, _ = run_job(job, mlflow_uri, tmp_path / "store", BROKEN_ADAPTER="1")
    assert any("adapter exploded" in w for w in facts["warnings"])
    assert evidence.gaps and {g.message for g in evidence.gaps} == {"adapter exploded"}
    assert {g.what.split(" of ")[0] for g in evidence.gaps} >= {"the identity", "the artifact hash"}
    model = evidence.model
    assert model is not None and model.artifact_sha256 is None  # the record is kept, the hash is a gap
    (logged,) = evidence.logged_models  # and MLflow logged and registered the model as always
    assert logged.logged_model_id == facts["logged_model_id"] and logged.registered_version == "1"
    assert MlflowClient(mlflow_uri).get_logged_model(facts["logged_model_id"]).status == "READY"
