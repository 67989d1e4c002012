"""The Algoritmekader (MinBZK task registry) as it applies to one algorithm and what its evidence shows: which
requirements and measures apply under the declared `ai_act` profile (the registry's own applicability fields,
AMT's rule), and the state of each: evidenced (records by id), declared (the uitlegbaar.yaml key), missing, or
organisational — outside what a pipeline can show, never reported as evidenced. Pure; the gate
(`gates/algoritmekader.py`) and the system card's `requirements` and `measures` both read it.

A measure applies when a requirement that applies links it. A requirement's state follows from its applicable
measures: missing when one of them is, evidenced or declared when all are shown, organisational otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from uitlegbaar.documents import shown as sh
from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.documents.shown import Found, Predicate
from uitlegbaar.evidence.declaration import AIActProfile, Declaration
from uitlegbaar.evidence.view import Evidence
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
            measures[m.urn] = (True, "serves " + ", ".join(short(u) for u in active))
        elif linked:
            measures[m.urn] = (False, "serves only requirements that do not apply: " + ", ".join(map(short, linked)))
        else:
            measures[m.urn] = (False, "no requirement of the task registry links it")
    return Applicability(requirements, measures)


def short(urn: str) -> str:
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
    "2-owp-11-gebruikte-data": Rule(sh.all_of(sh.TRAINING_DATA, sh.PROVENANCE), _DATA, "engineer", sh.HOW_SOURCE),
    "pba-02": Rule(sh.declared("goal"), (), "owner", _yaml("goal")),
    "pba-03": Rule(sh.declared("proportionality"), (), "owner", _yaml("proportionality", "why an algorithm")),
    "pba-05": Rule(sh.declared("lawful_basis_grouping"), (), "legal", _yaml("lawful_basis_grouping")),
    "owp-01": Rule(sh.declared("owners"), (), "owner", _yaml("owners", "names and roles")),
    "owp-03": Rule(
        sh.all_of(sh.TAGGED, sh.declared("lawful_basis")), _DATA, "legal", f"{sh.HOW_TAGS}; and {_yaml('lawful_basis')}"
    ),
    "owp-04": Rule(sh.all_of(sh.MODEL, sh.HYPERPARAMETERS), ("model",), "engineer", sh.HOW_MODEL),
    "owp-05": Rule(sh.declared("ai_act"), (), "legal", _yaml("ai_act", "ai_system, risk_class, role")),
    "owp-33": Rule(sh.EXPLAINED, ("explanation",), "engineer", sh.HOW_EXPLAIN),
    "dat-01": Rule(sh.PROFILE, _DATA, "engineer", sh.HOW_DATA),
    "dat-07": Rule(sh.SPLITS, ("model", "evaluation"), "engineer", sh.HOW_SPLITS),
    "owk-03": Rule(sh.declared("impacttoetsen_grouping"), (), "legal", _yaml("impacttoetsen_grouping", "the DPIA")),
    "owk-07": Rule(
        sh.all_of(sh.PROVENANCE, sh.HYPERPARAMETERS, sh.evidenced("run record (git commit)", sh._commit), sh.CHAIN),
        ("run", "dataset", "model"),
        "engineer",
        sh.HOW_SOURCE + "; " + sh.HOW_GIT,
    ),
    "ver-02": Rule(sh.METRICS, _EVAL, "engineer", sh.HOW_EVALUATE),
    "ver-03": Rule(sh.BY_GROUP, _EVAL, "engineer", sh.HOW_GROUPS),
    "ver-06": Rule(sh.all_of(sh.SPLITS, sh.METRICS), ("model", "evaluation"), "engineer", sh.HOW_SPLITS),
    "imp-03": Rule(sh.declared("human_intervention"), (), "owner", _yaml("human_intervention")),
    "imp-04": Rule(
        sh.declared("lars"), (), "owner", "publish the entry (`uitlegbaar publish`) and set uitlegbaar.yaml: lars"
    ),
}
"""By measure number, or by file where the registry gives one URN to two measures (owp-11, owk-09, mon-05: their
keys are `URN#file`). The rest is organisational."""


def duplicated(measure: ak.Measure) -> bool:
    """The registry gives this measure's URN to another measure too."""
    return sum(1 for m in ak.MEASURES if m.urn == measure.urn) > 1


_RULE_OF = {m.file: RULES.get(m.file) or (None if duplicated(m) else RULES.get(short(m.urn))) for m in ak.MEASURES}


def rule_of(measure: ak.Measure) -> Rule | None:
    return _RULE_OF[measure.file]


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
    missing = [short(u) for u, f in parts if f.status == "missing"]
    if missing:
        return Found("missing", detail="measures missing: " + ", ".join(missing), applies=applies)
    done = [(u, f) for u, f in parts if f.status in ("evidenced", "declared")]
    if not parts or len(done) < len(parts):
        shown = f"; shown: {', '.join(short(u) for u, _ in done)}" if done else ""
        count = len(parts) - len(done)
        return Found("organisational", detail=f"{count} organisational measure(s){shown}", applies=applies)
    status: sh.Status = "evidenced" if all(f.status == "evidenced" for _, f in done) else "declared"
    records = tuple(dict.fromkeys(r for _, f in done for r in f.records))
    by = "; ".join(dict.fromkeys(f.by for _, f in done))
    return Found(status, by, "measures " + ", ".join(short(u) for u, _ in done), records, applies)


_judged: tuple[tuple[int, int, int], tuple[object, ...], dict[str, Found]] | None = None


def _shown_all(card: ModelCard, evidence: Evidence, d: Declaration) -> dict[str, Found]:
    """What is shown of every measure (by file), judged once per card, evidence and declaration: a requirement
    reads its measures' states instead of judging them again."""
    global _judged
    key = (id(card), id(evidence), id(d))
    if _judged is None or _judged[0] != key:
        states = {m.file: shown(m, card, evidence, d) for m in ak.MEASURES}
        _judged = (key, (card, evidence, d), states)  # keeps the objects alive, so ids stay unique
    return _judged[2]


def _measure_found(measure: ak.Measure, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    applies, why = _applicability(d).measures[measure.urn]
    if not applies:
        return Found("not applicable", detail=why, applies=why)
    return replace(_shown_all(card, evidence, d)[measure.file], applies=why)


_LINKED = {r.urn: tuple(m for m in ak.MEASURES if m.urn in r.measures) for r in ak.REQUIREMENTS}


def _requirement_found(requirement: ak.Requirement, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    applies, why = _applicability(d).requirements[requirement.urn]
    if not applies:
        return Found("not applicable", detail=why, applies=why)
    applicable = _applicability(d).measures
    states = _shown_all(card, evidence, d)
    return combine([(m.urn, states[m.file]) for m in _LINKED[requirement.urn] if applicable[m.urn][0]], why)


def measure_state(measure: ak.Measure, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    """The measure's state for this algorithm: not applicable (with why), or what is shown of it."""
    return _measure_found(measure, card, evidence, d)


def requirement_state(requirement: ak.Requirement, card: ModelCard, evidence: Evidence, d: Declaration) -> Found:
    """The requirement's state: not applicable (with why), or what its applicable measures together show."""
    return _requirement_found(requirement, card, evidence, d)


# ------------------------------------------------------------------ the system card's requirements and measures

AMT_STATE = {"evidenced": "done", "declared": "done", "missing": "to do", "organisational": "to do"}
"""Our states in AMT's vocabulary: what the evidence or declaration shows is done; the rest is to do (an
organisational item is never reported done by a pipeline)."""


def _value(found: Found) -> str:
    """How the measure is implemented, as far as uitlegbaar can tell (the system card's `value`)."""
    if found.status == "evidenced":
        records = f"; records {', '.join(found.records)}" if found.records else ""
        return f"evidenced by {found.by}" + (f": {found.detail}" if found.detail else "") + records
    if found.status == "declared":
        return f"declared in {found.by}" + (f": {found.detail}" if found.detail else "")
    if found.status == "missing":
        return "missing" + (f": {found.detail}" if found.detail else "")
    return f"organisational: {found.detail}"


def systemcard_tasks(
    card: ModelCard, evidence: Evidence, d: Declaration
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The applicable requirements and measures by URN with their state (reporting standard 0.1a14); a URN the
    registry gives to two measures is one entry, done only when both are shown."""
    requirements = []
    for r in ak.REQUIREMENTS:
        found = requirement_state(r, card, evidence, d)
        if found.status != "not applicable":
            requirements.append({"urn": r.urn, "state": AMT_STATE[found.status], "version": ak.VERSION})
    by_urn: dict[str, list[Found]] = {}
    for m in ak.MEASURES:
        found = measure_state(m, card, evidence, d)
        if found.status != "not applicable":
            by_urn.setdefault(m.urn, []).append(found)
    measures = []
    for urn, founds in by_urn.items():
        found = founds[0] if len(founds) == 1 else combine([(urn, f) for f in founds])
        value = sh.public(_value(found), evidence)
        measures.append({"urn": urn, "state": AMT_STATE[found.status], "value": value, "version": ak.VERSION})
    return requirements, measures
