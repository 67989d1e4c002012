"""The local evidence store: append-only, hash-chained records in Parquet files.

Layout of a store folder:

    uitlegbaar-store.json          marks the folder as a store (format version)
    runs/<run_id>/<seq>-<sha>.parquet    segments, written while the run is open (one per flush)
    runs/<run_id>/sealed-<sha>.parquet   the whole run in one file, written when the run ends

`<sha>` is the start of the SHA-256 of the file's own bytes, so a changed byte anywhere in a file —
also where no record lives — is detected by `verify` (`file_intact`).

Every file is written under a temporary name in its final folder and renamed into place, so a reader
sees a whole file or none, several processes can write at once (each run has its own folder), and a
process killed mid-write leaves only a `.tmp-*` file behind, which readers ignore and `verify` reports.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from uitlegbaar.errors import StoreError
from uitlegbaar.files import TMP_PREFIX, write_atomic
from uitlegbaar.store.format import (
    FORMAT,
    LOADED_RUNS,
    MARKER,
    RELATIVE,
    RUN_ID,
    SEALED,
    Row,
    StoredRecord,
    cached_summary,
    read_parquet,
    rows_in,
    schema,
    sealed_files,
    segments,
    summary_of,
    write_parquet,
    write_summary,
)
from uitlegbaar.store.protocol import Attach, RunSummary, VerifyReport

if TYPE_CHECKING:
    from uitlegbaar.evidence.records import Record


class LocalStore:
    """A store folder on the local file system."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.location = str(self.root)
        self._sealed: dict[str, RunSummary] = {}  # a sealed run never changes: its summary is read once
        self._loaded: dict[str, list[Record]] = {}  # the records of the last few sealed runs loaded
        self._listed: tuple[list[str], list[RunSummary]] | None = None  # summaries when all runs were sealed
        self._ids: tuple[int, list[str]] | None = None  # the run folders, and when their folder last changed

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, root: str | os.PathLike[str], *, create: bool = False) -> LocalStore:
        """Open the store at `root`; with `create`, make it when it does not exist yet."""
        store = cls(root)
        marker = store.root / MARKER
        if marker.is_file():
            store._check_format(marker)
            return store
        if not create:
            if store.root.exists():
                raise StoreError(
                    f"{store.root} is not an uitlegbaar store (it has no {MARKER}); "
                    "pass the folder your pipeline wrote to with --store or UITLEGBAAR_STORE"
                )
            raise StoreError(
                f"no uitlegbaar store at {store.root}; run a captured pipeline first, "
                "or pass the right folder with --store or UITLEGBAAR_STORE"
            )
        if store.root.exists() and not store.root.is_dir():
            raise StoreError(f"cannot use {store.root} as a store: it is a file, not a folder")
        (store.root / "runs").mkdir(parents=True, exist_ok=True)
        if not marker.exists():
            write_atomic(marker, json.dumps({"format": FORMAT, "kind": "uitlegbaar-store"}).encode())
        return store

    def ensure(self) -> None:
        """Create the store folder and marker if they are missing (idempotent)."""
        LocalStore.open(self.root, create=True)

    def _check_format(self, marker: Path) -> None:
        try:
            found = json.loads(marker.read_text()).get("format")
        except (OSError, ValueError, AttributeError) as exc:
            raise StoreError(f"{marker} is unreadable ({exc}); restore it or start a new store") from exc
        if found != FORMAT:
            raise StoreError(f"{self.root} has store format {found}; this uitlegbaar reads format {FORMAT}")

    # ------------------------------------------------------------ writing

    def append(self, run_id: str, rows: Sequence[Row]) -> None:
        """Write rows of one run (in chain order; see `row_of`) as one new segment file."""
        if not rows:
            return
        import pyarrow as pa

        folder = self.root / "runs" / run_id
        if rows[0][2] == 0:  # a new run: (re)create the store if it is missing
            if not (self.root / MARKER).is_file():
                self.ensure()
            folder.mkdir(parents=True, exist_ok=True)
        elif not folder.is_dir():  # never recreate half a run in a folder that is no store
            raise StoreError(
                f"run {run_id}'s folder in {self.root} is gone: the store was removed or moved while the run "
                f"was open, and its first {rows[0][2]} record(s) with it"
            )
        columns = list(zip(*rows, strict=True))
        arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema(), strict=True)]
        write_parquet(folder, f"{rows[0][2]:010d}", pa.Table.from_arrays(arrays, schema=schema()))

    def seal(self, run_id: str) -> None:
        """Rewrite an ended run's files as one (faster to read), then drop the segments."""
        import numpy as np
        import pyarrow as pa

        folder = self.root / "runs" / run_id
        if not segments(folder):
            return
        files = self.files(run_id)
        table = pa.concat_tables([read_parquet(p) for p in files])
        _, first = np.unique(table.column("seq").to_numpy(), return_index=True)  # first copy of each seq
        table = table.take(first)
        if table.column("kind")[-1].as_py() != "run_end":
            return  # only an ended run is sealed: `verify` takes a sealed run without its end as cut short
        sealed = write_parquet(folder, SEALED, table, fsync=True, compression="zstd")
        for path in files:
            if path != sealed:
                path.unlink(missing_ok=True)
        write_summary(folder, sealed, self.summary(run_id))

    # ------------------------------------------------------------ reading

    def run_ids(self) -> list[str]:
        """Every run folder's id, sorted (listed again only when the folder of runs has changed)."""
        runs = self.root / "runs"
        try:
            changed = runs.stat().st_mtime_ns
        except OSError:
            return []
        if self._ids is None or self._ids[0] != changed:
            with os.scandir(runs) as entries:  # scandir knows folders from files without a stat per run
                self._ids = (changed, sorted(e.name for e in entries if e.is_dir() and not e.name.startswith(".")))
        return list(self._ids[1])

    def read(self, run_id: str) -> list[StoredRecord]:
        """The stored records of a run in chain order (a sealed file wins over leftover segments)."""
        folder = self.root / "runs" / run_id
        if not folder.is_dir():
            raise StoreError(f"no run {run_id} in the store at {self.root}")
        rows: dict[int, StoredRecord] = {}
        for _, records in self.read_files(run_id):
            for row in records:
                rows.setdefault(row.seq, row)
        return [rows[s] for s in sorted(rows)]

    def read_files(self, run_id: str) -> list[tuple[Path, list[StoredRecord]]]:
        """Each data file of a run with the records it holds (`verify` compares copies of a record)."""
        return [(path, list(rows_in(path))) for path in self.files(run_id)]

    def load(self, run_id: str) -> list[Record]:
        """The typed records of a run in chain order (a sealed run's are kept for the next call: they
        never change, and comparing a run with the one before it reads that one again)."""
        loaded = self._loaded.get(run_id)
        if loaded is None:
            loaded = [row.parse() for row in self.read(run_id)]
            if run_id in self._sealed or cached_summary(self.root / "runs" / run_id) is not None:
                self._loaded[run_id] = loaded
                if len(self._loaded) > LOADED_RUNS:
                    self._loaded.pop(next(iter(self._loaded)))
        return list(loaded)

    def summaries(self) -> list[RunSummary]:
        """One line per run, oldest first (a folder whose first write never finished is no run yet)."""
        ids = self.run_ids()
        if self._listed is not None and self._listed[0] == ids:
            return list(self._listed[1])  # the same sealed runs as last time
        out = [self.summary(run_id) for run_id in ids if run_id in self._sealed or self.files(run_id)]
        ordered = sorted(out, key=lambda s: (s.started, s.run_id))
        if all(s.run_id in self._sealed for s in ordered):
            self._listed = (ids, ordered)
        return list(ordered)

    def summary(self, run_id: str) -> RunSummary:
        """One line about a run: from the summary written when it was sealed, else from its records."""
        if run_id in self._sealed:
            return self._sealed[run_id]
        folder = self.root / "runs" / run_id
        cached = cached_summary(folder)
        if cached is not None:
            self._sealed[run_id] = cached
            return cached
        rows = self.read(run_id)
        if not rows:
            raise StoreError(f"run {run_id} in {self.root} has no records")
        return summary_of(run_id, rows)

    def resolve(self, ref: str) -> str:
        """A run id from a full id, a unique prefix of one, `latest`, or `latest~N` (N runs before it)."""
        if (self.root / "runs" / ref).is_dir() and RUN_ID.fullmatch(ref):
            return ref  # a full id: no need to list every run
        ids = self.run_ids()
        relative = RELATIVE.fullmatch(ref)
        if relative is not None:
            back, runs = int(relative.group(1) or 0), self.summaries()
            if back >= len(runs):
                have = f"has {len(runs)}" if runs else "has no runs yet"
                raise StoreError(f"'{ref}' needs at least {back + 1} runs, and the store at {self.root} {have}")
            return runs[-1 - back].run_id
        if ref in ids:
            return ref
        matches = [i for i in ids if i.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise StoreError(f"no run matches '{ref}' in {self.root}; `uitlegbaar runs` lists them")
        raise StoreError(f"'{ref}' matches {len(matches)} runs; give more characters of the run id")

    def files(self, run_id: str) -> list[Path]:
        """A run's data files, sealed first (a crash while sealing can leave both; the first copy wins)."""
        folder = self.root / "runs" / run_id
        return sealed_files(folder) + segments(folder)

    def leftovers(self, run_ids: list[str] | None = None) -> list[Path]:
        """Temporary files of writes that never finished (a process died while writing): in the given runs'
        folders, or in every run's (verifying one run must not list the whole store)."""
        runs = self.root / "runs"
        if run_ids is None:
            return sorted(runs.glob(f"*/{TMP_PREFIX}*"))
        return sorted(path for run_id in run_ids for path in (runs / run_id).glob(f"{TMP_PREFIX}*"))

    # ------------------------------------------------------------ the rest of the Store protocol

    def verify(self, run_ids: list[str] | None = None) -> VerifyReport:
        """Check the hash chains of the given runs (every run by default)."""
        from uitlegbaar.store.verify import verify_store

        return verify_store(self, run_ids)

    def entry_attachment(self, ref: str) -> Attach:
        raise StoreError(
            "a local store keeps no register entries with its runs: attaching one needs --store mlflow "
            "(the entry then goes to the run's MLflow run)"
        )

    def attached_entry(self, ref: str) -> bytes:
        raise StoreError(f"{ref} names an entry attached to an MLflow model: read it with --store mlflow")
