"""The register's id of an algorithm (its "LARS code"), kept in `uitlegbaar.yaml` so that later
publications update the entry instead of creating another one.

The file is people's own: the edit touches one value (or adds one line) and keeps every comment, key
order and quoting; it is checked by reading the result back before it replaces the file atomically.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from uitlegbaar.errors import ConfigurationError
from uitlegbaar.evidence import declaration as declarations
from uitlegbaar.files import write_atomic

LARS = re.compile(r"^[0-9]{8}$")


def is_lars(value: object) -> bool:
    """Whether `value` looks like a LARS code: eight digits."""
    return isinstance(value, str) and bool(LARS.match(value))


def record_lars(path: str | os.PathLike[str], lars: str, algorithm: str | None = None) -> bool:
    """Set `lars:` of `algorithm` (a key under `algorithms:`; the file's only algorithm when None) in
    the declaration file at `path`. False when it already held that code, True when the file changed."""
    if not is_lars(lars):
        raise ConfigurationError(f"{lars!r} is not a LARS code (eight digits)")
    file = Path(path)
    before = declarations.load(file)
    key = _key(before, algorithm)
    if before.algorithms[key].lars == lars:
        return False
    text = file.read_text(encoding="utf-8")
    edited = _edit(text, file, key if "algorithms" in _top_keys(text) else None, lars)
    expected = dict(before.algorithms) | {key: before.algorithms[key].model_copy(update={"lars": lars})}
    if declarations.loads(edited, str(file)).algorithms != expected:
        raise ConfigurationError(f'{file}: could not set lars of {key} without changing more; add `lars: "{lars}"`')
    write_atomic(file, edited.encode("utf-8"))
    return True


def _key(loaded: declarations.DeclarationFile, algorithm: str | None) -> str:
    if algorithm is not None:
        if algorithm not in loaded.algorithms:
            keys = ", ".join(sorted(loaded.algorithms))
            raise ConfigurationError(f"{loaded.path} has no algorithm {algorithm!r} (it has {keys})")
        return algorithm
    if len(loaded.algorithms) == 1:
        return next(iter(loaded.algorithms))
    keys = ", ".join(sorted(loaded.algorithms))
    raise ConfigurationError(f"{loaded.path} describes {keys}; name one with --algorithm")


def _top_keys(text: str) -> set[str]:
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return {k.value for k, _ in node.value} if isinstance(node, yaml.MappingNode) else set()


def _edit(text: str, file: Path, algorithm: str | None, lars: str) -> str:
    """`text` with `lars:` set in the mapping of `algorithm` (under `algorithms:`), or at the top level."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    target = root if root is not None else None
    if algorithm is not None:
        target = _value(_value(root, "algorithms"), algorithm)
    value = json.dumps(lars)  # a double-quoted YAML string
    if target is None:  # an empty file
        return f"lars: {value}\n{text}"
    if not isinstance(target, yaml.MappingNode) or target.flow_style or not target.value:
        raise ConfigurationError(f"{file}: {algorithm or 'the file'} is not a block of keys; add `lars: {value}` to it")
    for key, node in target.value:
        if key.value == "lars":
            start, end = node.start_mark.index, node.end_mark.index
            space = " " if start == end and text[start - 1 : start] == ":" else ""
            return text[:start] + space + value + text[end:]
    first = target.value[0][0]
    indent = " " * first.start_mark.column
    return text[: first.start_mark.index] + f"lars: {value}\n{indent}" + text[first.start_mark.index :]


def _value(node: Any, name: str) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if str(key.value) == name:
                return value
    return None


def algorithm_of(loaded: declarations.DeclarationFile, entry: Mapping[str, Any]) -> str | None:
    """The key of the algorithm in `loaded` that `entry` was compiled from: the one declaring its
    source_id, else its name, else the file's only algorithm; None when that does not decide."""
    for field in ("source_id", "name"):
        value = entry.get(field)
        keys = [k for k, d in loaded.algorithms.items() if value and getattr(d, field) == value]
        if len(keys) == 1:
            return keys[0]
    return next(iter(loaded.algorithms)) if len(loaded.algorithms) == 1 else None
