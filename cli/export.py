"""`uitlegbaar export RUN --to FORMAT`: the run in a format the ecosystem reads."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import (
    Context,
    cli,
    declaration_options,
    fail,
    load_inputs,
    output_option,
    pass_context,
    verify_option,
    write_document,
)

from uitlegbaar.documents.formats import KINDS


@cli.command()
@click.argument("run")
@click.option(
    "--to",
    "fmt",
    type=click.Choice(KINDS["export"].formats),
    required=True,
    help="cyclonedx (1.6 ML-BOM), openlineage (2-0-2 run events), spdx (3.0.1 AI/Dataset), croissant (1.1 + RAI).",
)
@output_option
@click.option("--url", help="openlineage: POST the events to this lineage server (e.g. http://localhost:5000).")
@click.option("--dataset", help="croissant: describe this dataset only (default: every source dataset, as a list).")
@declaration_options
@verify_option
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
    no_verify: bool,
) -> None:
    """RUN as a CycloneDX ML-BOM, OpenLineage events, an SPDX 3 document or Croissant descriptions.

    Fields the format asks for that nothing supplied go to standard error as notes. OpenLineage events go
    through the openlineage-python client's transports: http with --url, file with -o, console otherwise.
    """
    from uitlegbaar import pipeline

    if url is not None and fmt != "openlineage":
        fail("--url applies to --to openlineage only")
    if url is not None and output is not None:
        fail("give --url or -o, not both")
    inputs = load_inputs(
        ctx,
        run,
        declaration=declaration,
        algorithm=algorithm,
        history=False,
        verify=not no_verify,
        dataset=dataset,
    )
    compiled = pipeline.compile_document("export", inputs, fmt)
    built = compiled.document
    for missing in compiled.notes:
        click.echo(f"note: {missing}", err=True)
    if fmt == "cyclonedx":
        from uitlegbaar.documents.exports.cyclonedx import validate_cyclonedx

        problems = validate_cyclonedx(built.document)
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            fail(f"the BOM fails CycloneDX 1.6 validation ({len(problems)} problem(s)); not written", 1)
    if fmt == "openlineage" and url is not None:
        from uitlegbaar.integrations import openlineage

        openlineage.send_http(built.events, url)
        click.echo(f"sent {len(built.events)} events to {url}", err=True)
    elif fmt == "openlineage" and output not in (None, "-"):  # the client's file transport, as the console's
        from uitlegbaar.integrations import openlineage

        from uitlegbaar.files import prepare_output

        openlineage.send_file(built.events, prepare_output(output))
        click.echo(f"wrote {output} ({len(built.events)} events)", err=True)
    elif fmt == "openlineage":
        from uitlegbaar.integrations import openlineage

        openlineage.send_console(built.events)
    else:
        write_document(pipeline.render("export", compiled, fmt), output, err=True)
