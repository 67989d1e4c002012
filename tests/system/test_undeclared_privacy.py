"""Personal data that nobody declared stays out of the store and out of every output.

A real pipeline runs in a fresh process on a table with one undeclared column of each kind of personal data
(BSNs that pass the eleven-test, IBANs with valid check digits, e-mail addresses, phone numbers, postcodes with
house numbers, names, dates of birth, IP addresses, free text and client codes) and a scheme column with one value
that occurs only three times. Then every file of the store and everything every command prints or writes is
scanned for each of those values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from helpers import EXAMPLES, TESTS
from people import PERSONAL, personal_frame

EXECUTABLE = str(Path(sys.executable).with_name("uitlegbaar"))
RARE = "ZELDZAAM-Q7"
ROWS = 300

DRIVER = """
import sys
sys.path.insert(0, {tests!r})
import numpy as np
from sklearn.linear_model import LogisticRegression
import uitlegbaar as ub
from people import personal_frame

rng = np.random.default_rng(1)
schemes = ["huurtoeslag"] * 150 + ["zorgtoeslag"] * ({rows} - 153) + [{rare!r}] * 3
frame = personal_frame({rows}).assign(
    regeling=rng.permutation(schemes),
    inkomen=rng.lognormal(10, 0.4, {rows}),
    kinderen=rng.integers(0, 4, {rows}),
    geslacht=rng.choice(["vrouw", "man"], {rows}),
    label=rng.integers(0, 2, {rows}),
)

@ub.dataset(name="klanten", source="s3://gemeente/klanten.parquet", sensitive=["geslacht"])
def load():
    return frame

@ub.step
def features(df):
    return df[["inkomen", "kinderen"]] / [1e5, 1.0], df["label"], df["geslacht"]

@ub.train(model="toeslag-heronderzoek")
def fit(X, y):
    return LogisticRegression().fit(X, y)

@ub.evaluate(split="test", sensitive=["geslacht"])
def evaluate(model, X, y, geslacht):
    return {{"accuracy": float((model.predict(X) == y).mean())}}

@ub.explain(method="coefficients")
def explain(model, X):
    return dict(zip(X.columns, model.coef_[0].tolist()))

with ub.run("klanten") as run:
    X, y, groups = features(load())
    model = fit(X, y)
    evaluate(model, X, y, groups)
    explain(model, X)
print(run.id)
"""

COMMANDS = {
    "card.md": ["card", "{run}", "-o", "card.md"],
    "card.nl.md": ["card", "{run}", "--lang", "nl", "-o", "card.nl.md"],
    "card.html": ["card", "{run}", "--format", "html", "-o", "card.html"],
    "card.nl.html": ["card", "{run}", "--format", "html", "--lang", "nl", "-o", "card.nl.html"],
    "card.json": ["card", "{run}", "--format", "json", "-o", "card.json"],
    "register.json": ["register", "{run}", "--force", "-o", "register.json"],
    "register.csv": ["register", "{run}", "--format", "csv", "--force", "-o", "register.csv"],
    "systemcard.yaml": ["systemcard", "{run}", "-o", "systemcard.yaml"],
    **{
        f"export.{fmt}.json": ["export", "{run}", "--to", fmt, "-o", f"export.{fmt}.json"]
        for fmt in ("cyclonedx", "openlineage", "spdx", "croissant")
    },
    "lineage.html": ["lineage", "{run}", "--format", "html", "-o", "lineage.html"],
}
PRINTED = {
    "show": ["show", "{run}"],
    "show.json": ["show", "{run}", "--json"],
    "runs.json": ["runs", "--json"],
    "lineage.txt": ["lineage", "{run}"],
    "check.json": ["check", "{run}", "--require", "algoritmeregister", "--json"],
    "diff.json": ["diff", "{run}", "{run}", "--json"],
    "verify.json": ["verify", "--json"],
}


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """(store, every output by name, the pipeline's standard error)."""
    work = tmp_path_factory.mktemp("klanten")
    (work / "uitlegbaar.yaml").write_bytes((EXAMPLES / "uitlegbaar.yaml").read_bytes())
    store = work / ".uitlegbaar"
    env = {**os.environ, "UITLEGBAAR_STORE": str(store), "COLUMNS": "200", "PYTHONWARNINGS": "always"}
    done = run([sys.executable, "-c", DRIVER.format(tests=str(TESTS), rows=ROWS, rare=RARE)], env, work)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    outputs: dict[str, str] = {}
    for name, command in COMMANDS.items():
        made = run([EXECUTABLE, *(a.format(run=run_id) for a in command)], env, work)
        assert made.returncode == 0, (name, made.stderr)
        outputs[name] = (work / name).read_text(encoding="utf-8-sig") + made.stdout + made.stderr
    for name, command in PRINTED.items():
        made = run([EXECUTABLE, *(a.format(run=run_id) for a in command)], env, work)
        assert made.returncode in (0, 1), (name, made.stderr)
        outputs[name] = made.stdout + made.stderr
    return store, outputs, done.stderr


def store_files(store: Path) -> dict[str, str]:
    """Every file in the store as text: Parquet files by their rows, every other file as it is."""
    texts = {}
    for path in sorted(p for p in store.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            texts[str(path)] = json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False)
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


def test_one_warning_names_every_undeclared_column(pipeline: tuple[Path, dict[str, str], str]) -> None:
    _, _, stderr = pipeline
    warned = [line for line in stderr.splitlines() if "UitlegbaarWarning" in line]
    assert len(warned) == 1, stderr
    assert all(f"kolom_{kind}" in warned[0] for kind in PERSONAL)


def test_no_undeclared_personal_value_is_stored_or_shown(pipeline: tuple[Path, dict[str, str], str]) -> None:
    store, outputs, _ = pipeline
    frame = personal_frame(ROWS)
    texts = {**store_files(store), **outputs}
    assert "huurtoeslag" in "".join(store_files(store).values())  # values of other columns are stored: it can fail
    assert "kolom_email" in outputs["card.html"]  # the columns themselves are named
    leaks = {
        (where, column)
        for column in frame
        for value in frame[column]
        for where, text in texts.items()
        if str(value) in text
    }
    assert leaks == set()


def test_a_value_occurring_fewer_than_ten_times_is_nowhere(pipeline: tuple[Path, dict[str, str], str]) -> None:
    store, outputs, _ = pipeline
    texts = {**store_files(store), **outputs}
    assert [where for where, text in texts.items() if RARE in text] == []
    assert "huurtoeslag (150)" in outputs["card.html"]
    assert "1 value(s) occurring fewer than 10 times not shown" in outputs["card.html"]


def test_the_card_says_which_columns_are_suspected(pipeline: tuple[Path, dict[str, str], str]) -> None:
    _, outputs, _ = pipeline
    assert "Suspected personal data (not confirmed):** kolom\\_bsn (national identifier (BSN))" in outputs["card.md"]
    assert "suspected: e-mail addresses" in outputs["card.html"]
    assert "vermoedelijk: e-mailadressen" in outputs["card.nl.html"]
    card, _ = json.JSONDecoder().raw_decode(outputs["card.json"])  # the file, then what the command printed
    assert card["training_data"][0]["privacy"]["suspected"] == [f"kolom_{kind}" for kind in PERSONAL]
    assert "undeclared personal data" in outputs["card.md"]  # the gap record asks to confirm them
