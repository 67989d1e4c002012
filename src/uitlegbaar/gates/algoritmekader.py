"""The Algoritmekader gate (`uitlegbaar check RUN --require algoritmekader`): every requirement and measure of the
task registry by its official URN, Dutch title and link, judged by `documents/algoritmekader.py` (applicability
from the declared `ai_act`, then evidenced, declared, missing or organisational)."""

from __future__ import annotations

from uitlegbaar.documents.algoritmekader import duplicated, measure_state, requirement_state, rule_of, short
from uitlegbaar.documents.card.model import Who
from uitlegbaar.gates.frameworks import Framework, Item
from uitlegbaar.standards import algoritmekader as ak

_WHO: dict[str, Who] = {"ontwikkelaar": "engineer", "jurist": "legal"}
"""The task registry's suggested roles → who acts; the others (projectleider, beleid en advies) are the owner's."""


def _roles(roles: tuple[str, ...]) -> Who:
    return next((_WHO[r] for r in roles if r in _WHO), "owner")


def _measure_item(measure: ak.Measure) -> Item:
    rule = rule_of(measure)
    who, how = (rule.who, rule.how) if rule else (_roles(measure.roles), _organisational(measure.roles))
    return Item(
        f"{measure.urn}#{measure.file}" if duplicated(measure) else measure.urn,
        measure.name,
        f"Algoritmekader maatregel {short(measure.urn)}",
        lambda c, e, d, m=measure: measure_state(m, c, e, d),  # type: ignore[misc]
        who,
        how,
        urn=measure.urn,
        link=measure.url,
        lifecycle=measure.lifecycle,
    )


def _organisational(roles: tuple[str, ...]) -> str:
    return "organisational: " + (", ".join(r.replace("-", " ") for r in roles) or "the organisation") + " arrange it"


def _requirement_item(requirement: ak.Requirement) -> Item:
    return Item(
        requirement.urn,
        requirement.name,
        f"Algoritmekader vereiste {short(requirement.urn)}",
        lambda c, e, d, r=requirement: requirement_state(r, c, e, d),  # type: ignore[misc]
        "owner",
        "see the measures it links",
        urn=requirement.urn,
        link=requirement.url,
        lifecycle=requirement.lifecycle,
    )


ALGORITMEKADER = Framework(
    "algoritmekader",
    "Algoritmekader: requirements (vereisten) and measures (maatregelen) of the MinBZK task registry",
    tuple(_requirement_item(r) for r in ak.REQUIREMENTS) + tuple(_measure_item(m) for m in ak.MEASURES),
    f"{ak.ALGORITMEKADER}; {ak.TASK_REGISTRY}",
)
