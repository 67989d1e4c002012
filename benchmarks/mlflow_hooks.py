"""MLflow benchmarks, side by side in one run against a real local `mlflow server` (SQLite, started here):

1. `ub.autolog()` on top of `mlflow.sklearn.autolog()`: HistGradientBoostingClassifier, 200,000 rows × 20 columns,
   100 iterations. Targets: the extra wall time uitlegbaar adds is at most 10% of what MLflow's autolog adds over
   bare training, and at most 15% of the bare fit.
2. A model card compiled from `models:/<name>/1` on the tracking server (evidence downloaded into an empty cache)
   against the same compile from the local store. Target: at most 2×.

    python benchmarks/mlflow_hooks.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import Row, fmt_ratio, fmt_time, note, print_table, verdict

ROWS, COLUMNS, ITERATIONS = 200_000, 20, 100


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(port),
         "--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}", "--artifacts-destination", str(folder / "a")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{uri}/health", timeout=1):
                return server, uri
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("mlflow server did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    import warnings

    warnings.filterwarnings("ignore")
    import mlflow
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier
    from uitlegbaar.integrations.mlflow.store import MlflowStore

    import uitlegbaar as ub
    from uitlegbaar.pipeline import compile_run
    from uitlegbaar.store import LocalStore

    folder = Path(tempfile.mkdtemp(prefix="uitlegbaar-bench-mlflow-"))
    note("starting mlflow server")
    server, uri = start_server(folder)
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment("benchmark")
        rng = np.random.default_rng(20261128)
        X = pd.DataFrame({f"kenmerk_{i:02d}": rng.normal(size=ROWS) for i in range(COLUMNS)})
        y = pd.Series((X["kenmerk_00"] + 0.5 * X["kenmerk_01"] + rng.normal(size=ROWS) > 0).astype(int))

        def train() -> None:
            HistGradientBoostingClassifier(max_iter=ITERATIONS, early_stopping=False, random_state=0).fit(X, y)

        ub.configure(store=folder / "store")
        timed = alternate(train, mlflow.sklearn.autolog, repeats, registered_model_name="benchmark-hgb")
        ours, bare_s = timed.inside, timed.bare

        note("compiling cards")
        latest = LocalStore.open(folder / "store").summaries()[-1].run_id
        version = max(int(v.version) for v in mlflow.MlflowClient().search_model_versions("name='benchmark-hgb'"))
        model = f"models:/benchmark-hgb/{version}"
        local_s = statistics.median(
            _time(lambda: compile_run(LocalStore.open(folder / "store"), latest, "card").document)
            for _ in range(repeats)
        )
        remote_s = statistics.median(
            _time(lambda: compile_run(MlflowStore(uri, tempfile.mkdtemp()), model, "card")) for _ in range(repeats)
        )
        warm = MlflowStore(uri, tempfile.mkdtemp())
        compile_run(warm, model, "card")  # fills the cache
        warm_s = statistics.median(_time(lambda: compile_run(warm, model, "card").document) for _ in range(repeats))
        cli = [str(Path(sys.executable).parent / "uitlegbaar")]
        cli_local_s = statistics.median(
            _time(lambda: _run([*cli, "--store", str(folder / "store"), "card", latest])) for _ in range(repeats)
        )
        cli_remote_s = statistics.median(
            _time(lambda: _run([*cli, "--store", "mlflow", "--tracking-uri", uri, "card", model], fresh_cache=True))
            for _ in range(repeats)
        )
    finally:
        server.terminate()
    rows = [
        *autolog_rows(timed, "bare HGB fit (200k × 20, 100 iterations)", "mlflow.sklearn.autolog()"),
        Row(
            "ub.autolog() extra vs bare fit",
            fmt_time(ours),
            f"bare fit {fmt_time(bare_s)}",
            fmt_ratio(ours, bare_s),
            "≤ 15%",
            verdict(ours <= 0.15 * bare_s),
        ),
        Row(
            f"`uitlegbaar card {model}` (empty cache)",
            fmt_time(cli_remote_s),
            f"local store {fmt_time(cli_local_s)}",
            fmt_ratio(cli_remote_s, cli_local_s),
            "≤ 2×",
            verdict(cli_remote_s <= 2 * cli_local_s),
        ),
        Row(
            "   in process, empty cache",
            fmt_time(remote_s),
            f"local store {fmt_time(local_s)}",
            fmt_ratio(remote_s, local_s),
            "—",
            "info",
        ),
        Row(
            "   in process, evidence cached",
            fmt_time(warm_s),
            f"local store {fmt_time(local_s)}",
            fmt_ratio(warm_s, local_s),
            "—",
            "info",
        ),
    ]
    print_table(rows, f"uitlegbaar MLflow benchmark (median of {repeats} rounds, one process, local mlflow server)")
    return 0


@dataclass(frozen=True)
class Alternated:
    """Medians over the rounds of `alternate` (seconds), and every round's figures."""

    bare: float
    mlflow: float
    both: float
    inside: float
    rounds: dict[str, list[float]]

    @property
    def mlflow_extra(self) -> float:
        return self.mlflow - self.bare


def alternate(train: Callable[[], None], autolog: Callable[..., None], repeats: int, **options: object) -> Alternated:
    """Time `train` bare, in an MLflow run under MLflow's `autolog(**options)`, and with `ub.autolog()` on top, round
    after round (after one warm-up), with the time spent inside uitlegbaar's hooks in the last."""
    import mlflow

    import uitlegbaar as ub

    def timed(in_run: bool) -> float:
        started = time.perf_counter()
        if in_run:
            with mlflow.start_run():
                train()
        else:
            train()
        return time.perf_counter() - started

    inside = _time_inside_hooks()
    timed(False)  # warm-up: the first fit pays for imports and thread pools
    rounds: dict[str, list[float]] = {"bare": [], "mlflow": [], "mlflow+ub": [], "inside": []}
    try:
        for i in range(repeats):
            note(f"round {i + 1}/{repeats}")
            autolog(disable=True)
            ub.autolog(disable=True)
            rounds["bare"].append(timed(False))
            autolog(**options)
            rounds["mlflow"].append(timed(True))
            ub.autolog()
            inside.clear()
            rounds["mlflow+ub"].append(timed(True))
            rounds["inside"].append(sum(inside))
    finally:
        autolog(disable=True)
        ub.autolog(disable=True)
    note("rounds " + ", ".join(f"{k}: {[round(t, 2) for t in v]}" for k, v in rounds.items()))
    bare, with_mlflow, both, ours = (statistics.median(rounds[k]) for k in ("bare", "mlflow", "mlflow+ub", "inside"))
    return Alternated(bare, with_mlflow, both, ours, rounds)


def autolog_rows(timed: Alternated, bare_label: str, autolog_name: str) -> list[Row]:
    """The rows every autolog benchmark prints: the three timings and the target, the time inside uitlegbaar's
    hooks at most 10% of what MLflow's autolog adds over bare training."""
    theirs = timed.mlflow_extra
    return [
        Row(bare_label, fmt_time(timed.bare), "—", "—", "—", "info"),
        Row(f"with {autolog_name}", fmt_time(timed.mlflow), f"+{fmt_time(theirs)} over bare", "—", "—", "info"),
        Row(
            "with ub.autolog() on top",
            fmt_time(timed.both),
            f"{timed.both - timed.mlflow:+.2f} s over MLflow alone",
            "—",
            "—",
            "info",
        ),
        Row(
            "ub.autolog() extra: time inside its hooks",
            fmt_time(timed.inside),
            f"MLflow's extra {fmt_time(theirs)}",
            fmt_ratio(timed.inside, theirs),
            "≤ 10%",
            verdict(timed.inside <= 0.10 * theirs),
        ),
    ]


def _time_inside_hooks() -> list[float]:
    """Wrap ub.autolog()'s capture functions to add up the time spent in them (the rest of a fit is MLflow's)."""
    from uitlegbaar.integrations.mlflow import hooks

    spent: list[float] = []
    for name in (
        "_fit_tables",
        "_container_table",
        "_capture_fit",
        "_capture_logged_model",
        "_log_input_capture",
        "_finish",
    ):
        original = getattr(hooks, name, None)
        if original is None:
            continue

        def timed(*args: object, _original: object = original, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)  # type: ignore[operator]
            finally:
                spent.append(time.perf_counter() - started)

        setattr(hooks, name, timed)
    return spent


def _run(command: list[str], fresh_cache: bool = False) -> None:
    env = {**os.environ, **({"UITLEGBAAR_CACHE": tempfile.mkdtemp()} if fresh_cache else {})}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)


def _time(fn: object) -> float:
    started = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    raise SystemExit(main())
