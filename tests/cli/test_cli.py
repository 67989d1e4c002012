"""The command line, run as users run it: the installed `uitlegbaar` console script in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import uitlegbaar as ub
from helpers import cli
from uitlegbaar.store import LocalStore


@pytest.fixture
def two_runs(store: Path) -> list[str]:
    import pandas as pd

    @ub.dataset(name="aanvragen", personal=["bsn"])
    def load() -> pd.DataFrame:
        return pd.DataFrame({"bsn": ["123456782", "111222333"], "inkomen": [21000.0, 35000.5]})

    ids = []
    for name in ("eerste", "tweede"):
        with ub.run(name) as run:
            load()
        ids.append(run.id)
    return ids


def test_version() -> None:
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"uitlegbaar, version {ub.__version__}"


def test_runs_lists_every_run_as_a_table_and_as_json(store: Path, two_runs: list[str]) -> None:
    table = cli("runs", store=store)
    assert table.returncode == 0
    assert all(run_id[:12] in table.stdout for run_id in two_runs)
    listed = json.loads(cli("runs", "--json", store=store).stdout)
    assert [r["run_id"] for r in listed] == two_runs
    assert [r["status"] for r in listed] == ["finished", "finished"]
    assert listed[0]["kinds"] == {"run": 1, "dataset": 1, "run_end": 1}


def test_show_takes_an_id_a_prefix_or_latest(store: Path, two_runs: list[str]) -> None:
    by_prefix = json.loads(cli("show", two_runs[0][:8], "--json", store=store).stdout)
    latest = json.loads(cli("--store", str(store), "show", "latest", "--json").stdout)
    assert by_prefix["run"]["name"] == "eerste" and latest["run"]["run_id"] == two_runs[1]
    dataset = next(r for r in latest["records"] if r["kind"] == "dataset")
    assert dataset["personal"] == ["bsn"] and dataset["num_rows"] == 2
    text = cli("show", "latest", store=store).stdout
    assert "aanvragen" in text and "tweede" in text and "123456782" not in text


def test_verify_passes_then_fails_with_exit_1_naming_the_tampered_record(store: Path, two_runs: list[str]) -> None:
    assert cli("verify", store=store).returncode == 0
    (sealed,) = (store / "runs" / two_runs[1]).glob("sealed-*.parquet")
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2] ^= 0x01
    sealed.write_bytes(bytes(data))
    done = cli("verify", "--json", store=store)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert not report["ok"] and {p["run_id"] for p in report["problems"]} == {two_runs[1]}
    assert "TAMPERED" in cli("verify", store=store).stdout


def test_bad_input_gets_one_clear_line_and_exit_2(tmp_path: Path, store: Path, two_runs: list[str]) -> None:
    missing = cli("runs", store=tmp_path / "nowhere")
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("Error: no uitlegbaar store at") and "Traceback" not in missing.stderr
    unknown = cli("show", "zzzz", store=store)
    assert unknown.returncode == 2 and "no run matches 'zzzz'" in unknown.stderr
    assert cli("show", store=store).returncode == 2  # click's own usage error


def test_schema_records_is_a_json_schema_of_every_record_kind() -> None:
    schema = json.loads(cli("schema", "records").stdout)
    kinds = {ref.rsplit("/", 1)[-1] for ref in schema["discriminator"]["mapping"].values()}
    assert kinds == {
        "RunRecord",
        "RunEndRecord",
        "DatasetRecord",
        "StepRecord",
        "ModelRecord",
        "LoggedModelRecord",
        "MlflowRunRecord",
        "EvaluationRecord",
        "ExplanationRecord",
        "GapRecord",
    }


def test_help_and_import_stay_light() -> None:
    probe = (
        "import sys, uitlegbaar, uitlegbaar.cli; "
        "print(sorted(m for m in ('mlflow', 'sklearn', 'pandas', 'shap', 'pyarrow', 'pydantic') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"
    assert cli("--help").returncode == 0


def test_the_store_written_by_a_run_is_what_the_cli_reads(store: Path, two_runs: list[str]) -> None:
    assert {s.run_id for s in LocalStore.open(store).summaries()} == set(two_runs)


def test_no_module_of_the_package_shadows_a_name_of_its_api() -> None:
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(ub.__path__)}
    assert not modules & set(ub.__all__), modules & set(ub.__all__)
