"""Hold the claims of `uitlegbaar.yaml` against the evidence: each is confirmed, refuted (a contradiction every
document shows and the gate fails on), or not shown by what was captured.

    for found in check_claims(evidence, declaration):
        print(found.status, describe(found, "nl"))
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from uitlegbaar.documents.i18n import Language
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.records import ModelRecord, StepRecord
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.standards.avg import special_category

ClaimStatus = Literal["confirmed", "refuted", "not shown"]
ClaimKey = Literal["not_model_inputs", "self_learning", "personal_data", "special_categories", "data_period"]


class ClaimCheck(BaseModel):
    """One declared claim held against the evidence: what was declared, what the evidence shows, and which
    records show it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim: ClaimKey
    subject: str | None = Field(
        default=None, description="what the claim is about, e.g. the attribute of not_model_inputs"
    )
    declared: str = Field(description="the declared value, as written")
    status: ClaimStatus
    found: list[str] = Field(default_factory=list, description="what the evidence shows (names, never values)")
    records: list[str] = Field(default_factory=list, description="ids of the records that show it")

    @property
    def refuted(self) -> bool:
        return self.status == "refuted"


def check_claims(evidence: Evidence, declaration: Declaration) -> list[ClaimCheck]:
    """Every claim the declaration makes, held against the run's evidence."""
    claims = declaration.claims
    found = [_not_an_input(evidence, attribute) for attribute in claims.not_model_inputs]
    if claims.self_learning is not None:
        found.append(_self_learning(evidence, claims.self_learning))
    if claims.personal_data is not None:
        found.append(_personal_data(evidence, claims.personal_data))
    if claims.special_categories is not None:
        found.append(_special_categories(evidence, claims.special_categories))
    if claims.data_period is not None:
        found.append(
            _data_period(evidence, claims.data_period.start, claims.data_period.end, claims.data_period.column)
        )
    return found


def contradictions(checks: Iterable[ClaimCheck]) -> list[ClaimCheck]:
    return [c for c in checks if c.refuted]


# ------------------------------------------------------------------ the checks


def _derived_from(evidence: Evidence) -> dict[str, set[str]]:
    """Each column a step made, and the columns it came from (through renames and declared derivations)."""
    sources: dict[str, set[str]] = {}
    for step in evidence.steps:
        if step.lineage is not None:
            for old, new in step.lineage.renamed.items():
                sources.setdefault(new, set()).add(old)
        for column, origins in step.derived_from.items():
            sources.setdefault(column, set()).update(origins)
    return sources


def _origins(column: str, derived: dict[str, set[str]]) -> set[str]:
    """`column` and every column it was derived from, through any number of steps."""
    seen, todo = {column}, [column]
    while todo:
        for origin in derived.get(todo.pop(), set()) - seen:
            seen.add(origin)
            todo.append(origin)
    return seen


def _model_inputs(model: ModelRecord) -> dict[str, set[str]]:
    """Each input the model sees, and the data columns it comes from."""
    inputs = {i.name: {i.name, *i.sources} for i in model.inputs}
    for feature in model.features:
        inputs.setdefault(feature, {feature})
    return inputs


def _not_an_input(evidence: Evidence, attribute: str) -> ClaimCheck:
    model = evidence.model
    if model is None:
        return ClaimCheck(claim="not_model_inputs", subject=attribute, declared="not a model input", status="not shown")
    derived = _derived_from(evidence)
    hits = sorted(
        name
        for name, columns in _model_inputs(model).items()
        if any(attribute in _origins(column, derived) for column in columns)
    )
    steps = [s.id for s in evidence.steps if hits and _touches(s, attribute)]
    return ClaimCheck(
        claim="not_model_inputs",
        subject=attribute,
        declared="not a model input",
        status="refuted" if hits else "confirmed",
        found=hits,
        records=[model.id, *steps] if hits else [model.id],
    )


def _touches(step: StepRecord, attribute: str) -> bool:
    """Whether a step renamed `attribute` or derived a column from it."""
    renamed = step.lineage is not None and attribute in step.lineage.renamed
    return renamed or any(attribute in origins for origins in step.derived_from.values())


def _self_learning(evidence: Evidence, declared: bool) -> ClaimCheck:
    """Learning while in use shows as incremental training: `warm_start` on, or one model trained again and again
    within one run. Its absence confirms a model that does not learn by itself; it cannot show that one does."""
    incremental = [
        f"{m.name}: {key} = true"
        for m in evidence.models
        for key, v in m.hyperparameters.items()
        if key.rsplit("__", 1)[-1] == "warm_start" and v is True
    ]
    names = [m.name for m in evidence.models]
    incremental += [f"{n}: trained {names.count(n)} times in one run" for n in sorted(set(names)) if names.count(n) > 1]
    records = [m.id for m in evidence.models]
    if declared:
        status: ClaimStatus = "confirmed" if incremental else "not shown"
    elif not evidence.models:
        status = "not shown"
    else:
        status = "refuted" if incremental else "confirmed"
    return ClaimCheck(
        claim="self_learning", declared=_yes_no(declared), status=status, found=incremental, records=records
    )


def _personal_data(evidence: Evidence, declared: bool) -> ClaimCheck:
    found = sorted({f"{d.name}.{c}" for d in evidence.datasets for c in d.personal})
    records = sorted({d.id for d in evidence.datasets if d.personal})
    status: ClaimStatus = ("confirmed" if found else "not shown") if declared else ("refuted" if found else "confirmed")
    return ClaimCheck(claim="personal_data", declared=_yes_no(declared), status=status, found=found, records=records)


def _special_categories(evidence: Evidence, declared: bool) -> ClaimCheck:
    hits: dict[str, str] = {}
    records: set[str] = set()
    for dataset in evidence.datasets:
        for column in [c.name for c in dataset.columns] + dataset.sensitive:
            category = special_category(column)
            if category is not None:
                hits.setdefault(column, category)
                records.add(dataset.id)
    found = [f"{column} ({category})" for column, category in sorted(hits.items())]
    status: ClaimStatus = ("confirmed" if found else "not shown") if declared else ("refuted" if found else "confirmed")
    return ClaimCheck(
        claim="special_categories", declared=_yes_no(declared), status=status, found=found, records=sorted(records)
    )


def _data_period(evidence: Evidence, start: str, end: str, column: str | None) -> ClaimCheck:
    shown, outside, records = [], [], []
    for dataset in evidence.sources:
        for profile in dataset.profile:
            if profile.personal or (column is not None and profile.name != column):
                continue
            if column is None and not profile.type.startswith(("date", "timestamp")):
                continue
            if profile.min is None or profile.max is None:
                continue
            first, last = str(profile.min)[:7], str(profile.max)[:7]
            shown.append(f"{dataset.name}.{profile.name}: {first} – {last}")
            records.append(dataset.id)
            if first < start or last > end:
                outside.append(shown[-1])
    status: ClaimStatus = "refuted" if outside else ("confirmed" if shown else "not shown")
    return ClaimCheck(
        claim="data_period",
        subject=column,
        declared=f"{start} – {end}",
        status=status,
        found=outside or shown,
        records=sorted(set(records)),
    )


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


# ------------------------------------------------------------------ in words


_CLAIMS: dict[Language, dict[str, str]] = {
    "en": {
        "not_model_inputs": "{subject} is not a model input",
        "self_learning": "the model is {not_}self-learning",
        "personal_data": "{no}personal data is processed",
        "special_categories": "{no}special categories of personal data (AVG art. 9) are processed",
        "data_period": "the data covers {declared}",
    },
    "nl": {
        "not_model_inputs": "{subject} is geen invoer van het model",
        "self_learning": "het model is {not_}zelflerend",
        "personal_data": "er worden {no}persoonsgegevens verwerkt",
        "special_categories": "er worden {no}bijzondere persoonsgegevens (AVG art. 9) verwerkt",
        "data_period": "de gegevens beslaan {declared}",
    },
}
_FOUND: dict[Language, dict[str, str]] = {
    "en": {
        "not_model_inputs": "the model uses it as {found}",
        "self_learning": "the evidence shows incremental training: {found}",
        "personal_data": "the data has personal columns: {found}",
        "special_categories": "the data has columns of special categories: {found}",
        "data_period": "the data's dates fall outside it: {found}",
    },
    "nl": {
        "not_model_inputs": "het model gebruikt het als {found}",
        "self_learning": "het bewijs toont stapsgewijs bijleren: {found}",
        "personal_data": "de gegevens hebben kolommen met persoonsgegevens: {found}",
        "special_categories": "de gegevens hebben kolommen met bijzondere persoonsgegevens: {found}",
        "data_period": "de datums in de gegevens vallen erbuiten: {found}",
    },
}
_NEGATION: dict[Language, tuple[str, str]] = {"en": ("not ", "no "), "nl": ("niet ", "geen ")}


def statement(check: ClaimCheck, lang: Language = "en") -> str:
    """The claim as declared, in words."""
    negative = check.declared == "no"
    not_, no = _NEGATION[lang] if negative else ("", "")
    return _CLAIMS[lang][check.claim].format(subject=check.subject, not_=not_, no=no, declared=check.declared)


def describe(check: ClaimCheck, lang: Language = "en") -> str:
    """The claim and, when refuted, what the evidence shows instead (record ids included)."""
    said = statement(check, lang)
    if not check.refuted:
        return said
    found = _FOUND[lang][check.claim].format(found=", ".join(check.found))
    records = ", ".join(r[:12] for r in check.records)
    return f"{said}, but {found} (records {records})" if lang == "en" else f"{said}, maar {found} (records {records})"
