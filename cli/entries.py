"""Commands for the Algoritmeregister: register (compile an entry from a run) and validate (check one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from uitlegbaar.cli.app import (
    Context,
    cli,
    declaration_options,
    emit_json,
    fail,
    load_inputs,
    output_option,
    pass_context,
    read_json,
    verify_option,
    write_document,
)

from uitlegbaar.documents.formats import KINDS


@cli.command()
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(KINDS["register"].formats), default="json", show_default=True)
@output_option
@declaration_options
@click.option("--force", is_flag=True, help="Write the entry even when the register would reject it.")
@click.option(
    "--attach",
    is_flag=True,
    help="With --store mlflow: also attach the valid JSON entry to RUN's MLflow run (for `ingest models:/…`).",
)
@verify_option
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
    no_verify: bool,
) -> None:
    """The Algoritmeregister entry (standard 1.0) of RUN, as the submission API's JSON or the register's CSV.

    Notes and problems go to standard error; exit 1 when the register would reject the entry, which is
    then not written unless --force.
    """
    from uitlegbaar import pipeline
    from uitlegbaar.documents.register import errors, render_entry, validate_entry

    store = ctx.store()
    attach_to = store.entry_attachment(run) if attach else None  # known before anything is written
    inputs = load_inputs(ctx, run, declaration=declaration, algorithm=algorithm, history=False, verify=not no_verify)
    compiled = pipeline.compile_document("register", inputs)
    built = compiled.document
    problems = validate_entry(built.payload())
    for note in compiled.notes:
        click.echo(f"note: {note}", err=True)
    for problem in problems:
        click.echo(str(problem), err=True)
    failed = errors(problems)
    if failed and not force:
        fail(f"the entry has {len(failed)} error(s) the register would reject; not written (--force writes it)", 1)
    write_document(render_entry(built, fmt), output)
    if failed:
        raise SystemExit(1)
    if attach_to is not None:
        where = attach_to(render_entry(built, "json"))
        click.echo(f"attached the entry to {where}", err=True)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(file: str, as_json: bool) -> None:
    """Check an Algoritmeregister entry by the register's rules and the handbook's: a JSON file (standard 1.0),
    or the register's CSV layout (as `uitlegbaar register --format csv` writes it; every row is checked).

    Exit 1 when the register would reject it; warnings are handbook rules the register does not check.
    """
    from uitlegbaar.documents.register import errors, validate_entry

    found = [(origin, problem) for origin, entry in _entries(Path(file)) for problem in validate_entry(entry)]
    problems = [p for _, p in found]
    failed = errors(problems)
    several = len({origin for origin, _ in found}) > 1
    if as_json:
        emit_json(
            {
                "ok": not failed,
                "errors": len(failed),
                "warnings": len(problems) - len(failed),
                "problems": [{**p.to_dict(), **({"entry": o} if several else {})} for o, p in found],
            }
        )
    else:
        for origin, problem in found:
            click.echo(f"{origin}: {problem}" if several else str(problem))
        verdict = "FAILED" if failed else "OK"
        click.echo(f"{verdict}: {len(failed)} error(s), {len(problems) - len(failed)} warning(s) in {file}")
    if failed:
        raise SystemExit(1)


def _entries(path: Path) -> list[tuple[str, Any]]:
    """The entries of a JSON file, or of each row of a CSV file in the register's layout, with where they are."""
    if path.suffix.lower() != ".csv":
        return [(str(path), read_json(path))]
    from uitlegbaar.documents.register.csv_export import read_csv

    try:
        rows = read_csv(path.read_bytes())
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except (UnicodeDecodeError, ValueError) as exc:
        fail(f"{path} is not a CSV file in the register's layout ({exc})")
    if not rows:
        fail(f"{path} has no entries (only a header, or nothing)")
    return [(f"{path}:row {i}", row) for i, row in enumerate(rows, start=1)]
