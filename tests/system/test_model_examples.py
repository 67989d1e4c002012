"""The examples per model family (native gradient boosting, statsmodels GLM, PyTorch), each in a fresh process as
a newcomer runs it: the run has no gaps, and its card and register entry compile through the command line and
validate."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, cli
from uitlegbaar.documents.register import errors, validate_entry
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore


@pytest.mark.parametrize(
    ("example", "library", "explained"),
    [
        ("gradient_boosting_native", "xgboost", {"permutation_importance", "shap"}),
        ("statsmodels_glm", "statsmodels", {"coefficients", "permutation_importance", "shap"}),
        ("pytorch_model", "torch", {"permutation_importance", "shap"}),
    ],
)
def test_each_model_family_example_makes_a_valid_card_and_register_entry(
    tmp_path: Path, example: str, library: str, explained: set[str]
) -> None:
    if importlib.util.find_spec(library) is None:
        pytest.skip(f"{library} is not installed (pip install -e '.[{library}]')")
    store = tmp_path / "store"
    script = f"import sys; sys.path.insert(0, {str(EXAMPLES)!r}); import {example} as e; print(e.main(rows=1500))"
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    evidence = load_evidence(LocalStore.open(store), run_id)
    assert not evidence.gaps, evidence.gaps
    assert evidence.model is not None and evidence.model.library == library
    assert {e.method for e in evidence.explanations} == explained
    (evaluation,) = evidence.evaluations
    assert {g.group for g in evaluation.fairness[0].groups} == {"man", "vrouw"}
    declaration = str(EXAMPLES / "uitlegbaar.yaml")
    card = cli(
        "card", run_id, "--declaration", declaration, "--format", "html", "-o", str(tmp_path / "card.html"), store=store
    )
    assert card.returncode == 0, card.stderr
    assert "<html" in (tmp_path / "card.html").read_text()
    entry = cli("register", run_id, "--declaration", declaration, "-o", str(tmp_path / "entry.json"), store=store)
    assert entry.returncode == 0, entry.stderr
    assert errors(validate_entry(json.loads((tmp_path / "entry.json").read_text()))) == []
