"""Check a run against transparency frameworks: per item, whether the evidence or the declaration
satisfies it, and for what is missing, who must supply it and how."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from uitlegbaar.documents.card.model import ModelCard, Who
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence.declaration import Declaration
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.gates.frameworks import FRAMEWORKS, Framework, Item, Status


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


@dataclass(frozen=True)
class FrameworkResult:
    key: str
    title: str
    required: bool
    items: tuple[ItemResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for i in self.items if i.status == status)

    @property
    def missing(self) -> list[ItemResult]:
        return [i for i in self.items if i.status == "missing"]

    @property
    def ok(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class CheckReport:
    """The outcome for every framework checked; it fails when a required framework misses an item."""

    run_id: str
    declaration: str | None
    frameworks: tuple[FrameworkResult, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.frameworks if f.required)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        for result, out in zip(self.frameworks, data["frameworks"], strict=True):
            out["ok"] = result.ok
            out["counts"] = {s: result.count(s) for s in ("evidenced", "declared", "missing")}
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
) -> CheckReport:
    """Check every item of `frameworks`; all of them are required unless `required` names a subset."""
    needed = {f.key for f in frameworks} if required is None else set(required)
    results = tuple(
        FrameworkResult(f.key, f.title, f.key in needed, tuple(_item(i, card, evidence, declaration) for i in f.items))
        for f in frameworks
    )
    return CheckReport(evidence.run_id, card.provenance.declaration, results)


def _item(item: Item, card: ModelCard, evidence: Evidence, declaration: Declaration) -> ItemResult:
    found = item.satisfied(card, evidence, declaration)
    base = ItemResult(item.key, item.title, item.source, found.status, found.by, found.detail)
    if found.status != "missing":
        return base
    how = f"{item.how} ({found.detail})" if found.detail else item.how
    return ItemResult(item.key, item.title, item.source, "missing", detail=found.detail, who=item.who, how=how)


def build_check(
    store: Any,
    ref: str,
    keys: Sequence[str],
    *,
    declaration: str | os.PathLike[str] | None = None,
    algorithm: str | None = None,
) -> CheckReport:
    """Check run `ref` (in `store`, a `LocalStore`) against the frameworks `keys` name, all required."""
    from uitlegbaar.documents.card.build import changes_for, declaration_for
    from uitlegbaar.documents.card.compile import compile_card
    from uitlegbaar.evidence.view import load_evidence

    chosen = frameworks_for(keys)
    evidence = load_evidence(store, ref)
    declared, path = declaration_for(evidence, declaration, algorithm)
    history = changes_for(store, evidence) if any(f.uses_history for f in chosen) else None
    card = compile_card(evidence, declared, changes=history, declaration_path=path)
    return check(card, evidence, declared, chosen)


# ------------------------------------------------------------------ the register entry, compiled once

_last: tuple[tuple[int, int, int], tuple[object, ...], tuple[dict[str, Any], dict[str, str]]] | None = None


def register_entry(
    card: ModelCard, evidence: Evidence, declaration: Declaration
) -> tuple[dict[str, Any], dict[str, str]]:
    """The Algoritmeregister entry the register compiler makes, and its validation errors by top-level field."""
    global _last
    key = (id(card), id(evidence), id(declaration))
    if _last is not None and _last[0] == key:
        return _last[2]
    from uitlegbaar.documents.register import compile_entry, errors, validate_entry

    entry = compile_entry(card, evidence, declaration).payload()
    problems: dict[str, str] = {}
    for problem in errors(validate_entry(entry)):
        problems.setdefault(problem.field.split(".")[0].split("[")[0], problem.message)
    _last = (key, (card, evidence, declaration), (entry, problems))  # keeps the objects alive, so ids stay unique
    return entry, problems
