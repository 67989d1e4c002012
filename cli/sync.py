"""`uitlegbaar sync`: send evidence that could not reach its MLflow run (server unreachable) now."""

from __future__ import annotations

import click
from uitlegbaar.cli.app import Context, cli, emit_json, pass_context


@cli.command()
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for each run's upload.")
@click.option("--json", "as_json", is_flag=True, help="Print what was sent as JSON.")
@pass_context
def sync(ctx: Context, timeout: float, as_json: bool) -> None:
    """Upload every run whose evidence is still pending for its MLflow run; exit 1 if any is still not through."""
    from uitlegbaar.integrations.mlflow.link import sync as send_pending

    from uitlegbaar import pipeline

    outcomes = send_pending(pipeline.store_folder(ctx.location), timeout)
    if as_json:
        emit_json([{"run_id": run_id, "sent": problem is None, "problem": problem} for run_id, problem in outcomes])
    else:
        for run_id, problem in outcomes:
            click.echo(f"{run_id}: sent" if problem is None else f"{run_id}: not sent ({problem})")
        if not outcomes:
            click.echo("nothing to send: every run's evidence has reached its MLflow run")
    if any(problem is not None for _, problem in outcomes):
        raise SystemExit(1)
