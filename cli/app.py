"""The click application. Each command resolves what the user names, calls the library, and prints.

Exit codes: 0 success, 1 a check failed (e.g. `verify` found tampering), 2 bad usage or input.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from uitlegbaar._version import __version__


class Context:
    """What every command needs: where the store is (a folder, or `mlflow` for a tracking server)."""

    def __init__(self, store: str | None, tracking_uri: str | None = None) -> None:
        self.store_path = Path(store) if store else Path(os.environ.get("UITLEGBAAR_STORE") or ".uitlegbaar")
        self.tracking_uri = tracking_uri

    @property
    def uses_mlflow(self) -> bool:
        return str(self.store_path) == "mlflow"

    def store(self) -> Any:
        if self.uses_mlflow:
            from uitlegbaar.integrations.mlflow.store import MlflowStore

            return MlflowStore.for_uri(self.tracking_uri)
        from uitlegbaar.store import LocalStore

        return LocalStore.open(self.store_path)


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
@click.pass_context
def cli(ctx: click.Context, store: str | None, tracking_uri: str | None) -> None:
    """uitlegbaar: transparency about algorithms, captured while the model is built.

    RUN is an uitlegbaar run id (or a unique prefix), `latest`, `latest~N`; with --store mlflow also an MLflow run
    id, `models:/<name>/<version>` or `models:/<name>@<alias>`.
    """
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


from uitlegbaar.cli import cards, check, commands, compare, export, register, registry, sync, systemcard  # noqa: E402,F401  (registers the commands on `cli`)
