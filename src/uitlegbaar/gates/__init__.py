"""`uitlegbaar check`: gate a run on transparency frameworks (Algoritmeregister, AI Act Annex IV, IAMA, ARK)."""

from uitlegbaar.gates.coverage import CheckReport, FrameworkResult, ItemResult, build_check, check, frameworks_for
from uitlegbaar.gates.frameworks import FRAMEWORKS, Found, Framework, Item

__all__ = [
    "FRAMEWORKS",
    "CheckReport",
    "Found",
    "Framework",
    "FrameworkResult",
    "Item",
    "ItemResult",
    "build_check",
    "check",
    "frameworks_for",
]
