"""`uitlegbaar check` judges outcomes: the four-fifths rule, planted proxies and their reviews, regression and drift
against the previous version, metric floors, small groups, a shared policy, and the CI report formats. Every run
is a real captured pipeline (tests/pipelines.py); the gate is the installed console script."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from helpers import EXAMPLES, cli
from pipelines import capture_scored_run
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import loads
from uitlegbaar.evidence.policy import Policy, tighten
from uitlegbaar.gates.drift import psi
from uitlegbaar.pipeline import check, load_policy
from uitlegbaar.store import LocalStore

EXAMPLE = EXAMPLES / "uitlegbaar.yaml"
REVIEW = """
    proxy_reviews:
      - feature: wijk
        attribute: geslacht
        reviewed_by: Commissie Ethiek (M. Jansen)
        reviewed_on: 2026-11-02
        reason: wijk is nodig voor de lokale bezwaartermijn en wordt alleen grof gebruikt.
        mitigation: selectiekansen per geslacht worden elk kwartaal gecontroleerd.
"""


def declaration(tmp_path: Path, extra: str = "") -> Path:
    """The example's uitlegbaar.yaml with `extra` lines added to its algorithm (the last block of the file)."""
    path = tmp_path / "uitlegbaar.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


def gate(store: Path, *args: str, declared: Path = EXAMPLE, run: str = "latest") -> Any:
    """`uitlegbaar check RUN --require algoritmeregister --json`, as parsed JSON with the exit code."""
    done = cli(
        "check", run, "--require", "algoritmeregister", "--json", "--declaration", str(declared), *args, store=store
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    report["exit"] = done.returncode
    return report


def results(report: Any, status: str | None = None) -> list[dict[str, Any]]:
    return [r for r in report["policy"]["results"] if status is None or r["status"] == status]


# ------------------------------------------------------------------ what fails the gate, and what passes it


def test_a_model_that_fails_the_four_fifths_rule_fails_the_gate(store: Path) -> None:
    capture_scored_run(biased=True)
    report = gate(store)
    assert report["exit"] == 1 and report["ok"] is False
    (finding,) = results(report, "failed")
    assert finding["rule"] == "fairness.selection_rate_ratio" and finding["subject"] == "geslacht (test)"
    assert finding["value"] < 0.8 and finding["limit"] == 0.8 and finding["operator"] == ">="
    assert "selection_rate ratio" in finding["message"] and "geslacht=vrouw" in finding["action"]
    text = cli("check", "latest", "--require", "ai-act-annex-iv", "--declaration", str(EXAMPLE), store=store)
    assert text.returncode == 1
    assert "fairness.selection_rate_ratio" in text.stdout and ">= 0.8" in text.stdout and "FAILED" in text.stdout
    assert "policy: 1 finding(s)" in text.stdout.strip().splitlines()[-1]


def test_a_per_group_evaluation_whose_checks_failed_is_a_failed_item_not_an_evidenced_one(store: Path) -> None:
    capture_scored_run(biased=True)
    done = cli(
        "check", "latest", "--require", "ai-act-annex-iv,ark", "--json", "--declaration", str(EXAMPLE), store=store
    )
    items = {i["key"]: i for f in json.loads(done.stdout)["frameworks"] for i in f["items"]}
    assert items["aia.bias"]["status"] == "failed" and items["ark.2.18"]["status"] == "failed"
    assert "fairness.selection_rate_ratio" in items["aia.bias"]["detail"] and items["aia.bias"]["who"] == "engineer"
    assert items["aia.metrics"]["status"] == "evidenced"  # the accuracy itself breaks no rule


def test_a_planted_proxy_fails_the_gate_and_a_review_of_the_pair_passes_it(store: Path, tmp_path: Path) -> None:
    capture_scored_run(proxy=True)  # wijk agrees with geslacht in 90% of the rows
    report = gate(store)
    assert report["exit"] == 1
    (finding,) = results(report, "failed")
    assert finding["rule"] == "proxy.flagged" and finding["subject"] == "wijk ~ geslacht"
    assert finding["value"] > 0.5 and finding["limit"] == 0.3 and "proxy_reviews" in finding["action"]

    reviewed = gate(store, declared=declaration(tmp_path, REVIEW))
    assert reviewed["exit"] == 0 and reviewed["ok"] is True, results(reviewed, "failed")
    (accepted,) = [r for r in results(reviewed) if r["rule"] == "proxy.reviewed"]
    assert accepted["status"] == "passed" and "Commissie Ethiek (M. Jansen) on 2026-11-02" in accepted["message"]


def test_a_regression_between_two_runs_of_the_same_model_is_found(store: Path) -> None:
    first = capture_scored_run()
    capture_scored_run(worse=True)  # the same data, trained on shuffled labels
    assert gate(store, run=first)["exit"] == 0  # the first version has nothing to compare with
    report = gate(store)
    assert report["exit"] == 1 and report["policy"]["compared_with"] == first
    failed = {r["rule"]: r for r in results(report, "failed")}
    metric = failed["regression.metric"]
    assert metric["subject"] == "accuracy (test)" and metric["value"] < metric["limit"] and metric["operator"] == ">="
    assert "fell from" in metric["message"] and "5% tolerance" in metric["message"]
    assert f"uitlegbaar diff {first[:12]}" in metric["action"]
    assert "geslacht=" in failed["regression.group"]["subject"]  # a group got worse too


def test_drift_is_found_when_the_training_data_shifts(store: Path) -> None:
    capture_scored_run()
    capture_scored_run(shift=15_000)  # incomes one to two standard deviations higher
    report = gate(store)
    drift = {r["subject"].split(": ")[-1]: r for r in results(report) if r["rule"] == "drift.psi"}
    assert drift["inkomen"]["status"] == "failed" and drift["inkomen"]["value"] > 1.0
    assert drift["inkomen"]["limit"] == 0.25 and "population stability index (PSI)" in drift["inkomen"]["message"]
    assert drift["schuld"]["status"] == "passed" and drift["schuld"]["value"] < 0.01
    assert report["exit"] == 1


def test_a_clean_model_passes_also_retrained_on_new_data(store: Path) -> None:
    first = capture_scored_run(seed=1)
    assert gate(store)["exit"] == 0
    capture_scored_run(seed=2)  # new data from the same population
    report = gate(store)
    assert report["exit"] == 0 and report["policy"]["compared_with"] == first, results(report, "failed")
    rules = {r["rule"] for r in results(report, "passed")}
    assert {"fairness.selection_rate_ratio", "proxy.flagged", "regression.metric", "drift.psi"} <= rules
    text = cli("check", "latest", "--require", "algoritmeregister", "--declaration", str(EXAMPLE), store=store)
    assert text.returncode == 0 and text.stdout.strip().splitlines()[-1].startswith("OK: 0 required item(s) missing")


def test_a_group_too_small_to_judge_is_reported_not_failed(store: Path) -> None:
    run_id = capture_scored_run(small_group=True)  # "onbekend": 1% of the rows, never selected
    evaluation = LocalStore.open(store).load(run_id)
    (recorded,) = [c for r in evaluation if r.kind == "evaluation" for a in r.fairness for c in a.checks]  # type: ignore[attr-defined]
    assert recorded.passed is False  # the card shows the four-fifths check over all groups as failed
    report = gate(store)
    assert report["exit"] == 0
    (small,) = results(report, "unreliable")
    assert small["rule"] == "fairness.group_size" and small["subject"] == "geslacht=onbekend (test)"
    assert small["value"] < 30 and small["limit"] == 30 and "reported, not judged" in small["message"]
    (judged,) = [r for r in results(report) if r["rule"] == "fairness.selection_rate_ratio"]
    assert judged["status"] == "passed" and "left out, under 30 rows: onbekend" in judged["message"]


def test_metric_floors_apply_overall_and_per_group_and_to_metrics_never_measured(store: Path, tmp_path: Path) -> None:
    capture_scored_run()
    floors = (
        "    policy:\n      metrics:\n        accuracy: {min: 0.99, per_group: true}\n        roc_auc: {min: 0.75}\n"
    )
    report = gate(store, declared=declaration(tmp_path, floors))
    assert report["exit"] == 1 and report["policy"]["sources"] == [f"{tmp_path / 'uitlegbaar.yaml'}: policy"]
    failed = [(r["rule"], r["subject"]) for r in results(report, "failed")]
    assert ("metric.floor", "accuracy (test)") in failed and ("metric.floor", "roc_auc") in failed
    assert ("metric.group_floor", "accuracy of geslacht=man (test)") in failed
    unmeasured = next(r for r in results(report, "failed") if r["subject"] == "roc_auc")
    assert "no evaluation recorded it" in unmeasured["message"] and "@ub.evaluate" in unmeasured["action"]


def test_the_readme_example_passes_the_default_policy_and_its_small_group_is_reported(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import toeslagen_pipeline

    toeslagen_pipeline.main(rows=3000, data_dir=tmp_path)  # "onbekend" is 2% of the rows: about 15 in the test set
    toeslagen_pipeline.main(rows=3000, data_dir=tmp_path)  # retrained: compared with the first
    report = gate(store)
    assert report["exit"] == 0 and not results(report, "failed")
    (small,) = results(report, "unreliable")
    assert small["subject"] == "geslacht=onbekend (test)" and small["value"] < 30
    assert {r["rule"] for r in results(report, "passed")} >= {"fairness.selection_rate_ratio", "drift.psi"}


# ------------------------------------------------------------------ the policy: shapes, errors, a shared floor


NO_REASON = "\n".join(line for line in REVIEW.splitlines() if "reason:" not in line) + "\n"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            "    policy:\n      fairness:\n        thresholds: {selection_rate_ratio: 1.5}\n",
            "policy.fairness.thresholds: selection_rate_ratio is a ratio in (0, 1], not 1.5",
        ),
        ("    policy:\n      drfit: {max_psi: 0.2}\n", "policy.drfit: unknown field"),
        (NO_REASON, "proxy_reviews.0.reason: Field required"),
        (REVIEW.replace("2026-11-02", "twee november"), "proxy_reviews.0.reviewed_on: Input should be a valid date"),
    ],
)
def test_a_bad_policy_is_exit_2_with_the_file_line_and_field(
    store: Path, tmp_path: Path, extra: str, expected: str
) -> None:
    capture_scored_run()
    path = declaration(tmp_path, extra)
    done = cli("check", "latest", "--require", "algoritmeregister", "--declaration", str(path), store=store)
    assert done.returncode == 2 and not done.stdout
    line = len(EXAMPLE.read_text(encoding="utf-8").splitlines())
    (message,) = done.stderr.strip().splitlines()
    assert message.startswith(f"Error: {path}:") and expected in message
    assert int(message.removeprefix(f"Error: {path}:").split(":")[0]) > line  # the field's line, among those added


def test_a_bad_shared_policy_file_is_exit_2(store: Path, tmp_path: Path) -> None:
    capture_scored_run()
    shared = tmp_path / "platform-policy.yaml"
    for text, expected in [
        ("policy:\n  drift:\n    max_psi: -1\n", f"{shared}:3: policy.drift.max_psi: Input should be greater than 0"),
        ("goal: iets\npolicy: {}\n", "a policy file holds only `policy:`; put goal in uitlegbaar.yaml"),
        ("name: iets\n", "holds only `policy:`"),
    ]:
        shared.write_text(text, encoding="utf-8")
        done = cli("check", "latest", "--require", "algoritmeregister", "--policy", str(shared), store=store)
        assert done.returncode == 2 and expected in done.stderr, done.stderr
    missing = cli("check", "latest", "--require", "algoritmeregister", "--policy", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_the_shared_policy_is_the_floor_a_team_may_only_tighten(store: Path, tmp_path: Path) -> None:
    capture_scored_run()
    shared = tmp_path / "platform-policy.yaml"
    shared.write_text("policy:\n  metrics:\n    accuracy: {min: 0.95}\n", encoding="utf-8")
    looser = declaration(tmp_path, "    policy:\n      metrics:\n        accuracy: {min: 0.5}\n")
    report = gate(store, "--policy", str(shared), declared=looser)
    assert report["exit"] == 1 and report["policy"]["sources"] == [f"--policy {shared}", f"{looser}: policy"]
    (finding,) = results(report, "failed")
    assert finding["rule"] == "metric.floor" and finding["limit"] == 0.95
    assert report["policy"]["notes"] == [
        f"uitlegbaar.yaml policy.metrics.accuracy >= 0.5 is looser than --policy {shared}'s >= 0.95; "
        f"--policy {shared}'s applies"
    ]
    stricter = declaration(
        tmp_path, "    policy:\n      fairness:\n        thresholds: {selection_rate_ratio: 0.999}\n"
    )
    shared.write_text("policy:\n  regression: {tolerance: 0.1}\n", encoding="utf-8")
    tightened = gate(store, "--policy", str(shared), declared=stricter)
    (fairness,) = [r for r in results(tightened) if r["rule"] == "fairness.selection_rate_ratio"]
    assert fairness["limit"] == 0.999 and fairness["status"] == "failed" and not tightened["policy"]["notes"]


def test_tighten_takes_the_stricter_setting_of_what_the_team_wrote() -> None:
    shared = Policy.model_validate(
        {"fairness": {"thresholds": {"selection_rate_ratio": 0.9}}, "drift": {"max_psi": 0.5}, "regression": {}}
    )
    team = Policy.model_validate(
        {
            "fairness": {"thresholds": {"selection_rate_ratio": None, "true_positive_rate_difference": 0.1}},
            "drift": {"max_psi": 0.2},
            "regression": {"tolerance": None},
        }
    )
    combined, notes = tighten(shared, team, "platform.yaml")
    assert combined.fairness.limits == {"selection_rate_ratio": 0.9, "true_positive_rate_difference": 0.1}
    assert combined.drift.max_psi == 0.2 and combined.regression.tolerance == 0.05
    assert [n.split(" is looser")[0] for n in notes] == [
        "uitlegbaar.yaml policy.fairness.thresholds.selection_rate_ratio null (off)",
        "uitlegbaar.yaml policy.regression.tolerance null (off)",
    ]
    assert tighten(None, None)[0] == Policy() and Policy().fairness.limits == {"selection_rate_ratio": 0.8}
    assert tighten(shared, None)[0] is shared and tighten(None, team)[0] is team
    untouched = tighten(shared, Policy.model_validate({"proxies": {"threshold": 0.2}}), "p")[0]
    assert untouched.drift.max_psi == 0.5 and untouched.proxies.threshold == 0.2  # unwritten: the shared value


def test_a_policy_file_loads_and_a_declaration_refuses_two_reviews_of_one_pair(tmp_path: Path) -> None:
    shared = tmp_path / "p.yaml"
    shared.write_text("policy:\n  proxies: {threshold: 0.25}\n", encoding="utf-8")
    assert load_policy(shared).proxies.threshold == 0.25
    twice = "proxy_reviews:\n" + "".join(
        f"  - {{feature: wijk, attribute: geslacht, reviewed_by: x, reviewed_on: 2026-11-0{d}, reason: r, "
        "mitigation: m}\n"
        for d in (1, 2)
    )
    with pytest.raises(ConfigurationError, match=r"uitlegbaar.yaml:1: proxy_reviews: .*two reviews of wijk ~ geslacht"):
        loads(twice)


# ------------------------------------------------------------------ CI report formats


def test_junit_report_parses_with_a_test_case_per_item_and_rule(store: Path, tmp_path: Path) -> None:
    capture_scored_run(biased=True)
    out = tmp_path / "reports" / "check.xml"
    done = cli(
        "check", "latest", "--require", "algoritmeregister,ark", "--declaration", str(EXAMPLE),
        "--report", "junit", "-o", str(out), store=store,
    )  # fmt: skip
    assert done.returncode == 1 and "ark.2.18" in done.stdout and f"wrote {out}" in done.stderr  # the table too
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name", "").split(":")[0] for s in suites[:2]] == ["algoritmeregister", "ark"]
    assert suites[2].get("name", "").startswith("policy")
    for suite in [*suites, root]:
        cases = list(suite.iter("testcase"))
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("skipped", "-1")) == sum(1 for c in cases if c.find("skipped") is not None)
    assert all(c.get("classname") and c.get("name") for c in root.iter("testcase"))
    assert len(suites[0].findall("testcase")) == 17  # one per register item
    failures = {c.get("name"): c.find("failure") for c in suites[2] if c.find("failure") is not None}
    fairness = failures["fairness.selection_rate_ratio: geslacht (test)"]
    assert fairness is not None and ">= 0.8" in fairness.get("message", "")
    assert "what to do: Find out why geslacht=vrouw" in (fairness.text or "")
    ark = {c.get("name", "").split(":")[0]: c for c in suites[1]}
    failure = ark["ark.2.18"].find("failure")  # answered through ver-03, the bias analysis: its outcome fails it
    assert failure is not None and "policy" in (failure.text or "") + failure.get("message", "")
    from uitlegbaar.gates.instruments import ARK

    unjudged = [i.key for i in ARK.items if not i.outcome]  # controls whose outcome the policy does not judge
    assert unjudged and all(
        "fails the policy" not in (ark[k].find("failure").text or "")
        for k in unjudged
        if ark[k].find("failure") is not None
    )


def test_markdown_summary_has_the_findings_and_what_to_do(store: Path) -> None:
    capture_scored_run(proxy=True)
    done = cli(
        "check", "latest", "--require", "algoritmeregister", "--declaration", str(EXAMPLE), "--report", "markdown",
        store=store,
    )  # fmt: skip
    assert done.returncode == 1
    summary = done.stdout
    assert summary.startswith("## ❌ uitlegbaar check failed: run `")
    assert "### Policy findings (1)" in summary
    finding = next(line for line in summary.splitlines() if line.startswith("| proxy.flagged | wijk ~ geslacht"))
    assert "| &lt; 0.3 |" in finding and "proxy_reviews" in finding
    assert "<details><summary>Policy results that passed" in summary


def test_json_keeps_the_framework_report_and_adds_the_policy(store: Path) -> None:
    capture_scored_run()
    report = gate(store)
    assert set(report) >= {"run_id", "declaration", "frameworks", "ok", "policy"}
    policy = report["policy"]
    assert policy["ok"] is True and policy["sources"] == ["the default policy"] and policy["compared_with"] is None
    assert set(policy["counts"]) == {"passed", "failed", "unreliable", "skipped"}
    assert set(policy["results"][0]) == {"rule", "subject", "status", "message", "value", "limit", "operator", "action"}
    both = cli("check", "latest", "--require", "algoritmeregister", "--json", "--report", "junit", store=store)
    assert both.returncode == 2 and "two reports" in both.stderr


def test_check_without_outcomes_is_coverage_only(store: Path) -> None:
    capture_scored_run(biased=True)
    local = LocalStore.open(store)
    assert check(local, "latest", ["algoritmeregister"], declaration=EXAMPLE, outcomes=False).ok
    assert not check(local, "latest", ["algoritmeregister"], declaration=EXAMPLE).ok


# ------------------------------------------------------------------ the measure


def test_population_stability_index() -> None:
    assert psi([0.25, 0.25, 0.5], [0.25, 0.25, 0.5]) == 0.0
    assert psi([0.5, 0.5], [0.9, 0.1]) == pytest.approx(0.4 * 0.5878 + 0.4 * 1.6094, rel=1e-3)
    assert psi([1.0, 0.0], [0.0, 1.0]) > 10  # empty bins count as 0.0001
