"""The team set-up past one machine: an MLflow tracking server on a real PostgreSQL, eight training processes
capturing at the same time, every run's evidence complete on the server and every model card compiled from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from mlflow.tracking import MlflowClient

from helpers import TESTS

UITLEGBAAR = str(Path(sys.executable).parent / "uitlegbaar")
PROCESSES = 8


def test_eight_trainings_at_once_all_arrive_complete(mlflow_postgres_uri: str, tmp_path: Path) -> None:
    stamp = time.time_ns()
    names = [f"gelijktijdig-{stamp}-{i}" for i in range(PROCESSES)]
    started = [
        subprocess.Popen(
            [sys.executable, str(TESTS / "mlflow_jobs.py"), "concurrent", name],
            env={**os.environ, "MLFLOW_TRACKING_URI": mlflow_postgres_uri, "UITLEGBAAR_STORE": str(tmp_path / name)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    facts = {}
    for name, process in zip(names, started, strict=True):
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err[-3000:]
        facts[name] = json.loads(out.strip().splitlines()[-1])
    client = MlflowClient(mlflow_postgres_uri)
    cache = {**os.environ, "UITLEGBAAR_CACHE": str(tmp_path / "cache")}
    for name in names:
        local = subprocess.run(
            [UITLEGBAAR, "--store", str(tmp_path / name), "card", "latest", "--format", "json"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        remote = subprocess.run(
            [UITLEGBAAR, "--store", "mlflow", "--tracking-uri", mlflow_postgres_uri,
             "card", f"models:/{name}/1", "--format", "json"],
            env=cache, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
        card, expected = json.loads(remote.stdout), json.loads(local.stdout)
        card.pop("changes", None), expected.pop("changes", None)
        assert card == expected  # complete: the same records, so the same card
        tags = client.get_run(facts[name]["mlflow_run_id"]).data.tags
        assert tags["uitlegbaar.evidence_digest"] == card["provenance"]["evidence_digest"]
        assert any(e["split"] == "test" for e in card["evaluations"])  # the decorated evaluation came along
    verified = subprocess.run(
        [UITLEGBAAR, "--store", "mlflow", "--tracking-uri", mlflow_postgres_uri, "verify", "--json"],
        env={**os.environ, "UITLEGBAAR_CACHE": str(tmp_path / "cache")}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
