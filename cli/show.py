"""Human-readable view of one run's records (for `uitlegbaar show`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from uitlegbaar.documents.names import dataset_titles, function_name
from uitlegbaar.documents.withheld import withhold
from uitlegbaar.evidence.view import Evidence


def render_run(summary: Any, evidence: Evidence, console: Console | None = None) -> None:
    out = console or Console(highlight=False, markup=False)  # names are data: `[red]` stays text
    evidence = withhold(evidence)  # no category of a personal column in an input's name
    start = evidence.run
    out.print(
        Text.assemble(
            (summary.name, "bold"),
            f"  run {summary.run_id}  {summary.status}  started {summary.started:%Y-%m-%d %H:%M:%S} UTC",
        )
    )
    if start.provenance is not None:
        p = start.provenance
        git = p.git
        where = (
            f"git {git.commit[:10] if git.commit else '?'} on {git.branch}"
            f"{' (uncommitted changes)' if git.dirty else ''}"
            if git
            else "not in a git repository"
        )
        out.print(f"{where}; Python {p.python}; {p.platform}")
    titles = {k: v["en"] for k, v in dataset_titles(evidence).items()}
    _table(
        out,
        "Datasets",
        ["name", "role", "rows × cols", "fingerprint", "source", "personal"],
        [
            [
                titles.get(d.id, d.name),
                d.role,
                f"{d.num_rows:,} × {d.num_columns}",
                d.fingerprint.digest[:12],
                d.source or "",
                ", ".join(d.personal),
            ]
            for d in evidence.datasets
        ],
    )
    _table(
        out,
        "Steps",
        ["function", "in", "out", "lineage"],
        [
            [
                function_name(s.function),
                ", ".join(titles.get(i.id, i.name) for i in s.inputs),
                ", ".join(titles.get(o.id, o.name) for o in s.outputs),
                s.lineage.summary() if s.lineage else "",
            ]
            for s in evidence.steps
        ],
    )
    _table(
        out,
        "Models",
        ["name", "class", "features", "artifact sha256"],
        [[m.name, m.class_name, str(len(m.features)), (m.artifact_sha256 or "")[:12]] for m in evidence.models],
    )
    _table(
        out,
        "Logged models (MLflow)",
        ["model uri", "flavors", "registered"],
        [
            [
                m.model_uri,
                ", ".join(m.flavors),
                f"{m.registered_name} v{m.registered_version}" if m.registered_name else "",
            ]
            for m in evidence.logged_models
        ],
    )
    _table(
        out,
        "Evaluations",
        ["split", "metrics", "groups"],
        [
            [e.split, ", ".join(f"{k}={v:.4g}" for k, v in e.metrics.items()), ", ".join(e.by_group)]
            for e in evidence.evaluations
        ],
    )
    _table(
        out,
        "Explanations",
        ["method", "top features"],
        [
            [x.method, ", ".join(k for k, _ in sorted(x.importances.items(), key=lambda kv: -abs(kv[1]))[:5])]
            for x in evidence.explanations
        ],
    )
    _table(
        out,
        "Gaps (not captured)",
        ["what", "error"],
        [[g.what, f"{g.error_type}: {g.message}"] for g in evidence.gaps],
    )


def _table(out: Console, title: str, columns: list[str], rows: list[list[str]]) -> None:
    if not rows:
        return
    table = Table(*columns, title=title, title_justify="left", box=None)
    for row in rows:
        table.add_row(*row)
    out.print(table)
