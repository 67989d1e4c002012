"""The attest command: a run's signed provenance (an in-toto attestation in a DSSE envelope)."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import Context, cli, declaration_options, output_option, pass_context, write_document


@cli.command()
@click.argument("run")
@click.option(
    "--key",
    required=True,
    envvar="UITLEGBAAR_SIGNING_KEY",
    type=click.Path(exists=True, dir_okay=False),
    help="The private key to sign with: a PEM file, Ed25519 or ECDSA P-256 (env UITLEGBAAR_SIGNING_KEY; an "
    "encrypted key's password comes from UITLEGBAAR_SIGNING_KEY_PASSWORD).",
)
@output_option
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False),
    help="The model file: its SHA-256 becomes a subject (without it, the hash of the pickled model capture recorded).",
)
@click.option(
    "--model-signature",
    metavar="FILE",
    help="Also sign the --model file in the OpenSSF model-signing format into FILE (ECDSA keys).",
)
@click.option(
    "--documents",
    "documents_dir",
    metavar="DIR",
    help="Also write the attested documents (card, register entry, system card in every format) into DIR.",
)
@declaration_options
@pass_context
def attest(
    ctx: Context,
    run: str,
    key: str,
    output: str | None,
    model: str | None,
    model_signature: str | None,
    documents_dir: str | None,
    declaration: str | None,
    algorithm: str | None,
) -> None:
    """Sign RUN's provenance: an in-toto Statement with a SLSA Provenance predicate, in a DSSE envelope.

    Its subjects are the model and the run's card, register entry and system card in every format, byte for byte
    as `uitlegbaar card|register|systemcard RUN -o FILE` writes them (with the same --declaration/--algorithm);
    its dependencies the datasets, the code commit and the head of the run's hash chain. Writes one line of JSON
    (an .intoto.jsonl file); check it with `uitlegbaar verify --attestation FILE --key PUB`.
    """
    from uitlegbaar.attest.keys import load_signing_key
    from uitlegbaar.attest.run import attest_run, write_documents

    made = attest_run(
        ctx.store(),
        run,
        load_signing_key(key),
        model=model,
        model_signature=model_signature,
        declaration=declaration,
        algorithm=algorithm,
    )
    for note in made.notes:
        click.echo(f"note: {note}", err=True)
    if documents_dir is not None:
        written = write_documents(made, documents_dir)
        click.echo(f"wrote {len(written)} attested documents to {documents_dir}", err=True)
    if model_signature is not None:
        click.echo(f"wrote {model_signature} (model-signing signature of {model})", err=True)
    write_document(made.envelope, output, f" ({len(made.statement['subject'])} subjects, signed)")
