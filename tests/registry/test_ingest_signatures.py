"""`uitlegbaar ingest --trusted-keys DIR`: each entry's attestation checked against the maintainer's folder of team
keys: signed by whom, unsigned (a warning; rejected with --require-signed), or invalid (rejected)."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from uitlegbaar.cli.app import cli

from helpers import EXAMPLES, key_pair
from pipelines import capture_run
from uitlegbaar.attest.keys import load_signing_key, trusted_keys
from uitlegbaar.attest.run import attest_run
from uitlegbaar.errors import ConfigurationError
from uitlegbaar.registry.ingest import make_plan
from uitlegbaar.registry.signatures import check_documents
from uitlegbaar.registry.sources import read_entries
from uitlegbaar.store import LocalStore


@dataclass(frozen=True)
class Teams:
    root: Path  # teams/<team>/… as submitted
    trusted: Path  # the maintainer's folder of public keys
    entry: Path  # a signed entry, its attestation beside it
    attestation: Path
    secret: Path


def ingest(*args: str) -> Result:
    return CliRunner().invoke(cli, ["ingest", *args], catch_exceptions=False)


@pytest.fixture
def teams(store: Path, tmp_path: Path) -> Teams:
    capture_run()
    secret, public = key_pair(tmp_path / "team-keys", "team-toeslagen")
    made = attest_run(
        LocalStore.open(store), "latest", load_signing_key(secret), declaration=EXAMPLES / "uitlegbaar.yaml"
    )
    folder = tmp_path / "teams" / "toeslagen"
    folder.mkdir(parents=True)
    entry = folder / "entry.json"
    entry.write_bytes(next(d.data for d in made.documents if d.name == "register.json"))
    attestation = folder / "entry.json.intoto.jsonl"
    attestation.write_bytes(made.envelope)
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    shutil.copy(public, trusted / "team-toeslagen.pub")
    return Teams(tmp_path / "teams", trusted, entry, attestation, secret)


def plan_of(teams: Teams, *extra: str) -> tuple[int, dict[str, Any]]:
    done = ingest(str(teams.root), "--trusted-keys", str(teams.trusted), "--json", *extra)
    return done.exit_code, json.loads(done.stdout)


def unsigned_entry(teams: Teams) -> Path:
    other = teams.root / "other" / "entry.json"
    other.parent.mkdir()
    other.write_text(json.dumps(json.loads(teams.entry.read_bytes()) | {"source_id": "ander-algoritme"}))
    return other


def test_a_signed_entry_is_planned_with_its_signer(teams: Teams) -> None:
    code, plan = plan_of(teams)
    assert code == 0
    (item,) = plan["items"]
    assert item["action"] == "new"
    assert item["signature"]["status"] == "signed" and item["signature"]["signer"] == "team-toeslagen"
    assert plan["counts"]["signed"] == 1
    table = ingest(str(teams.root), "--trusted-keys", str(teams.trusted))
    assert table.exit_code == 0 and "signed by" in table.output and "team-toeslagen" in table.output


def test_an_attestation_elsewhere_among_the_paths_covers_the_entry_by_its_digest(teams: Teams) -> None:
    teams.attestation.rename(teams.root / "run-2026-11.intoto.jsonl")
    code, plan = plan_of(teams)
    assert code == 0 and plan["items"][0]["signature"]["signer"] == "team-toeslagen"


def test_a_key_not_in_the_trusted_folder_is_rejected(teams: Teams, tmp_path: Path) -> None:
    stranger, _ = key_pair(tmp_path / "stranger", "stranger")
    store = teams.root.parent / "store"
    made = attest_run(
        LocalStore.open(store), "latest", load_signing_key(stranger), declaration=EXAMPLES / "uitlegbaar.yaml"
    )
    teams.attestation.write_bytes(made.envelope)
    code, plan = plan_of(teams)
    assert code == 1 and plan["items"] == []
    (rejected,) = plan["rejected"]
    assert rejected["reason"].startswith("signature invalid") and "none of the trusted keys" in rejected["reason"]


def test_an_entry_changed_after_signing_is_rejected(teams: Teams) -> None:
    entry = json.loads(teams.entry.read_bytes())
    teams.entry.write_text(json.dumps(entry | {"name": entry["name"] + " (aangepast)"}))
    code, plan = plan_of(teams)
    assert code == 1 and "but not this file" in plan["rejected"][0]["reason"]


def test_a_damaged_signature_is_rejected(teams: Teams) -> None:
    envelope = json.loads(teams.attestation.read_bytes())
    sig = envelope["signatures"][0]["sig"]
    envelope["signatures"][0]["sig"] = ("B" if sig[0] == "A" else "A") + sig[1:]
    teams.attestation.write_text(json.dumps(envelope))
    code, plan = plan_of(teams)
    assert code == 1 and "does not verify" in plan["rejected"][0]["reason"]


def test_an_unsigned_entry_is_accepted_with_a_warning_unless_signatures_are_required(teams: Teams) -> None:
    other = unsigned_entry(teams)
    code, plan = plan_of(teams)
    assert code == 0 and plan["counts"]["unsigned"] == 1 and plan["counts"]["signed"] == 1
    table = ingest(str(teams.root), "--trusted-keys", str(teams.trusted))
    assert f"warning: {other} is unsigned" in table.output
    code, plan = plan_of(teams, "--require-signed")
    assert code == 1 and [r["origin"] for r in plan["rejected"]] == [str(other)]
    assert "--require-signed" in plan["rejected"][0]["reason"]


def test_without_trusted_keys_nothing_about_signatures_changes(teams: Teams) -> None:
    unsigned_entry(teams)
    done = ingest(str(teams.root), "--json")
    assert done.exit_code == 0
    plan = json.loads(done.stdout)
    assert "signed" not in plan["counts"] and all("signature" not in i for i in plan["items"])
    refused = ingest(str(teams.root), "--require-signed")
    assert refused.exit_code == 2 and "--trusted-keys" in refused.output


def test_the_trusted_folder_takes_public_keys_only(teams: Teams) -> None:
    shutil.copy(teams.secret, teams.trusted / "oops.pem")
    with pytest.raises(ConfigurationError, match="holds a private key"):
        trusted_keys(teams.trusted)
    done = ingest(str(teams.root), "--trusted-keys", str(teams.trusted))
    assert done.exit_code == 2 and "holds a private key" in done.output


def test_an_attestation_saved_as_json_is_not_read_as_an_entry(teams: Teams) -> None:
    teams.attestation.rename(teams.root / "toeslagen" / "attestation.json")
    assert [d.origin for d in read_entries([teams.root])] == [str(teams.entry)]


def test_the_library_gives_the_same_signings(teams: Teams) -> None:
    entries = read_entries([teams.root])
    signings = check_documents(entries, [teams.root], trusted_keys(teams.trusted))
    assert signings[str(teams.entry)].status == "signed"
    plan = make_plan(entries, signings=signings, require_signed=True)
    assert plan.ok and plan.items[0].signing is not None and plan.items[0].signing.signer == "team-toeslagen"
