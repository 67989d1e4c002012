"""The Jinja setup the card's templates share: loaded from the package, undefined names are errors,
block tags leave no blank lines, and the template's final newline is kept."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.resources import files
from typing import Any

from jinja2 import Environment, StrictUndefined, Template


def load_template(name: str, *, autoescape: bool, filters: Mapping[str, Callable[..., Any]] | None = None) -> Template:
    """`templates/<name>`, with the `empty` test and the given filters; `autoescape` for HTML only."""
    source = (files("uitlegbaar.documents.card") / "templates" / name).read_text(encoding="utf-8")
    env = Environment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["empty"] = is_empty
    env.filters.update(filters or {})
    return env.from_string(source)


def is_empty(value: Any) -> bool:
    """None, an empty string, list or mapping: a value the card shows as not supplied."""
    return value is None or value == "" or value == [] or value == {}
