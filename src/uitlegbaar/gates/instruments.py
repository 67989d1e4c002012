"""The existing framework keys under their official ids: the AI Act technical documentation items by the task
registry's `urn:nl:aivt:tr:td:1.0:…` questions, the IAMA items by `urn:nl:aivt:tr:iama:1.0:…`, and the Algemene
Rekenkamer (`ark`) and Auditdienst Rijk (`adr`, Onderzoekskader 2023) controls through the Algoritmekader team's
mapping onto measures, so one piece of evidence answers every framework that maps to it."""

from __future__ import annotations

from dataclasses import replace

from uitlegbaar.documents.algoritmekader import combine, rule_of, shown
from uitlegbaar.documents.card.model import ModelCard
from uitlegbaar.documents.iama import task_by_number
from uitlegbaar.documents.shown import Found
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates.frameworks import AI_ACT_ANNEX_IV, IAMA, Framework, Item
from uitlegbaar.standards import algoritmekader as ak

TD_TASK = {
    "aia.purpose": "1.a.1",
    "aia.provider": "1.a.2",
    "aia.version": "1.a.3",
    "aia.software": "1.c",
    "aia.development": "2.a",
    "aia.design": "2.b.1",
    "aia.architecture": "2.c.2",
    "aia.data": "2.d",
    "aia.provenance": "2.d",
    "aia.preparation": "2.d",
    "aia.personal-data": "2.d",
    "aia.bias": "2.g.2",
    "aia.oversight": "2.e",
    "aia.interpretation": "2.e",
    "aia.testing": "2.g.1",
    "aia.metrics": "2.g.2",
    "aia.groups": "3",
    "aia.input": "2.d",
    "aia.limitations": "3",
    "aia.risk-management": "5",
    "aia.changes": "6",
    "aia.record-keeping": "2.g.1",
}
"""Our Annex IV item → the technical-documentation question it answers (`aia.classification` has none: it is
Algoritmekader measure owp-05, the risk group)."""
OTHER_URN = {"aia.classification": "urn:nl:ak:mtr:owp-05"}


def _official(item: Item, task: ak.Task | None, urn: str = "") -> Item:
    if task is None:
        return replace(item, urn=urn)
    return replace(item, urn=task.urn, lifecycle=tuple(ak.phase_slug(p) for p in task.lifecycle))


AI_ACT_ANNEX_IV_OFFICIAL = replace(
    AI_ACT_ANNEX_IV,
    items=tuple(
        _official(
            i,
            task_by_number(ak.TECHNICAL_DOCUMENTATION, TD_TASK[i.key]) if i.key in TD_TASK else None,
            OTHER_URN.get(i.key, ""),
        )
        for i in AI_ACT_ANNEX_IV.items
    ),
    version=f"{ak.TECHNICAL_DOCUMENTATION_URN} ({ak.TASK_REGISTRY})",
)
IAMA_OFFICIAL = replace(
    IAMA,
    items=tuple(_official(i, task_by_number(ak.IAMA, i.key.removeprefix("iama."))) for i in IAMA.items),
    version=f"{ak.IAMA_URN} ({ak.TASK_REGISTRY})",
)

# ------------------------------------------------------------------ ARK and ADR through the measures

_MEASURES = {m.urn: m for m in ak.MEASURES}


def _control_found(control: ak.Control, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    """The control's measures as the pipeline shows them (whatever the AI Act profile: the audit asks anyway)."""
    parts = []
    for urn in control.measures:
        measure = _MEASURES.get(urn)
        found = shown(measure, card, evidence, d) if measure else Found("organisational", detail="not in the registry")
        parts.append((urn, found))
    return combine(parts)


OUTCOME_OF_MEASURE = {
    "urn:nl:ak:mtr:ver-03": ("fairness", "proxy"),  # bias analysis: its outcome is judged by the policy
    "urn:nl:ak:mtr:ver-02": ("metric", "regression"),  # the model's performance
}
"""The policy rule families whose findings fail a control answered through a measure."""


def _control_item(control: ak.Control) -> Item:
    rules = [r for u in control.measures if (m := _MEASURES.get(u)) and (r := rule_of(m))]
    who, how = (rules[0].who, "; ".join(dict.fromkeys(r.how for r in rules))) if rules else ("owner", "organisational")
    return Item(
        f"{control.source.lower()}.{control.number}",
        control.text,
        f"{control.source} {control.number} → " + ", ".join(u.rsplit(":", 1)[-1] for u in control.measures),
        lambda c, e, d, x=control: _control_found(x, c, e, d),  # type: ignore[misc]
        who,
        how,
        maps_to=control.measures,
        outcome=tuple(dict.fromkeys(f for u in control.measures for f in OUTCOME_OF_MEASURE.get(u, ()))),
    )


def _controls(source: str) -> tuple[Item, ...]:
    return tuple(_control_item(c) for c in ak.CONTROLS if c.source == source)


_MAPPING = "Algoritmekader relatie-ak-tot-toetsingskaders"
ARK = Framework("ark", "Algemene Rekenkamer, toetsingskader algoritmes", _controls("ARK"), _MAPPING)
ADR = Framework("adr", "Auditdienst Rijk, Onderzoekskader algoritmes 2023", _controls("ADR"), _MAPPING)
