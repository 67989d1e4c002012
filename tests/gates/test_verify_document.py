"""`uitlegbaar verify --document FILE`: a card, system card or register entry is checked against the store.

Every format is made by its own command, then checked as made (OK), with one changed value (found), against
a store whose evidence was changed (found), and with another run's evidence digest (found).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from uitlegbaar.cli.app import cli

import uitlegbaar as ub
from helpers import EXAMPLES
from pipelines import capture_run
from uitlegbaar.store import LocalStore
from uitlegbaar.store.format import SEALED

DECLARATION = EXAMPLES / "uitlegbaar.yaml"
DOCUMENTS = {
    "card.md": ["card", "latest"],
    "card.html": ["card", "latest", "--format", "html", "--lang", "nl"],
    "card.json": ["card", "latest", "--format", "json"],
    "system.yaml": ["systemcard", "latest"],
    "entry.json": ["register", "latest", "--force"],
    "entry.csv": ["register", "latest", "--format", "csv", "--force"],
}


def run_cli(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


def make(store: Path, folder: Path, name: str, run: str = "latest") -> Path:
    out = folder / name
    command = [run if a == "latest" else a for a in DOCUMENTS[name]]
    done = run_cli(store, *command, "-o", str(out), "--declaration", str(DECLARATION))
    assert done.exit_code == 0, done.output
    return out


def check(store: Path, path: Path, *run: str) -> Result:
    return run_cli(store, "verify", *run, "--document", str(path), "--declaration", str(DECLARATION), "--json")


def needs_run(name: str) -> tuple[str, ...]:
    return ("latest",) if name.startswith("entry") else ()


@pytest.fixture
def run_id(store: Path) -> Iterator[str]:
    yield capture_run()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_document_as_made_checks_out_and_one_changed_value_is_found(
    store: Path, run_id: str, tmp_path: Path, name: str
) -> None:
    path = make(store, tmp_path, name)
    done = check(store, path, *needs_run(name))
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["ok"] and report["run_id"] == run_id and report["records"] == len(LocalStore.open(store).load(run_id))
    text = path.read_text(encoding="utf-8-sig")
    assert "LogisticRegression" in text
    path.write_text(text.replace("LogisticRegression", "LogisticRegressioN", 1), encoding="utf-8")
    changed = check(store, path, *needs_run(name))
    assert changed.exit_code == 1, changed.output
    (problem,) = json.loads(changed.output)["problems"]
    assert problem.startswith("its content differs from what the run's evidence and the declaration give")


@pytest.mark.parametrize("name", ["card.json", "entry.json"])
def test_a_document_over_a_store_whose_evidence_changed_fails(
    store: Path, run_id: str, tmp_path: Path, name: str
) -> None:
    path = make(store, tmp_path, name)
    (sealed,) = (store / "runs" / run_id).glob(f"{SEALED}-*.parquet")
    damaged = bytearray(sealed.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    sealed.write_bytes(bytes(damaged))
    done = check(store, path, *needs_run(name))
    assert done.exit_code == 1
    assert json.loads(done.output)["problems"][0].startswith("the run's evidence does not verify")


def test_a_card_with_another_runs_digest_fails(store: Path, run_id: str, tmp_path: Path) -> None:
    path = make(store, tmp_path, "card.json")
    other = capture_run(c=0.5)
    card = json.loads(path.read_text())
    card["provenance"]["evidence_digest"] = LocalStore.open(store).load(other)[-1].digest
    path.write_text(json.dumps(card))
    done = check(store, path)
    assert done.exit_code == 1
    assert f"is no record of run {run_id}" in json.loads(done.output)["problems"][0]


def test_a_card_made_while_the_run_was_open_checks_out_with_a_note(store: Path, tmp_path: Path) -> None:
    @ub.dataset(name="aanvragen")
    def load() -> pd.DataFrame:
        return pd.DataFrame({"inkomen": [21000.0, 35000.5]})

    with ub.run("open") as run:
        load()
        assert run.flush()
        path = make(store, tmp_path, "card.json", run.id)
        done = check(store, path)
        load()
    after = check(store, path)
    assert done.exit_code == 0 and after.exit_code == 0, after.output
    report = json.loads(after.output)
    assert report["records"] < len(LocalStore.open(store).load(run.id))
    assert "compiled while the run was open" in report["notes"][0]


def test_a_register_entry_needs_the_run_and_a_stranger_file_is_no_document(
    store: Path, run_id: str, tmp_path: Path
) -> None:
    entry = make(store, tmp_path, "entry.json")
    done = run_cli(store, "verify", "--document", str(entry))
    assert done.exit_code == 2 and "names no run" in done.output and "uitlegbaar verify RUN --document" in done.output
    stranger = tmp_path / "notes.txt"
    stranger.write_text("just some notes\n")
    done = run_cli(store, "verify", "--document", str(stranger))
    assert done.exit_code == 2 and "is not a document uitlegbaar makes" in done.output


def test_the_text_report_names_the_document_and_the_run(store: Path, run_id: str, tmp_path: Path) -> None:
    path = make(store, tmp_path, "card.md")
    done = run_cli(store, "verify", "--document", str(path), "--declaration", str(DECLARATION))
    assert done.exit_code == 0
    assert done.output.splitlines() == [
        f"{path}: model card (Markdown) of run {run_id}",
        f"OK: compiled from the {len(LocalStore.open(store).load(run_id))} records of the run's evidence, unchanged",
    ]
