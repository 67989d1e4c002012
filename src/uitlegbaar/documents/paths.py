"""Paths in public documents: the user's home folder is written `~`, so a card names no account.

`UITLEGBAAR_KEEP_HOME=1` keeps home paths as they are (for documents that stay inside the organisation).
"""

from __future__ import annotations

import os

_TRUTHY = {"1", "true", "yes", "on"}


def hide_home(text: str) -> str:
    """`text` with every path under the user's home folder starting with `~/` instead."""
    if os.environ.get("UITLEGBAAR_KEEP_HOME", "").strip().lower() in _TRUTHY:
        return text
    home = os.path.expanduser("~").rstrip(os.sep)
    if not home or home == "~":
        return text
    return text.replace(home + os.sep, "~" + os.sep)
