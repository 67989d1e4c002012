"""Check a store's hash chains: every record's digest matches its body, every record names the one
before it, and nothing is missing, added or out of order."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Literal, Protocol

from uitlegbaar import progress
from uitlegbaar.errors import StoreError
from uitlegbaar.store.format import SEALED, SUMMARY, StoredRecord, file_intact, summary_data, summary_of
from uitlegbaar.store.protocol import Problem, VerifyReport


class StoreFolder(Protocol):
    """What verification reads of a local store folder (`LocalStore` is one)."""

    root: Path

    def run_ids(self) -> list[str]: ...
    def files(self, run_id: str) -> list[Path]: ...
    def read_files(self, run_id: str) -> list[tuple[Path, list[StoredRecord]]]: ...
    def leftovers(self, run_ids: list[str] | None = None) -> list[Path]: ...


def verify_store(store: StoreFolder, run_ids: list[str] | None = None) -> VerifyReport:
    """Check the chains of the given runs (all by default)."""
    report = VerifyReport(leftovers=[str(p) for p in store.leftovers(run_ids)])
    chosen = run_ids if run_ids is not None else store.run_ids()
    for run_id in progress.each("verifying runs", chosen, unit="runs") if len(chosen) > 1 else chosen:
        report.runs += 1
        changed = [path for path in store.files(run_id) if not file_intact(path)]
        for path in changed:
            report.problems.append(Problem(run_id, "tampered", f"{path} changed after it was written"))
        try:
            files = store.read_files(run_id)
        except StoreError as exc:
            report.problems.append(Problem(run_id, "unreadable", str(exc)))
            continue
        rows, problems = _merge(run_id, files)
        report.records += len(rows)
        problems += check_chain(run_id, rows) + _check_end(run_id, files, rows)
        if not problems:  # the records are sound: the index must agree with them
            problems = _check_summary(store, run_id, rows)
        report.problems.extend(problems)
        if not problems and (not rows or rows[-1].kind != "run_end"):
            report.incomplete.append(run_id)
    return report


def _merge(run_id: str, files: list[tuple[Path, list[StoredRecord]]]) -> tuple[list[StoredRecord], list[Problem]]:
    """The run's records, first copy of each (as readers take them), and every copy that differs from it
    (a crash while sealing leaves two copies of a record; they must be the same record)."""
    rows: dict[int, StoredRecord] = {}
    problems: list[Problem] = []
    for path, records in files:
        for row in records:
            first = rows.setdefault(row.seq, row)
            if first is not row and (first.digest, first.body, first.id) != (row.digest, row.body, row.id):
                detail = f"{path} holds another record #{row.seq} ({row.id}) than {first.file} ({first.id})"
                problems.append(Problem(run_id, "tampered", detail, row.id, row.seq))
    return [rows[s] for s in sorted(rows)], problems


def _check_end(run_id: str, files: list[tuple[Path, list[StoredRecord]]], rows: list[StoredRecord]) -> list[Problem]:
    """Nothing follows a run's end record, and a sealed file (written only when the run ended) ends with one."""
    problems = [
        Problem(run_id, "tampered", f"record {row.id} (#{row.seq}) follows the run's end record", row.id, row.seq)
        for end, row in itertools.pairwise(rows)
        if end.kind == "run_end"
    ]
    for path, records in files:
        if path.name.startswith(f"{SEALED}-") and (not records or records[-1].kind != "run_end"):
            last = records[-1] if records else None
            detail = f"the sealed file {path.name} does not end with the run's end record: records were removed"
            problems.append(Problem(run_id, "tampered", detail, last.id if last else None, last.seq if last else None))
    return problems


def _check_summary(store: StoreFolder, run_id: str, rows: list[StoredRecord]) -> list[Problem]:
    """A sealed run's summary.json names a sealed file that is there, and agrees with the records."""
    path = store.root / "runs" / run_id / SUMMARY
    try:
        data = json.loads(path.read_bytes())
        sealed = str(data["sealed"])
    except FileNotFoundError:
        return []  # a crash right after sealing leaves none; it is only an index
    except (OSError, ValueError, KeyError, TypeError):
        return [Problem(run_id, "tampered", f"{path} is not the summary uitlegbaar wrote")]
    if not (path.parent / sealed).is_file():
        detail = f"the sealed file {sealed} that {path.name} names is missing: the run's records were removed"
        return [Problem(run_id, "tampered", detail)]
    if not rows or data != summary_data(sealed, summary_of(run_id, rows)):
        return [Problem(run_id, "tampered", f"{path} does not match the run's records")]
    return []


def check_chain(run_id: str, rows: list[StoredRecord]) -> list[Problem]:
    """Problems in one run's chain, first to last."""
    problems: list[Problem] = []
    previous: str | None = None
    for expected_seq, row in enumerate(rows):

        def problem(what: Literal["tampered", "broken-chain"], detail: str, row: StoredRecord = row) -> None:
            problems.append(Problem(run_id, what, detail, row.id, row.seq))

        if not isinstance(row.body, bytes) or hashlib.sha256(row.body).hexdigest() != row.digest:
            problem("tampered", f"the content of record {row.id} (#{row.seq}, {row.kind}) does not match its digest")
            previous = row.digest
            continue
        try:
            body = json.loads(row.body)
        except ValueError:
            problem("tampered", f"record {row.id} (#{row.seq}) is not valid JSON")
            continue
        stored = {"id": row.id, "run_id": row.run_id, "seq": row.seq, "kind": row.kind, "prev": row.prev}
        changed = [k for k, v in stored.items() if body.get(k) != v]
        if changed:
            problem("tampered", f"the stored {', '.join(changed)} of record {row.id} (#{row.seq}) differ from its body")
        if row.run_id != run_id:
            problem("tampered", f"record {row.id} belongs to run {row.run_id}, not {run_id}")
        if row.seq != expected_seq:
            problem("broken-chain", f"record #{expected_seq} is missing (found #{row.seq}, {row.id} after it)")
        elif body.get("prev") != previous:
            problem("broken-chain", f"record {row.id} (#{row.seq}) does not follow the record before it")
        previous = row.digest
    if rows and rows[0].kind != "run":
        problems.append(Problem(run_id, "broken-chain", "the run's first record is missing", rows[0].id, rows[0].seq))
    return problems
