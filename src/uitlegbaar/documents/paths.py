"""Paths in public documents: the user's home folder is written `~`, so a card names no account, and a data
source is shown as far as it is public: a web address as it is (without credentials or query), a local or
temporary path as `local file <name>`, an internal storage location as `<scheme> storage: <name>`.

`UITLEGBAAR_KEEP_HOME=1` keeps home paths and sources as they are (for documents that stay inside the
organisation).
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit, urlunsplit

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")

_TRUTHY = {"1", "true", "yes", "on"}


def _keep_home() -> bool:
    return os.environ.get("UITLEGBAAR_KEEP_HOME", "").strip().lower() in _TRUTHY


def hide_home(text: str) -> str:
    """`text` with every path under the user's home folder starting with `~/` instead."""
    if _keep_home():
        return text
    home = os.path.expanduser("~").rstrip(os.sep)
    if not home or home == "~":
        return text
    return text.replace(home + os.sep, "~" + os.sep)


def public_source(source: str | None) -> str | None:
    """Where data came from, as a public document may say it (see the module's docstring); as it is with
    `UITLEGBAAR_KEEP_HOME=1`."""
    if not source or _keep_home():
        return source
    scheme = _SCHEME.match(source)
    if scheme is None or scheme.group(1).lower() == "file":
        name = source.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
        return f"local file {name}" if name else "local file"
    if scheme.group(1).lower() in ("https", "http"):
        parts = urlsplit(source)
        return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1], parts.path, "", ""))
    name = source.rstrip("/").rsplit("/", 1)[-1]
    return f"{scheme.group(1).lower()} storage: {name}"
