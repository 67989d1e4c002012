"""After the example pipeline, nothing private is in the store or in any output of any command.

The pipeline runs in a fresh process as users run it, with recognisable values seeded into its personal
columns, secrets seeded into the parameters of a captured step and into the environment, and its data under
the user's home folder. Then every byte of the store and of every document every command writes is scanned.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from helpers import EXAMPLES, key_pair, pem_body

EXECUTABLE = str(Path(sys.executable).with_name("uitlegbaar"))
SEEDED_PEOPLE = [("999111223", "Qwerta Seedvrouw", "1911-11-11"), ("999111235", "Zxcvbo Seedman", "1922-02-22")]
SECRETS = {
    "param": ["pw-SEEDED-param-71c3", "key-SEEDED-param-93ab", "url-SEEDED-cred-5d20", "tok-SEEDED-param-0e4f"],
    "env": ["env-SEEDED-token-a61b", "env-SEEDED-aws-77f0", "env-SEEDED-dburl-c3d9"],
}

DRIVER = """
import sys
from pathlib import Path
import pandas as pd
import uitlegbaar as ub
sys.path.insert(0, {examples!r})
import toeslagen_pipeline as p

people = {people!r}
generate = p.generate_applications

def seeded(path, rows=20_000, seed=2026):
    out = generate(path, rows=rows, seed=seed)
    frame = pd.read_csv(out, dtype={{"bsn": str}})
    for i, (bsn, naam, born) in enumerate(people):
        frame.loc[i, ["bsn", "naam", "geboortedatum"]] = [bsn, naam, born]
    frame.to_csv(out, index=False)
    return out

@ub.step
def connect(db_password, api_key, url, auth_token, retries=3):
    return retries

features = p.make_features

def make_features(applications, *args, **kwargs):
    connect({p0!r}, {p1!r}, "https://admin:{p2}@db.example/aanvragen", {p3!r})
    return features(applications, *args, **kwargs)

p.generate_applications, p.make_features = seeded, make_features
print(p.main(rows=1500, data_dir=Path({data!r})))
"""


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, dict[str, bytes]]:
    """The example pipeline run once by a user whose home is a temporary folder: (home, store, data, outputs)."""
    home = tmp_path_factory.mktemp("home") / "tester"
    work, data = home / "project", home / "data"
    work.mkdir(parents=True)
    data.mkdir()
    (work / "uitlegbaar.yaml").write_bytes((EXAMPLES / "uitlegbaar.yaml").read_bytes())
    store = work / ".uitlegbaar"
    secret, public = key_pair(home / ".keys", "team")  # a signing key in the user's home, in the environment
    env = {
        **os.environ,
        "HOME": str(home),
        "UITLEGBAAR_STORE": str(store),
        "MY_SERVICE_API_TOKEN": SECRETS["env"][0],
        "AWS_SECRET_ACCESS_KEY": SECRETS["env"][1],
        "DATABASE_URL": f"postgresql://admin:{SECRETS['env'][2]}@db/prod",
        "UITLEGBAAR_SIGNING_KEY": str(secret),
        "COLUMNS": "200",
    }
    p = SECRETS["param"]
    script = DRIVER.format(
        examples=str(EXAMPLES), people=SEEDED_PEOPLE, p0=p[0], p1=p[1], p2=p[2], p3=p[3], data=str(data)
    )
    done = run([sys.executable, "-c", script], env, work)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip().splitlines()[-1]
    outputs: dict[str, bytes] = {}
    commands = {
        "card.md": ["card", run_id, "-o", "card.md"],
        "card.nl.md": ["card", run_id, "--lang", "nl", "-o", "card.nl.md"],
        "card.html": ["card", run_id, "--format", "html", "-o", "card.html"],
        "card.json": ["card", run_id, "--format", "json", "-o", "card.json"],
        "systemcard.yaml": ["systemcard", run_id, "-o", "systemcard.yaml"],
        "register.json": ["register", run_id, "--force", "-o", "register.json"],
        "register.csv": ["register", run_id, "--format", "csv", "--force", "-o", "register.csv"],
        "lineage.html": ["lineage", run_id, "--format", "html", "-o", "lineage.html"],
        "attestation.intoto.jsonl": ["attest", run_id, "--documents", "attested", "-o", "attestation.intoto.jsonl"],
    }
    for name, command in commands.items():
        made = run([EXECUTABLE, *command], env, work)
        assert made.returncode == 0, (name, made.stderr)
        outputs[name] = (work / name).read_bytes() + made.stdout.encode() + made.stderr.encode()
    printed = {
        "show": ["show", run_id],
        "show.json": ["show", run_id, "--json"],
        "runs.json": ["runs", "--json"],
        "lineage.txt": ["lineage", run_id],
        "lineage.dot": ["lineage", run_id, "--format", "dot"],
        "lineage.mermaid": ["lineage", run_id, "--format", "mermaid"],
        "check.json": ["check", run_id, "--require", "algoritmeregister", "--json"],
        "diff.json": ["diff", run_id, run_id, "--json"],
        "verify.json": ["verify", "--json"],
    }
    envelope = json.loads((work / "attestation.intoto.jsonl").read_bytes())
    outputs["attestation.statement"] = base64.b64decode(envelope["payload"])  # what it says, readable
    outputs |= {f"attested/{f.name}": f.read_bytes() for f in sorted((work / "attested").iterdir())}
    printed["verify.attestation"] = ["verify", "--attestation", "attestation.intoto.jsonl", "--key", str(public)]
    kept = run([EXECUTABLE, "card", run_id, "--format", "json"], {**env, "UITLEGBAAR_KEEP_HOME": "1"}, work)
    outputs["card.kept.json"] = kept.stdout.encode()  # configured to keep home paths
    for name, command in printed.items():
        made = run([EXECUTABLE, *command], env, work)
        assert made.returncode in (0, 1), (name, made.stderr)
        outputs[name] = made.stdout.encode() + made.stderr.encode()
    return home, store, data, outputs


PUBLIC = (
    "card.md",
    "card.nl.md",
    "card.html",
    "card.json",
    "systemcard.yaml",
    "register.json",
    "register.csv",
    "attestation.statement",
)


def store_text(store: Path) -> str:
    """Every record of the store as text, plus every other file in it."""
    parts = [json.dumps(pq.read_table(f).to_pylist(), default=str) for f in sorted(store.rglob("*.parquet"))]
    parts += [f.read_text(errors="replace") for f in sorted(store.rglob("*.json"))]
    return "\n".join(parts)


def everything(store: Path, outputs: dict[str, bytes]) -> dict[str, str]:
    return {"store": store_text(store), **{k: v.decode("utf-8-sig", errors="replace") for k, v in outputs.items()}}


def test_no_personal_value_anywhere(pipeline: tuple[Path, Path, Path, dict[str, bytes]]) -> None:
    _, store, data, outputs = pipeline
    original = pd.read_csv(data / "toeslagaanvragen-2024-2025.csv", dtype={"bsn": str})
    assert [tuple(original.loc[i, ["bsn", "naam", "geboortedatum"]]) for i in range(2)] == SEEDED_PEOPLE
    values = {v for person in SEEDED_PEOPLE for v in person}
    values |= set(original["bsn"]) | set(original["naam"]) | set(original["geboortedatum"].head(300))
    found = {(where, v) for where, text in everything(store, outputs).items() for v in values if v in text}
    assert found == set()


def test_no_seeded_secret_anywhere(pipeline: tuple[Path, Path, Path, dict[str, bytes]]) -> None:
    _, store, _, outputs = pipeline
    texts = everything(store, outputs)
    assert "[redacted]" in texts["store"]  # the secret parameters were captured, redacted
    secrets = SECRETS["param"] + SECRETS["env"]
    found = {(where, s) for where, text in texts.items() for s in secrets if s in text}
    assert found == set()


def test_no_home_folder_in_public_documents(pipeline: tuple[Path, Path, Path, dict[str, bytes]]) -> None:
    home, store, _, outputs = pipeline
    assert str(home) in store_text(store)  # the evidence knows where the data was (a test that can fail)
    leaked = [name for name in PUBLIC if str(home).encode() in outputs[name] or b"/tester/" in outputs[name]]
    assert leaked == []
    assert b'"source": "local file toeslagaanvragen-2024-2025.csv"' in outputs["card.json"]  # no path at all
    assert f'"source": "{home}/data/'.encode() in outputs["card.kept.json"]  # unless configured


def test_no_private_key_anywhere(pipeline: tuple[Path, Path, Path, dict[str, bytes]]) -> None:
    """The signing key was in the environment of the pipeline and of every command, and signed the attestation."""
    home, store, _, outputs = pipeline
    from cryptography.hazmat.primitives import serialization

    assert b'"predicateType":"https://slsa.dev/provenance/v1"' in outputs["attestation.statement"]
    body = pem_body(home / ".keys" / "team.pem")
    private = serialization.load_pem_private_key((home / ".keys" / "team.pem").read_bytes(), None)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    forms = [*body, "".join(body), raw.hex(), base64.b64encode(raw).decode()]
    texts = everything(store, outputs)
    assert "verify.attestation" in texts and "signed by team" in texts["verify.attestation"]
    found = {(where, form[:12]) for where, text in texts.items() for form in forms if form in text}
    assert found == set()
    assert not any(raw in f.read_bytes() for f in store.rglob("*") if f.is_file())
