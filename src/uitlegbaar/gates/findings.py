"""What the outcome policy finds: one result per rule and subject, and the report of a run's policy check."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

RuleStatus = Literal["passed", "failed", "unreliable", "skipped"]
"""`unreliable`: reported, not judged (a group or a column too small); `skipped`: the rule had nothing to judge."""

FAMILIES = ("fairness", "proxy", "metric", "regression", "drift")
"""The first part of every rule name."""


@dataclass(frozen=True)
class RuleResult:
    """One rule applied to one subject: the value found, the limit it must keep (`value operator limit`), what the
    outcome means and, for a finding, what to do."""

    rule: str
    subject: str
    status: RuleStatus
    message: str
    value: float | None = None
    limit: float | None = None
    operator: str = ""
    action: str = ""

    @property
    def family(self) -> str:
        return self.rule.split(".", 1)[0]

    @property
    def requirement(self) -> str:
        """`value >= limit` in words, e.g. `0.62 >= 0.8`; empty when the rule has no number."""
        if self.limit is None:
            return ""
        value = "—" if self.value is None else number(self.value)
        return f"{value} {self.operator} {number(self.limit)}"


@dataclass(frozen=True)
class PolicyReport:
    """Every rule's results for one run; it fails on any failed result."""

    sources: tuple[str, ...]
    compared_with: str | None
    results: tuple[RuleResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def findings(self) -> list[RuleResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.findings

    def count(self, status: RuleStatus) -> int:
        return sum(1 for r in self.results if r.status == status)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["counts"] = {s: self.count(s) for s in ("passed", "failed", "unreliable", "skipped")}
        return data


def number(value: float) -> str:
    """A figure as reports show it: up to four significant digits."""
    return f"{value:.4g}"
