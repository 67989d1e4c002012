"""The MinBZK system card command: a run's system card (reporting standard 0.1a14) as YAML."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, pass_context


@cli.command()
@click.argument("run")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The YAML file to write.")
@declaration_options
@pass_context
def systemcard(ctx: Context, run: str, output: str, declaration: str | None, algorithm: str | None) -> None:
    """The MinBZK system card of RUN, with its model card embedded, written as YAML to OUTPUT.

    What could not be filled in is reported on standard error, with the uitlegbaar.yaml key to set.
    """
    import yaml

    from uitlegbaar.documents.systemcard import build
    from uitlegbaar.files import write_atomic

    document, notes = build(ctx.store(), run, declaration, algorithm)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    write_atomic(output, yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    click.echo(f"wrote {output}")
