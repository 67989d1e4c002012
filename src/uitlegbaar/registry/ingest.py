"""A register maintainer's ingest: entries from many teams, checked, deduplicated and compared with
what the register holds, as a plan of what is new, changed, unchanged and withdrawn.

An entry is known by its organisation and `source_id` (the id in the owner's own administration; two
organisations may use the same one). Values are compared as the register's export shows them (HTML
removed, entities unescaped, white space collapsed), so an entry compared with the register's own
JSON or CSV export does not differ only because the register stored plain text as `<p>…</p>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from uitlegbaar import progress
from uitlegbaar.documents.register.csv_export import cell
from uitlegbaar.documents.register.validate import Problem, errors, validate_entry
from uitlegbaar.registry.sources import Document
from uitlegbaar.standards import algoritmeregister as ar

if TYPE_CHECKING:
    from uitlegbaar.registry.signatures import Signing

Action = Literal["new", "changed", "unchanged", "withdrawn"]
Key = tuple[str, str]
ACTIONS: tuple[Action, ...] = ("new", "changed", "unchanged", "withdrawn")
CONTENT_FIELDS = tuple(f for f in ar.FIELDS if f not in ar.READ_ONLY)

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Change:
    """One field that differs: the register's value and the submitted one."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Item:
    """What the plan does with one entry."""

    action: Action
    organization: str
    source_id: str
    name: str | None
    origin: str
    lars: str | None = None
    entry: dict[str, Any] | None = None
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    signing: Signing | None = None  # when signatures were checked (`--trusted-keys`)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "organization": self.organization,
            "source_id": self.source_id,
            "name": self.name,
            "lars": self.lars,
            "origin": self.origin,
        }
        if self.signing is not None:
            out["signature"] = self.signing.to_dict()
        if self.action == "changed":
            out["changes"] = [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.entry is not None and self.action in ("new", "changed"):
            out["entry"] = self.entry
        return out


@dataclass(frozen=True)
class Rejected:
    """A submitted entry the plan leaves out, and why."""

    origin: str
    reason: str
    problems: tuple[Problem, ...] = ()
    key: Key | None = None  # its organisation and source_id, when it names them
    signing: Signing | None = None

    def to_dict(self) -> dict[str, Any]:
        where = {"organization": self.key[0], "source_id": self.key[1]} if self.key else {}
        signed = {"signature": self.signing.to_dict()} if self.signing is not None else {}
        problems = [p.to_dict() for p in self.problems]
        return {"origin": self.origin, **where, "reason": self.reason, "problems": problems, **signed}


@dataclass(frozen=True)
class Plan:
    """The outcome of an ingest: one item per distinct entry, what was rejected, and what was merged."""

    items: tuple[Item, ...]
    rejected: tuple[Rejected, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()  # (origin merged, origin kept): identical submissions
    untracked: int = 0  # register entries without a source_id, which no submission can match
    notes: tuple[str, ...] = ()
    signatures_checked: bool = False

    @property
    def ok(self) -> bool:
        """True when every submitted entry could be planned."""
        return not self.rejected

    def of(self, action: Action) -> list[Item]:
        return [i for i in self.items if i.action == action]

    def unsigned(self) -> list[Item]:
        """Planned entries no attestation covers (accepted with a warning), when signatures were checked."""
        return [i for i in self.items if i.signing is not None and i.signing.status == "unsigned"]

    def counts(self) -> dict[str, int]:
        counts = {a: len(self.of(a)) for a in ACTIONS} | {
            "rejected": len(self.rejected),
            "duplicates": len(self.duplicates),
            "untracked": self.untracked,
        }
        if self.signatures_checked:
            signed = sum(1 for i in self.items if i.signing is not None and i.signing.status == "signed")
            counts |= {"signed": signed, "unsigned": len(self.unsigned())}
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "uitlegbaar.register.plan",
            "ok": self.ok,
            "counts": self.counts(),
            "items": [i.to_dict() for i in self.items],
            "rejected": [r.to_dict() for r in self.rejected],
            "duplicates": [{"origin": a, "same_as": b} for a, b in self.duplicates],
            "notes": list(self.notes),
        }


@dataclass
class _Submission:
    key: Key
    entry: dict[str, Any]
    origin: str
    warnings: tuple[str, ...]
    comparable: tuple[str, ...] = field(default=())
    signing: Signing | None = None


def make_plan(
    submitted: Iterable[Document],
    current: Iterable[Document] = (),
    signings: Mapping[str, Signing] | None = None,
    *,
    require_signed: bool = False,
) -> Plan:
    """The plan for `submitted` entries against `current` (the register's export; none: all is new). With
    `signings` (by origin, from `registry.signatures`), an entry whose signature is invalid is rejected, and so is
    an unsigned one with `require_signed`; other unsigned entries are planned, marked unsigned."""
    rejected: list[Rejected] = []
    accepted: list[_Submission] = []
    for doc in progress.each("ingest", submitted, unit="entries"):
        signing = signings.get(doc.origin) if signings is not None else None
        found = _check(doc, signing, require_signed)
        if isinstance(found, Rejected):
            rejected.append(found)
        else:
            accepted.append(found)
    chosen, duplicates, conflicts = _deduplicate(accepted)
    rejected += conflicts
    registered, untracked, notes = _registered(current)
    items = [_compare(s, registered.get(s.key)) for s in chosen.values()]
    # a register entry is withdrawn only when its organisation submitted and it did not (not even a
    # rejected version of it): ingesting one team's entries withdraws nothing of another's
    blocked = {s.key for s in accepted} | {r.key for r in rejected if r.key}
    organisations = {key[0] for key in blocked}
    items += [
        Item("withdrawn", key[0], key[1], _text(old.get("name")), origin, lars=_text(old.get("lars")))
        for key, (old, origin) in registered.items()
        if key not in blocked and key[0] in organisations
    ]
    items.sort(key=lambda i: (ACTIONS.index(i.action), i.organization, i.source_id))
    return Plan(tuple(items), tuple(rejected), tuple(duplicates), untracked, tuple(notes), signings is not None)


def _check(doc: Document, signing: Signing | None, require_signed: bool) -> _Submission | Rejected:
    entry = doc.data
    if signing is not None and signing.status == "invalid":
        return Rejected(doc.origin, f"signature invalid: {signing.detail}", key=_key(entry), signing=signing)
    if signing is not None and signing.status == "unsigned" and require_signed:
        reason = f"unsigned ({signing.detail}), and --require-signed accepts only signed entries"
        return Rejected(doc.origin, reason, key=_key(entry), signing=signing)
    problems = validate_entry(entry)
    failed = errors(problems)
    if failed:
        reason = f"{len(failed)} error(s) the register would reject"
        return Rejected(doc.origin, reason, tuple(failed), _key(entry), signing)
    source_id = _text(entry.get("source_id"))
    if not source_id:
        reason = "has no source_id, so it cannot be matched with the register or deduplicated"
        return Rejected(doc.origin, reason, signing=signing)
    content = {k: v for k, v in entry.items() if k != "publication_dt"}  # `lars`, if given, is kept as a hint
    key = (str(entry["organization"]).strip(), source_id)
    return _Submission(key, content, doc.origin, tuple(str(p) for p in problems), comparable(entry), signing)


def _deduplicate(
    accepted: list[_Submission],
) -> tuple[dict[Key, _Submission], list[tuple[str, str]], list[Rejected]]:
    """The first submission of every key; identical later ones merged, differing ones all rejected."""
    groups: dict[Key, list[_Submission]] = {}
    for s in accepted:
        groups.setdefault(s.key, []).append(s)
    chosen: dict[Key, _Submission] = {}
    duplicates: list[tuple[str, str]] = []
    conflicts: list[Rejected] = []
    for key, group in groups.items():
        first = group[0]
        if all(s.comparable == first.comparable for s in group[1:]):
            chosen[key] = first
            duplicates += [(s.origin, first.origin) for s in group[1:]]
            continue
        origins = ", ".join(s.origin for s in group)
        reason = f"source_id {key[1]!r} of {key[0]} is submitted {len(group)} times with different content ({origins})"
        conflicts += [Rejected(s.origin, reason, key=key) for s in group]
    return chosen, duplicates, conflicts


def _registered(current: Iterable[Document]) -> tuple[dict[Key, tuple[dict[str, Any], str]], int, list[str]]:
    """The register's entries by key, how many have no source_id, and notes on what was odd."""
    found: dict[Key, tuple[dict[str, Any], str]] = {}
    untracked = 0
    notes: list[str] = []
    for doc in current:
        data = doc.data
        if not isinstance(data, Mapping):
            notes.append(f"{doc.origin}: not an entry ({type(data).__name__}); skipped")
            continue
        key = _key(data)
        if key is None:
            untracked += 1
            continue
        if key in found:
            notes.append(f"{doc.origin}: the register holds source_id {key[1]!r} of {key[0]} twice; the first counts")
            continue
        found[key] = (dict(data), doc.origin)
    return found, untracked, notes


def _compare(new: _Submission, old: tuple[dict[str, Any], str] | None) -> Item:
    entry = new.entry
    registered = old[0] if old else {}
    changes = tuple(
        Change(name, registered.get(name), entry.get(name))
        for name, a, b in zip(CONTENT_FIELDS, comparable(registered), new.comparable, strict=True)
        if a != b
    )
    action: Action = "new" if old is None else "changed" if changes else "unchanged"
    return Item(
        action,
        *new.key,
        name=_text(entry.get("name")),
        origin=new.origin,
        lars=_text(registered.get("lars")) or _text(entry.get("lars")),
        entry=entry,
        changes=changes if old else (),
        warnings=new.warnings,
        signing=new.signing,
    )


def comparable(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Every content field of `entry` as the register's export shows it, white space collapsed."""
    return tuple(_SPACE.sub(" ", cell(entry.get(name))).strip() for name in CONTENT_FIELDS)


def _key(entry: Any) -> Key | None:
    if not isinstance(entry, Mapping):
        return None
    organization, source_id = _text(entry.get("organization")), _text(entry.get("source_id"))
    return (organization, source_id) if organization and source_id else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
