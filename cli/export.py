"""`uitlegbaar export RUN --to FORMAT`: the run in a format the ecosystem reads."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, fail, pass_context

FORMATS = ("cyclonedx", "openlineage", "spdx", "croissant")


@cli.command()
@click.argument("run")
@click.option(
    "--to",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="cyclonedx (1.6 ML-BOM), openlineage (2-0-2 run events), spdx (3.0.1 AI/Dataset), croissant (1.1 + RAI).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--url", help="openlineage: POST the events to this lineage server (e.g. http://localhost:5000).")
@click.option("--dataset", help="croissant: describe this dataset only (default: every source dataset, as a list).")
@declaration_options
@pass_context
def export(
    ctx: Context,
    run: str,
    fmt: str,
    output: str | None,
    url: str | None,
    dataset: str | None,
    declaration: str | None,
    algorithm: str | None,
) -> None:
    """RUN as a CycloneDX ML-BOM, OpenLineage events, an SPDX 3 document or Croissant descriptions.

    Fields the format asks for that nothing supplied go to standard error as notes. OpenLineage events go
    through the openlineage-python client's transports: http with --url, file with -o, console otherwise.
    """
    from uitlegbaar.documents.exports import build_export

    if url is not None and fmt != "openlineage":
        fail("--url applies to --to openlineage only")
    if url is not None and output is not None:
        fail("give --url or -o, not both")
    built = build_export(ctx.store(), run, fmt, declaration=declaration, algorithm=algorithm, dataset=dataset)
    for missing in built.missing:
        click.echo(f"note: {missing}", err=True)
    if fmt == "cyclonedx":
        from uitlegbaar.documents.exports.cyclonedx import validate_cyclonedx

        problems = validate_cyclonedx(built.document)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            fail(f"the BOM fails CycloneDX 1.6 validation ({len(problems)} problem(s)); not written", 1)
    if fmt == "openlineage":
        from uitlegbaar.integrations import openlineage as transport

        if url is not None:
            transport.send_http(built.events, url)
            click.echo(f"sent {len(built.events)} events to {url}", err=True)
        elif output is not None:
            transport.send_file(built.events, output)
            click.echo(f"wrote {output} ({len(built.events)} events)", err=True)
        else:
            transport.send_console(built.events)
        return
    from uitlegbaar.files import write_atomic

    if output:
        write_atomic(output, built.render())
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(built.render(), nl=False)
