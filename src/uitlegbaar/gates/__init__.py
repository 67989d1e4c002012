"""Gates: framework coverage and the outcome policy (`uitlegbaar check`: Algoritmeregister, AI Act Annex IV, IAMA,
ARK, ADR, the Algoritmekader; fairness, proxies, floors, regression, drift) and document provenance (`uitlegbaar
verify --document`). Pure: the loader (`uitlegbaar.pipeline`) supplies the evidence, the declaration and the
previous version."""

from uitlegbaar.gates.algoritmekader import ALGORITMEKADER
from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult, check, check_run, frameworks_for
from uitlegbaar.gates.findings import PolicyReport, RuleResult
from uitlegbaar.gates.frameworks import FRAMEWORKS, Found, Framework, Item
from uitlegbaar.gates.instruments import ADR, AI_ACT_ANNEX_IV_OFFICIAL, ARK, IAMA_OFFICIAL

# The frameworks under their official ids, and those built on the task registry (they use frameworks.py's predicates).

FRAMEWORKS.update({f.key: f for f in (AI_ACT_ANNEX_IV_OFFICIAL, IAMA_OFFICIAL, ARK, ADR, ALGORITMEKADER)})

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
