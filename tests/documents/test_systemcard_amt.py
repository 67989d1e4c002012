"""The system card as AMT (MinBZK's Algorithm Management Toolkit) reads it, beside the JSON schema: requirements
and measures by Algoritmekader URN with their state, the IAMA assessment card from the evidence, and both
spellings of the model index (notes/minbzk.md §1: the schema requires `model_index`, AMT `model-index`).

`Amt*` below is our reading of AMT's pydantic import model (MinBZK/amt @ 8b8145c6, amt/schema/: system_card.py,
model_card.py, requirement.py, measure.py, assessment_card.py, ai_act_profile.py): its required fields and types,
with pydantic's defaults (extra keys ignored, aliases not populated by field name) as AMT uses them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, Field, ValidationError

from helpers import EXAMPLES, problems, systemcard_validator
from pipelines import capture_run
from uitlegbaar.documents.card.compile import compile_card
from uitlegbaar.documents.systemcard import compile_systemcard, render_systemcard
from uitlegbaar.evidence.declaration import Declaration, load
from uitlegbaar.pipeline import load_evidence
from uitlegbaar.standards import algoritmekader as ak
from uitlegbaar.store import LocalStore

EXAMPLE_DECLARATION = EXAMPLES / "uitlegbaar.yaml"


@pytest.fixture(scope="module")
def validator() -> Any:
    return systemcard_validator()


class AmtParameterLabel(BaseModel):
    name: str
    dtype: str
    value: str


class AmtParameter(BaseModel):
    name: str
    dtype: str | None = None
    value: str | None = None
    labels: list[AmtParameterLabel] | None = None


class AmtMetric(BaseModel):
    type: str
    name: str
    dtype: str
    value: str | int | float
    labels: list[dict[str, str | None]] | None = None


class AmtDataset(BaseModel):
    type: str
    name: str
    split: str | None = None
    features: list[str] | None = None
    revision: str | None = None


class AmtBar(BaseModel):
    name: str
    value: float


class AmtBarPlot(BaseModel):
    type: str
    name: str | None = None
    results: list[AmtBar]


class AmtMeasurements(BaseModel):
    bar_plots: list[AmtBarPlot] | None = None
    graph_plots: list[dict[str, Any]] | None = None


class AmtTask(BaseModel):
    type: str
    name: str | None = None


class AmtResult(BaseModel):
    task: list[AmtTask]
    datasets: list[AmtDataset]
    metrics: list[AmtMetric]
    measurements: AmtMeasurements


class AmtModelIndexItem(BaseModel):
    name: str | None = None
    model: str | None = None
    parameters: list[AmtParameter] | None = None
    results: list[AmtResult]


class AmtLicense(BaseModel):
    license_name: str
    license_link: str | None = None


class AmtModelCard(BaseModel):
    name: str | None = None
    license: AmtLicense
    tags: list[str] | None = None
    model_index: list[AmtModelIndexItem] = Field(alias="model-index")


class AmtRequirementTask(BaseModel):
    urn: str
    state: str = ""
    version: str


class AmtMeasureTask(BaseModel):
    urn: str
    state: str = ""
    value: str = ""
    version: str


class AmtAssessmentContent(BaseModel):
    question: str | None = None
    urn: str | None = None
    answer: str | None = None
    remarks: str | None = None
    authors: list[dict[str, str | None]] = []
    timestamp: datetime | None = None


class AmtAssessmentCard(BaseModel):
    name: str | None = None
    urn: str | None = None
    date: datetime | None = None
    contents: list[AmtAssessmentContent] = []


class AmtAiActProfile(BaseModel):
    type: str | None = None
    open_source: str | None = None
    risk_group: str | None = None
    systemic_risk: str | None = None
    transparency_obligations: str | None = None
    role: list[str] | str | None = None


class AmtSystemCard(BaseModel):
    schema_version: str = "0.1a10"
    name: str | None = None
    description: str | None = None
    ai_act_profile: AmtAiActProfile | None = None
    labels: list[dict[str, str | None]] | None = None
    status: str | None = None
    begin_date: date | None = None
    end_date: date | None = None
    legal_base: list[dict[str, str | None]] | None = None
    external_providers: list[str] | None = None
    references: list[dict[str, str | None]] = []
    requirements: list[AmtRequirementTask] = []
    measures: list[AmtMeasureTask] = []
    assessments: list[AmtAssessmentCard] = []
    models: list[AmtModelCard] = []


def _example_card(store: Path, declaration: Declaration | None = None) -> dict[str, Any]:
    run_id = capture_run()
    evidence = load_evidence(LocalStore.open(store), run_id)
    declared = declaration or load(EXAMPLE_DECLARATION).select("toeslag-heronderzoek")
    document = compile_systemcard(compile_card(evidence, declared), evidence, declared)
    loaded: dict[str, Any] = yaml.safe_load(render_systemcard(document))  # as AMT reads the YAML file
    return loaded


def test_amt_reads_the_card_and_the_schema_accepts_it(store: Path, validator: Any) -> None:
    document = _example_card(store)
    assert problems(validator, document) == []
    amt = AmtSystemCard.model_validate(document)
    assert amt.models[0].model_index[0].results and document["models"][0]["model_index"]
    assert "&id" not in render_systemcard(document)  # both spellings written out, no YAML aliases


def test_the_amt_reading_is_faithful_it_rejects_the_schema_spelling_alone(store: Path) -> None:
    document = _example_card(store)
    del document["models"][0]["model-index"]
    with pytest.raises(ValidationError, match="model-index"):
        AmtSystemCard.model_validate(document)


def test_requirements_and_measures_carry_urns_and_states_organisational_never_done(store: Path) -> None:
    document = _example_card(store)
    requirements = {r["urn"]: r for r in document["requirements"]}
    measures = {m["urn"]: m for m in document["measures"]}
    assert set(requirements) <= {r.urn for r in ak.REQUIREMENTS} and set(measures) <= {m.urn for m in ak.MEASURES}
    assert "urn:nl:ak:ver:aia-05" not in requirements  # a provider's requirement; the example is a deployer
    assert requirements["urn:nl:ak:ver:grw-02"]["state"] == "to do"  # non-discrimination: organisational
    assert measures["urn:nl:ak:mtr:ver-03"]["state"] == "done" and "evaluation record" in measures[
        "urn:nl:ak:mtr:ver-03"]["value"]  # fmt: skip
    assert measures["urn:nl:ak:mtr:imp-04"]["state"] == "to do"  # not in the Algoritmeregister yet
    assert measures["urn:nl:ak:mtr:org-01"] == {
        "urn": "urn:nl:ak:mtr:org-01",
        "state": "to do",
        "value": "organisational: outside what a pipeline can show",
        "version": ak.VERSION,
    }
    assert all(m["state"] == "to do" for m in measures.values() if m["value"].startswith("organisational"))
    assert len(measures) == len({m["urn"] for m in document["measures"]})  # one entry per URN


def test_the_iama_assessment_card_answers_from_evidence_and_leaves_the_rest_open(store: Path) -> None:
    document = _example_card(store)
    (iama,) = document["assessments"]
    assert iama["urn"] == ak.IAMA_URN and iama["name"] == ak.IAMA_NAME and iama["date"]
    by_urn = {c["urn"]: c for c in iama["contents"]}
    answered = by_urn[f"{ak.IAMA_URN}:2B.3.1"]  # accuracy: from the evaluation record
    assert "roc_auc" in answered["answer"] or "accuracy" in answered["answer"]
    assert answered["authors"] == [{"name": "Team Toeslagen"}] and answered["timestamp"]
    alternatives = by_urn[f"{ak.IAMA_URN}:2B.1.4"]  # alternatives: the declared proportionality text
    assert alternatives["answer"].startswith("Zonder het algoritme")
    open_question = by_urn[f"{ak.IAMA_URN}:2A.4.1"]  # data security: nothing in the evidence answers it
    assert open_question["answer"] == "" and "authors" not in open_question
    assert all(c["urn"].split(":")[-1].startswith(("2A", "2.A", "2B")) for c in iama["contents"])


def test_hostile_text_stays_valid_for_the_schema_and_for_amt(store: Path, validator: Any) -> None:
    hostile = "<script>alert('x')</script> \"q\" : - # & * ! | > % @ ` {{ }} \u202e"
    declared = Declaration(
        name=hostile,
        proportionality=hostile * 50,
        risks=hostile,
        licence="EUPL-1.2",
        owners=[{"name": f"Team {hostile}\nnee"}],
    )
    document = _example_card(store, declared)
    assert problems(validator, document) == []
    amt = AmtSystemCard.model_validate(document)
    contents = {c.urn: c for c in amt.assessments[0].contents}
    assert contents[f"{ak.IAMA_URN}:2B.1.4"].answer == hostile * 50  # the declared text, unaltered
