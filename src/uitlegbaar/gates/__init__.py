"""Gates: framework coverage (`uitlegbaar check`: Algoritmeregister, AI Act Annex IV, IAMA, ARK) and document
provenance (`uitlegbaar verify --document`). Pure: the loader (`uitlegbaar.pipeline`) supplies the evidence."""

from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult, check, check_run, frameworks_for
from uitlegbaar.gates.frameworks import FRAMEWORKS, Found, Framework, Item

__all__ = [
    "FRAMEWORKS",
    "CheckReport",
    "Found",
    "Framework",
    "FrameworkResult",
    "Item",
    "ItemResult",
    "check",
    "check_run",
    "frameworks_for",
]
