"""Gates: framework coverage and the outcome policy (`uitlegbaar check`: Algoritmeregister, AI Act Annex IV, IAMA,
ARK; fairness, proxies, floors, regression, drift) and document provenance (`uitlegbaar verify --document`).
Pure: the loader (`uitlegbaar.pipeline`) supplies the evidence, the declaration and the previous version."""

from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult, check, check_run, frameworks_for
from uitlegbaar.gates.findings import PolicyReport, RuleResult
from uitlegbaar.gates.frameworks import FRAMEWORKS, Found, Framework, Item

__all__ = [
    "FRAMEWORKS",
    "CheckReport",
    "Found",
    "Framework",
    "FrameworkResult",
    "Item",
    "ItemResult",
    "PolicyReport",
    "RuleResult",
    "check",
    "check_run",
    "frameworks_for",
]
