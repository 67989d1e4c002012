"""Sinks: other places a run's evidence goes once it is sealed in the local store (the store always has it).

A sink comes from outside capture: an integration registers one (`register`), or names one in the entry-point
group `uitlegbaar.sinks` under the name of the module whose use switches it on (`mlflow`: loaded only once the
user's process has imported mlflow). When a top-level run opens, each sink says which outside run it belongs to
(its `Link`); when the run is sealed, the sink sends it there. Capture never imports an integration itself.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Protocol

PLUGINS = "uitlegbaar.sinks"


class Link(Protocol):
    """The outside run a run of ours belongs to."""

    def tags(self) -> dict[str, str]:
        """Tags for our run record (no credentials)."""
        ...

    def span_attributes(self) -> dict[str, str]:
        """Attributes for every span of the run (so traces can be joined with the outside run)."""
        ...

    def describe(self) -> str:
        """For messages, e.g. `MLflow run 0a1b…`."""
        ...


class Sink(Protocol):
    name: str

    def link(self) -> Link | None:
        """The outside run a top-level run opened now belongs to, or None (then nothing is sent)."""
        ...

    def send(self, store_root: Path, run_id: str, link: Link, *, top_level: bool) -> str | None:
        """Send the sealed run `run_id` from the store at `store_root`, bounded in time; None when done, else why
        not (the sink keeps what it needs to send it later)."""
        ...


_sinks: dict[str, Sink] = {}
_plugins: list[tuple[str, object]] | None = None  # (module that switches it on, entry point), read once
_lock = threading.Lock()


def register(sink: Sink) -> None:
    """Send every run opened from now on to `sink` too (one sink per name; registering again replaces it)."""
    with _lock:
        _sinks[sink.name] = sink


def unregister(name: str) -> None:
    with _lock:
        _sinks.pop(name, None)


def active() -> list[Sink]:
    """The registered sinks, after loading the plugins whose module the process now uses."""
    global _plugins
    with _lock:
        if _plugins is None:
            from importlib import metadata

            _plugins = [(p.name, p) for p in metadata.entry_points(group=PLUGINS)]
        for module, plugin in list(_plugins):
            if module in sys.modules and module not in _sinks:
                _plugins.remove((module, plugin))
                loaded: Sink = plugin.load()()  # type: ignore[attr-defined]
                _sinks.setdefault(loaded.name, loaded)
        return list(_sinks.values())


def links() -> dict[str, Link]:
    """What each sink links a top-level run opened now to, by sink name."""
    found: dict[str, Link] = {}
    for sink in active():
        link = sink.link()
        if link is not None:
            found[sink.name] = link
    return found


def sink(name: str) -> Sink | None:
    return _sinks.get(name)
