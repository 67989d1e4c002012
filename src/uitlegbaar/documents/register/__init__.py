"""Algoritmeregister entries (publication standard 1.0): compile from evidence, validate, render as JSON or CSV."""

from uitlegbaar.documents.register.compile import Note, RegisterEntry, compile_entry
from uitlegbaar.documents.register.csv_export import to_csv
from uitlegbaar.documents.register.render import render_entry
from uitlegbaar.documents.register.validate import Problem, errors, strip_html, validate_entry

__all__ = [
    "Note",
    "Problem",
    "RegisterEntry",
    "compile_entry",
    "errors",
    "render_entry",
    "strip_html",
    "to_csv",
    "validate_entry",
]
