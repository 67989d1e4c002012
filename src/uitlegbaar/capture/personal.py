"""The personal data of a table being captured, beyond what was declared: columns derived from personal ones, and
columns that screening finds personal although nobody said so.

A suspected column is treated as personal until the user confirms it (`personal=[...]`) or clears it
(`not_personal=[...]`): fingerprinted, never profiled. One warning and one gap record per dataset ask for that.
A failing screening is a warning and a gap too (strict mode: `CaptureError`), and then every text, integer and
date column of the table is withheld, since nobody could look at it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from uitlegbaar.analysis.personal_data import kind_label, screen_table
from uitlegbaar.capture.fingerprint import TableFingerprint
from uitlegbaar.capture.runs import ActiveRun, capturing
from uitlegbaar.evidence.results import PersonalFinding

if TYPE_CHECKING:
    import pyarrow as pa

HOW = "on @ub.dataset, ub.record_dataset or the @ub.step that returned it"


def derived_columns(
    run: ActiveRun, fingerprint: TableFingerprint, columns: Sequence[str], derived_from: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """The columns of this table derived from personal data → the personal columns behind them: as the step that
    made the table declares (`derived_from`, through earlier derivations too), or as learnt earlier in the run by
    name or by content (a renamed copy). What is found is remembered for the run."""
    for column, sources in derived_from.items():
        roots = _roots(run, sources)
        if column in columns and roots:
            run.derived_personal[column] = roots
    found: dict[str, list[str]] = {}
    for column in columns:
        digest = fingerprint.columns.get(column)
        roots = run.derived_personal.get(column) or (run.derived_digests.get(digest, ()) if digest else ())
        if roots:
            found[column] = list(roots)
            run.derived_personal.setdefault(column, roots)
            if digest:
                run.derived_digests[digest] = roots
    return found


def _roots(run: ActiveRun, sources: Sequence[str]) -> tuple[str, ...]:
    """The personal columns behind `sources`: themselves when personal, what they were derived from when derived."""
    roots: set[str] = set()
    for source in sources:
        if source in run.derived_personal:
            roots.update(run.derived_personal[source])
        elif source in run.personal_columns:
            roots.add(source)
    return tuple(sorted(roots))


def screen(
    run: ActiveRun, table: pa.Table, dataset: str, personal: Collection[str], function: str | None
) -> list[PersonalFinding]:
    """What screening finds in the columns not known to be personal nor cleared by the user; when it fails, every
    such text, integer and date column (a warning and a gap say so, or strict mode raises)."""
    with capturing(run, f"the personal-data screening of dataset {dataset} (its columns are withheld)", function):
        return screen_table(table, personal=personal, cleared=run.cleared_columns)
    return [
        PersonalFinding(column=c, kind="unscreened", by="failure", evidence="the screening failed; see the gap record")
        for c, t in zip(table.column_names, table.schema.types, strict=True)
        if c not in personal and c not in run.cleared_columns and _withheld_unscreened(t)
    ]


def ask_to_confirm(run: ActiveRun, dataset: str, findings: Sequence[PersonalFinding], function: str | None) -> None:
    """One warning and one gap record naming the suspected columns, their kinds and why."""
    found = [f for f in findings if f.kind != "unscreened"]
    if not found:
        return
    columns = ", ".join(repr(f.column) for f in found)
    details = "; ".join(f"{f.column}: {kind_label(f.kind)} ({f.evidence})" for f in found)
    message = (
        f"{details}. Treated as personal until confirmed: fingerprinted, no value stored. Confirm with "
        f"personal=[{columns}] or clear with not_personal=[{columns}] {HOW}"
    )
    run.note_gap(
        f"a declaration of the personal data in dataset {dataset}",
        message,
        function,
        error_type="undeclared personal data",
        warning=f"uitlegbaar found personal data that was not declared in dataset {dataset!r}: {message}",
    )


def remember(run: ActiveRun, fingerprint: TableFingerprint, findings: Sequence[PersonalFinding]) -> None:
    """Suspected columns stay personal for the rest of the run, by name and by content."""
    for finding in findings:
        run.personal_columns.add(finding.column)
        digest = fingerprint.columns.get(finding.column)
        if digest:
            run.personal_digests.add(digest)


def _withheld_unscreened(t: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    return not (pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t))
