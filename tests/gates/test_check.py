"""`uitlegbaar check`, the CI gate: framework items checked against a real captured run and the example
declaration, through the library and the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import uitlegbaar as ub
from helpers import ROOT
from pipelines import capture_run
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration, load
from uitlegbaar.gates import FRAMEWORKS, CheckReport, check, frameworks_for
from uitlegbaar.pipeline import check as build_check
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.store import LocalStore

EXAMPLE_DECLARATION = ROOT / "examples" / "uitlegbaar.yaml"
EXECUTABLE = str(Path(sys.executable).with_name("uitlegbaar"))
METRIC_ITEMS = {
    "aia.metrics",
    "aia.groups",
    "aia.bias",
    "iama.2B.3.1",
    "iama.2B.3.6",
    "ark.2.19",
    "ark.2.18",
    "adr.DM.1",
}


def cli(*args: str, store: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UITLEGBAAR_STORE": str(store), "COLUMNS": "200"}
    return subprocess.run([EXECUTABLE, "check", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def _report(store: Path, run_id: str, declaration: Declaration) -> CheckReport:
    evidence = load_evidence(LocalStore.open(store), run_id)
    card = compile_card(evidence, declaration)
    return check(card, evidence, declaration, list(FRAMEWORKS.values()))


def _statuses(report: CheckReport) -> dict[str, str]:
    return {i.key: i.status for f in report.frameworks for i in f.items}


def capture_without_evaluation() -> str:
    """A run that trains on captured data but never calls @ub.evaluate."""
    frame = pd.DataFrame({"x": [float(i) for i in range(20)], "label": [i > 9 for i in range(20)]})

    @ub.dataset(name="punten", source="file://punten.csv")
    def load_frame() -> pd.DataFrame:
        return frame

    @ub.train(model="toeslag-heronderzoek")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression().fit(X, y)

    with ub.run("no evaluation") as run:
        data = load_frame()
        fit(data[["x"]], data["label"])
    return run.id


# ------------------------------------------------------------------ the frameworks as data


def test_every_item_has_a_unique_key_a_source_reference_and_who_supplies_it() -> None:
    items = [i for f in FRAMEWORKS.values() for i in f.items]
    keys = [i.key for i in items]
    assert len(keys) == len(set(keys))
    for item in items:
        assert item.source.strip() and item.title.strip() and item.how.strip(), item.key
        assert item.who in ("engineer", "owner", "legal"), item.key
    assert set(FRAMEWORKS) == {"algoritmeregister", "ai-act-annex-iv", "iama", "ark", "adr", "algoritmekader"}
    sources = {f: {i.source.split(" ")[0] for i in x.items} for f, x in FRAMEWORKS.items()}
    assert (
        sources["iama"] == {"IAMA"}
        and sources["ark"] == {"ARK"}
        and sources["adr"] == {"ADR"}
        and sources["algoritmeregister"] == {"Algoritmeregister"}
    )


def test_the_register_framework_covers_the_api_required_fields() -> None:
    from uitlegbaar.standards import algoritmeregister as ar

    covered = {i.key.removeprefix("register.") for i in FRAMEWORKS["algoritmeregister"].items}
    assert set(ar.REQUIRED) - {"lang"} <= covered  # lang is the constant the compiler writes
    assert {"goal", "human_intervention", "risks", "source_data", "methods_and_models", "provider"} <= covered


def test_unknown_framework_keys_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="unknown framework nope; known: algoritmeregister"):
        frameworks_for(["ark", "nope"])


# ------------------------------------------------------------------ the library


def test_a_real_run_with_the_example_declaration_satisfies_the_register(store: Path) -> None:
    run_id = capture_run()
    declared = load(EXAMPLE_DECLARATION).select("toeslag-heronderzoek")
    report = _report(store, run_id, declared)
    register = next(f for f in report.frameworks if f.key == "algoritmeregister")
    assert register.ok, register.missing
    by_key = {i.key: i for i in register.items}
    assert by_key["register.source_data"].status == "evidenced"
    assert by_key["register.methods_and_models"].status == "evidenced"
    assert by_key["register.goal"].status == "declared" and by_key["register.goal"].by == "uitlegbaar.yaml: goal"


def test_evidence_only_items_are_evidenced_even_with_an_empty_declaration(store: Path) -> None:
    run_id = capture_run()
    report = _report(store, run_id, Declaration())
    statuses = _statuses(report)
    for key in ("aia.provenance", "aia.metrics", "aia.groups", "aia.record-keeping", "iama.2A.2.1", "ark.2.15"):
        assert statuses[key] == "evidenced", key
    provenance = next(i for f in report.frameworks for i in f.items if i.key == "aia.provenance")
    assert "s3://bucket/aanvragen.parquet" in provenance.detail and provenance.who is None
    assert statuses["aia.personal-data"] == "evidenced"  # the bsn and geslacht tags


def test_an_empty_declaration_misses_the_declared_items_with_who(store: Path) -> None:
    run_id = capture_run()
    report = _report(store, run_id, Declaration())
    assert not report.ok
    missing = {i.key: i for f in report.frameworks for i in f.missing}
    assert missing["register.name"].who == "owner" and "uitlegbaar.yaml: name" in (missing["register.name"].how or "")
    assert missing["register.publication_category"].who == "legal"
    assert missing["aia.oversight"].who == "owner" and missing["aia.classification"].who == "legal"
    assert "register.source_data" not in missing


def test_a_run_without_evaluation_misses_the_metrics_items(store: Path) -> None:
    run_id = capture_without_evaluation()
    declared = load(EXAMPLE_DECLARATION).select("toeslag-heronderzoek")
    statuses = _statuses(_report(store, run_id, declared))
    assert {k for k in METRIC_ITEMS if statuses[k] == "missing"} == METRIC_ITEMS
    assert statuses["aia.provenance"] == "evidenced" and statuses["register.methods_and_models"] == "evidenced"
    missing = {i.key: i for f in _report(store, run_id, declared).frameworks for i in f.missing}
    assert missing["aia.metrics"].who == "engineer" and "@ub.evaluate" in (missing["aia.metrics"].how or "")


def test_only_required_frameworks_fail_the_report(store: Path) -> None:
    run_id = capture_without_evaluation()
    evidence = load_evidence(LocalStore.open(store), run_id)
    declared = load(EXAMPLE_DECLARATION).select("toeslag-heronderzoek")
    card = compile_card(evidence, declared)
    report = check(
        card, evidence, declared, frameworks_for(["algoritmeregister", "ark"]), required=["algoritmeregister"]
    )
    assert report.ok and not report.frameworks[1].ok
    assert report.to_dict()["frameworks"][1]["counts"]["missing"] >= 2


def test_build_check_resolves_the_run_like_the_cli(store: Path) -> None:
    run_id = capture_run()
    capture_run(c=0.5)  # a second version: the lifecycle item is then a diff
    report = build_check(LocalStore.open(store), "latest", ["ai-act-annex-iv"], declaration=EXAMPLE_DECLARATION)
    assert report.run_id != run_id and report.declaration == str(EXAMPLE_DECLARATION)
    changes = next(i for i in report.frameworks[0].items if i.key == "aia.changes")
    assert changes.status == "evidenced" and changes.by == "diff with the previous run"


# ------------------------------------------------------------------ the command line


def test_check_passes_the_register_with_the_example_declaration(store: Path, tmp_path: Path) -> None:
    capture_run()
    done = cli(
        "latest", "--require", "algoritmeregister", "--declaration", str(EXAMPLE_DECLARATION), store=store, cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "register.source_data" in done.stdout and "evidenced" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("OK: 0 required item(s) missing (algoritmeregister 17/17")


def test_check_fails_on_an_empty_declaration_naming_missing_items_and_who(store: Path, tmp_path: Path) -> None:
    capture_run()
    empty = tmp_path / "uitlegbaar.yaml"
    empty.write_text("")
    done = cli("latest", "--require", "algoritmeregister", "--json", store=store, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is False and report["declaration"] == str(empty)
    missing = {i["key"]: i for i in report["frameworks"][0]["items"] if i["status"] == "missing"}
    assert missing["register.contact_email"]["who"] == "owner"
    assert missing["register.contact_email"]["how"].startswith("uitlegbaar.yaml: contact_email")
    text = cli("latest", "--require", "algoritmeregister", store=store, cwd=tmp_path)
    assert text.returncode == 1 and "MISSING" in text.stdout and "owner: uitlegbaar.yaml: name" in text.stdout
    assert text.stdout.strip().splitlines()[-1].startswith("FAILED: 15 required item(s) missing")


def test_check_json_is_the_full_report(store: Path, tmp_path: Path) -> None:
    capture_run()
    keys = "algoritmeregister,ai-act-annex-iv,iama,ark"
    done = cli(
        "latest", "--require", keys, "--json", "--declaration", str(EXAMPLE_DECLARATION), store=store, cwd=tmp_path
    )
    report = json.loads(done.stdout)
    assert [f["key"] for f in report["frameworks"]] == keys.split(",")
    assert all(f["required"] for f in report["frameworks"])
    assert sum(len(f["items"]) for f in report["frameworks"]) == sum(len(FRAMEWORKS[k].items) for k in keys.split(","))
    assert done.returncode == (0 if report["ok"] else 1)
    item = report["frameworks"][1]["items"][0]
    assert set(item) >= {"key", "title", "source", "status", "by", "detail", "who", "how", "urn", "records"}
    assert item["urn"] == "urn:nl:aivt:tr:td:1.0:1.a.1"  # the official id beside our own key


def test_check_refuses_an_unknown_framework_with_exit_2(store: Path, tmp_path: Path) -> None:
    capture_run()
    done = cli("latest", "--require", "algoritmeregister,gdpr", store=store, cwd=tmp_path)
    assert done.returncode == 2
    assert (
        "unknown framework gdpr; known: algoritmeregister, ai-act-annex-iv, iama, ark, adr, algoritmekader"
        in done.stderr
    )
    assert cli("latest", store=store, cwd=tmp_path).returncode == 2  # --require is required
