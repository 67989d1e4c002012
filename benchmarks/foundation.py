"""Foundation benchmark: what uitlegbaar costs next to MLflow and next to training, in one run.

    python benchmarks/foundation.py            # full: 1,000,000-row frames (about 1 minute on 2 cores)
    python benchmarks/foundation.py --quick    # 200,000-row frames, fewer repeats

Four measurements, each against an anchor, printed as one table with PASS/FAIL per target:

1. `import uitlegbaar` vs `import mlflow` (fresh interpreters; target ≤ 10 %), and which heavy
   libraries `import uitlegbaar` pulls in (target: none of mlflow, sklearn, pandas, shap).
2. `fingerprint_table(to_arrow(df))` vs MLflow's `compute_pandas_digest(df)` (target ≤ 10 %), and
   whether each notices one changed cell in the last row.
3. Extra time per call of a trivial `@ub.step` function (target ≤ 50 µs), and the same with
   OpenTelemetry export switched on towards a closed port (information only).
4. Capturing a training set (`ub.record_dataset` + `ub.end_run`) vs fitting a
   HistGradientBoostingClassifier on it (target ≤ 5 %), after a small first capture that takes the
   one-time costs (reported on their own); the personal-data screening inside that capture against the
   rest of it (target ≤ 10 %), also for a frame of people (ten columns of personal data, ten of things).

Nothing is asserted and the exit status is 0 whatever the results; every store is a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from common import Row, best_of, fmt_ratio, fmt_time, note, print_table, timed, verdict

T = TypeVar("T")

HEAVY_MODULES = ("mlflow", "sklearn", "pandas", "shap")
LAZY_MODULES = ("numpy", "pyarrow", "pydantic", "opentelemetry")
OTEL_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
CITIES = (
    "Amsterdam",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Haarlem",
)
WARMUP_CALLS = 500
FIRST_CAPTURE_ROWS = 1_000
CHILD_TIMEOUT_S = 150.0
SEED = 20261128

IMPORT_TARGET = 0.10
FINGERPRINT_TARGET = 0.10
STEP_TARGET_US = 50.0
CAPTURE_TARGET = 0.05
SCREENING_TARGET = 0.10


@dataclass(frozen=True)
class Sizes:
    """How big and how often: the full variant or the quick one."""

    rows: int
    import_repeats: int
    calls: int
    call_repeats: int
    fingerprint_repeats: int
    mlflow_repeats: int
    time_otel_close: bool


FULL = Sizes(
    rows=1_000_000,
    import_repeats=5,
    calls=20_000,
    call_repeats=5,
    fingerprint_repeats=3,
    mlflow_repeats=2,
    time_otel_close=True,
)
QUICK = Sizes(
    rows=200_000,
    import_repeats=3,
    calls=5_000,
    call_repeats=3,
    fingerprint_repeats=3,
    mlflow_repeats=1,
    time_otel_close=False,
)


def child_env(store: Path, **extra: str) -> dict[str, str]:
    """The environment for a child interpreter: our store, no inherited OTLP endpoint."""
    env = {k: v for k, v in os.environ.items() if k not in OTEL_VARIABLES}
    env["UITLEGBAAR_STORE"] = str(store)
    env.update(extra)
    return env


def closed_port() -> int:
    """A local TCP port nobody listens on (bound once by us, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ 1. import time


def python_seconds(code: str, env: dict[str, str], cwd: Path) -> float:
    """Wall seconds of `python -c code` in a fresh interpreter."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def loaded_after_import(env: dict[str, str], cwd: Path) -> list[str]:
    """Which heavy or lazily loaded libraries are in sys.modules right after `import uitlegbaar`."""
    names = HEAVY_MODULES + LAZY_MODULES
    code = f"import json, sys, uitlegbaar; print(json.dumps([m for m in {names!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True, capture_output=True, text=True)
    return list(json.loads(done.stdout))


def measure_imports(sizes: Sizes, work: Path) -> list[Row]:
    """Median import cost of uitlegbaar and mlflow over fresh interpreters, minus a bare start."""
    env, cwd = child_env(work / "store-imports"), work
    codes = {
        "bare": "pass",
        "uitlegbaar": "import uitlegbaar",
        "first use": "import uitlegbaar; uitlegbaar.step",
        "mlflow": "import mlflow",
    }
    for code in codes.values():  # warm the file-system cache
        python_seconds(code, env, cwd)
    samples: dict[str, list[float]] = {name: [] for name in codes}
    for _ in range(sizes.import_repeats):
        for name, code in codes.items():  # interleaved, so drift hits all alike
            samples[name].append(python_seconds(code, env, cwd))
    median = {name: statistics.median(s) for name, s in samples.items()}
    ours = max(median["uitlegbaar"] - median["bare"], 0.0)
    first_use = max(median["first use"] - median["bare"], 0.0)
    mlflow = max(median["mlflow"] - median["bare"], 0.0)
    loaded = loaded_after_import(env, cwd)
    heavy = [m for m in loaded if m in HEAVY_MODULES]
    lazy = [m for m in LAZY_MODULES if m not in loaded]
    return [
        Row(
            "1. import uitlegbaar",
            fmt_time(ours),
            f"import mlflow {fmt_time(mlflow)}",
            fmt_ratio(ours, mlflow),
            f"≤ {IMPORT_TARGET:.0%}",
            verdict(ours <= IMPORT_TARGET * mlflow),
        ),
        Row(
            "1b. heavy modules after import",
            "none" if not heavy else ", ".join(heavy),
            f"not loaded either: {', '.join(lazy) or 'none'}",
            "—",
            f"none of {', '.join(HEAVY_MODULES)}",
            verdict(not heavy),
        ),
        Row(
            "1c. import + first use (ub.step)",
            fmt_time(first_use),
            f"import mlflow {fmt_time(mlflow)}",
            fmt_ratio(first_use, mlflow),
            "—",
            "info",
        ),
    ]


# ------------------------------------------------------------------ 2. fingerprint


def make_frame(rows: int) -> tuple[Any, Any]:
    """A seeded frame of 18 float64, 1 string and 1 int64 column, and a binary label for it."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    columns: dict[str, Any] = {f"x{i:02d}": rng.standard_normal(rows) for i in range(18)}
    columns["city"] = rng.choice(np.array(CITIES, dtype=object), rows)
    columns["count"] = rng.integers(0, 1_000, rows, dtype=np.int64)
    frame = pd.DataFrame(columns)
    signal = frame["x00"] + 0.5 * frame["x01"] - 0.25 * frame["x02"] + rng.standard_normal(rows)
    return frame, (signal.to_numpy() > 0).astype(np.int64)


def our_fingerprint(frame: Any) -> str:
    """uitlegbaar's exact fingerprint of a pandas frame, conversion to Arrow included."""
    from uitlegbaar.capture.fingerprint import fingerprint_table
    from uitlegbaar.capture.tables import to_arrow

    return str(fingerprint_table(to_arrow(frame)).digest)


def mlflow_digest(frame: Any) -> str:
    """MLflow's dataset digest of a pandas frame (what `mlflow.data.from_pandas` records)."""
    from mlflow.data.digest_utils import compute_pandas_digest

    return str(compute_pandas_digest(frame))


def measure_fingerprint(sizes: Sizes, frame: Any) -> list[Row]:
    """Time both digests of `frame`, then change one cell of its last row and digest again."""
    ours_s, ours = best_of(lambda: our_fingerprint(frame), sizes.fingerprint_repeats)
    theirs_s, theirs = best_of(lambda: mlflow_digest(frame), sizes.mlflow_repeats)
    changed = frame.copy()
    changed.iat[-1, 0] = changed.iat[-1, 0] + 1.0
    ours_after, theirs_after = our_fingerprint(changed), mlflow_digest(changed)
    shape = f"{len(frame):,} × {frame.shape[1]}"
    return [
        Row(
            f"2. fingerprint {shape}",
            fmt_time(ours_s),
            f"mlflow digest {fmt_time(theirs_s)}",
            fmt_ratio(ours_s, theirs_s),
            f"≤ {FINGERPRINT_TARGET:.0%}",
            verdict(ours_s <= FINGERPRINT_TARGET * theirs_s),
        ),
        Row(
            "2b. one cell changed in last row",
            f"ours {_moved(ours[:10], ours_after[:10])}",
            f"mlflow {_moved(theirs, theirs_after)}",
            "—",
            "ours changes",
            verdict(ours != ours_after),
        ),
    ]


def _moved(before: str, after: str) -> str:
    """`before→after (changed)` or `(SAME)`."""
    return f"{before}→{after} ({'changed' if before != after else 'SAME'})"


# ------------------------------------------------------------------ 3. per-call overhead


def overhead_child(calls: int, repeats: int, time_close: bool) -> None:
    """In a fresh interpreter: per-call cost of `f` and `@ub.step f` inside one run, as JSON lines."""
    import uitlegbaar as ub

    def f(x: int) -> int:
        return x + 1

    stepped = ub.step(f)
    with ub.run("foundation benchmark: per-call overhead"):
        for i in range(WARMUP_CALLS):
            stepped(i)
        plain, extra = [], []
        for _ in range(repeats):
            plain_s, _ = timed(lambda: _call_many(f, calls))
            stepped_s, _ = timed(lambda: _call_many(stepped, calls))
            plain.append(plain_s / calls * 1e6)
            extra.append((stepped_s - plain_s) / calls * 1e6)
        print(json.dumps({"plain_us": plain, "extra_us": extra}), flush=True)
        if not time_close:
            os._exit(0)  # skip closing the run: with an unreachable collector it takes seconds
        started = time.perf_counter()
    print(json.dumps({"close_s": time.perf_counter() - started}), flush=True)


def _call_many(fn: Callable[[int], int], calls: int) -> None:
    for i in range(calls):
        fn(i)


def run_overhead_child(sizes: Sizes, env: dict[str, str], time_close: bool) -> dict[str, Any]:
    """Run `overhead_child` in a fresh interpreter; its JSON lines merged (`error` when it failed)."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--overhead-child",
        str(sizes.calls),
        str(sizes.call_repeats),
    ] + (["--time-close"] if time_close else [])
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
        stdout, failed = done.stdout, done.returncode != 0
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        failed = True
    result: dict[str, Any] = {}
    for line in stdout.splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    if failed:
        result["error"] = f"child failed or took over {CHILD_TIMEOUT_S:.0f} s"
    return result


def measure_overhead(sizes: Sizes, work: Path) -> list[Row]:
    """Per-call overhead of @ub.step, without and with OTLP export, each in its own interpreter."""
    plain = run_overhead_child(sizes, child_env(work / "store-step"), time_close=True)
    endpoint = f"http://127.0.0.1:{closed_port()}"
    otel = run_overhead_child(
        sizes, child_env(work / "store-otel", OTEL_EXPORTER_OTLP_ENDPOINT=endpoint), time_close=sizes.time_otel_close
    )
    label = f"{sizes.calls:,} calls × {sizes.call_repeats}"
    rows = [
        _overhead_row(f"3. @ub.step extra per call ({label})", plain, checked=True),
        _overhead_row("3b. same, OTel export to closed port", otel, checked=False),
    ]
    rows.append(_close_row(plain, otel, timed_close=sizes.time_otel_close))
    return rows


def _overhead_row(name: str, result: dict[str, Any], *, checked: bool) -> Row:
    """The median extra µs per call (and its range) against the plain call."""
    target = f"≤ {STEP_TARGET_US:.0f} µs" if checked else "—"
    if "extra_us" not in result:
        return Row(name, result.get("error", "no result"), "—", "—", target, "FAIL" if checked else "info")
    extra = statistics.median(result["extra_us"])
    plain = statistics.median(result["plain_us"])
    spread = f"{min(result['extra_us']):.1f}–{max(result['extra_us']):.1f}"
    return Row(
        name,
        f"{extra:.1f} µs (range {spread})",
        f"plain call {plain:.2f} µs",
        fmt_ratio(plain + extra, plain),
        target,
        verdict(extra <= STEP_TARGET_US) if checked else "info",
    )


def _close_row(plain: dict[str, Any], otel: dict[str, Any], *, timed_close: bool) -> Row:
    """How long closing the run of line 3b took, against closing that of line 3."""
    name = "3c. run close, OTLP collector down"
    if "close_s" not in otel:
        return Row(
            name, otel.get("error", "not reported") if timed_close else "not timed (--quick)", "—", "—", "—", "info"
        )
    anchor = f"without OTel {fmt_time(plain['close_s'])}" if "close_s" in plain else "—"
    return Row(
        name, fmt_time(otel["close_s"]), anchor, fmt_ratio(otel["close_s"], plain.get("close_s", 0.0)), "—", "info"
    )


# ------------------------------------------------------------------ 4. capture vs training


def capture_dataset(frame: Any) -> tuple[float, str | None, float]:
    """Capture a training set inside an open run, as a pipeline does: fingerprint, profile, record, span
    and store write (timed until the record is on disk). Returns (seconds, record id, seconds to open
    and close the run, which a pipeline pays once however much it captures)."""
    import uitlegbaar as ub

    started = time.perf_counter()
    with ub.run("foundation benchmark: capture") as run:
        capture_s, record_id = timed(
            lambda: (ub.record_dataset(frame, name="aanvragen", source="memory://foundation-benchmark"), run.flush())[0]
        )
    return capture_s, record_id, time.perf_counter() - started - capture_s


def in_store(store: Path, record_id: str | None) -> bool:
    """True when the store holds the record `record_id` (to show the capture was written)."""
    from uitlegbaar.store.local import LocalStore

    local = LocalStore.open(store)
    return record_id is not None and any(
        row.id == record_id for run_id in local.run_ids() for row in local.read(run_id)
    )


def fit_model(frame: Any, label: Any) -> float:
    """Seconds to fit a HistGradientBoostingClassifier on the frame (city as a categorical)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    features = frame.assign(city=frame["city"].astype("category"))
    seconds, _ = timed(lambda: HistGradientBoostingClassifier(random_state=0).fit(features, label))
    return seconds


def measure_capture(frame: Any, label: Any, store: Path) -> list[Row]:
    """Capture time of the training set against one model fit on it, after a small first capture."""
    import uitlegbaar as ub

    ub.configure(store=store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first_s, _ = timed(lambda: capture_dataset(frame.head(FIRST_CAPTURE_ROWS)))
        capture_s, record_id, run_s = capture_dataset(frame)
    fit_s = fit_model(frame, label)
    captured = in_store(store, record_id) and not caught
    status = "record written" if captured else f"NOT captured, {len(caught)} warnings"
    return [
        Row(
            f"4. capture {len(frame):,} × {frame.shape[1]} ({status})",
            fmt_time(capture_s),
            f"HGB fit {fmt_time(fit_s)}",
            fmt_ratio(capture_s, fit_s),
            f"≤ {CAPTURE_TARGET:.0%}",
            verdict(captured and capture_s <= CAPTURE_TARGET * fit_s),
        ),
        Row(
            "4c. opening and closing that run",
            fmt_time(run_s),
            f"HGB fit {fmt_time(fit_s)}",
            fmt_ratio(run_s, fit_s),
            "—",
            "info",
        ),
        Row(
            f"4b. first capture in process ({FIRST_CAPTURE_ROWS:,} rows)",
            fmt_time(first_s),
            f"HGB fit {fmt_time(fit_s)}",
            fmt_ratio(first_s, fit_s),
            "—",
            "info",
        ),
        screening_row("4d. personal-data screening in 4", frame, capture_s),
    ]


def screening_row(name: str, frame: Any, capture_s: float) -> Row:
    """The screening for undeclared personal data that a capture of `frame` includes (best of 3, on the Arrow
    table the capture converts anyway), against the rest of that capture."""
    from uitlegbaar.analysis.personal_data import screen_table
    from uitlegbaar.capture.tables import to_arrow

    table = to_arrow(frame)
    screen_s, found = best_of(lambda: screen_table(table), 3)
    rest = capture_s - screen_s
    return Row(
        f"{name} ({len(found)} column(s) suspected)",
        fmt_time(screen_s),
        f"rest of capture {fmt_time(rest)}",
        fmt_ratio(screen_s, rest),
        f"≤ {SCREENING_TARGET:.0%}",
        verdict(screen_s <= SCREENING_TARGET * rest),
    )


def make_people_frame(rows: int) -> Any:
    """A seeded frame of 20 columns about people: e-mail addresses, names, BSNs, IBANs, phone numbers,
    postcodes with house numbers, dates of birth, IP addresses, notes and client numbers (none declared), and
    ten columns of things (codes, places, amounts, counts)."""
    import numpy as np
    import pandas as pd
    import phonenumbers
    from stdnum import iban
    from stdnum.nl import bsn

    rng = np.random.default_rng(SEED)
    pool = 5_000

    def pick(values: list[str]) -> Any:
        return np.array(values, dtype=object)[rng.integers(0, len(values), rows)]

    numbers = [str(v) for v in rng.integers(10**8, 10**9, pool * 12)]
    accounts = [f"INGB{v}" for v in rng.integers(10**9, 10**10, pool)]
    phones = [f"06{v}" for v in rng.integers(10**7, 10**8, pool)]
    born = pd.Timestamp("2026-01-01") - pd.to_timedelta(rng.integers(18 * 365, 90 * 365, rows), unit="D")
    first = np.array(["Jan", "Emma", "Mohamed", "Fatima", "Daan", "Sanne", "Pieter", "Noor"], dtype=object)
    last = np.array(["de Vries", "Jansen", "Bakker", "El Amrani", "Visser", "Yilmaz"], dtype=object)
    people = {
        "email": [f"klant{i}@voorbeeld.nl" for i in range(rows)],
        "naam": first[rng.integers(0, len(first), rows)] + " " + last[rng.integers(0, len(last), rows)],
        "bsn": pick([n for n in numbers if bsn.is_valid(n)]),
        "iban": pick([f"NL{iban.calc_check_digits('NL00' + a)}{a}" for a in accounts]),
        "telefoon": pick([p for p in phones if phonenumbers.is_valid_number(phonenumbers.parse(p, "NL"))]),
        "postcode": [f"{1000 + i % 8999} AB {i % 250 + 1}" for i in range(rows)],
        "geboortedatum": born.strftime("%Y-%m-%d"),
        "ip": [f"10.{i % 250}.{i // 250 % 250}.{i % 200 + 1}" for i in range(rows)],
        "notitie": [f"Klant {i} belde over de aanvraag en vroeg om een afspraak volgende week" for i in range(rows)],
        "klantnummer": rng.permutation(rows),
    }
    things = {
        "productcode": [f"PRD-{v:05d}" for v in rng.integers(0, 400, rows)],
        "gemeente": rng.choice(np.array(CITIES, dtype=object), rows),
        "regeling": rng.choice(np.array(["huurtoeslag", "zorgtoeslag", "kinderopvang"], dtype=object), rows),
        "status": rng.choice(np.array(["ingediend", "toegekend", "afgewezen"], dtype=object), rows),
        "bedrag": rng.lognormal(6, 1, rows).round(2),
        "inkomen": rng.lognormal(10.1, 0.45, rows).round(0).astype(np.int64),
        "aantal": rng.poisson(3, rows),
        "maanden": rng.integers(1, 400, rows),
        "score": rng.random(rows),
        "jaar": rng.integers(2020, 2026, rows),
    }
    return pd.DataFrame({**people, **things})


def measure_people_screening(rows: int) -> list[Row]:
    """Capture a frame about people (every personal column suspected: a warning, as users see it) and compare
    the screening inside that capture with the rest of it."""
    frame = make_people_frame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        capture_s, _, _ = capture_dataset(frame)
    return [screening_row(f"4e. the same, {rows:,} × {frame.shape[1]} about people", frame, capture_s)]


# ------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the four measurements and print the table (always exits 0)."""
    parser = argparse.ArgumentParser(description="uitlegbaar foundation benchmark")
    parser.add_argument("--quick", action="store_true", help="200,000-row frames and fewer repeats")
    parser.add_argument("--overhead-child", nargs=2, type=int, metavar=("CALLS", "REPEATS"), help=argparse.SUPPRESS)
    parser.add_argument("--time-close", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.overhead_child:
        calls, repeats = args.overhead_child
        overhead_child(calls, repeats, time_close=args.time_close)
        return 0
    for name in OTEL_VARIABLES:  # the in-process capture is measured without export
        os.environ.pop(name, None)
    sizes = QUICK if args.quick else FULL
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="uitlegbaar-bench-") as tmp:
        work = Path(tmp)
        rows: list[Row] = []
        note("1/4 import time (fresh interpreters)")
        rows += measure_imports(sizes, work)
        note("3/4 per-call overhead (fresh interpreters; the OTel one waits for its run to close)")
        overhead = measure_overhead(sizes, work)
        note(f"2/4 fingerprint of a {sizes.rows:,}-row frame vs MLflow's digest")
        frame, label = make_frame(sizes.rows)
        rows += measure_fingerprint(sizes, frame)
        rows += overhead
        note("4/4 capture vs HistGradientBoostingClassifier.fit")
        rows += measure_capture(frame, label, work / "store-capture")
        note("4/4 personal-data screening of a frame about people")
        rows += measure_people_screening(sizes.rows)
    variant = "quick" if args.quick else "full"
    took = time.perf_counter() - started
    print_table(
        rows,
        f"uitlegbaar foundation benchmark ({variant}; {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at start; Python {sys.version.split()[0]}; {took:.0f} s)",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
