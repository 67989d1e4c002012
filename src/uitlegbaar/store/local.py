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

import hashlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from uitlegbaar.errors import StoreError
from uitlegbaar.files import TMP_PREFIX, write_atomic, write_named

if TYPE_CHECKING:
    import pyarrow as pa

    from uitlegbaar.evidence.records import Record

FORMAT = 1
MARKER = "uitlegbaar-store.json"
SEALED = "sealed"
FILE_DIGEST_CHARS = 32
_RUN_ID = re.compile(r"[0-9a-f]{32}")
SUMMARY = "summary.json"
LOADED_RUNS = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RELATIVE = re.compile(r"latest(?:~(\d+))?")
_COLUMNS = ("id", "run_id", "seq", "kind", "created", "digest", "prev", "body")


Row = tuple[str, str, int, str, int, str, "str | None", bytes]
"""A record as the store takes it: id, run id, seq, kind, created (µs since the epoch), digest, prev, body.
Plain values only, so that queued rows cost the garbage collector nothing."""


def row_of(record: Record, body: bytes) -> Row:
    created_us = round(record.created.timestamp() * 1e6)
    return (record.id, record.run_id, record.seq, record.kind, created_us, record.digest, record.prev, body)


@dataclass(frozen=True)
class StoredRecord:
    """One record as stored: the indexed columns and the JSON body its digest covers."""

    id: str
    run_id: str
    seq: int
    kind: str
    created: datetime
    digest: str
    prev: str | None
    body: bytes
    file: str

    def parse(self) -> Record:
        from uitlegbaar.evidence.records import parse_record

        return parse_record(self.body, self.digest)


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    name: str
    started: datetime
    status: str
    records: int
    kinds: dict[str, int]


def _schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.string()),
            ("run_id", pa.string()),
            ("seq", pa.int64()),
            ("kind", pa.string()),
            ("created", pa.timestamp("us", tz="UTC")),  # written from integers: 30 times faster than datetimes
            ("digest", pa.string()),
            ("prev", pa.string()),
            ("body", pa.large_binary()),  # UTF-8 JSON, kept as the exact bytes the digest covers
        ]
    )


class LocalStore:
    """A store folder on the local file system."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
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
        arrays = [pa.array(values, type=field.type) for values, field in zip(columns, _schema(), strict=True)]
        _write_parquet(folder, f"{rows[0][2]:010d}", pa.Table.from_arrays(arrays, schema=_schema()))

    def seal(self, run_id: str) -> None:
        """Rewrite an ended run's files as one (faster to read), then drop the segments."""
        import numpy as np
        import pyarrow as pa

        folder = self.root / "runs" / run_id
        segments = _segments(folder)
        if not segments:
            return
        files = self.files(run_id)
        table = pa.concat_tables([_read_parquet(p) for p in files])
        _, first = np.unique(table.column("seq").to_numpy(), return_index=True)  # first copy of each seq
        table = table.take(first)
        if table.column("kind")[-1].as_py() != "run_end":
            return  # only an ended run is sealed: `verify` takes a sealed run without its end as cut short
        sealed = _write_parquet(folder, SEALED, table, fsync=True, compression="zstd")
        for path in files:
            if path != sealed:
                path.unlink(missing_ok=True)
        _write_summary(folder, sealed, self.summary(run_id))

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
        return [(path, list(_rows(path))) for path in self.files(run_id)]

    def load(self, run_id: str) -> list[Record]:
        """The typed records of a run in chain order (a sealed run's are kept for the next call: they
        never change, and comparing a run with the one before it reads that one again)."""
        loaded = self._loaded.get(run_id)
        if loaded is None:
            loaded = [row.parse() for row in self.read(run_id)]
            if run_id in self._sealed or _cached_summary(self.root / "runs" / run_id) is not None:
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
        cached = _cached_summary(folder)
        if cached is not None:
            self._sealed[run_id] = cached
            return cached
        rows = self.read(run_id)
        if not rows:
            raise StoreError(f"run {run_id} in {self.root} has no records")
        return summary_of(run_id, rows)

    def resolve(self, ref: str) -> str:
        """A run id from a full id, a unique prefix of one, `latest`, or `latest~N` (N runs before it)."""
        if (self.root / "runs" / ref).is_dir() and _RUN_ID.fullmatch(ref):
            return ref  # a full id: no need to list every run
        ids = self.run_ids()
        relative = _RELATIVE.fullmatch(ref)
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
        return _sealed(folder) + _segments(folder)

    def leftovers(self) -> list[Path]:
        """Temporary files of writes that never finished (a process died while writing)."""
        return sorted((self.root / "runs").glob(f"*/{TMP_PREFIX}*"))


def _segments(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9]*.parquet"))


def _sealed(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{SEALED}-*.parquet"))


def file_intact(path: Path) -> bool:
    """True when a data file's bytes still match the digest in its name."""
    expected = path.stem.rsplit("-", 1)[-1]
    return hashlib.sha256(path.read_bytes()).hexdigest()[:FILE_DIGEST_CHARS] == expected


def _read_parquet(path: Path) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # ParquetFile, not read_table: the dataset layer behind read_table imports pandas (0.25 s)
        with pq.ParquetFile(path) as file:
            return file.read().cast(_schema())
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise StoreError(f"cannot read {path}: {exc}; `uitlegbaar verify` checks the store") from exc


def _rows(path: Path) -> Iterator[StoredRecord]:
    import pyarrow as pa

    table = _read_parquet(path)
    columns = {name: table.column(name).to_pylist() for name in _COLUMNS if name != "created"}
    try:  # Timestamps as integers: Arrow's conversion of time-zone-aware values imports pandas (0.25 s).
        columns["created"] = [
            _EPOCH + timedelta(microseconds=us) for us in table.column("created").cast(pa.int64()).to_pylist()
        ]
    except (OverflowError, TypeError) as exc:  # a damaged file can hold any value, or none
        raise StoreError(f"cannot read {path}: a record's time is damaged ({exc})") from exc
    damaged = [name for name, values in columns.items() if name != "prev" and None in values]
    if damaged:
        raise StoreError(f"cannot read {path}: a record's {', '.join(damaged)} is missing")
    for i in range(table.num_rows):
        yield StoredRecord(**{name: columns[name][i] for name in _COLUMNS}, file=str(path))


def _write_parquet(folder: Path, stem: str, table: pa.Table, *, fsync: bool = False, compression: str = "lz4") -> Path:
    """Write `table` as `<stem>-<digest of the file>.parquet` in `folder`, atomically."""
    import pyarrow.parquet as pq

    return write_named(
        folder,
        ".parquet",
        lambda tmp: pq.write_table(table, tmp, compression=compression),
        lambda tmp: f"{stem}-{hashlib.sha256(tmp.read_bytes()).hexdigest()[:FILE_DIGEST_CHARS]}.parquet",
        fsync=fsync,
    )


def summary_of(run_id: str, rows: Sequence[StoredRecord]) -> RunSummary:
    """A run's summary from its records (in chain order, at least one)."""
    first = json.loads(rows[0].body)
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + 1
    status = json.loads(rows[-1].body)["status"] if rows[-1].kind == "run_end" else "incomplete"
    return RunSummary(run_id, first.get("name", ""), rows[0].created, status, len(rows), kinds)


def summary_data(sealed: str, summary: RunSummary) -> dict[str, object]:
    """What `summary.json` holds: the summary and the name of the sealed file it was made from."""
    return {
        "sealed": sealed,
        "name": summary.name,
        "started": summary.started.isoformat(),
        "status": summary.status,
        "records": summary.records,
        "kinds": summary.kinds,
    }


def _write_summary(folder: Path, sealed: Path, summary: RunSummary) -> None:
    """A derived index entry beside the sealed file, so listing runs need not read every run.
    It names the sealed file it was made from; `verify` checks it against the records."""
    write_atomic(folder / SUMMARY, json.dumps(summary_data(sealed.name, summary), sort_keys=True).encode())


def _cached_summary(folder: Path) -> RunSummary | None:
    """The sealed run's summary, if it was written from the sealed file that is there now."""
    try:
        data = json.loads((folder / SUMMARY).read_text())
        if not (folder / data["sealed"]).is_file() or _segments(folder):
            return None
        return RunSummary(
            folder.name,
            data["name"],
            datetime.fromisoformat(data["started"]),
            data["status"],
            int(data["records"]),
            dict(data["kinds"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
