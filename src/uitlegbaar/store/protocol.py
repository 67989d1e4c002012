"""What every evidence store offers: the local folder and an MLflow tracking server alike.

Commands and library users go through `Store` only (`uitlegbaar.pipeline.open_store` picks one), so nothing
above this layer needs to know which kind of store it reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from uitlegbaar.evidence.records import Record


@dataclass(frozen=True)
class RunSummary:
    """One line about a run."""

    run_id: str
    name: str
    started: datetime
    status: str
    records: int
    kinds: dict[str, int]


@dataclass(frozen=True)
class Problem:
    """A record (or file) that does not match the chain: tampering or corruption."""

    run_id: str
    what: Literal["tampered", "broken-chain", "unreadable"]
    detail: str
    record_id: str | None = None
    seq: int | None = None


@dataclass
class VerifyReport:
    """What `Store.verify` found."""

    runs: int = 0
    records: int = 0
    problems: list[Problem] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no record was tampered with (incomplete runs and leftovers are not tampering)."""
        return not self.problems


Attach = Callable[[bytes], str]
"""Attaches a register entry to the place a run came from; returns where it went."""


@runtime_checkable
class Store(Protocol):
    """A place evidence is read from."""

    location: str
    """Where the store is, for messages (a folder, or a tracking server without credentials)."""

    def summaries(self) -> list[RunSummary]:
        """Every run, oldest first."""
        ...

    def summary(self, run_id: str) -> RunSummary:
        """One run's summary."""
        ...

    def resolve(self, ref: str) -> str:
        """The run id that `ref` names: an id, a unique prefix, `latest`, `latest~N`, or what the store knows
        besides (e.g. `models:/<name>/<version>`); `StoreError` when it names none."""
        ...

    def load(self, run_id: str) -> list[Record]:
        """A run's records in chain order."""
        ...

    def verify(self, run_ids: list[str] | None = None) -> VerifyReport:
        """Check the hash chains of the given runs (every run by default)."""
        ...

    def entry_attachment(self, ref: str) -> Attach:
        """How to attach a register entry to the run `ref` names, found before anything is written;
        `StoreError` when this store keeps no entries."""
        ...

    def attached_entry(self, ref: str) -> bytes:
        """The register entry attached to what `ref` names; `StoreError` when there is none."""
        ...
