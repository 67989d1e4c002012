"""MLflow: autologging without decorators, decorated runs linked to MLflow runs, the tracking server as the store,
offline first with `uitlegbaar sync`, the run context plugin and traces. All against a real `mlflow server` on
127.0.0.1 (see `mlflow_server.py`); the training scripts run in processes of their own (`mlflow_jobs.py`)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression
from uitlegbaar.integrations.mlflow.link import pending

import uitlegbaar as ub
from helpers import EXAMPLES, TESTS, key_pair
from uitlegbaar.errors import UitlegbaarWarning
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

UITLEGBAAR = str(Path(sys.executable).parent / "uitlegbaar")


def job(name: str, tracking_uri: str, store: Path, tag: str, **env: str) -> dict[str, Any]:
    """Run a training script of mlflow_jobs.py in a process of its own; its facts."""
    done = subprocess.run(
        [sys.executable, str(TESTS / "mlflow_jobs.py"), name, tag],
        env={**os.environ, "MLFLOW_TRACKING_URI": tracking_uri, "UITLEGBAAR_STORE": str(store), **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    facts: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return facts


def cli(*args: str, tracking_uri: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UITLEGBAAR, "--store", "mlflow", "--tracking-uri", tracking_uri, *args],
        env={**os.environ, "UITLEGBAAR_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def tracking(mlflow_uri: str) -> Iterator[str]:
    """This process's MLflow client pointed at the server, and back afterwards."""
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(mlflow_uri)
    try:
        yield mlflow_uri
    finally:
        while mlflow.active_run() is not None:
            mlflow.end_run()
        mlflow.set_tracking_uri(before)


def without_changes(card: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(card)
    document.pop("changes", None)
    return document


def unique(prefix: str) -> str:
    return f"{prefix}-{time.time_ns()}"


def test_autolog_captures_data_model_and_metrics_of_an_mlflow_run(mlflow_uri: str, tmp_path: Path) -> None:
    name = unique("autolog")
    facts = job("autolog_explicit_run", mlflow_uri, tmp_path / "store", name)
    store = LocalStore.open(tmp_path / "store")
    (summary,) = store.summaries()
    evidence = load_evidence(store, summary.run_id)
    assert evidence.run.tags["mlflow.run_id"] == facts["mlflow_run_id"]
    declared = next(d for d in evidence.datasets if d.role == "source")
    assert (declared.name, declared.source) == ("aanvragen", "s3://toeslagen/aanvragen-2025.parquet")
    # the data passed to fit is the declared data: one fingerprint, ours, computed independently in the job
    assert declared.fingerprint.digest == facts["fingerprint_X"]
    assert evidence.model is not None and evidence.model.class_name.endswith("Pipeline")
    assert evidence.model.hyperparameters["logisticregression__C"] == 1.0
    (logged,) = evidence.logged_models
    assert logged.model_id == evidence.model.id and logged.logged_model_id == facts["logged_model_id"]
    assert logged.registered_name == name and logged.registered_version == "1" and "sklearn" in logged.flavors
    assert "inputs" in logged.signature
    (metrics,) = [e for e in evidence.evaluations if e.split == "mlflow"]
    assert metrics.metrics["training_accuracy_score"] > 0.5
    (mlflow_run,) = [r for r in evidence.records if r.kind == "mlflow_run"]
    assert mlflow_run.params["logisticregression__C"] == "1.0"  # type: ignore[attr-defined]
    assert facts["mlflow_digest_X"] in {i.digest for i in mlflow_run.inputs}  # type: ignore[attr-defined]
    # MLflow's run: our tags beside its own, its dataset digest untouched, the evidence as artifacts
    run = MlflowClient(mlflow_uri).get_run(facts["mlflow_run_id"])
    assert run.data.tags["uitlegbaar.run_id"] == evidence.run_id
    assert run.data.tags["uitlegbaar.evidence_digest"] == evidence.digest
    assert run.data.tags["uitlegbaar.dataset.aanvragen.fingerprint"] == facts["fingerprint_X"]
    assert facts["mlflow_digest_X"] in {i.dataset.digest for i in run.inputs.dataset_inputs}
    artifacts = MlflowClient(mlflow_uri).list_artifacts(facts["mlflow_run_id"], f"uitlegbaar/runs/{evidence.run_id}")
    assert any(a.path.endswith("summary.json") for a in artifacts)


def test_a_run_mlflow_autologging_opens_itself_gets_the_evidence(mlflow_uri: str, tmp_path: Path) -> None:
    facts = job("autolog_mlflow_opens_the_run", mlflow_uri, tmp_path / "store", unique("implicit"))
    tags = MlflowClient(mlflow_uri).get_run(facts["mlflow_run_id"]).data.tags
    evidence = load_evidence(LocalStore.open(tmp_path / "store"), tags["uitlegbaar.run_id"])
    assert evidence.model is not None and evidence.model.class_name.endswith("HistGradientBoostingClassifier")
    assert {d.name for d in evidence.datasets} == {
        "HistGradientBoostingClassifier.X",
        "HistGradientBoostingClassifier.y",
    }
    assert evidence.logged_models and evidence.status == "finished"


@pytest.mark.parametrize("library", ["xgboost", "lightgbm"])
def test_autolog_of_native_gradient_boosting_records_the_exact_data_and_attaches_the_card(
    mlflow_uri: str, tmp_path: Path, library: str
) -> None:
    pytest.importorskip(library)
    name = unique(library)
    facts = job("autolog_native", mlflow_uri, tmp_path / "store", name)
    client = MlflowClient(mlflow_uri)
    run_id = client.get_run(facts["mlflow_run_id"]).data.tags["uitlegbaar.run_id"]
    evidence = load_evidence(LocalStore.open(tmp_path / "store"), run_id)
    assert not evidence.gaps, evidence.gaps
    (data,) = evidence.datasets
    assert data.fingerprint.digest == facts["fingerprint"]  # exact: what the DMatrix / lgb.Dataset held
    assert [c.name for c in data.columns] == ["inkomen", "leeftijd", "label"]
    assert evidence.model is not None and evidence.model.class_name.endswith("Booster")
    assert evidence.model.artifact_format in ("xgboost ubj", "lightgbm text")
    assert [i.name for i in evidence.model.inputs] == ["inkomen", "leeftijd"]
    (logged,) = evidence.logged_models
    assert logged.model_id == evidence.model.id and logged.logged_model_id == facts["logged_model_id"]
    assert logged.registered_name == name and logged.registered_version == "1" and library in logged.flavors
    # the card, one click away: on the run and on its LoggedModel
    on_run = {Path(a.path).name for a in client.list_artifacts(facts["mlflow_run_id"], f"uitlegbaar/cards/{run_id}")}
    assert on_run == {"card.md", "card.html"}
    on_model = {Path(a.path).name for a in client.list_logged_model_artifacts(facts["logged_model_id"], "uitlegbaar")}
    assert {"card.md", "card.html"} <= on_model
    got = mlflow.artifacts.download_artifacts(
        run_id=facts["mlflow_run_id"],
        artifact_path=f"uitlegbaar/cards/{run_id}/card.md",
        dst_path=str(tmp_path / "got"),
        tracking_uri=mlflow_uri,
    )
    assert "Booster" in Path(got).read_text()


def test_autolog_without_cards_attaches_none(mlflow_uri: str, tmp_path: Path) -> None:
    pytest.importorskip("xgboost")
    facts = job("autolog_native", mlflow_uri, tmp_path / "store", unique("xgboost-nocards"))
    client = MlflowClient(mlflow_uri)
    assert client.get_run(facts["mlflow_run_id"]).data.tags["uitlegbaar.run_id"]
    assert not client.list_artifacts(facts["mlflow_run_id"], "uitlegbaar/cards")
    assert not (tmp_path / "store" / "cards").exists()


def test_every_cli_command_reads_the_evidence_back_from_the_server(mlflow_uri: str, tmp_path: Path) -> None:
    name = unique("cli")
    facts = job("autolog_explicit_run", mlflow_uri, tmp_path / "store", name)
    local = subprocess.run(
        [UITLEGBAAR, "--store", str(tmp_path / "store"), "card", "latest", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert local.returncode == 0, local.stderr
    cache = tmp_path / "cache"
    for ref in (f"models:/{name}/1", facts["mlflow_run_id"]):
        remote = cli("card", ref, "--format", "json", tracking_uri=mlflow_uri, cache=cache)
        assert remote.returncode == 0, remote.stderr
        # the same evidence, the same card; only the comparison with earlier runs differs (the server has more)
        assert without_changes(remote.stdout) == without_changes(local.stdout)
    client = MlflowClient(mlflow_uri)
    client.set_registered_model_alias(name, "productie", "1")
    assert cli("show", f"models:/{name}@productie", tracking_uri=mlflow_uri, cache=cache).returncode == 0
    listed = cli("runs", "--json", tracking_uri=mlflow_uri, cache=tmp_path / "other-cache")
    assert listed.returncode == 0 and any(r["run_id"] == json.loads(local.stdout)["provenance"]["run_id"]
                                          for r in json.loads(listed.stdout))  # fmt: skip
    assert cli("verify", tracking_uri=mlflow_uri, cache=cache).returncode == 0
    missing = cli("card", f"models:/{name}/99", tracking_uri=mlflow_uri, cache=cache)
    assert missing.returncode == 2 and "has no version 99" in missing.stderr


def test_an_entry_attached_to_a_model_is_ingested_by_the_models_name(mlflow_uri: str, tmp_path: Path) -> None:
    name = unique("ingest")
    job("autolog_explicit_run", mlflow_uri, tmp_path / "store", name)
    declaration = str(EXAMPLES / "uitlegbaar.yaml")
    cache = tmp_path / "cache"
    attached = cli("register", f"models:/{name}/1", "--declaration", declaration, "--algorithm",
                   "toeslag-heronderzoek", "--attach", "-o", str(tmp_path / "entry.json"),
                   tracking_uri=mlflow_uri, cache=cache)  # fmt: skip
    assert attached.returncode == 0, attached.stderr
    assert "attached the entry to MLflow run" in attached.stderr
    planned = cli("ingest", f"models:/{name}", "--json", tracking_uri=mlflow_uri, cache=cache)
    assert planned.returncode == 0, planned.stderr
    (item,) = json.loads(planned.stdout)["items"]
    assert item["action"] == "new"
    assert item["entry"] == json.loads((tmp_path / "entry.json").read_text())
    absent = cli("ingest", f"models:/{unique('nergens')}", tracking_uri=mlflow_uri, cache=cache)
    assert absent.returncode == 2 and "no registered model" in absent.stderr


def test_decorators_inside_an_mlflow_run_are_linked_to_it(tracking: str, store: Path) -> None:
    X = pd.DataFrame({"inkomen": [1.0, 2.0, 3.0, 4.0] * 10})
    y = pd.Series([0, 0, 1, 1] * 10)
    with mlflow.start_run() as mlflow_run, ub.run("gekoppeld") as run:
        ub.record_dataset(X, name="aanvragen", source="s3://toeslagen/aanvragen.parquet")
        ub.train(model="risico")(lambda X, y: LogisticRegression().fit(X, y))(X, y)
    evidence = load_evidence(LocalStore.open(store), run.id)
    assert evidence.run.tags["mlflow.run_id"] == mlflow_run.info.run_id
    assert evidence.run.tags["mlflow.experiment_id"] == mlflow_run.info.experiment_id
    tags = MlflowClient(tracking).get_run(mlflow_run.info.run_id).data.tags
    assert tags["uitlegbaar.run_id"] == run.id and tags["uitlegbaar.evidence_digest"] == evidence.digest
    assert not pending(store)


def test_autolog_with_a_signing_key_attaches_the_attestation_and_what_it_signs(mlflow_uri: str, tmp_path: Path) -> None:
    secret, public = key_pair(tmp_path / "keys", "team")
    facts = job("autolog_signed", mlflow_uri, tmp_path / "store", unique("signed"), TEST_SIGNING_KEY=str(secret))
    client = MlflowClient(mlflow_uri)
    run_id = client.get_run(facts["mlflow_run_id"]).data.tags["uitlegbaar.run_id"]
    where = f"uitlegbaar/attestations/{run_id}"
    names = {Path(a.path).name for a in client.list_artifacts(facts["mlflow_run_id"], where)}
    assert {"attestation.intoto.jsonl", "card.md", "card.html", "register.json", "systemcard.yaml"} <= names
    got = Path(
        mlflow.artifacts.download_artifacts(
            run_id=facts["mlflow_run_id"], artifact_path=where, dst_path=str(tmp_path / "got"), tracking_uri=mlflow_uri
        )
    )
    attestation = str(got / "attestation.intoto.jsonl")
    documents = [a for n in ("card.md", "register.json") for a in ("--document", str(got / n))]
    command = ["--store", str(tmp_path / "store"), "verify", "--attestation", attestation, "--key", str(public)]
    verified = subprocess.run([UITLEGBAAR, *command, *documents], capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "signed by team" in verified.stdout
    assert secret.read_text().splitlines()[1] not in "".join(p.read_text() for p in got.iterdir())


def test_a_signing_key_that_fails_is_a_warning_and_the_evidence_still_goes(
    tracking: str, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("UITLEGBAAR_SIGNING_KEY", str(broken))
    X = pd.DataFrame({"inkomen": [1.0, 2.0, 3.0, 4.0] * 10})
    with mlflow.start_run() as mlflow_run, ub.run("ongetekend") as run:
        ub.record_dataset(X, name="aanvragen")
        with pytest.warns(UitlegbaarWarning, match="could not attest"):
            run.close()
    tags = MlflowClient(tracking).get_run(mlflow_run.info.run_id).data.tags
    assert tags["uitlegbaar.run_id"] == run.id and not pending(store)
    with pytest.raises(ub.ConfigurationError, match="is not a file"):
        ub.autolog(signing_key=tmp_path / "missing.pem")


@pytest.mark.parametrize("fault", ["stopped", "500"])
def test_a_failing_server_never_fails_training_and_sync_delivers_later(
    mlflow_uri: str, store: Path, tmp_path: Path, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server becomes unreachable (or answers 500) mid-run, through a fault-injecting proxy in front of the
    real server: the run finishes within the time budget, warns, and `uitlegbaar sync` delivers afterwards."""
    from mlflow_server import FaultyProxy

    proxy = FaultyProxy(mlflow_uri)
    before = mlflow.get_tracking_uri()
    monkeypatch.setenv("UITLEGBAAR_MLFLOW_TIMEOUT", "2")
    mlflow.set_tracking_uri(proxy.uri)
    X = pd.DataFrame({"inkomen": [1.0, 2.0, 3.0, 4.0] * 10})
    y = pd.Series([0, 0, 1, 1] * 10)
    try:
        mlflow_run = mlflow.start_run()
        with ub.run("offline") as run:
            ub.record_dataset(X, name="aanvragen", source="s3://toeslagen/aanvragen.parquet")
            monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # MLflow's own retries are not under test
            proxy.stop() if fault == "stopped" else proxy.answer_500()
            model = ub.train(model="risico")(lambda X, y: LogisticRegression().fit(X, y))(X, y)
            with pytest.warns(UitlegbaarWarning, match="uitlegbaar sync"):
                started = time.monotonic()
                run.close()
                waited = time.monotonic() - started
        assert model.predict(X).shape == (40,)  # training went on with its own result
        assert waited < 2 + 3  # the budget, plus the local close
        assert [run_id for run_id, *_ in pending(store)] == [run.id]
        assert load_evidence(LocalStore.open(store), run.id).status == "finished"  # nothing lost locally
        proxy.restore()
        monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES")  # the server is back: MLflow retries as it does
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlflow.end_run()
        synced = subprocess.run(
            [UITLEGBAAR, "--store", str(store), "sync", "--json"], capture_output=True, text=True, timeout=120
        )
        assert synced.returncode == 0, synced.stderr
        assert json.loads(synced.stdout) == [{"run_id": run.id, "sent": True, "problem": None}]
        assert not pending(store)
        tags = MlflowClient(mlflow_uri).get_run(mlflow_run.info.run_id).data.tags
        assert tags["uitlegbaar.run_id"] == run.id
        card = cli("card", mlflow_run.info.run_id, "--format", "json", tracking_uri=mlflow_uri, cache=tmp_path / "c")
        assert card.returncode == 0, card.stderr
    finally:
        proxy.restore()
        proxy.stop()
        if mlflow.active_run() is not None:  # the test failed before it ended the run; the server may be away
            with warnings.catch_warnings(), contextlib.suppress(Exception):
                warnings.simplefilter("ignore")
                mlflow.end_run()
        mlflow.set_tracking_uri(before)


def test_the_run_context_plugin_tags_every_run_when_opted_in(tracking: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UITLEGBAAR_MLFLOW_CONTEXT", raising=False)
    with mlflow.start_run() as without:
        pass
    monkeypatch.setenv("UITLEGBAAR_MLFLOW_CONTEXT", "1")
    with mlflow.start_run() as opted_in:
        pass
    client = MlflowClient(tracking)
    assert "uitlegbaar.version" not in client.get_run(without.info.run_id).data.tags
    tags = client.get_run(opted_in.info.run_id).data.tags
    assert tags["uitlegbaar.version"] == ub.__version__
    assert ("uitlegbaar.git.commit" in tags) == (Path.cwd() / ".git").exists()


def test_the_runs_spans_arrive_as_a_trace_of_the_mlflow_run(mlflow_uri: str, tmp_path: Path) -> None:
    facts = job("traces", mlflow_uri, tmp_path / "store", unique("traces"))
    before = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(mlflow_uri)
    try:
        experiment = mlflow.get_run(facts["mlflow_run_id"]).info.experiment_id
        traces = mlflow.search_traces(locations=[experiment], run_id=facts["mlflow_run_id"], return_type="list")
    finally:
        mlflow.set_tracking_uri(before)
    (trace,) = traces
    names = {span.name for span in trace.data.spans}
    assert "uitlegbaar.run traced" in names and any(n.startswith("uitlegbaar.model") for n in names)
    assert trace.info.tags.get("service.name") == "uitlegbaar"
