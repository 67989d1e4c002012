"""What one pass over a table learnt, wherever the pass ran: in memory and batch by batch (`datasets.py`,
`streams.py`) or on Spark's executors (`spark.py`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from uitlegbaar.capture.fingerprint import TableFingerprint
from uitlegbaar.evidence.records import ColumnProfile, SourceFile, TableVersion

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class Measured:
    """What one pass over a table learnt, wherever it ran (in memory, batch by batch, on Spark's executors)."""

    schema: pa.Schema
    num_rows: int
    fingerprint: TableFingerprint
    multiset_of: Callable[[], str]  # computed when asked: a step's table already in the run needs none
    screen: pa.Table  # the rows screening looks at: the table, or a bounded sample of it
    profile: Callable[[set[str]], list[ColumnProfile]]  # the profiles, with these columns withheld
    origin: str
    streamed: bool = False
    ordered_by: tuple[str, ...] = ()
    files: tuple[SourceFile, ...] = ()
    version: TableVersion | None = None

    @functools.cached_property
    def multiset(self) -> str:
        """The `uitlegbaar-multiset-v1` digest."""
        return self.multiset_of()
