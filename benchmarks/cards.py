"""Model-card benchmark: compile and render the HTML card of a large run, in process and end to end.

    python benchmarks/cards.py

The run has 3 datasets, a model with 200 features, an evaluation with 10 groups and importances for
every feature. Measured side by side in one run:

1. compile + render the HTML card in a process that has done it once (the library at work):
   target under 0.5 s;
2. `uitlegbaar card RUN --format html -o FILE` end to end, process start included, against
   `python -c "import uitlegbaar"` plus the compile in a fresh process (the first compile pays the
   lazy imports — pyarrow, pydantic, jinja2 — that any process which compiles a card must pay):
   target at most 1.5 times that. The ratio is what the command line adds over the library.
3. the same command, which verifies the run's hash chain before compiling, against `--no-verify`: target at
   most 1.2 times (verification adds at most 20%).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Row, best_of, fmt_ratio, fmt_time, note, print_table, verdict

FEATURES = 200
GROUPS = 10
ROWS = 5_000
REPEATS = 5
COMPILE_TARGET_S = 0.5
END_TO_END_TARGET = 1.5
VERIFY_TARGET = 1.2


def capture_large_run(store: Path) -> str:
    """A run with 3 datasets, 200 features, 10 groups, 200 importances (synthetic, seeded)."""
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import uitlegbaar as ub

    ub.configure(store=store)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({f"kenmerk_{i:03d}": rng.normal(size=ROWS) for i in range(FEATURES)})
    frame["groep"] = rng.choice([f"groep {g}" for g in range(GROUPS)], ROWS)
    frame["label"] = (frame["kenmerk_000"] + rng.normal(size=ROWS) > 0).astype(int)

    @ub.step
    def split(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        return data.iloc[: ROWS // 2], data.iloc[ROWS // 2 :]

    @ub.train(model="benchmark-model")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=200).fit(X, y)

    @ub.evaluate(split="test", sensitive=["groep"])
    def evaluate(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, object]:
        predicted = model.predict(X)
        per_group = {
            g: {
                "selection_rate": float(predicted[(groups == g).to_numpy()].mean()),
                "accuracy": float((predicted == y)[(groups == g).to_numpy()].mean()),
            }
            for g in sorted(groups.unique())
        }
        return {"accuracy": float((predicted == y).mean()), "groep": per_group}

    @ub.explain(method="coefficients")
    def explain(model: LogisticRegression, X: pd.DataFrame) -> dict[str, float]:
        return dict(zip(X.columns, model.coef_[0].tolist(), strict=True))

    with ub.run("cards benchmark") as run:
        ub.record_dataset(frame, name="aanvragen", source="memory://benchmark")
        train, test = split(frame)
        columns = [f"kenmerk_{i:03d}" for i in range(FEATURES)]
        model = fit(train[columns], train["label"])
        evaluate(model, test[columns], test["label"], test["groep"])
        explain(model, train[columns])
    return run.id


def compile_html(store: Path, run_id: str) -> str:
    from uitlegbaar.documents.card.render import render_card as render
    from uitlegbaar.pipeline import compile_run
    from uitlegbaar.store import LocalStore

    return render(compile_run(LocalStore.open(store), run_id, "card").document, "html")


COLD_COMPILE = """
import sys, time
import uitlegbaar
started = time.perf_counter()
from uitlegbaar.documents.card.render import render_card as render
from uitlegbaar.pipeline import compile_run
from uitlegbaar.store import LocalStore
render(compile_run(LocalStore.open(sys.argv[1]), sys.argv[2], "card").document, "html")
print(time.perf_counter() - started)
"""


def cold_compile_seconds(store: Path, run_id: str, env: dict[str, str], cwd: Path) -> float:
    """The fastest of REPEATS first compiles, each in a fresh process after `import uitlegbaar`."""
    command = [sys.executable, "-c", COLD_COMPILE, str(store), run_id]
    return min(
        float(subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True, text=True).stdout)
        for _ in range(REPEATS)
    )


def seconds_of(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """The fastest of REPEATS runs of a command."""
    seconds, _ = best_of(lambda: subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True), REPEATS)
    return seconds


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="uitlegbaar-cards-") as tmp:
        work = Path(tmp)
        store = work / "store"
        note("capturing a run with 3 datasets, 200 features, 10 groups")
        run_id = capture_large_run(store)
        compile_html(store, run_id)  # first use: imports and template loading
        note("compiling in process")
        compile_s, html = best_of(lambda: compile_html(store, run_id), REPEATS)
        env = {**os.environ, "UITLEGBAAR_STORE": str(store)}
        executable = str(Path(sys.executable).with_name("uitlegbaar"))
        note("end to end")
        end_to_end_s = seconds_of(
            [executable, "card", run_id, "--format", "html", "-o", str(work / "card.html")], env, work
        )
        unverified_s = seconds_of(
            [executable, "card", run_id, "--format", "html", "--no-verify", "-o", str(work / "card.html")], env, work
        )
        import_s = seconds_of([sys.executable, "-c", "import uitlegbaar"], env, work)
        cold_s = cold_compile_seconds(store, run_id, env, work)
        anchor = import_s + cold_s
        rows = [
            Row(
                "1. compile + render HTML card (in process)",
                fmt_time(compile_s),
                f"target {fmt_time(COMPILE_TARGET_S)}",
                fmt_ratio(compile_s, COMPILE_TARGET_S),
                "< 0.5 s",
                verdict(compile_s < COMPILE_TARGET_S),
            ),
            Row(
                "2. uitlegbaar card --format html (end to end)",
                fmt_time(end_to_end_s),
                f"import {fmt_time(import_s)} + first compile {fmt_time(cold_s)}",
                fmt_ratio(end_to_end_s, anchor),
                "≤ 1.5×",
                verdict(end_to_end_s <= END_TO_END_TARGET * anchor),
            ),
            Row(
                "3. the same, verified first (the default)",
                fmt_time(end_to_end_s),
                f"--no-verify {fmt_time(unverified_s)}",
                fmt_ratio(end_to_end_s, unverified_s),
                "≤ 1.2×",
                verdict(end_to_end_s <= VERIFY_TARGET * unverified_s),
            ),
            Row("   HTML size", f"{len(html.encode()) / 1024:.0f} KiB", "—", "—", "—", "info"),
        ]
    print_table(rows, "uitlegbaar model-card benchmark (3 datasets, 200 features, 10 groups)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
