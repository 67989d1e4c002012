"""Compile a MinBZK system card (algorithm reporting standard 0.1a14) with the model card embedded.

Key spellings follow the official JSON Schemas where they differ from the prose spec (`model_index`,
task `type`/`name`); the model index is also written as `model-index`, the spelling AMT's import model reads.
`requirements` and `measures` are the applicable Algoritmekader items by URN with their state
(`documents/algoritmekader.py`), `assessments` the IAMA questions the evidence answers. Declared fields
map from `uitlegbaar.yaml`; `used_data`, `technical_design` and the model card come from the captured
evidence, reusing the register's Dutch sentences. What nothing supplies is left out. The output is a pure
function of the run and its declaration.
"""

from __future__ import annotations

import calendar
import copy
import math
import re
from typing import Any

from uitlegbaar.documents.algoritmekader import systemcard_tasks
from uitlegbaar.documents.card.model import DatasetSummary, Evaluation, ModelCard, ModelDetails
from uitlegbaar.documents.card.words import Words
from uitlegbaar.documents.i18n import label
from uitlegbaar.documents.iama import assessment_card
from uitlegbaar.documents.register.compile import (
    describe_dataset,
    evaluation,
    explanation,
    features,
    publishable_source,
    training,
)
from uitlegbaar.documents.serialize import yaml_text
from uitlegbaar.evidence.declaration import AIActProfile, Declaration, Reference
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards import algoritmekader as ak

SCHEMA_VERSION = "0.1a14"
TOOL_URI = "https://pypi.org/project/uitlegbaar/"
RUN_URN = "urn:uitlegbaar:run:"

# Our `ai_act` values → the schema's enums (0.1a14, aligned with the AI Act decision tree).
RISK_GROUP = {
    "prohibited": "verboden AI",
    "high-risk": "hoog-risico AI",
    "limited-risk": "geen hoog-risico AI",
    "minimal-risk": "geen hoog-risico AI",
}
TRANSPARENCY = {"limited-risk": "transparantieverplichting", "minimal-risk": "geen transparantieverplichting"}
ROLE = {
    "provider": "aanbieder",
    "deployer": "gebruiksverantwoordelijke",
    "importer": "importeur",
    "distributor": "distributeur",
}
ALGORITHM_TYPE = {"Impactvolle algoritmes": "impactvol algoritme", "Overige algoritmes": "niet-impactvol algoritme"}
REFERENCE_LINKS = ("website", "url", "publiccode", "process_index_url")
_SURROGATES = re.compile("[\ud800-\udfff]")


def compile_systemcard(card: ModelCard, evidence: Evidence, declaration: Declaration) -> dict[str, Any]:
    """The system card of the card's algorithm, as a dict ready for `yaml.safe_dump`."""
    d = declaration
    requirements, measures = systemcard_tasks(card, evidence, d)
    values: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "provenance": _provenance(evidence),
        "name": d.name or (card.model.name if card.model else None),
        "owners": _owners(d, model_card=False),
        "description": d.description_short,
        "ai_act_profile": _ai_act_profile(d),
        "requirements": requirements,
        "measures": measures,
        "labels": _labels(card, d),
        "status": d.status,
        "begin_date": _date(d.begin_date, last=False),
        "end_date": _date(d.end_date, last=True),
        "goal_and_impact": d.goal,
        "considerations": d.proportionality,
        "risk_management": d.risks,
        "human_intervention": d.human_intervention,
        "legal_base": [_named(r) for r in d.lawful_basis_grouping],
        "used_data": _used_data(card, evidence),
        "technical_design": _technical_design(card, evidence),
        "external_providers": _external_providers(d),
        "references": _references(d),
        "interaction_details": _interaction_details(card),
        "version_requirements": _version_requirements(card, evidence),
        "models": [m] if (m := _model_card(card, evidence, d)) else [],
        "assessments": [a] if (a := assessment_card(card, evidence, d, _provenance(evidence))) else [],
    }
    return {k: _safe(v) for k, v in values.items() if v not in (None, "", [], {})}


def left_out(card: ModelCard, declaration: Declaration) -> list[str]:
    """Why parts of the system card are missing, naming the `uitlegbaar.yaml` key or capture that supplies them."""
    out = []
    if card.model is None:
        out.append("models: left out: the run captured no trained model (@ub.train)")
    elif not declaration.licence:
        out.append("models: left out: the MinBZK model card requires a licence; set `licence` in uitlegbaar.yaml")
    elif card.evaluations and _task(card.model) is None:
        out.append(f"models: results left out: no task type is known for {card.model.class_name}")
    if declaration.impacttoetsen_grouping:
        out.append(
            "assessments: impact assessments are listed under references (only the IAMA questions the evidence "
            "answers get an assessment card; uitlegbaar.yaml holds no other answers)"
        )
    return out


def render_systemcard(document: dict[str, Any]) -> str:
    """The system card as YAML, in the order of the reporting standard."""
    return yaml_text(document)


# ------------------------------------------------------------------ system card fields


def _provenance(evidence: Evidence) -> dict[str, str]:
    """The code commit of the run and the time its evidence was sealed (not the wall clock: deterministic)."""
    git = evidence.run.provenance.git if evidence.run.provenance else None
    out = {"uri": TOOL_URI}
    if git is not None and git.commit:
        out["git_commit_hash"] = git.commit
    if evidence.end is not None:
        out["timestamp"] = evidence.end.created.isoformat()
    return out


def _owners(d: Declaration, *, model_card: bool) -> list[dict[str, str]]:
    """Owners with the organisation; the model card's schema requires `organization` (or an OIN) on each."""
    if model_card and not d.organization:
        return []
    org = {"organization": d.organization} if d.organization else {}
    people = [
        org
        | {"name": o.name}
        | ({"email": o.contact} if o.contact and "@" in o.contact else {})
        | ({"role": o.role} if o.role else {})
        for o in d.owners
    ]
    return people or ([org] if org else [])


def _ai_act_profile(d: Declaration) -> dict[str, str]:
    a = d.ai_act or AIActProfile()
    kind = "AI-systeem" if a.ai_system else ALGORITHM_TYPE.get(d.publication_category or "")
    values = {
        "type": kind,
        "risk_group": RISK_GROUP.get(a.risk_class or ""),
        "transparency_obligations": TRANSPARENCY.get(a.risk_class or ""),
        "role": ROLE.get(a.role or ""),
    }
    return {k: v for k, v in values.items() if v}


def _labels(card: ModelCard, d: Declaration) -> list[dict[str, str]]:
    """Facts the schema has no field for: the model's identity and what of `ai_act` has no enum."""
    a = d.ai_act or AIActProfile()
    m = card.model
    values = {
        "uitlegbaar_run": card.provenance.run_id,
        "evidence_digest": card.provenance.evidence_digest,
        "model_version": m.version if m else None,
        "model_class": m.class_name if m else None,
        "artifact_sha256": m.artifact_sha256 if m else None,
        "code_version": m.code_version if m else None,
        "ai_act.role": a.role if a.role not in ROLE else None,
        "ai_act.annex_iii": a.annex_iii,
        "ai_act.assessed_on": a.assessed_on,
        "ai_act.notes": a.notes,
        "algoritmekader": f"{ak.ALGORITMEKADER}; {ak.TASK_REGISTRY}",
    }
    out = [{"name": k, "value": v} for k, v in values.items() if v]
    return out + [{"name": "category", "value": c} for c in d.category]


def _date(month: str | None, *, last: bool) -> str | None:
    """A declared month (YYYY-MM) as the schema's date: its first day, or its last day for an end date."""
    if month is None:
        return None
    year, mon = (int(x) for x in month.split("-"))
    day = calendar.monthrange(year, mon)[1] if last else 1
    return f"{year:04d}-{mon:02d}-{day:02d}"


def _named(ref: Reference) -> dict[str, str]:
    return {"name": ref.title} | ({"link": ref.link} if ref.link else {})


def _references(d: Declaration) -> list[dict[str, str]]:
    links = [{"name": label(k, "nl"), "link": v} for k in REFERENCE_LINKS if (v := getattr(d, k))]
    return [_named(r) for r in (*d.impacttoetsen_grouping, *d.source_data_grouping)] + links


def _external_providers(d: Declaration) -> list[dict[str, str]]:
    provider = (d.provider or "").strip()
    return [{"name": provider}] if provider and provider.lower() != "intern ontwikkeld" else []


def _used_data(card: ModelCard, evidence: Evidence) -> str | None:
    trained = [evidence.dataset(r.id) for r in (evidence.model.training_data if evidence.model else [])]
    datasets = evidence.sources or [x for x in trained if x is not None]
    summaries = {s.name: s for s in card.training_data}
    lines = [
        describe_dataset(x, summaries.get(x.name), card.dataset_titles.get(x.name, {}).get("nl")) for x in datasets
    ]
    if not lines:
        return None
    intro = "Van persoonsgegevens staan hier alleen de soorten gegevens (kolommen), nooit de waarden."
    return "\n".join([intro, *(f"- {line}" for line in lines)])


def _technical_design(card: ModelCard, evidence: Evidence) -> str | None:
    if card.model is None or evidence.model is None:
        return None
    m = card.model
    library = " ".join(x for x in (m.library, m.library_version) if x)
    parts = [
        f"Het algoritme gebruikt een model van het type {m.class_name}{' uit ' + library if library else ''}.",
        *features(card),
        training(evidence),
        *(evaluation(e, evidence) for e in card.evaluations),
        *(explanation(x.method, [(i.feature, i.value) for i in x.importances], card) for x in card.explanations),
    ]
    return "\n".join(parts)


def _interaction_details(card: ModelCard) -> list[str]:
    m = card.model
    if m is None or not m.library:
        return []
    return [f"Het model wordt uitgevoerd met de softwarebibliotheek {m.library} ({m.class_name})."]


def _version_requirements(card: ModelCard, evidence: Evidence) -> list[str]:
    p = evidence.run.provenance
    m = card.model
    out = [f"{m.library} {m.library_version}"] if m and m.library and m.library_version else []
    return out + ([f"Python {p.python}"] if p is not None else [])


# ------------------------------------------------------------------ the embedded model card


def _model_card(card: ModelCard, evidence: Evidence, d: Declaration) -> dict[str, Any] | None:
    """The MinBZK model card; None without a model or a licence (the schema requires `license`)."""
    m = card.model
    if m is None or not d.licence:
        return None
    index = {
        "name": m.name,
        "model": RUN_URN + evidence.run_id,
        "parameters": [_parameter(k, v) for k, v in sorted(m.hyperparameters.items())],
        "results": _results(card, evidence),
    }
    values = {
        "provenance": _provenance(evidence),
        "name": m.name,
        "license": {"license_name": d.licence},
        "tags": list(d.tags),
        "owners": _owners(d, model_card=True),
        "model_index": [{k: v for k, v in index.items() if v}],
    }
    out = {k: v for k, v in values.items() if v}
    # The JSON schema names it `model_index`; AMT's import model (and Hugging Face) read `model-index`.
    out["model-index"] = copy.deepcopy(out["model_index"])
    return out


def _parameter(name: str, value: Any) -> dict[str, str]:
    """A hyperparameter; the schema types `value` as a string."""
    if value is None:
        return {"name": name, "dtype": "None"}
    return {"name": name, "dtype": type(value).__name__, "value": str(value)}


def _task(model: ModelDetails) -> str | None:
    """The Hugging Face task of the model (a pipeline's is its final estimator's)."""
    return f"tabular-{model.task}" if model.task else None


def _results(card: ModelCard, evidence: Evidence) -> list[dict[str, Any]]:
    """One result per evaluated split: its data (and the training data), metrics per group, explanations."""
    assert card.model is not None
    task = _task(card.model)
    if task is None:
        return []
    training = [_dataset(x, "train", card) for x in card.training_data]
    evaluated = {x.name: x for x in card.evaluation_data}
    shown = Words(card, "nl").raw_feature  # never a category of a personal column
    plots = [_bar_plot(x.method, [(shown(i.feature), i.value) for i in x.importances]) for x in card.explanations]
    return [
        {
            "task": [{"type": task}],
            "datasets": training + [_dataset(evaluated[n], e.split, card) for n in e.data if n in evaluated],
            "metrics": _metrics(e),
            "measurements": {"bar_plots": plots} if plots else {},
        }
        for e in card.evaluations
    ]


def _dataset(x: DatasetSummary, split: str, card: ModelCard) -> dict[str, Any]:
    """A dataset by name, split and fingerprint; `type` is its public source, else its in-memory type."""
    columns = {c.name for c in x.schema_}
    features = [f.name for f in card.features if f.name in columns]
    out = {
        "type": x.source if x.source and publishable_source(x.source) else x.origin,
        "name": x.name,
        "split": split,
        "features": features,
        "revision": f"{x.fingerprint_algorithm}:{x.fingerprint}",
    }
    return {k: v for k, v in out.items() if v}


def _metrics(e: Evaluation) -> list[dict[str, Any]]:
    out = [_metric(k, v, f"{k} ({e.split})") for k, v in e.metrics.items()]
    for attribute, groups in e.by_group.items():
        for group, values in groups.items():
            for k, v in values.items():
                tag = [{"name": attribute, "type": "feature", "dtype": "str", "value": group}]
                out.append(_metric(k, v, f"{k} ({e.split}, {attribute} = {group})") | {"labels": tag})
    return out


def _metric(kind: str, value: float, name: str) -> dict[str, Any]:
    """A metric. The schema's `value` is oneOf string/integer/number, and a whole number is both an integer
    and a number, so whole and non-finite values are written as strings."""
    shown: float | str = value if math.isfinite(value) and not float(value).is_integer() else repr(float(value))
    return {"type": kind, "name": name, "dtype": "float", "value": shown}


def _bar_plot(method: str, importances: list[tuple[str, float]]) -> dict[str, Any]:
    bars = [{"name": f, "value": float(v)} for f, v in importances if math.isfinite(v)]
    return {"type": method, "name": f"feature importance ({method})", "results": bars}


def _safe(value: Any) -> Any:
    """`value` with lone surrogates (which UTF-8 cannot hold) replaced, throughout."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_safe(k): _safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v) for v in value]
    return value
