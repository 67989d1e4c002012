"""Check a run against transparency frameworks: per item, whether the evidence or the declaration
satisfies it, and for what is missing, who must supply it and how; with a policy, also what the evidence says
(`gates.policy`): an item supplied by evidence whose outcome the policy fails is `failed`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.documents.claims import describe
from uitlegbaar.documents.formats import Inputs
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.policy import Policy
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates.findings import PolicyReport, RuleResult
from uitlegbaar.gates.frameworks import FRAMEWORKS, Framework, Item, Status

STATUSES: tuple[Status, ...] = ("evidenced", "declared", "missing", "failed", "organisational", "not applicable")


@dataclass(frozen=True)
class ItemResult:
    """One item's outcome. `by` names what supplied it; `who` and `how` are set when it is missing."""

    key: str
    title: str
    source: str
    status: Status
    by: str = ""
    detail: str = ""
    who: Who | None = None
    how: str | None = None
    urn: str = ""
    link: str = ""
    lifecycle: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    applies: str = ""
    maps_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameworkResult:
    key: str
    title: str
    required: bool
    items: tuple[ItemResult, ...]
    version: str = ""

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def missing(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == "missing"]

    @property
    def failed(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.failed


@dataclass(frozen=True)
class CheckReport:
    """The outcome for every framework checked, and of the policy when one was judged; it fails when a required
    framework misses (or fails) an item, or the policy has a finding."""

    run_id: str
    declaration: str | None
    frameworks: tuple[FrameworkResult, ...] = field(default_factory=tuple)
    contradictions: tuple[str, ...] = ()
    """Declared claims the evidence refutes: each one fails the gate."""
    policy: PolicyReport | None = None

    @property
    def ok(self) -> bool:
        frameworks = all(f.ok for f in self.frameworks if f.required)
        return frameworks and not self.contradictions and (self.policy is None or self.policy.ok)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        for result, out in zip(self.frameworks, data["frameworks"], strict=True):
            out["ok"] = result.ok
            out["counts"] = {s: result.count(s) for s in STATUSES}
        data["policy"] = None if self.policy is None else self.policy.to_dict()
        return data


def unknown_frameworks(keys: Iterable[str]) -> list[str]:
    """The keys that name no framework."""
    return [k for k in keys if k not in FRAMEWORKS]


def frameworks_for(keys: Iterable[str]) -> list[Framework]:
    """The frameworks named by `keys`, in the order given; `ConfigurationError` for an unknown key."""
    keys = list(dict.fromkeys(keys))
    unknown = unknown_frameworks(keys)
    if unknown:
        raise ConfigurationError(f"unknown framework {', '.join(unknown)}; known: {', '.join(FRAMEWORKS)}")
    return [FRAMEWORKS[k] for k in keys]


def check(
    card: ModelCard,
    evidence: Evidence,
    declaration: Declaration,
    frameworks: Sequence[Framework],
    *,
    required: Iterable[str] | None = None,
    policy: PolicyReport | None = None,
) -> CheckReport:
    """Check every item of `frameworks`; all of them are required unless `required` names a subset. With the
    `policy` report, an evidenced item whose outcome rules (`Item.outcome`) have findings is failed."""
    needed = {f.key for f in frameworks} if required is None else set(required)
    findings = policy.findings if policy is not None else []
    results = tuple(
        FrameworkResult(
            f.key,
            f.title,
            f.key in needed,
            tuple(_item(i, card, evidence, declaration, findings) for i in f.items),
            f.version,
        )
        for f in frameworks
    )
    refuted = tuple(describe(c) for c in card.claims if c.refuted)
    return CheckReport(evidence.run_id, card.provenance.declaration, results, refuted, policy)


def _item(
    item: Item, card: ModelCard, evidence: Evidence, declaration: Declaration, findings: Sequence[RuleResult]
) -> ItemResult:
    found = item.satisfied(card, evidence, declaration)
    rules = list(dict.fromkeys(f.rule for f in findings if f.family in item.outcome))
    if found.status == "evidenced" and rules:
        detail = "; ".join(x for x in (found.detail, "its outcome fails the policy: " + ", ".join(rules)) if x)
        found = replace(found, status="failed", detail=detail)
    acting = found.status in ("missing", "organisational", "failed")
    how = f"{item.how} ({found.detail})" if found.detail and found.status == "missing" else item.how
    who: Who = item.who
    if found.status == "failed":
        who, how = "engineer", "resolve the policy findings"
    return ItemResult(
        *(item.key, item.title, item.source, found.status, found.by, found.detail),
        who=who if acting else None,
        how=how if acting else None,
        urn=item.urn,
        link=item.link,
        lifecycle=item.lifecycle,
        records=found.records,
        applies=found.applies,
        maps_to=item.maps_to,
    )


def check_run(
    inputs: Inputs,
    frameworks: Sequence[Framework],
    *,
    required: Iterable[str] | None = None,
    policy: Policy | None = None,
    sources: Sequence[str] = (),
    notes: Iterable[str] = (),
) -> CheckReport:
    """Check the run `inputs` describe (its card compiled as `uitlegbaar card` compiles it), and with a `policy`
    judge its outcome too (`sources` and `notes`: where the policy came from, how it was combined)."""
    from uitlegbaar.documents.formats import compile_document
    from uitlegbaar.gates.policy import judge

    diffed = inputs if any(f.uses_history for f in frameworks) else dataclasses.replace(inputs, previous=None)
    card = compile_document("card", diffed).document  # the diff with the previous version only where an item asks
    judged = judge(inputs, policy, sources=sources, notes=notes) if policy is not None else None
    return check(card, inputs.evidence, inputs.declaration, frameworks, required=required, policy=judged)
