"""Commands that write documents: init, card, and the card's schema."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, pass_context

from uitlegbaar.standards import algoritmeregister as ar


@cli.command()
@click.option(
    "--path",
    "path",
    default="uitlegbaar.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the file.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--organization", help="Organisatienaam.")
@click.option("--name", help="Naam of the algorithm.")
@click.option("--description-short", help="Korte omschrijving.")
@click.option("--status", type=click.Choice(ar.STATUS), help="Status.")
@click.option(
    "--publication-category",
    type=click.Choice(ar.PUBLICATION_CATEGORY),
    help="Publicatiecategorie.",
)
@click.option("--contact-email", help="Contactgegevens (team address or https form).")
@click.option("--no-input", is_flag=True, help="Do not ask; write what the flags give.")
def init(path: str, force: bool, no_input: bool, **values: str | None) -> None:
    """Write a commented starter uitlegbaar.yaml (never over an existing one without --force)."""
    from uitlegbaar.evidence.declaration import load, starter
    from uitlegbaar.files import write_atomic

    target = Path(path)
    if target.exists() and not force:
        raise click.UsageError(f"{target} exists; edit it, or pass --force to replace it")
    given = {k: v for k, v in values.items() if v}
    if not no_input and sys.stdin.isatty():
        for key in ("organization", "name", "description_short", "contact_email"):
            if key not in given:
                answer = click.prompt(key.replace("_", " "), default="", show_default=False)
                if answer:
                    given[key] = answer
    write_atomic(target, starter(given))
    load(target)  # what we write must load
    click.echo(f"wrote {target}")


@cli.command()
@click.argument("run")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@declaration_options
@pass_context
def card(
    ctx: Context, run: str, fmt: str, output: str | None, lang: str, declaration: str | None, algorithm: str | None
) -> None:
    """The model card of RUN as Markdown (a Hugging Face card), HTML or JSON."""
    from uitlegbaar.documents.card.build import build_card, render
    from uitlegbaar.files import write_atomic

    compiled = build_card(ctx.store(), run, declaration=declaration, algorithm=algorithm)
    document = render(compiled, fmt, lang)  # type: ignore[arg-type]
    if output:
        write_atomic(output, document)
        missing = len(compiled.missing)
        click.echo(f"wrote {output}" + (f" ({missing} fields missing: see its last sections)" if missing else ""))
    else:
        click.echo(document, nl=False)
