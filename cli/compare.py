"""Commands that compare and draw runs: diff and lineage."""

from __future__ import annotations

import json
from typing import Any

import click
from uitlegbaar.cli.app import Context, cli, emit_json, pass_context

LINEAGE_FORMATS = ("text", "mermaid", "dot", "html")


@cli.command()
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@pass_context
def diff(ctx: Context, a: str, b: str, as_json: bool) -> None:
    """What changed from run A to run B: data, steps, model, metrics, explanations.

    A and B are run ids, unique prefixes, `latest`, or `latest~N` (the Nth run before the latest).
    """
    from uitlegbaar.documents.diff import diff_evidence

    store = ctx.store()
    found = diff_evidence(_evidence(store, a), _evidence(store, b))
    if as_json:
        emit_json(json.loads(found.model_dump_json()))
    else:
        _print_diff(found)


@cli.command()
@click.argument("run")
@click.option(
    "--format", "fmt", type=click.Choice(LINEAGE_FORMATS), default="text", show_default=True, help="Output format."
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@pass_context
def lineage(ctx: Context, run: str, fmt: str, output: str | None) -> None:
    """The graph of RUN: source data through steps to the model, its evaluations and explanations."""
    from uitlegbaar.documents import lineage as lineage_view

    graph = lineage_view.lineage_graph(_evidence(ctx.store(), run))
    renderers = {
        "text": lineage_view.to_text,
        "mermaid": lineage_view.to_mermaid,
        "dot": lineage_view.to_dot,
        "html": lineage_view.to_html,
    }
    document = renderers[fmt](graph)
    if output:
        from uitlegbaar.files import write_atomic

        write_atomic(output, document)
        click.echo(f"wrote {output}")
    else:
        click.echo(document, nl=False)


def _evidence(store: Any, ref: str) -> Any:
    from uitlegbaar.evidence.view import load_evidence

    return load_evidence(store, ref)


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
