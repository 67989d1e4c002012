"""The Algoritmekader gate (`uitlegbaar check RUN --require algoritmekader`): every requirement and measure of the
task registry by its official URN, applicability from the registry's own AI Act profile fields held against the
declared `ai_act`, and for each applicable item whether the evidence shows it, the declaration states it, it is
missing (and who must supply it, how), or it is organisational: outside what a training pipeline can show.

A measure applies when a requirement that applies links it (the task registry's and AMT's rule). A requirement's
state follows from its applicable measures: missing when one of them is, evidenced or declared when all are, and
organisational otherwise — a requirement is never evidenced by an organisational measure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.evidence.declaration import AIActProfile, Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates import frameworks as fw
from uitlegbaar.gates.frameworks import Found, Framework, Item, Predicate
from uitlegbaar.standards import algoritmekader as ak

# ------------------------------------------------------------------ applicability

_TYPE = {"system": "AI-systeem voor algemene doeleinden", "model": "AI-model voor algemene doeleinden"}
_RISK = {
    "prohibited": "verboden AI",
    "high-risk": "hoog-risico AI",
    "limited-risk": "geen hoog-risico AI",
    "minimal-risk": "geen hoog-risico AI",
}
_ROLE = {
    "provider": ("aanbieder",),
    "deployer": ("gebruiksverantwoordelijke",),
    "provider and deployer": ("aanbieder", "gebruiksverantwoordelijke"),
    "importer": ("importeur",),
    "distributor": ("distributeur",),
}
_YES_NO = {
    "open_source": ("open-source", "geen open-source"),
    "systemic_risk": ("systeemrisico", "geen systeemrisico"),
    "transparency_obligations": ("transparantieverplichting", "geen transparantieverplichting"),
}


def profile_values(profile: AIActProfile | None) -> dict[str, tuple[str, ...] | None]:
    """The declared `ai_act` in the task registry's vocabulary, per dimension; None where it is not declared."""
    a = profile or AIActProfile()
    kind: tuple[str, ...] | None = None
    if a.ai_system is False:
        kind = ("geen AI-systeem",)
    elif a.ai_system or a.general_purpose:
        kind = (_TYPE[a.general_purpose] if a.general_purpose else "AI-systeem",)
    values: dict[str, tuple[str, ...] | None] = {
        "type": kind,
        "risk_group": (_RISK[a.risk_class],) if a.risk_class else None,
        "role": _ROLE[a.role] if a.role else None,
    }
    for key, (yes, no) in _YES_NO.items():
        flag = getattr(a, key)
        values[key] = None if flag is None else ((yes,) if flag else (no,))
    return values


def requirement_applies(requirement: ak.Requirement, values: dict[str, tuple[str, ...] | None]) -> tuple[bool, str]:
    """Whether `requirement` applies to the declared profile, and why (AMT's rule: always applicable, or every
    dimension the requirement names meets the declared value; an undeclared dimension is assumed to meet it)."""
    if requirement.always_applicable:
        return True, "always applicable"
    reasons, assumed = [], []
    for dimension, wanted in requirement.profile.items():
        have = values.get(dimension)
        if have is None:
            assumed.append(dimension)
        elif not set(have) & set(wanted):
            return False, f"ai_act {dimension}: {', '.join(have)}; applies to {', '.join(wanted)}"
        else:
            reasons.append(f"{dimension} {', '.join(set(have) & set(wanted))}")
    why = "AI Act profile: " + ("; ".join(reasons) or "no restriction")
    if assumed:
        why += f" ({', '.join(assumed)} not declared in uitlegbaar.yaml: ai_act, assumed to apply)"
    return True, why


@dataclass(frozen=True)
class Applicability:
    """Which requirements and measures apply to one declared profile, each with its reason."""

    requirements: dict[str, tuple[bool, str]]
    measures: dict[str, tuple[bool, str]]


def applicability(profile: AIActProfile | None) -> Applicability:
    values = profile_values(profile)
    requirements = {r.urn: requirement_applies(r, values) for r in ak.REQUIREMENTS}
    serves: dict[str, list[str]] = {}
    for r in ak.REQUIREMENTS:
        for urn in r.measures:
            serves.setdefault(urn, []).append(r.urn)
    measures: dict[str, tuple[bool, str]] = {}
    for m in ak.MEASURES:
        linked = serves.get(m.urn, [])
        active = [u for u in linked if requirements[u][0]]
        if active:
            measures[m.urn] = (True, "serves " + ", ".join(_short(u) for u in active))
        elif linked:
            measures[m.urn] = (False, "serves only requirements that do not apply: " + ", ".join(map(_short, linked)))
        else:
            measures[m.urn] = (False, "no requirement of the task registry links it")
    return Applicability(requirements, measures)


def _short(urn: str) -> str:
    return urn.rsplit(":", 1)[-1]


_last: tuple[AIActProfile | None, Applicability] | None = None


def _applicability(declaration: Declaration) -> Applicability:
    """`applicability` for the declaration's profile, computed once per profile (a gate checks 168 items)."""
    global _last
    if _last is None or _last[0] != declaration.ai_act:
        _last = (declaration.ai_act, applicability(declaration.ai_act))
    return _last[1]


# ------------------------------------------------------------------ what a pipeline or a declaration shows


@dataclass(frozen=True)
class Rule:
    """How a measure is shown: a predicate, the record kinds it reads, and who supplies it and how if missing."""

    satisfied: Predicate
    kinds: tuple[str, ...]
    who: Who
    how: str


def _yaml(key: str, hint: str = "") -> str:
    return f"uitlegbaar.yaml: {key}" + (f" ({hint})" if hint else "")


_DATA = ("dataset",)
_EVAL = ("evaluation",)
RULES: dict[str, Rule] = {
    "2-owp-11-gebruikte-data": Rule(fw.all_of(fw.TRAINING_DATA, fw.PROVENANCE), _DATA, "engineer", fw.HOW_SOURCE),
    "pba-02": Rule(fw.declared("goal"), (), "owner", _yaml("goal")),
    "pba-03": Rule(fw.declared("proportionality"), (), "owner", _yaml("proportionality", "why an algorithm")),
    "pba-05": Rule(fw.declared("lawful_basis_grouping"), (), "legal", _yaml("lawful_basis_grouping")),
    "owp-01": Rule(fw.declared("owners"), (), "owner", _yaml("owners", "names and roles")),
    "owp-03": Rule(
        fw.all_of(fw.TAGGED, fw.declared("lawful_basis")), _DATA, "legal", f"{fw.HOW_TAGS}; and {_yaml('lawful_basis')}"
    ),
    "owp-04": Rule(fw.all_of(fw.MODEL, fw.HYPERPARAMETERS), ("model",), "engineer", fw.HOW_MODEL),
    "owp-05": Rule(fw.declared("ai_act"), (), "legal", _yaml("ai_act", "ai_system, risk_class, role")),
    "owp-33": Rule(fw.EXPLAINED, ("explanation",), "engineer", fw.HOW_EXPLAIN),
    "dat-01": Rule(fw.PROFILE, _DATA, "engineer", fw.HOW_DATA),
    "dat-07": Rule(fw.SPLITS, ("model", "evaluation"), "engineer", fw.HOW_SPLITS),
    "owk-03": Rule(fw.declared("impacttoetsen_grouping"), (), "legal", _yaml("impacttoetsen_grouping", "the DPIA")),
    "owk-07": Rule(
        fw.all_of(fw.PROVENANCE, fw.HYPERPARAMETERS, fw.evidenced("run record (git commit)", fw._commit), fw.CHAIN),
        ("run", "dataset", "model"),
        "engineer",
        fw.HOW_SOURCE + "; " + fw.HOW_GIT,
    ),
    "ver-02": Rule(fw.METRICS, _EVAL, "engineer", fw.HOW_EVALUATE),
    "ver-03": Rule(fw.BY_GROUP, _EVAL, "engineer", fw.HOW_GROUPS),
    "ver-06": Rule(fw.all_of(fw.SPLITS, fw.METRICS), ("model", "evaluation"), "engineer", fw.HOW_SPLITS),
    "imp-03": Rule(fw.declared("human_intervention"), (), "owner", _yaml("human_intervention")),
    "imp-04": Rule(
        fw.declared("lars"), (), "owner", "publish the entry (`uitlegbaar publish`) and set uitlegbaar.yaml: lars"
    ),
}
"""By measure number, or by file where the registry gives one URN to two measures (owp-11, owk-09, mon-05: their
keys are `URN#file`). The rest is organisational."""

_WHO: dict[str, Who] = {"ontwikkelaar": "engineer", "jurist": "legal"}


def rule_of(measure: ak.Measure) -> Rule | None:
    return RULES.get(measure.file) or (None if _duplicated(measure) else RULES.get(_short(measure.urn)))


def _duplicated(measure: ak.Measure) -> bool:
    return sum(1 for m in ak.MEASURES if m.urn == measure.urn) > 1


def _records(evidence: Evidence, kinds: Iterable[str]) -> tuple[str, ...]:
    wanted = set(kinds)
    return tuple(r.id for r in evidence.records if r.kind in wanted)


def shown(measure: ak.Measure, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    """What the evidence or declaration shows of `measure`, whatever the profile; organisational without a rule."""
    rule = rule_of(measure)
    if rule is None:
        return Found("organisational", detail="outside what a pipeline can show")
    found = rule.satisfied(card, evidence, d)
    records = _records(evidence, rule.kinds) if found.status == "evidenced" else ()
    return replace(found, records=records)


def combine(parts: list[tuple[str, Found]], applies: str = "") -> Found:
    """One state for an item made of measures (by URN): missing when one is, evidenced or declared when all are
    shown, organisational otherwise (an organisational part is never reported as evidenced)."""
    missing = [_short(u) for u, f in parts if f.status == "missing"]
    if missing:
        return Found("missing", detail="measures missing: " + ", ".join(missing), applies=applies)
    done = [(u, f) for u, f in parts if f.status in ("evidenced", "declared")]
    if not parts or len(done) < len(parts):
        shown = f"; shown: {', '.join(_short(u) for u, _ in done)}" if done else ""
        count = len(parts) - len(done)
        return Found("organisational", detail=f"{count} organisational measure(s){shown}", applies=applies)
    status: fw.Status = "evidenced" if all(f.status == "evidenced" for _, f in done) else "declared"
    records = tuple(dict.fromkeys(r for _, f in done for r in f.records))
    by = "; ".join(dict.fromkeys(f.by for _, f in done))
    return Found(status, by, "measures " + ", ".join(_short(u) for u, _ in done), records, applies)


def _measure_found(measure: ak.Measure, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    applies, why = _applicability(d).measures[measure.urn]
    if not applies:
        return Found("not applicable", detail=why, applies=why)
    return replace(shown(measure, card, evidence, d), applies=why)


def _requirement_found(requirement: ak.Requirement, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    applies, why = _applicability(d).requirements[requirement.urn]
    if not applies:
        return Found("not applicable", detail=why, applies=why)
    parts = [(m.urn, _measure_found(m, card, evidence, d)) for m in ak.MEASURES if m.urn in requirement.measures]
    return combine([(u, f) for u, f in parts if f.status != "not applicable"], why)


def _roles(roles: tuple[str, ...]) -> Who:
    return next((_WHO[r] for r in roles if r in _WHO), "owner")


def _measure_item(measure: ak.Measure) -> Item:
    rule = rule_of(measure)
    who, how = (rule.who, rule.how) if rule else (_roles(measure.roles), _organisational(measure.roles))
    return Item(
        f"{measure.urn}#{measure.file}" if _duplicated(measure) else measure.urn,
        measure.name,
        f"Algoritmekader maatregel {_short(measure.urn)}",
        lambda c, e, d, m=measure: _measure_found(m, c, e, d),  # type: ignore[misc]
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
        f"Algoritmekader vereiste {_short(requirement.urn)}",
        lambda c, e, d, r=requirement: _requirement_found(r, c, e, d),  # type: ignore[misc]
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
