"""Ingest: teams' entries (JSON, CSV and Parquet files, folders) validated, deduplicated and compared with the
register's own JSON and CSV exports, as a plan; through the library and the installed command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT
from uitlegbaar.documents.register import to_csv
from uitlegbaar.documents.register.csv_export import parse_grouping, read_csv
from uitlegbaar.registry.ingest import comparable, make_plan
from uitlegbaar.registry.sources import Document, read_entries

EXECUTABLE = shutil.which("uitlegbaar") or str(Path(sys.executable).with_name("uitlegbaar"))


def entry(n: int, organization: str = "Gemeente Noorderhaaks", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": f"Voorspellen van verkeersdrukte {n}",
        "description_short": f"Dit algoritme {n} voorspelt hoe druk het wordt op de ringweg.",
        "organization": organization,
        "category": ["Verkeer", "Ruimte en infrastructuur"],
        "status": "In gebruik",
        "begin_date": "2024-03",
        "contact_email": "algoritmes@gemeentenoorderhaaks.nl",
        "publication_category": "Impactvolle algoritmes",
        "goal": f"Het doel is doorstroming {n} & veiligheid.",
        "risks": "<ul><li>Risico op fouten</li><li>Maatregel: controle</li></ul>",
        "lawful_basis_grouping": [{"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}],
        "impacttoetsen_grouping": [{"title": "Data Protection Impact Assessment (DPIA)"}],
        "methods_and_models": "<p>Regressiemodel; het model is niet zelflerend.</p>",
        "provider": "Intern ontwikkeld",
        "lang": "nld",
        "standard_version": "1.0",
        "source_id": f"ML-{n:04d}",
    }
    return base | changes


def docs(*entries: Any, origin: str = "test") -> list[Document]:
    return [Document("entry", e, f"{origin}#{i}") for i, e in enumerate(entries)]


def as_stored(e: dict[str, Any], lars: str) -> dict[str, Any]:
    """How the register's site-data JSON holds an entry: plain text wrapped in <p>, with its own fields."""
    rich = ("goal", "proportionality", "human_intervention", "lawful_basis", "source_data", "tags", "impacttoetsen")
    stored = {
        k: (f"<p>{v}</p>" if k in rich and isinstance(v, str) and not v.startswith("<") else v) for k, v in e.items()
    }
    return stored | {"lars": lars, "language": "NLD", "state": "PUBLISHED", "create_dt": "2025-01-01T00:00:00"}


def test_a_plan_sorts_entries_into_new_changed_unchanged_and_withdrawn() -> None:
    submitted = [entry(1), entry(2, status="Buiten gebruik", end_date="2025-06"), entry(4)]
    registered = [as_stored(entry(1), "11111111"), as_stored(entry(2), "22222222"), as_stored(entry(3), "33333333")]
    plan = make_plan(docs(*submitted), docs(*registered, origin="export"))
    got = {(i.action, i.source_id, i.lars) for i in plan.items}
    assert got == {
        ("unchanged", "ML-0001", "11111111"),  # <p>-wrapped by the register: still the same text
        ("changed", "ML-0002", "22222222"),
        ("new", "ML-0004", None),
        ("withdrawn", "ML-0003", "33333333"),
    }
    changed = plan.of("changed")[0]
    assert [(c.field, c.old, c.new) for c in changed.changes] == [
        ("status", "In gebruik", "Buiten gebruik"),
        ("end_date", None, "2025-06"),
    ]
    assert plan.ok and plan.counts() == {
        "new": 1,
        "changed": 1,
        "unchanged": 1,
        "withdrawn": 1,
        "rejected": 0,
        "duplicates": 0,
        "untracked": 0,
    }


def test_the_registers_csv_export_compares_like_its_json(tmp_path: Path) -> None:
    """The CSV export drops HTML and flattens lists and groupings; nothing then differs that did not change."""
    registered = [dict(entry(n), lars=f"1000000{n}") for n in range(1, 4)]
    export = tmp_path / "export.csv"
    export.write_bytes(to_csv(registered))
    submitted = [entry(1), entry(2), entry(3, goal="Een nieuw doel.")]
    plan = make_plan(docs(*submitted), read_entries([export]))
    assert {i.source_id: i.action for i in plan.items} == {
        "ML-0001": "unchanged",
        "ML-0002": "unchanged",
        "ML-0003": "changed",
    }
    assert [c.field for c in plan.of("changed")[0].changes] == ["goal"]
    assert plan.of("changed")[0].lars == "10000003"


def test_the_csv_export_reads_back_as_entries() -> None:
    original = entry(7, source_data_grouping=[{"title": "Lusdata, 2019-2023", "link": "https://data.nl/a,b"}])
    (back,) = read_csv(to_csv([dict(original, lars="12345678")]))
    assert back["lars"] == "12345678"
    assert back["category"] == original["category"]
    assert back["lawful_basis_grouping"] == original["lawful_basis_grouping"]
    assert back["impacttoetsen_grouping"] == original["impacttoetsen_grouping"]
    assert back["source_data_grouping"] == original["source_data_grouping"]
    assert back["risks"] == "Risico op foutenMaatregel: controle"  # the export strips HTML as the register's does
    assert comparable(back) == comparable(original)
    assert parse_grouping("1: A, https://a.nl. 2: B") == [{"title": "A", "link": "https://a.nl"}, {"title": "B"}]


def test_the_registers_old_csv_sample_reads(tmp_path: Path) -> None:
    sample = ROOT.parent / "shared/standards/algoritmeregister/examples/export-samples"
    files = sorted(sample.glob("*.csv")) if sample.is_dir() else []
    if not files:
        pytest.skip("../shared/standards/algoritmeregister/examples/export-samples is absent")
    (row,) = read_entries(files)
    assert row.data["organization"] == "Gemeente Amsterdam"
    assert row.data["category"] == ["Economie", "Wonen"]
    assert row.data["standard_version"] == "1.0"  # exported as "1.0.0" before the register renamed it
    assert "source_id" not in row.data
    plan = make_plan([], [row])
    assert plan.untracked == 1 and plan.items == ()


def test_identical_duplicates_merge_and_differing_ones_are_rejected() -> None:
    submitted = docs(entry(1), entry(1), entry(2), entry(2, name="Een andere naam"), origin="teams")
    registered = docs(as_stored(entry(2), "22222222"), origin="export")
    plan = make_plan(submitted, registered)
    assert [(i.action, i.source_id) for i in plan.items] == [("new", "ML-0001")]
    assert plan.duplicates == (("teams#1", "teams#0"),)
    assert [r.origin for r in plan.rejected] == ["teams#2", "teams#3"]
    assert "submitted 2 times with different content" in plan.rejected[0].reason
    assert not plan.ok
    # the conflicting entry is in the register, but it is not withdrawn: its team did submit it


def test_invalid_entries_are_rejected_with_their_problems_and_the_rest_is_planned() -> None:
    bad = entry(2, status="in gebruik", publication_category="Overige algoritmes (Categorie C)")
    no_id = {k: v for k, v in entry(3).items() if k != "source_id"}
    plan = make_plan(docs(entry(1), bad, no_id, ["not", "an", "entry"]), docs(as_stored(entry(2), "22222222")))
    assert [i.source_id for i in plan.items] == ["ML-0001"]
    reasons = {r.origin: r for r in plan.rejected}
    assert {p.field for p in reasons["test#1"].problems} == {"status", "publication_category"}
    assert "no source_id" in reasons["test#2"].reason
    assert reasons["test#3"].problems[0].rule == "type"
    assert not plan.of("withdrawn")  # the rejected ML-0002 is not taken for withdrawn


def test_withdrawn_is_only_judged_for_organisations_that_submitted() -> None:
    registered = docs(as_stored(entry(1), "11111111"), as_stored(entry(2, organization="Gemeente Elders"), "22222222"))
    plan = make_plan(docs(entry(3)), registered)
    assert {(i.action, i.organization) for i in plan.items} == {
        ("new", "Gemeente Noorderhaaks"),
        ("withdrawn", "Gemeente Noorderhaaks"),
    }


def test_the_same_source_id_in_two_organisations_is_two_entries() -> None:
    plan = make_plan(docs(entry(1), entry(1, organization="Gemeente Elders")))
    assert [(i.organization, i.source_id) for i in plan.items] == [
        ("Gemeente Elders", "ML-0001"),
        ("Gemeente Noorderhaaks", "ML-0001"),
    ]


def test_files_folders_and_the_site_data_dump_are_read(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    teams = tmp_path / "teams"
    (teams / "a").mkdir(parents=True)
    (teams / "a" / "one.json").write_text(json.dumps(entry(1)), encoding="utf-8")
    (teams / "a" / "list.json").write_text(json.dumps([entry(2), entry(3)]), encoding="utf-8")
    (teams / "export.csv").write_bytes(to_csv([entry(4)]))
    (teams / "notes.txt").write_text("not an entry")
    strings = pa.Table.from_pylist([{k: _cell(v) for k, v in entry(5).items()}])
    pq.write_table(strings, teams / "strings.parquet")  # the export layout: every cell text
    pq.write_table(pa.Table.from_pylist([entry(6)]), teams / "lists.parquet")  # lists and structs kept
    card = {"schema_version": 1, "algorithm": {}, "provenance": {}, "intended_use": {}, "title": "a card"}
    (teams / "card.json").write_text(json.dumps(card), encoding="utf-8")
    dump = {
        "algoritme_versions": [as_stored(entry(1), "11111111"), as_stored(entry(1), "11111111") | {"language": "ENG"}]
    }
    (tmp_path / "pub_data.json").write_text(json.dumps(dump), encoding="utf-8")

    found = read_entries([teams])
    assert sorted(d.data["source_id"] for d in found) == [f"ML-000{n}" for n in range(1, 7)]
    assert {Path(d.origin.split("#")[0].split(":row")[0]).name for d in found} == {
        "one.json",
        "list.json",
        "export.csv",
        "strings.parquet",
        "lists.parquet",
    }
    plan = make_plan(found, read_entries([tmp_path / "pub_data.json"]))  # the English copy is not an entry
    assert plan.ok and plan.counts()["unchanged"] == 1 and plan.counts()["new"] == 5


def _cell(value: Any) -> str:
    from uitlegbaar.documents.register.csv_export import cell

    return cell(value)


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXECUTABLE, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=dict(os.environ)
    )


def test_ingest_command_prints_a_table_and_the_same_plan_as_json(tmp_path: Path) -> None:
    (tmp_path / "team.json").write_text(json.dumps([entry(1), entry(2, status="Buiten gebruik")]), encoding="utf-8")
    (tmp_path / "register.csv").write_bytes(to_csv([dict(entry(2), lars="22222222"), dict(entry(9), lars="99999999")]))
    table = cli("ingest", str(tmp_path / "team.json"), "--register", str(tmp_path / "register.csv"))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["action", "organization", "source_id", "lars", "name", "changed", "fields"]
    assert any(line.startswith("changed") and "22222222" in line and line.endswith("status") for line in lines)
    assert any(line.startswith("withdrawn") and "ML-0009" in line for line in lines)
    assert lines[-1] == "1 new, 1 changed, 0 unchanged, 1 withdrawn"

    as_json = cli("ingest", str(tmp_path / "team.json"), "--register", str(tmp_path / "register.csv"), "--json")
    plan = json.loads(as_json.stdout)
    assert plan["kind"] == "uitlegbaar.register.plan" and plan["ok"] is True
    assert [(i["action"], i["source_id"]) for i in plan["items"]] == [
        ("new", "ML-0001"),
        ("changed", "ML-0002"),
        ("withdrawn", "ML-0009"),
    ]
    assert plan["items"][1]["changes"] == [{"field": "status", "old": "In gebruik", "new": "Buiten gebruik"}]
    assert plan["items"][0]["entry"] == entry(1)  # what publish will send
    again = cli("ingest", str(tmp_path / "team.json"), "--register", str(tmp_path / "register.csv"), "--json")
    assert again.stdout == as_json.stdout


def test_ingest_command_exits_1_when_an_entry_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "team.json").write_text(json.dumps([entry(1), entry(2, lang="NLD")]), encoding="utf-8")
    done = cli("ingest", str(tmp_path / "team.json"))
    assert done.returncode == 1
    assert "rejected:" in done.stdout and "lang" in done.stdout
    assert cli("ingest", str(tmp_path / "missing.json")).returncode == 2
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    broken = cli("ingest", str(tmp_path / "broken.json"))
    assert broken.returncode == 2 and "not valid JSON" in broken.stderr and "Traceback" not in broken.stderr
