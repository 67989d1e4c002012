"""`uitlegbaar check`: gate a run on transparency frameworks (Algoritmeregister, AI Act Annex IV, IAMA, ARK)."""

from uitlegbaar.check.frameworks import FRAMEWORKS, Found, Framework, Item
from uitlegbaar.check.run import CheckReport, FrameworkResult, ItemResult, build_check, check, frameworks_for

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
