"""Commands that compare and draw runs: diff and lineage."""

from __future__ import annotations

import json
from typing import Any

import click
from uitlegbaar.cli.app import Context, cli, emit_json, output_option, pass_context, verify_option, write_document

from uitlegbaar.documents.formats import KINDS


@cli.command()
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@verify_option
@pass_context
def diff(ctx: Context, a: str, b: str, as_json: bool, no_verify: bool) -> None:
    """What changed from run A to run B: data, steps, model, metrics, explanations.

    A and B are run ids, unique prefixes, `latest`, or `latest~N` (the Nth run before the latest).
    """
    from uitlegbaar import pipeline
    from uitlegbaar.documents.diff import diff_evidence

    store = ctx.store()
    verify = not no_verify
    found = diff_evidence(
        pipeline.load_evidence(store, a, verify=verify), pipeline.load_evidence(store, b, verify=verify)
    )
    if as_json:
        emit_json(json.loads(found.model_dump_json()))
    else:
        _print_diff(found)


@cli.command()
@click.argument("run")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(KINDS["lineage"].formats),
    default="text",
    show_default=True,
    help="Output format.",
)
@output_option
@verify_option
@pass_context
def lineage(ctx: Context, run: str, fmt: str, output: str | None, no_verify: bool) -> None:
    """The graph of RUN: source data through steps to the model, its evaluations and explanations."""
    from uitlegbaar import pipeline

    inputs = pipeline.load(ctx.store(), run, history=False, verify=not no_verify)
    write_document(pipeline.make("lineage", inputs, fmt)[0], output)


def _print_diff(found: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from uitlegbaar.documents.diff import summary

    out = Console(highlight=False, markup=False, emoji=False)  # names are shown as they are
    for side, run in (("A", found.a), ("B", found.b)):
        out.print(f"{side}: run {run.run_id}  {run.name}  {run.status}  started {run.started:%Y-%m-%d %H:%M:%S} UTC")
    if not found.differs:
        out.print("No differences.")
        return
    for section in summary(found):
        table = Table(section.subject, "what", "A", "B", "change", title=section.title, title_justify="left", box=None)
        for line in section.lines:
            table.add_row(line.subject, line.what, line.old, line.new, line.delta)
        out.print(table)
