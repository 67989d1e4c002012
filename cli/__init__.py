"""The `uitlegbaar` command line: thin commands over the library."""

from uitlegbaar.cli.app import cli, main

__all__ = ["cli", "main"]
