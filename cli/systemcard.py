"""The MinBZK system card command: a run's system card (reporting standard 0.1a14) as YAML."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import (
    Context,
    cli,
    declaration_options,
    load_inputs,
    output_option,
    pass_context,
    verify_option,
    write_document,
)


@cli.command()
@click.argument("run")
@output_option
@declaration_options
@verify_option
@pass_context
def systemcard(
    ctx: Context, run: str, output: str | None, declaration: str | None, algorithm: str | None, no_verify: bool
) -> None:
    """The MinBZK system card of RUN, with its model card embedded, as YAML.

    What could not be filled in is reported on standard error, with the uitlegbaar.yaml key to set.
    """
    from uitlegbaar import pipeline

    inputs = load_inputs(ctx, run, declaration=declaration, algorithm=algorithm, history=False, verify=not no_verify)
    document, compiled = pipeline.make("systemcard", inputs)
    for note in compiled.notes:
        click.echo(f"note: {note}", err=True)
    write_document(document, output)
