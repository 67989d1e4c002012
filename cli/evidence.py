"""Commands that read the evidence store: runs, show, verify, schema."""

from __future__ import annotations

import json
from typing import Any

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, emit_json, pass_context, verify_option


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
@pass_context
def runs(ctx: Context, as_json: bool) -> None:
    """List the runs in the store, oldest first."""
    summaries = ctx.store().summaries()
    if as_json:
        emit_json([_summary_dict(s) for s in summaries])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("run", "name", "started (UTC)", "status", "datasets", "models", "records", box=None)
    table.columns[2].no_wrap = True
    for s in summaries:
        table.add_row(
            s.run_id[:12],
            s.name,
            f"{s.started:%Y-%m-%d %H:%M}",
            s.status,
            str(s.kinds.get("dataset", 0)),
            str(s.kinds.get("model", 0)),
            str(s.records),
        )
    Console(highlight=False, markup=False).print(table if summaries else "No runs in this store yet.")


@cli.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True, help="Print every record of the run as JSON.")
@verify_option
@pass_context
def show(ctx: Context, run: str, as_json: bool, no_verify: bool) -> None:
    """Show what was captured in RUN (a run id, a unique prefix of one, or `latest`)."""
    from uitlegbaar import pipeline

    store = ctx.store()
    run_id = store.resolve(run)
    records = pipeline.verified_records(store, run_id, verify=not no_verify)
    if as_json:
        emit_json(
            {"run": _summary_dict(store.summary(run_id)), "records": [json.loads(r.model_dump_json()) for r in records]}
        )
        return
    from uitlegbaar.cli.show import render_run

    from uitlegbaar.evidence.view import Evidence

    render_run(store.summary(run_id), Evidence.of(records))


@cli.command()
@click.argument("run", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--document",
    "documents",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Check this card, system card or register entry against the store instead (a register entry needs RUN); "
    "with --attestation: a file that must match a subject (repeatable).",
)
@click.option(
    "--attestation",
    type=click.Path(exists=True, dir_okay=False),
    help="Verify this attestation (from `uitlegbaar attest`): signature, files, and the run's evidence in the store.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False),
    help="With --attestation: the signer's public key (PEM); without it the signature is not checked.",
)
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False),
    help="With --attestation: a model file that must match the attested model.",
)
@declaration_options
@pass_context
def verify(
    ctx: Context,
    run: str | None,
    as_json: bool,
    documents: tuple[str, ...],
    attestation: str | None,
    key: str | None,
    model: str | None,
    declaration: str | None,
    algorithm: str | None,
) -> None:
    """Check every hash chain in the store (or only RUN's); exit 1 when a record was tampered with.

    With --document FILE: check that FILE was compiled from the store's evidence and not changed since
    (give the --declaration/--algorithm it was made with, if any).

    With --attestation FILE: check its signature (--key PUB), that each --model and --document file matches a
    subject, and that the run's evidence in the store is what was attested; exit 1 names the first mismatch.
    """
    if attestation is not None:
        if run is not None:
            raise click.UsageError("the attestation names its run: leave RUN out")
        _verify_attestation(ctx, attestation, key, model, documents, as_json)
        return
    if key is not None or model is not None:
        raise click.UsageError("--key and --model go with --attestation FILE")
    if len(documents) > 1:
        raise click.UsageError("give one --document at a time (several go with --attestation)")
    if documents:
        _verify_document(ctx, run, documents[0], declaration, algorithm, as_json)
        return
    store = ctx.store()
    report = store.verify([store.resolve(run)] if run else None)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "runs": report.runs,
                "records": report.records,
                "problems": [vars(p) for p in report.problems],
                "incomplete": report.incomplete,
                "leftovers": report.leftovers,
            }
        )
    else:
        for p in report.problems:
            click.echo(f"{p.what.upper()}: run {p.run_id}: {p.detail}")
        for run_id in report.incomplete:
            click.echo(f"incomplete: run {run_id} has no end record (still running, or its process stopped)")
        for path in report.leftovers:
            click.echo(f"ignored: {path} is an unfinished write (a process stopped while writing)")
        verdict = "OK" if report.ok else f"FAILED: {len(report.problems)} problem(s)"
        click.echo(f"{verdict}: {report.records} records in {report.runs} runs checked")
    if not report.ok:
        raise SystemExit(1)


def _verify_attestation(
    ctx: Context, attestation: str, key: str | None, model: str | None, documents: tuple[str, ...], as_json: bool
) -> None:
    from pathlib import Path

    from uitlegbaar.attest.keys import load_public_key
    from uitlegbaar.attest.verify import verify_attestation

    keys = [load_public_key(key)] if key is not None else []
    raw = Path(attestation).read_bytes()
    outcome = verify_attestation(ctx.store(), raw, keys=keys, model=model, documents=documents)
    if as_json:
        emit_json({**vars(outcome), "ok": outcome.ok})
    else:
        for line in outcome.verified:
            click.echo(f"ok: {line}")
        for note in outcome.notes:
            click.echo(f"note: {note}")
        for problem in outcome.problems:
            click.echo(f"MISMATCH: {problem}")
        verdict = "OK" if outcome.ok else f"FAILED: {outcome.problems[0]}"
        click.echo(f"{verdict} ({attestation}, run {outcome.run_id or 'unknown'})")
    if not outcome.ok:
        raise SystemExit(1)


def _verify_document(
    ctx: Context, run: str | None, document: str, declaration: str | None, algorithm: str | None, as_json: bool
) -> None:
    from uitlegbaar import pipeline
    from uitlegbaar.gates.provenance import KIND_NAMES

    report = pipeline.check_document(ctx.store(), document, run, declaration=declaration, algorithm=algorithm)
    if as_json:
        emit_json({**vars(report), "ok": report.ok})
    else:
        click.echo(f"{document}: {KIND_NAMES[report.kind]} of run {report.run_id}")
        for note in report.notes:
            click.echo(f"note: {note}")
        for problem in report.problems:
            click.echo(f"MISMATCH: {problem}")
        what = f"compiled from the {report.records} records of the run's evidence, unchanged"
        click.echo("OK: " + what if report.ok else f"FAILED: {len(report.problems)} problem(s)")
    if not report.ok:
        raise SystemExit(1)


@cli.command()
@click.argument("what", type=click.Choice(["records", "card"]))
def schema(what: str) -> None:
    """Print the JSON Schema of WHAT: records (every evidence record kind) or card (the model card)."""
    if what == "card":
        from uitlegbaar.documents.card.model import card_json_schema

        emit_json(card_json_schema())
    else:
        from uitlegbaar.evidence.records import json_schema

        emit_json(json_schema())


def _summary_dict(summary: Any) -> dict[str, Any]:
    return {
        "run_id": summary.run_id,
        "name": summary.name,
        "started": summary.started.isoformat(),
        "status": summary.status,
        "records": summary.records,
        "kinds": summary.kinds,
    }
