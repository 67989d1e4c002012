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
    """What every command needs: where the store is."""

    def __init__(self, store: str | None) -> None:
        self.store_path = Path(store) if store else Path(os.environ.get("UITLEGBAAR_STORE") or ".uitlegbaar")

    def store(self) -> Any:
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
    help="Evidence store folder (default ./.uitlegbaar; env UITLEGBAAR_STORE).",
)
@click.pass_context
def cli(ctx: click.Context, store: str | None) -> None:
    """uitlegbaar: transparency about algorithms, captured while the model is built."""
    ctx.obj = Context(store)


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


from uitlegbaar.cli import cards, check, commands, compare, export, register, registry, systemcard  # noqa: E402,F401  (registers the commands on `cli`)
