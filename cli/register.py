"""Commands for the Algoritmeregister: register (compile an entry from a run) and validate (check one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, emit_json, fail, pass_context


@cli.command()
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@declaration_options
@click.option("--force", is_flag=True, help="Write the entry even when the register would reject it.")
@click.option(
    "--attach",
    is_flag=True,
    help="With --store mlflow: also attach the valid JSON entry to RUN's MLflow run (for `ingest models:/…`).",
)
@pass_context
def register(
    ctx: Context,
    run: str,
    fmt: str,
    output: str | None,
    declaration: str | None,
    algorithm: str | None,
    force: bool,
    attach: bool,
) -> None:
    """The Algoritmeregister entry (standard 1.0) of RUN, as the submission API's JSON or the register's CSV.

    Notes and problems go to standard error; exit 1 when the register would reject the entry, which is
    then not written unless --force.
    """
    if attach and not ctx.uses_mlflow:
        fail("--attach puts the entry in the MLflow run of RUN: use it with --store mlflow")
    store = ctx.store()
    attach_to = store.mlflow_run_of_evidence(run) if attach else None  # known before anything is written
    from uitlegbaar.documents.register import build_entry, errors, to_csv, validate_entry
    from uitlegbaar.files import write_atomic

    built = build_entry(store, run, declaration=declaration, algorithm=algorithm)
    payload = built.payload()
    problems = validate_entry(payload)
    for note in built.notes:
        click.echo(f"note: {note}", err=True)
    for problem in problems:
        click.echo(str(problem), err=True)
    failed = errors(problems)
    if failed and not force:
        fail(f"the entry has {len(failed)} error(s) the register would reject; not written (--force writes it)", 1)
    if fmt == "csv":
        document: bytes = to_csv([{**payload, "lars": built.lars}])
    else:
        document = (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode()
    if output:
        write_atomic(output, document)
        click.echo(f"wrote {output}")
    else:
        click.echo(document, nl=False)
    if failed:
        raise SystemExit(1)
    if attach_to is not None:
        store.attach_entry(attach_to, (json.dumps(payload, indent=2, ensure_ascii=False) + "\n").encode())
        click.echo(f"attached the entry to MLflow run {attach_to}", err=True)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(file: str, as_json: bool) -> None:
    """Check an Algoritmeregister entry (a JSON file, standard 1.0) by the register's rules and the handbook's.

    Exit 1 when the register would reject it; warnings are handbook rules the register does not check.
    """
    from uitlegbaar.documents.register import errors, validate_entry

    problems = validate_entry(_read_json(Path(file)))
    failed = errors(problems)
    if as_json:
        emit_json(
            {
                "ok": not failed,
                "errors": len(failed),
                "warnings": len(problems) - len(failed),
                "problems": [p.to_dict() for p in problems],
            }
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        verdict = "FAILED" if failed else "OK"
        click.echo(f"{verdict}: {len(failed)} error(s), {len(problems) - len(failed)} warning(s) in {file}")
    if failed:
        raise SystemExit(1)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})")
