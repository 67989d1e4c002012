"""The example pipeline end to end, in a fresh process, as the README runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from helpers import EXAMPLES, cli
from uitlegbaar.store import LocalStore
from uitlegbaar.store.verify import verify_store

EXAMPLE = EXAMPLES / "toeslagen_pipeline.py"


def test_example_pipeline_captures_every_kind_of_evidence_without_personal_values(tmp_path: Path) -> None:
    store, data = tmp_path / "store", tmp_path / "data"
    data.mkdir()
    script = (
        f"import sys; sys.path.insert(0, {str(EXAMPLE.parent)!r}); import toeslagen_pipeline as p; "
        f"print(p.main(rows=3000, data_dir=__import__('pathlib').Path({str(data)!r})))"
    )
    env = {**os.environ, "UITLEGBAAR_STORE": str(store), "PYTHONWARNINGS": "error::UserWarning"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]

    local = LocalStore.open(store)
    records = local.load(run_id)
    kinds = [r.kind for r in records]
    assert kinds[0] == "run" and kinds[-1] == "run_end" and "gap" not in kinds
    assert {"dataset", "step", "model", "evaluation", "explanation"} <= set(kinds)

    source = next(r for r in records if r.kind == "dataset" and r.role == "source")  # type: ignore[attr-defined]
    assert source.source.endswith("toeslagaanvragen-2024-2025.csv")  # type: ignore[attr-defined]
    assert source.personal == ["aanvraag_id", "bsn", "geboortedatum", "naam"]  # type: ignore[attr-defined]
    step = next(r for r in records if r.kind == "step")
    assert set(step.lineage.removed) == {"bsn", "naam", "geboortedatum"}  # type: ignore[attr-defined]
    assert step.lineage.added == ["leeftijd"]  # type: ignore[attr-defined]
    model = next(r for r in records if r.kind == "model")
    assert model.class_name == "sklearn.pipeline.Pipeline" and len(model.features) == 7  # type: ignore[attr-defined]
    evaluation = next(r for r in records if r.kind == "evaluation")
    assert set(evaluation.by_group["geslacht"]) == {"man", "vrouw", "onbekend"}  # type: ignore[attr-defined]
    assert 0.5 < evaluation.metrics["roc_auc"] <= 1.0  # type: ignore[attr-defined]
    assert verify_store(local).ok

    original = pd.read_csv(data / "toeslagaanvragen-2024-2025.csv", dtype={"bsn": str})
    personal_values = (
        set(original["bsn"].head(200)) | set(original["naam"].head(200)) | set(original["geboortedatum"].head(200))
    )
    stored = "\n".join(json.dumps(pq.read_table(f).to_pylist(), default=str) for f in store.rglob("*.parquet"))
    assert not [v for v in personal_values if v in stored]


def test_the_example_card_shows_age_as_personal_data_derived_from_the_date_of_birth(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "UITLEGBAAR_STORE": str(store), "PYTHONWARNINGS": "error::UserWarning"}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--rows", "2000"], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr  # no warning: every personal column is declared
    step = next(r for r in LocalStore.open(store).load(LocalStore.open(store).run_ids()[0]) if r.kind == "step")
    assert step.derived_from == {"leeftijd": ["geboortedatum"]}  # type: ignore[attr-defined]
    card = cli("card", "latest", "--declaration", str(EXAMPLES / "uitlegbaar.yaml"), store=store)
    assert card.returncode == 0, card.stderr
    assert "| remainder\\_\\_leeftijd | numeric | leeftijd | yes, derived from geboortedatum |" in card.stdout
