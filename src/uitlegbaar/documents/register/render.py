"""An Algoritmeregister entry as a file: the submission API's JSON, or the register's CSV layout."""

from __future__ import annotations

from uitlegbaar.documents.register.compile import RegisterEntry
from uitlegbaar.documents.register.csv_export import to_csv
from uitlegbaar.documents.serialize import json_bytes


def render_entry(entry: RegisterEntry, fmt: str = "json") -> bytes:
    """`json` (the body `uitlegbaar publish` sends) or `csv` (one row in the register's export layout)."""
    if fmt == "csv":
        return to_csv([{**entry.payload(), "lars": entry.lars}])
    return json_bytes(entry.payload())
