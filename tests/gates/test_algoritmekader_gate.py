"""`uitlegbaar check --require algoritmekader` on the README example, item by item for a sample checked by hand,
applicability against other declared profiles, and the rule that nothing organisational is ever evidenced."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, cli
from uitlegbaar import pipeline
from uitlegbaar.documents.algoritmekader import applicability, rule_of
from uitlegbaar.evidence.declaration import AIActProfile, Declaration, load
from uitlegbaar.gates import FRAMEWORKS, CheckReport, ItemResult
from uitlegbaar.standards import algoritmekader as ak

DECLARATION = EXAMPLES / "uitlegbaar.yaml"
MTR, VER = "urn:nl:ak:mtr:", "urn:nl:ak:ver:"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The README example (`examples/toeslagen_pipeline.py`), run once into a store of its own."""
    folder = tmp_path_factory.mktemp("example")
    store, data = folder / "store", folder / "data"
    data.mkdir()
    script = (
        f"import sys, pathlib; sys.path.insert(0, {str(EXAMPLES)!r}); import toeslagen_pipeline as p; "
        f"print(p.main(rows=3000, data_dir=pathlib.Path({str(data)!r})))"
    )
    env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return store, done.stdout.strip().splitlines()[-1]


def _check(example: tuple[Path, str], declaration: Declaration | None = None) -> dict[str, ItemResult]:
    store, run_id = example
    inputs = pipeline.load(pipeline.open_store(str(store)), run_id, declaration=str(DECLARATION))
    if declaration is not None:
        inputs = type(inputs)(inputs.evidence, declaration, previous=inputs.previous)
    from uitlegbaar.gates.coverage import check_run

    report: CheckReport = check_run(inputs, [FRAMEWORKS["algoritmekader"]])
    return {i.key: i for i in report.frameworks[0].items}


# The sample, checked by hand against the registry files and the example's declaration (ai_system, high-risk,
# deployer; no lars; a DPIA listed) and evidence (datasets profiled, evaluation per geslacht, explanations).
SAMPLE = {
    VER + "aia-00": ("not applicable", "applies to verboden AI"),  # prohibited practices: the system is high-risk
    VER + "aia-05": ("not applicable", "applies to aanbieder"),  # data quality criteria bind the provider
    VER + "aia-29": ("not applicable", "applies to AI-model voor algemene doeleinden"),  # GPAI models only
    VER + "aia-27": ("organisational", "shown: ver-03"),  # the FRIA (deployer, high-risk): bias shown, rest not
    VER + "aia-21": ("organisational", "shown: imp-03"),  # oversight by competent people: declared, not staffed
    VER + "avg-05": ("organisational", "shown: dat-01"),  # data accurate: profiled, the rest is process
    VER + "avg-07": ("missing", "imp-04"),  # transparency on processing: not yet in the Algoritmeregister
    VER + "avg-13": ("organisational", "shown: owk-03"),  # DPIA: listed, but doing one is organisational
    VER + "grw-02": ("organisational", "shown: ver-03"),  # non-discrimination is not proven by a bias table
    VER + "bzk-01": ("missing", "imp-04"),  # publish in the Algoritmeregister: no lars yet
    MTR + "dat-01": ("evidenced", "profiled"),  # data quality: every dataset record has a profile
    MTR + "dat-04": ("organisational", "outside"),  # anonymise/pseudonymise: not visible to a pipeline
    MTR + "dat-07": ("not applicable", "aia-10"),  # separate splits serve only aia-10 (provider)
    MTR + "ver-01": ("organisational", "outside"),  # regular checks in use: monitoring, not training
    MTR + "ver-02": ("evidenced", "roc_auc"),  # accuracy: the evaluation record
    MTR + "ver-03": ("evidenced", "per geslacht"),  # bias: evaluated per geslacht
    MTR + "owk-03": ("declared", ""),  # privacy risks: the DPIA in impacttoetsen_grouping
    MTR + "owk-04": ("organisational", "outside"),  # access logs for data and code: the platform's
    MTR + "owk-07": ("not applicable", "no requirement"),  # reproducibility: no requirement links it
    MTR + "owp-33": ("evidenced", "permutation_importance"),  # explainability techniques applied
    MTR + "pba-02": ("declared", ""),  # the goal, declared
    MTR + "imp-04": ("missing", ""),  # publication: lars not set
}


def test_the_readme_example_item_by_item(example: tuple[Path, str]) -> None:
    items = _check(example)
    for urn, (status, why) in SAMPLE.items():
        item = items[urn]
        assert item.status == status, (urn, item)
        assert why in f"{item.detail} {item.by}", (urn, item.detail, item.by)
    assert {k.split(":")[-1][:3] for k in SAMPLE} >= {"aia", "avg", "grw", "dat", "ver", "owk"}
    records = {r for i in items.values() for r in i.records}
    assert items[MTR + "ver-03"].records and records  # evidenced items name their records by id
    assert items[MTR + "imp-04"].who == "owner" and "lars" in (items[MTR + "imp-04"].how or "")
    assert items[VER + "aia-05"].applies.startswith("ai_act role: gebruiksverantwoordelijke")
    assert all(i.urn and i.link.startswith("https://minbzk.github.io/Algoritmekader/") for i in items.values())


def test_every_registry_item_is_reported_once(example: tuple[Path, str]) -> None:
    items = _check(example)
    assert len(items) == len(ak.REQUIREMENTS) + len(ak.MEASURES) == 168
    assert {i.urn for i in items.values()} == {x.urn for x in (*ak.REQUIREMENTS, *ak.MEASURES)}


def test_a_provider_s_profile_makes_the_provider_requirements_apply(example: tuple[Path, str]) -> None:
    example_declaration = load(DECLARATION).select("toeslag-heronderzoek")
    provider = example_declaration.model_copy(
        update={"ai_act": AIActProfile(ai_system=True, risk_class="high-risk", role="provider")}
    )
    items = _check(example, provider)
    assert items[VER + "aia-05"].status != "not applicable" and items[VER + "aia-21"].status == "not applicable"
    assert items[MTR + "dat-07"].status == "evidenced"  # now serves aia-10: the splits are in the evidence


def test_undeclared_dimensions_are_assumed_to_apply_and_general_purpose_models_get_their_own() -> None:
    unknown = applicability(None).requirements[VER + "aia-05"]
    assert unknown[0] and "not declared" in unknown[1]
    model = applicability(AIActProfile(general_purpose="model", role="provider", systemic_risk=True))
    assert model.requirements[VER + "aia-30"][0] and not model.requirements[VER + "aia-05"][0]
    assert not applicability(AIActProfile(ai_system=False)).requirements[VER + "aia-01"][0]
    assert applicability(AIActProfile(ai_system=False)).requirements[VER + "grw-02"] == (True, "always applicable")


@pytest.mark.parametrize("profile", [None, AIActProfile(ai_system=True, risk_class="high-risk", role="provider")])
def test_nothing_organisational_is_ever_evidenced(example: tuple[Path, str], profile: AIActProfile | None) -> None:
    declaration = load(DECLARATION).select("toeslag-heronderzoek").model_copy(update={"ai_act": profile})
    items = _check(example, declaration)
    measures = {m.urn: m for m in ak.MEASURES}
    for item in items.values():
        measure = measures.get(item.urn)
        if measure is not None and rule_of(measure) is None:
            assert item.status in ("organisational", "not applicable"), item
        if item.status == "organisational":
            assert not item.records and not item.by and item.who is not None
    for requirement in ak.REQUIREMENTS:
        parts = [items[k] for k in items if items[k].urn in requirement.measures]
        if any(p.status == "organisational" for p in parts):
            assert items[requirement.urn].status in ("organisational", "missing", "not applicable"), requirement.urn


def test_the_command_line_reports_the_version_and_writes_the_readiness_views(
    example: tuple[Path, str], tmp_path: Path
) -> None:
    store, run_id = example
    args = ("check", run_id, "--require", "algoritmekader", "--declaration", str(DECLARATION))
    table = cli(*args, store=store)
    assert (
        table.returncode == 1 and "task-registry @ 940ae02a" in table.stdout and "urn:nl:ak:mtr:ver-03" in table.stdout
    )
    assert table.stdout.strip().splitlines()[-1].startswith("FAILED: 4 required item(s) missing")
    for fmt in ("html", "md"):
        out = tmp_path / f"readiness.{fmt}"
        done = cli(*args, "--format", fmt, "-o", str(out), store=store)
        assert done.returncode == 1 and f"wrote {out}" in done.stderr
        page = out.read_text(encoding="utf-8")
        assert "Verificatie en validatie" in page and "urn:nl:ak:mtr:imp-04" in page and "Not applicable" in page
    as_json = json.loads(cli(*args, "--json", store=store).stdout)["frameworks"][0]
    assert as_json["version"].startswith("Algoritmekader") and as_json["counts"]["missing"] == 4
