"""Algoritmeregister entries (publication standard 1.0): compile from a run, validate, export as CSV."""

from uitlegbaar.documents.register.compile import Note, RegisterEntry, build_entry, compile_entry
from uitlegbaar.documents.register.csv_export import to_csv
from uitlegbaar.documents.register.validate import Problem, errors, strip_html, validate_entry

__all__ = [
    "Note",
    "Problem",
    "RegisterEntry",
    "build_entry",
    "compile_entry",
    "errors",
    "strip_html",
    "to_csv",
    "validate_entry",
]
