"""The store's file format: how a run's records are laid out in Parquet files, read back, and summarised.

Layout of a store folder:

    uitlegbaar-store.json          marks the folder as a store (format version)
    runs/<run_id>/<seq>-<sha>.parquet    segments, written while the run is open (one per flush)
    runs/<run_id>/sealed-<sha>.parquet   the whole run in one file, written when the run ends
    runs/<run_id>/summary.json           one line about a sealed run (an index; verify checks it)

`<sha>` is the start of the SHA-256 of the file's own bytes, so a changed byte anywhere in a file —
also where no record lives — is detected by `verify` (`file_intact`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from uitlegbaar.errors import StoreError
from uitlegbaar.files import write_atomic, write_named
from uitlegbaar.store.protocol import RunSummary

if TYPE_CHECKING:
    import pyarrow as pa

    from uitlegbaar.evidence.records import Record

FORMAT = 1
MARKER = "uitlegbaar-store.json"
SEALED = "sealed"
FILE_DIGEST_CHARS = 32
RUN_ID = re.compile(r"[0-9a-f]{32}")
SUMMARY = "summary.json"
LOADED_RUNS = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
RELATIVE = re.compile(r"latest(?:~(\d+))?")
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
        """The typed record; `StoreError` naming the record and file when its body is no record of ours."""
        from pydantic import ValidationError

        from uitlegbaar.evidence.records import parse_record

        try:
            return parse_record(self.body, self.digest)
        except (ValidationError, ValueError) as exc:
            raise StoreError(
                f"record #{self.seq} of run {self.run_id} in {self.file} cannot be read as evidence "
                f"({str(exc).splitlines()[0]}); `uitlegbaar verify {self.run_id}` says whether it was changed"
            ) from exc


def schema() -> pa.Schema:
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


def segments(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("[0-9]*.parquet"))


def sealed_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{SEALED}-*.parquet"))


def file_intact(path: Path) -> bool:
    """True when a data file's bytes still match the digest in its name."""
    expected = path.stem.rsplit("-", 1)[-1]
    return hashlib.sha256(path.read_bytes()).hexdigest()[:FILE_DIGEST_CHARS] == expected


def read_parquet(path: Path) -> pa.Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:  # ParquetFile, not read_table: the dataset layer behind read_table imports pandas (0.25 s)
        with pq.ParquetFile(path) as file:
            return file.read().cast(schema())
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise StoreError(f"cannot read {path}: {exc}; `uitlegbaar verify` checks the store") from exc


def rows_in(path: Path) -> Iterator[StoredRecord]:
    import pyarrow as pa

    table = read_parquet(path)
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


def write_parquet(folder: Path, stem: str, table: pa.Table, *, fsync: bool = False, compression: str = "lz4") -> Path:
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


def write_summary(folder: Path, sealed: Path, summary: RunSummary) -> None:
    """A derived index entry beside the sealed file, so listing runs need not read every run.
    It names the sealed file it was made from; `verify` checks it against the records."""
    write_atomic(folder / SUMMARY, json.dumps(summary_data(sealed.name, summary), sort_keys=True).encode())


def cached_summary(folder: Path) -> RunSummary | None:
    """The sealed run's summary, if it was written from the sealed file that is there now."""
    try:
        data = json.loads((folder / SUMMARY).read_text())
        if not (folder / data["sealed"]).is_file() or segments(folder):
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
