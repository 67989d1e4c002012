"""Send OpenLineage events through the openlineage-python client's transports: http, file, console.

The client reads its usual configuration too (`openlineage.yml`, `OPENLINEAGE__…` variables) for
filters and tags; the transport is always the one chosen here.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from uitlegbaar.errors import UitlegbaarError

DEFAULT_ENDPOINT = "api/v1/lineage"


class TransportError(UitlegbaarError):
    """The lineage events could not be delivered."""


def send_http(events: list[Any], url: str, *, endpoint: str = DEFAULT_ENDPOINT, timeout: float = 5.0) -> None:
    """POST each event to `url`/`endpoint` (a lineage server such as Marquez: `http://host:5000`)."""
    from openlineage.client.transport.http import HttpConfig, HttpTransport

    transport = HttpTransport(HttpConfig(url=url, endpoint=endpoint, timeout=timeout))
    _emit(events, transport, f"{url.rstrip('/')}/{endpoint}")


def send_file(events: list[Any], path: str | os.PathLike[str]) -> Path:
    """Write the events to `path` as JSON lines with the client's file transport, atomically."""
    from openlineage.client.transport.file import FileConfig, FileTransport

    from uitlegbaar.files import write_with

    def fill(tmp: Path) -> None:
        _emit(events, FileTransport(FileConfig(log_file_path=str(tmp), append=True)), str(path))

    return write_with(path, fill)


def send_console(events: list[Any]) -> None:
    """Log each event with the client's console transport; shown on standard output, one per line."""
    from openlineage.client.transport.console import ConsoleConfig, ConsoleTransport

    with _console_to_stdout():
        _emit(events, ConsoleTransport(ConsoleConfig()), "standard output")


def _emit(events: list[Any], transport: Any, where: str) -> None:
    from openlineage.client import OpenLineageClient

    client = OpenLineageClient(transport=transport)
    try:
        for event in events:
            client.emit(event)
    except Exception as exc:  # the transports raise whatever their HTTP or file layer raises
        raise TransportError(f"could not send the lineage events to {where}: {exc}") from exc
    finally:
        client.close(timeout=5.0)


@contextmanager
def _console_to_stdout() -> Iterator[None]:
    """Route the console transport's log records (INFO, the event's JSON) to standard output."""
    logger = logging.getLogger("openlineage.client.transport.console")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
