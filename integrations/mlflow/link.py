"""The link between an uitlegbaar run and the MLflow run it was captured in, and the upload of its evidence.

A top-level uitlegbaar run that starts while an MLflow run is active records the MLflow run id, experiment
and tracking URI among its tags. When it closes (evidence sealed in the local store), the sealed files go to
the MLflow run as artifacts under `uitlegbaar/` and the run gets tags: `uitlegbaar.run_id`,
`uitlegbaar.evidence_digest`, `uitlegbaar.version` and one `uitlegbaar.dataset.<name>.fingerprint` per source
dataset (MLflow's own dataset digests stay as they are).

With a signing key configured, the run's signed attestation and the documents it signs go along too, as
`uitlegbaar/attestations/<run id>/…` (see `attestation`). Under `ub.autolog()` the run's model card goes along as
`uitlegbaar/cards/<run id>/card.md|html`, and to each LoggedModel of the run as `uitlegbaar/card.md|html` (see
`cards`).

Offline first: the local store always has the evidence. The upload waits at most `timeout` seconds
(`UITLEGBAAR_MLFLOW_TIMEOUT`, default 5); when the server is unreachable or fails, the run is marked pending
(`<store>/mlflow-pending/<run id>.json`) and `uitlegbaar sync` uploads it later. Uploads are idempotent: the
same files, the same tags.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from uitlegbaar import progress
from uitlegbaar.files import write_atomic

ARTIFACT_ROOT = "uitlegbaar"
PENDING = "mlflow-pending"
DEFAULT_TIMEOUT_S = 5.0
TAG_RUN_ID = "uitlegbaar.run_id"
TAG_DIGEST = "uitlegbaar.evidence_digest"
TAG_VERSION = "uitlegbaar.version"
TAG_FILES = "uitlegbaar.evidence_files"  # the run folder's file names, so readers need not list the artifacts
_UNSAFE_TAG = re.compile(r"[^A-Za-z0-9_\-. /]")


@dataclass(frozen=True)
class MlflowLink:
    """Which MLflow run an uitlegbaar run belongs to."""

    tracking_uri: str
    experiment_id: str
    run_id: str

    def tags(self) -> dict[str, str]:
        """As uitlegbaar run tags (the tracking URI without credentials)."""
        return {
            "mlflow.run_id": self.run_id,
            "mlflow.experiment_id": self.experiment_id,
            "mlflow.tracking_uri": without_credentials(self.tracking_uri),
        }

    def span_attributes(self) -> dict[str, str]:
        """So that spans sent to MLflow say which experiment and run they belong to."""
        return {"uitlegbaar.mlflow.experiment_id": self.experiment_id, "uitlegbaar.mlflow.run_id": self.run_id}

    def describe(self) -> str:
        return f"MLflow run {self.run_id}"

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> MlflowLink | None:
        if "mlflow.run_id" not in tags:
            return None
        return cls(tags.get("mlflow.tracking_uri", ""), tags.get("mlflow.experiment_id", ""), tags["mlflow.run_id"])


def active_link() -> MlflowLink | None:
    """The active MLflow run of this thread, if MLflow is in use (imported) and a run is active. Never
    imports mlflow and never calls the server."""
    mlflow = sys.modules.get("mlflow")
    if mlflow is None:
        return None
    try:
        active = mlflow.active_run()
        if active is None:
            return None
        return MlflowLink(mlflow.get_tracking_uri(), str(active.info.experiment_id), str(active.info.run_id))
    except Exception:
        return None


class MlflowSink:
    """Capture's way to MLflow: a top-level run opened while an MLflow run is active belongs to it, and its sealed
    evidence is uploaded there (registered by `ub.autolog()`, or as the `mlflow` plugin once mlflow is imported)."""

    name = "mlflow"

    def link(self) -> MlflowLink | None:
        return active_link()

    def send(self, store_root: Path, run_id: str, link: Any, *, top_level: bool) -> str | None:
        if top_level:
            _attest(store_root, run_id, link)
            _cards(store_root, run_id, link)
        return publish(store_root, run_id, link, tags=top_level)


def _cards(store_root: Path, run_id: str, link: MlflowLink) -> None:
    """The run's model card, when autolog attaches cards; a failure is one warning, never a failed run."""
    from uitlegbaar.integrations.mlflow.cards import write_cards

    problem = write_cards(store_root, run_id, timeout_s())
    _warn_unless_none(
        problem,
        f"uitlegbaar could not compile the model card of run {run_id} for {link.describe()} ({problem}); its "
        f"evidence is sent without it, and `uitlegbaar card {run_id}` makes it later",
    )


def _attest(store_root: Path, run_id: str, link: MlflowLink) -> None:
    """The run's attestation, when a signing key is configured; a failure is one warning, never a failed run."""
    from uitlegbaar.integrations.mlflow.attestation import attest_sealed

    problem = attest_sealed(store_root, run_id, timeout_s())
    _warn_unless_none(
        problem,
        f"uitlegbaar could not attest run {run_id} for {link.describe()} ({problem}); its evidence is sent "
        f"unsigned, and `uitlegbaar attest {run_id} --key KEY` makes the attestation later",
    )


def _warn_unless_none(problem: str | None, message: str) -> None:
    """One warning, from the training code that ended the run, when a piece of a sealed run could not be made."""
    if problem is None:
        return
    import warnings

    from uitlegbaar.errors import UitlegbaarWarning

    warnings.warn(message, UitlegbaarWarning, stacklevel=4)


def timeout_s() -> float:
    try:
        return float(os.environ.get("UITLEGBAAR_MLFLOW_TIMEOUT", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


def publish(
    store_root: Path, run_id: str, link: MlflowLink, timeout: float | None = None, *, tags: bool = True
) -> str | None:
    """Upload run `run_id`'s sealed evidence (and, with `tags`, the run tags) to the linked MLflow run, waiting at
    most `timeout` seconds in all. Returns None when done, else why not. The run is marked pending before the
    attempt and unmarked after it succeeds, so a process killed meanwhile leaves it for `uitlegbaar sync`."""
    deadline = time.monotonic() + (timeout_s() if timeout is None else timeout)
    marker = pending_file(store_root, run_id)
    marker.parent.mkdir(parents=True, exist_ok=True)
    safe = MlflowLink(without_credentials(link.tracking_uri), link.experiment_id, link.run_id)
    write_atomic(marker, (json.dumps({**asdict(safe), "tags": tags}, sort_keys=True) + "\n").encode())
    problem = _reachable(link.tracking_uri, deadline - time.monotonic())
    if problem is None:
        outcome: list[BaseException | None] = []
        worker = threading.Thread(
            target=lambda: outcome.append(_upload_catching(store_root, run_id, link, tags)),
            name="uitlegbaar-mlflow-upload",
            daemon=True,
        )
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if not outcome:
            problem = "the tracking server did not answer in time"
        elif outcome[0] is not None:
            problem = f"{type(outcome[0]).__name__}: {str(outcome[0])[:300]}"
    if problem is None:
        marker.unlink(missing_ok=True)
    return problem


def pending(store_root: Path) -> list[tuple[str, MlflowLink, bool]]:
    """Runs whose evidence has not reached their MLflow run yet: (run id, link, whether to set the run tags)."""
    folder = store_root / PENDING
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        fields = json.loads(path.read_text())
        tags = bool(fields.pop("tags", True))
        found.append((path.stem, MlflowLink(**fields), tags))
    return found


def sync(store_root: Path, timeout: float | None = None) -> list[tuple[str, str | None]]:
    """Upload every pending run's evidence to its MLflow run: (run id, None when sent, else why not)."""
    waiting = list(pending(store_root))
    return [
        (run_id, publish(store_root, run_id, link, timeout, tags=tags))
        for run_id, link, tags in progress.each("sync", waiting, unit="runs")
    ]


def pending_file(store_root: Path, run_id: str) -> Path:
    return store_root / PENDING / f"{run_id}.json"


def upload(store_root: Path, run_id: str, link: MlflowLink, tags: bool = True) -> None:
    """Log the run's sealed files as artifacts `uitlegbaar/runs/<id>/…` and, with `tags`, set the MLflow run's tags
    (a top-level run; nested runs travel as artifacts only). Raises on failure."""
    from mlflow.entities import RunTag
    from mlflow.tracking import MlflowClient
    from uitlegbaar.integrations.mlflow.attestation import FOLDER, folder

    from uitlegbaar import __version__
    from uitlegbaar.evidence.view import Evidence
    from uitlegbaar.store import LocalStore

    store = LocalStore.open(store_root)
    evidence = Evidence.of(store.load(run_id))
    client = MlflowClient(tracking_uri=link.tracking_uri)
    client.log_artifacts(link.run_id, str(store_root / "runs" / run_id), f"{ARTIFACT_ROOT}/runs/{run_id}")
    attested = folder(store_root, run_id)
    if attested.is_dir():
        client.log_artifacts(link.run_id, str(attested), f"{ARTIFACT_ROOT}/{FOLDER}/{run_id}")
    _upload_cards(client, store_root, run_id, link, evidence)
    if not tags:
        return
    files = " ".join(sorted(p.name for p in (store_root / "runs" / run_id).iterdir() if p.is_file()))
    values = {TAG_RUN_ID: run_id, TAG_DIGEST: evidence.digest, TAG_VERSION: __version__, TAG_FILES: files}
    for dataset in evidence.sources:
        values[f"uitlegbaar.dataset.{tag_safe(dataset.name)}.fingerprint"] = dataset.fingerprint.digest
    client.log_batch(link.run_id, tags=[RunTag(key, value) for key, value in sorted(values.items())])


def _upload_cards(client: Any, store_root: Path, run_id: str, link: MlflowLink, evidence: Any) -> None:
    """The run's card as artifacts of the run and of every LoggedModel it logged."""
    from uitlegbaar.integrations.mlflow import cards

    made = cards.folder(store_root, run_id)
    if not made.is_dir():
        return
    client.log_artifacts(link.run_id, str(made), f"{ARTIFACT_ROOT}/{cards.FOLDER}/{run_id}")
    for model_id in sorted({m.logged_model_id for m in evidence.logged_models if m.logged_model_id}):
        client.log_model_artifacts(model_id, str(made), ARTIFACT_ROOT)


def _upload_catching(store_root: Path, run_id: str, link: MlflowLink, tags: bool) -> BaseException | None:
    try:
        upload(store_root, run_id, link, tags)
    except BaseException as exc:  # reported by the caller, in the training thread
        return exc
    return None


def _reachable(uri: str, budget: float) -> str | None:
    """None when an http(s) tracking server accepts a connection, or cannot be checked so (other URIs, or a
    server behind an HTTP proxy: the upload itself, bounded in time, tells)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https"):
        return None
    if budget <= 0:
        return "no time left to reach the tracking server"
    if parts.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=min(budget, 2.0)):
            return None
    except OSError as exc:
        return f"cannot reach the tracking server at {without_credentials(uri)} ({exc})"


def auth_headers() -> dict[str, str]:
    """The tracking server's credentials as the mlflow client takes them: MLFLOW_TRACKING_TOKEN (bearer), else
    MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (basic)."""
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    user, password = os.environ.get("MLFLOW_TRACKING_USERNAME"), os.environ.get("MLFLOW_TRACKING_PASSWORD")
    if user and password:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    return {}


def without_credentials(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return uri


def tag_safe(name: str) -> str:
    """A dataset name as part of an MLflow tag key (letters, digits, `_-. /` only)."""
    return _UNSAFE_TAG.sub("_", name)[:200]
