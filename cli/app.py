"""The click application. Each command resolves what the user names, calls the library, and prints.

Exit codes: 0 success, 1 a check failed (e.g. `verify` found tampering), 2 bad usage or input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from uitlegbaar._version import __version__

if TYPE_CHECKING:
    from uitlegbaar.documents.formats import Inputs
    from uitlegbaar.store.protocol import Store


class Context:
    """What every command needs: which store to read (a folder, or the name of a store plugin such as `mlflow`)."""

    def __init__(self, store: str | None, tracking_uri: str | None = None) -> None:
        self.location = store
        self.tracking_uri = tracking_uri
        self._store: Store | None = None

    def store(self) -> Store:
        """The store, opened once per command."""
        if self._store is None:
            from uitlegbaar import pipeline

            self._store = pipeline.open_store(self.location, tracking_uri=self.tracking_uri)
        return self._store


pass_context = click.make_pass_decorator(Context)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one clear sentence and exit."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


class Group(click.Group):
    """Turns the library's own errors into one line and exit code 2, instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from uitlegbaar.errors import UitlegbaarError

        try:
            return super().invoke(ctx)
        except UitlegbaarError as exc:
            fail(str(exc))


@click.group(cls=Group)
@click.version_option(__version__, prog_name="uitlegbaar")
@click.option(
    "--store",
    envvar="UITLEGBAAR_STORE",
    metavar="PATH",
    help="Evidence store folder (default ./.uitlegbaar; env UITLEGBAAR_STORE), or `mlflow` for a tracking server.",
)
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    metavar="URI",
    help="With --store mlflow: the MLflow tracking server (env MLFLOW_TRACKING_URI).",
)
@click.option("--quiet", is_flag=True, help="No progress bars (they show only on a terminal anyway).")
@click.pass_context
def cli(ctx: click.Context, store: str | None, tracking_uri: str | None, quiet: bool) -> None:
    """uitlegbaar: transparency about algorithms, captured while the model is built.

    RUN is an uitlegbaar run id (or a unique prefix), `latest`, `latest~N`; with --store mlflow also an MLflow run
    id, `models:/<name>/<version>` or `models:/<name>@<alias>`.
    """
    if quiet:
        os.environ["UITLEGBAAR_QUIET"] = "1"  # read by uitlegbaar.progress
    ctx.obj = Context(store, tracking_uri)


def main() -> None:
    cli(prog_name="uitlegbaar")


def declaration_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--declaration FILE` and `--algorithm KEY`, for every command that compiles a document."""
    command = click.option("--algorithm", help="Which algorithm of the declaration (default: the run's model name).")(
        command
    )
    return click.option(
        "--declaration",
        type=click.Path(exists=True, dir_okay=False),
        help="The uitlegbaar.yaml to use (default: the nearest one).",
    )(command)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


NO_DECLARATION = (
    "note: no uitlegbaar.yaml found (none recorded with the run, none in this folder or above): declared fields "
    "are listed as missing; pass --declaration FILE"
)


def load_inputs(ctx: Context, run: str, *, declaration: str | None, algorithm: str | None, **options: Any) -> Inputs:
    """`pipeline.load` for a command that compiles a document, saying on standard error which declaration it used."""
    from uitlegbaar import pipeline

    inputs = pipeline.load(ctx.store(), run, declaration=declaration, algorithm=algorithm, **options)
    say_declaration(inputs.declaration_path)
    return inputs


def say_declaration(path: str | None) -> None:
    click.echo(f"declaration: {path}" if path else NO_DECLARATION, err=True)


def verify_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`--no-verify`, for every command that compiles or shows a run (which is verified first by default)."""
    return click.option(
        "--no-verify",
        is_flag=True,
        help="Do not verify the run's hash chain first (forensics: look at evidence that fails verification).",
    )(command)


def output_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """`-o FILE` for every command that writes a document (`-` or none: standard output)."""
    return click.option(
        "-o",
        "--output",
        metavar="FILE",
        callback=_checked_output,
        help="Write to FILE instead of standard output (missing folders are made).",
    )(command)


def _checked_output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A file name that cannot be written is an error before anything is compiled."""
    if value is None or value == "-":
        return value
    from uitlegbaar.errors import UitlegbaarError
    from uitlegbaar.files import check_output

    try:
        check_output(value)
    except UitlegbaarError as exc:
        fail(str(exc))
    return value


def write_document(document: bytes, output: str | None, wrote: str = "", *, err: bool = False) -> None:
    """The one writer for `-o`: the file atomically (through `uitlegbaar.files.write_output`), else standard
    output; `wrote` is added to the `wrote FILE` line (on standard error with `err`)."""
    if output is None or output == "-":
        click.echo(document, nl=False)
        return
    from uitlegbaar.files import write_output

    write_output(output, document)
    click.echo(f"wrote {output}{wrote}", err=err)


def read_json(path: Path) -> Any:
    """A JSON file the user names, or one clear error (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})")


from uitlegbaar.cli import attest, check, compare, documents, entries, evidence, export, maintainers, sync, systemcard  # noqa: E402,F401  (registers the commands)
