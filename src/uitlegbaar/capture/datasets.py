"""Record a table as a dataset of the active run: schema, counts, profile and exact fingerprints, measured in
memory, batch by batch (`streams.py`) or on a Spark cluster's executors (`spark.py`)."""

from __future__ import annotations

import functools
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from uitlegbaar import progress
from uitlegbaar.analysis.personal_data import SAMPLE_ROWS
from uitlegbaar.capture import personal as personal_data
from uitlegbaar.capture import settings
from uitlegbaar.capture.fingerprint import TableFingerprint, fingerprint_table, logical_type
from uitlegbaar.capture.measured import Measured
from uitlegbaar.capture.multiset import ALGORITHM as MULTISET
from uitlegbaar.capture.multiset import MultisetSum
from uitlegbaar.capture.onepass import OnePass
from uitlegbaar.capture.profile import TableProfile
from uitlegbaar.capture.runs import ActiveRun
from uitlegbaar.capture.sketches import StreamProfile
from uitlegbaar.capture.streams import Stream, conform
from uitlegbaar.capture.tables import is_table, origin_of, to_arrow
from uitlegbaar.evidence.records import (
    ColumnSchema,
    DatasetRecord,
    DatasetRef,
    Fingerprint,
    Privacy,
)

if TYPE_CHECKING:
    import pyarrow as pa


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


def capturable(data: Any, again: bool = False) -> bool:
    """A table in memory, a stream or a Spark frame; with `again`, only what can be read without using it up."""
    from uitlegbaar.capture import spark, streams

    if is_table(data) or spark.is_spark_frame(data):
        return True
    if isinstance(data, (str, os.PathLike)) and again:
        return False
    return streams.is_stream(data) and not (again and streams.one_shot(data))


def measure(data: Any, personal: Collection[str], min_count: int, order_by: Sequence[str] = ()) -> Measured:
    """One pass over `data`: in memory for a table, batch by batch for a stream, on the executors for Spark."""
    from uitlegbaar.capture import spark, streams

    if spark.is_spark_frame(data):
        return spark.measure(data, personal, min_count, order_by)
    if streams.is_stream(data):
        return measure_stream(streams.open_stream(data), personal, min_count)
    table = to_arrow(data)
    rest = functools.cache(lambda: _multiset_and_profile(table, personal, min_count))
    return Measured(
        schema=table.schema,
        num_rows=table.num_rows,
        fingerprint=fingerprint_table(table),
        multiset_of=lambda: rest()[0].digest(),
        screen=table,
        profile=lambda withheld: rest()[1].profiles(withheld),
        origin=origin_of(data),
    )


def _multiset_and_profile(
    table: pa.Table, personal: Collection[str], min_count: int
) -> tuple[MultisetSum, TableProfile]:
    """The multiset sum and the exact profile of a table in memory, in one pass over its columns (asked for only
    when the table is recorded: a step's output already in the run needs neither)."""
    one = OnePass(table.schema, TableProfile(table.schema, personal, min_count), ordered=False)
    one.add(table)
    one.finish()
    return one.multiset, one.profile


def measure_stream(stream: Stream, personal: Collection[str], min_count: int) -> Measured:
    """Fingerprints and profile of a stream in one pass, holding a few batches and the sketches at a time."""
    one = OnePass(stream.schema, StreamProfile.for_schema(stream.schema, personal, min_count))
    with progress.rows(f"dataset {stream.source or stream.origin}", stream.rows) as advance:
        for batch in stream.batches:
            one.add(conform(batch, stream.schema))
            advance(batch.num_rows)
    fingerprint = one.fingerprint()
    profile = one.profile
    return Measured(
        schema=stream.schema,
        num_rows=one.multiset.rows,
        fingerprint=fingerprint,
        multiset_of=one.multiset.digest,
        screen=profile.sample_table(stream.schema),
        profile=lambda withheld: profile.profiles(withheld, stream.schema),
        origin=stream.origin,
        streamed=True,
        files=tuple(stream.files),
        version=stream.version,
    )


def capture_table(
    run: ActiveRun,
    data: Any,
    *,
    name: str,
    role: str = "source",
    source: str | None = None,
    declared: Declared | None = None,
    produced_by: str | None = None,
    order_by: Sequence[str] = (),
) -> CapturedTable:
    """Fingerprint, screen and profile `data` and record it, unless the run already holds the same content.

    `data` is a table in memory, a stream read batch by batch (`streams.is_stream`) or a Spark DataFrame
    (measured on its executors; `order_by` names the key its ordered fingerprint follows).
    Declared personal columns, columns derived from them and columns that screening suspects are fingerprinted
    but never profiled; suspected ones are named in one warning and a gap record, asking to confirm or clear."""
    facts = declared or Declared()
    personal = facts.personal
    min_count = settings.min_cell_count()
    measured = measure(data, set(personal) | run.personal_columns, min_count, order_by)
    fingerprint = measured.fingerprint
    columns = [str(c) for c in measured.schema.names]
    run.cleared_columns.update(facts.not_personal)
    personal_here = _personal_columns(run, fingerprint, columns, personal)
    derived = personal_data.derived_columns(run, fingerprint, columns, facts.derived_from)
    run.sensitive_columns.update(facts.sensitive)
    known = run.datasets.get(fingerprint.digest)
    if known is not None and role == "derived":
        return CapturedTable(known, fingerprint, columns)
    findings = personal_data.screen(run, measured.screen, name, personal_here | set(derived), produced_by)
    personal_data.remember(run, fingerprint, findings)
    withheld = personal_here | set(derived) | {f.column for f in findings}
    missing = sorted(set(personal) - set(columns))
    record = run.record(
        DatasetRecord,
        f"uitlegbaar.dataset {name}",
        {
            "uitlegbaar.dataset.name": name,
            "uitlegbaar.dataset.fingerprint": fingerprint.digest,
            "uitlegbaar.dataset.rows": measured.num_rows,
            "uitlegbaar.dataset.columns": len(columns),
        },
        name=name,
        role=role,
        source=source,
        origin=measured.origin,
        description=facts.description,
        owner=facts.owner,
        licence=facts.licence,
        personal=sorted(withheld | set(missing)),
        sensitive=list(facts.sensitive),
        num_rows=measured.num_rows,
        num_columns=len(columns),
        columns=[
            ColumnSchema(name=str(f.name), type=logical_type(f.type), nullable=f.nullable) for f in measured.schema
        ],
        fingerprint=Fingerprint(
            algorithm=fingerprint.algorithm,
            digest=fingerprint.digest,
            columns={c: d for c, d in fingerprint.columns.items() if c not in withheld},
        ),
        profile=measured.profile(withheld),
        privacy=Privacy(
            declared=sorted(set(personal)),
            suspected=[f.column for f in findings],
            cleared=sorted(c for c in run.cleared_columns if c in columns and c not in withheld),
            derived_from=derived,
            findings=list(findings),
            sample_rows=min(measured.num_rows, SAMPLE_ROWS),
            min_cell_count=min_count,
        ),
        produced_by=produced_by,
        multiset=Fingerprint(algorithm=MULTISET, digest=measured.multiset),
        ordered_by=list(measured.ordered_by),
        streamed=measured.streamed,
        files=list(measured.files),
        table_version=measured.version,
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
