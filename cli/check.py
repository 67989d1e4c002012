"""`uitlegbaar check`: the CI gate. Exit 1 when a required framework misses an item, 2 for bad usage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
from uitlegbaar.cli.app import (
    Context,
    cli,
    declaration_options,
    emit_json,
    fail,
    output_option,
    pass_context,
    verify_option,
    write_document,
)

if TYPE_CHECKING:
    from uitlegbaar.gates import CheckReport, FrameworkResult


@cli.command()
@click.argument("run")
@click.option(
    "--require",
    "required",
    required=True,
    metavar="KEY[,KEY…]",
    help="Frameworks every item of which must be evidenced or declared: algoritmeregister, ai-act-annex-iv, iama, ark,"
    " adr, algoritmekader.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "html"]),
    default="table",
    show_default=True,
    help="table: the text table; md or html: the readiness view per lifecycle phase (who must act).",
)
@output_option
@declaration_options
@verify_option
@pass_context
def check(
    ctx: Context,
    run: str,
    required: str,
    as_json: bool,
    fmt: str,
    output: str | None,
    declaration: str | None,
    algorithm: str | None,
    no_verify: bool,
) -> None:
    """Check RUN against transparency frameworks: per item evidenced, declared or missing (and who supplies it).

    Exit 1 when an item of a required framework is missing.
    """
    from uitlegbaar import pipeline
    from uitlegbaar.gates import FRAMEWORKS
    from uitlegbaar.gates.coverage import unknown_frameworks

    keys = [k.strip() for k in required.split(",") if k.strip()]
    unknown = unknown_frameworks(keys)
    if not keys or unknown:
        fail(f"unknown framework {', '.join(unknown) or '(none given)'}; known: {', '.join(FRAMEWORKS)}")
    report = pipeline.check(ctx.store(), run, keys, declaration=declaration, algorithm=algorithm, verify=not no_verify)
    if as_json:
        emit_json(report.to_dict())
    elif fmt != "table":
        from uitlegbaar.gates import readiness

        page = readiness.render_html(report) if fmt == "html" else readiness.render_markdown(report)
        write_document(page.encode(), output, err=True)
    else:
        _print(report)
    if not report.ok:
        raise SystemExit(1)


def _print(report: CheckReport) -> None:
    from rich.console import Console

    console = Console(highlight=False, markup=False, soft_wrap=False)
    for framework in report.frameworks:
        console.print(_table(framework))
        console.print()
    for contradiction in report.contradictions:
        console.print(f"CONTRADICTION: {contradiction}")
    missing = sum(len(f.missing) for f in report.frameworks if f.required)
    verdict = "OK" if report.ok else "FAILED"
    counts = ", ".join(f"{f.key} {_done(f)}/{len(f.items) - f.count('not applicable')}" for f in report.frameworks)
    refuted = f", {len(report.contradictions)} declared claim(s) contradicted" if report.contradictions else ""
    console.print(f"{verdict}: {missing} required item(s) missing{refuted} ({counts}) for run {report.run_id[:12]}")


def _done(framework: FrameworkResult) -> int:
    return framework.count("evidenced") + framework.count("declared")


def _table(framework: FrameworkResult) -> object:
    from rich.table import Table

    table = Table("item", "source", "status", "supplied by / who must supply it, and how", box=None)
    table.title = f"{framework.key}: {framework.title}" + (f" ({framework.version})" if framework.version else "")
    table.title_justify = "left"
    table.columns[0].no_wrap = True
    for item in framework.items:
        supplied = f"{item.who}: {item.how}" if item.status in ("missing", "organisational") else item.by
        if item.status == "not applicable":
            supplied = item.detail
        status = item.status.upper() if item.status == "missing" else item.status
        source = item.source if item.urn in ("", item.key) else f"{item.source} ({item.urn})"
        table.add_row(item.key, source, status, supplied)
    return table
