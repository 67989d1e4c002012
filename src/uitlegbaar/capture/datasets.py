"""Record a table as a dataset of the active run: schema, counts, profile and exact fingerprint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from uitlegbaar.analysis.personal_data import SAMPLE_ROWS
from uitlegbaar.capture import personal as personal_data
from uitlegbaar.capture import settings
from uitlegbaar.capture.fingerprint import TableFingerprint, fingerprint_table, logical_type
from uitlegbaar.capture.profile import profile_table
from uitlegbaar.capture.runs import ActiveRun
from uitlegbaar.capture.tables import origin_of, to_arrow
from uitlegbaar.evidence.records import ColumnSchema, DatasetRecord, DatasetRef, Fingerprint, Privacy


@dataclass(frozen=True)
class Declared:
    """What the user says about a dataset: about a source, its facts; about a step's outputs, which columns are
    (not) personal and which columns were derived from which (`derived_from`)."""

    personal: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()
    description: str | None = None
    owner: str | None = None
    licence: str | None = None
    not_personal: tuple[str, ...] = ()
    derived_from: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CapturedTable:
    """What a capture learned about one table; `fingerprint.columns` holds every column's digest
    in memory (for lineage), the record only those of columns that are not personal."""

    ref: DatasetRef
    fingerprint: TableFingerprint
    columns: list[str]


def capture_table(
    run: ActiveRun,
    data: Any,
    *,
    name: str,
    role: str = "source",
    source: str | None = None,
    declared: Declared | None = None,
    produced_by: str | None = None,
) -> CapturedTable:
    """Fingerprint, screen and profile `data` and record it, unless the run already holds the same content.

    Declared personal columns, columns derived from them and columns that screening suspects are fingerprinted
    but never profiled; suspected ones are named in one warning and a gap record, asking to confirm or clear."""
    facts = declared or Declared()
    personal = facts.personal
    table = to_arrow(data)
    fingerprint = fingerprint_table(table)
    columns = [str(c) for c in table.column_names]
    run.cleared_columns.update(facts.not_personal)
    personal_here = _personal_columns(run, fingerprint, columns, personal)
    derived = personal_data.derived_columns(run, fingerprint, columns, facts.derived_from)
    run.sensitive_columns.update(facts.sensitive)
    known = run.datasets.get(fingerprint.digest)
    if known is not None and role == "derived":
        return CapturedTable(known, fingerprint, columns)
    findings = personal_data.screen(run, table, name, personal_here | set(derived), produced_by)
    personal_data.remember(run, fingerprint, findings)
    withheld = personal_here | set(derived) | {f.column for f in findings}
    missing = sorted(set(personal) - set(columns))
    min_count = settings.min_cell_count()
    record = run.record(
        DatasetRecord,
        f"uitlegbaar.dataset {name}",
        {
            "uitlegbaar.dataset.name": name,
            "uitlegbaar.dataset.fingerprint": fingerprint.digest,
            "uitlegbaar.dataset.rows": table.num_rows,
            "uitlegbaar.dataset.columns": table.num_columns,
        },
        name=name,
        role=role,
        source=source,
        origin=origin_of(data),
        description=facts.description,
        owner=facts.owner,
        licence=facts.licence,
        personal=sorted(withheld | set(missing)),
        sensitive=list(facts.sensitive),
        num_rows=table.num_rows,
        num_columns=table.num_columns,
        columns=[ColumnSchema(name=str(f.name), type=logical_type(f.type), nullable=f.nullable) for f in table.schema],
        fingerprint=Fingerprint(
            algorithm=fingerprint.algorithm,
            digest=fingerprint.digest,
            columns={c: d for c, d in fingerprint.columns.items() if c not in withheld},
        ),
        profile=profile_table(table, personal=withheld, min_count=min_count),
        privacy=Privacy(
            declared=sorted(set(personal)),
            suspected=[f.column for f in findings],
            cleared=sorted(c for c in run.cleared_columns if c in columns and c not in withheld),
            derived_from=derived,
            findings=list(findings),
            sample_rows=min(table.num_rows, SAMPLE_ROWS),
            min_cell_count=min_count,
        ),
        produced_by=produced_by,
    )
    personal_data.ask_to_confirm(run, name, findings, produced_by)
    ref = DatasetRef(id=record.id, name=name, fingerprint=fingerprint.digest)
    run.datasets.setdefault(fingerprint.digest, ref)
    return CapturedTable(ref, fingerprint, columns)


def _personal_columns(
    run: ActiveRun, fingerprint: TableFingerprint, columns: list[str], declared: Sequence[str]
) -> set[str]:
    """Columns of this table that hold personal data: declared here, or earlier in the run under the
    same name or with the same content (a renamed copy). What is found is remembered for the run."""
    run.personal_columns.update(declared)
    found = {c for c in columns if c in run.personal_columns or fingerprint.columns.get(c) in run.personal_digests}
    run.personal_columns.update(found)
    run.personal_digests.update(fingerprint.columns[c] for c in found if c in fingerprint.columns)
    return found
