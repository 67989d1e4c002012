"""Commands that write a declaration or a card: init and card."""

from __future__ import annotations

import sys
from pathlib import Path

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

from uitlegbaar.documents.formats import KINDS, LANGUAGES
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
    from uitlegbaar.documents.starter import starter
    from uitlegbaar.evidence.declaration import load
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
@click.option("--format", "fmt", type=click.Choice(KINDS["card"].formats), default="md", show_default=True)
@output_option
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@declaration_options
@verify_option
@pass_context
def card(
    ctx: Context,
    run: str,
    fmt: str,
    output: str | None,
    lang: str,
    declaration: str | None,
    algorithm: str | None,
    no_verify: bool,
) -> None:
    """The model card of RUN as Markdown (a Hugging Face card), HTML or JSON."""
    from uitlegbaar import pipeline

    inputs = load_inputs(ctx, run, declaration=declaration, algorithm=algorithm, verify=not no_verify)
    document, compiled = pipeline.make("card", inputs, fmt, lang)  # type: ignore[arg-type]
    write_document(document, output, "".join(f" ({note})" for note in compiled.notes))
