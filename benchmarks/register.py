"""Register benchmark: compile and validate Algoritmeregister entries for many stored runs.

    python benchmarks/register.py            # 100, 1,000 and 10,000 runs (about 5 minutes)
    python benchmarks/register.py --quick    # 100 and 1,000 runs

Each run is a small captured pipeline (a dataset with personal and sensitive columns, a model,
an evaluation per group, an explanation), written by the real decorators. For each store size the
table shows the time to compile the model card and register entry of every run and validate each
entry, and — when the check module is installed — `check` of every run against the register's
items and against the Algoritmekader (168 requirements and measures, applicability from the declared
AI Act profile), with the growth from 100 to 1,000 runs. Targets at 1,000 runs: compile + validate under
10 s, check under 5 s, check --require algoritmekader under 10 s and linear. The runs are generated
by two processes in parallel (this machine has two cores); generating is not timed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Row, fmt_time, note, print_table, verdict

DECLARATION = Path(__file__).resolve().parents[1] / "examples" / "uitlegbaar.yaml"
COMPILE_TARGET_S = 10.0
CHECK_TARGET_S = 5.0
ALGORITMEKADER_TARGET_S = 10.0
TARGET_RUNS = 1_000


def generate(store: Path, runs: int, offset: int) -> None:
    """Capture `runs` small pipelines into `store` (run in a child process)."""
    import numpy as np
    import pandas as pd
    from sklearn.dummy import DummyClassifier

    import uitlegbaar as ub

    ub.configure(store=store)
    rng = np.random.default_rng(offset)
    frame = pd.DataFrame(
        {
            "bsn": [f"{100_000_000 + i}" for i in range(50)],
            "inkomen": rng.normal(30_000, 8_000, 50),
            "leeftijd": rng.integers(18, 80, 50),
            "geslacht": rng.choice(["vrouw", "man"], 50),
            "heronderzoek": rng.integers(0, 2, 50),
        }
    )

    @ub.train(model="toeslag-heronderzoek")
    def fit(X: pd.DataFrame, y: pd.Series) -> DummyClassifier:
        return DummyClassifier(strategy="prior").fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def evaluate(model: DummyClassifier, X: pd.DataFrame, y: pd.Series) -> dict[str, object]:
        return {"accuracy": 0.71, "geslacht": {"vrouw": {"selection_rate": 0.31}, "man": {"selection_rate": 0.29}}}

    @ub.explain(method="permutation_importance")
    def explain(model: DummyClassifier, X: pd.DataFrame) -> dict[str, float]:
        return {"inkomen": 0.12, "leeftijd": 0.04}

    for i in range(runs):
        with ub.run(f"training {offset + i}"):
            ub.record_dataset(
                frame,
                name="toeslagaanvragen",
                source="https://data.voorbeeldstad.nl/aanvragen",
                personal=["bsn"],
                sensitive=["geslacht"],
            )
            X, y = frame[["inkomen", "leeftijd"]], frame["heronderzoek"]
            model = fit(X, y)
            evaluate(model, X, y)
            explain(model, X)


def grow(store: Path, total: int, have: int) -> None:
    """Add runs until the store holds `total`, in two processes."""
    missing = total - have
    if missing <= 0:
        return
    halves = [(missing + 1) // 2, missing // 2]
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--generate", str(store), str(count), str(have + k * halves[0])],
            cwd=store.parent,
        )
        for k, count in enumerate(halves)
        if count
    ]
    for child in children:
        if child.wait() != 0:
            raise SystemExit("generating runs failed")


def compile_and_validate(store: Path) -> tuple[float, int, int]:
    """Seconds to compile and validate the entry of every run; entries and errors found."""
    from uitlegbaar.documents.register import errors, validate_entry
    from uitlegbaar.pipeline import compile_run
    from uitlegbaar.store import LocalStore

    local = LocalStore.open(store)
    started = time.perf_counter()
    problems = 0
    ids = local.run_ids()
    for run_id in ids:
        entry = compile_run(local, run_id, "register", declaration=DECLARATION).document
        problems += len(errors(validate_entry(entry.payload())))
    return time.perf_counter() - started, len(ids), problems


def check_all(store: Path, key: str = "algoritmeregister") -> tuple[float, int]:
    """Seconds to check every run against framework `key`; runs that failed the check."""
    from uitlegbaar.pipeline import check as build_check
    from uitlegbaar.store import LocalStore

    local = LocalStore.open(store)
    started = time.perf_counter()
    failed = sum(not build_check(local, r, [key], declaration=DECLARATION).ok for r in local.run_ids())
    return time.perf_counter() - started, failed


def main() -> int:
    parser = argparse.ArgumentParser(description="uitlegbaar register benchmark")
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 runs only")
    parser.add_argument("--generate", nargs=3, metavar=("STORE", "RUNS", "OFFSET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]), int(args.generate[2]))
        return 0
    sizes = (100, 1_000) if args.quick else (100, 1_000, 10_000)
    rows: list[Row] = []
    kader: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="uitlegbaar-register-") as tmp:
        store, have = Path(tmp) / "store", 0
        for size in sizes:
            note(f"generating runs up to {size:,}")
            grow(store, size, have)
            have = size
            note(f"compiling and validating {size:,} entries")
            seconds, entries, problems = compile_and_validate(store)
            at_target = size == TARGET_RUNS
            rows.append(
                Row(
                    f"compile + validate, {entries:,} runs ({problems} errors)",
                    fmt_time(seconds),
                    f"{seconds / entries * 1e3:.1f} ms a run",
                    "—",
                    "< 10 s" if at_target else "—",
                    verdict(seconds < COMPILE_TARGET_S and problems == 0) if at_target else "info",
                )
            )
            note(f"checking {size:,} runs")
            checked, failed = check_all(store)
            rows.append(
                Row(
                    f"check --require algoritmeregister, {size:,} runs ({failed} failed)",
                    fmt_time(checked),
                    f"{checked / size * 1e3:.1f} ms a run",
                    "—",
                    "< 5 s" if at_target else "—",
                    verdict(checked < CHECK_TARGET_S and not failed) if at_target else "info",
                )
            )
            note(f"checking {size:,} runs against the Algoritmekader")
            kader[size], missing = check_all(store, "algoritmekader")
            rows.append(
                Row(
                    f"check --require algoritmekader, {size:,} runs ({missing} not ready)",
                    fmt_time(kader[size]),
                    f"{kader[size] / size * 1e3:.1f} ms a run",
                    "—",
                    "< 10 s" if at_target else "—",
                    verdict(kader[size] < ALGORITMEKADER_TARGET_S) if at_target else "info",
                )
            )
    if 100 in kader and TARGET_RUNS in kader:
        ratio = kader[TARGET_RUNS] / kader[100]
        rows.append(
            Row(
                "check --require algoritmekader, growth 100 → 1,000 runs",
                fmt_time(kader[TARGET_RUNS]),
                f"{fmt_time(kader[100])} at 100",
                f"{ratio:.1f}×",
                "≤ 12× (linear: 10×)",
                verdict(ratio <= 12),
            )
        )
    print_table(rows, "uitlegbaar register benchmark (entries compiled, validated and checked per stored run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
