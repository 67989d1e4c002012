"""Column-level lineage between the tables a step took and the tables it returned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from uitlegbaar.evidence.records import ColumnLineage

if TYPE_CHECKING:
    from uitlegbaar.capture.datasets import CapturedTable


def between(inputs: Sequence[CapturedTable], outputs: Sequence[CapturedTable]) -> ColumnLineage:
    """Kept, added, removed and renamed columns from all inputs to all outputs.

    A rename is detected when a column that disappeared and a column that appeared have the same
    content digest (same values, same type, same order).
    """
    before = _ordered(c for t in inputs for c in t.columns)
    after = _ordered(c for t in outputs for c in t.columns)
    removed = [c for c in before if c not in after]
    added = [c for c in after if c not in before]
    old_by_digest: dict[str, str] = {}
    for table in inputs:
        for column in table.columns:
            if column in removed:
                old_by_digest.setdefault(table.fingerprint.columns[column], column)
    renamed: dict[str, str] = {}
    for table in outputs:
        for column in table.columns:
            old = old_by_digest.get(table.fingerprint.columns[column]) if column in added else None
            if old is not None and old not in renamed:
                renamed[old] = column
    return ColumnLineage(
        kept=[c for c in after if c in before],
        added=[c for c in added if c not in renamed.values()],
        removed=[c for c in removed if c not in renamed],
        renamed=renamed,
    )


def _ordered(names: object) -> list[str]:
    return list(dict.fromkeys(names))  # type: ignore[call-overload]
