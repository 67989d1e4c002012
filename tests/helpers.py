"""Helpers shared by test modules of several folders: the project's paths, the installed console script, and
the OpenLineage schema checks. Test modules import from here (or from pipelines.py), never from each other."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from uitlegbaar.documents.exports.facets import facets_schema

TESTS = Path(__file__).resolve().parent  # this folder: the helper scripts run by path live here
ROOT = TESTS.parent  # the project root
EXAMPLES = ROOT / "examples"
LINEAGE = ROOT.parent / "shared" / "standards" / "lineage"

# ------------------------------------------------------------------ the command line

EXECUTABLE = shutil.which("uitlegbaar") or str(Path(sys.executable).with_name("uitlegbaar"))


def cli(*args: str, store: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `uitlegbaar` console script in a subprocess, as users run it."""
    env = {**os.environ, "COLUMNS": "200"}
    if store is not None:
        env["UITLEGBAAR_STORE"] = str(store)
    return subprocess.run([EXECUTABLE, *args], capture_output=True, text=True, env=env, timeout=60)


def on_terminal(command: list[str], **env: str) -> tuple[str, str]:
    """Run `command` with its standard error on a pseudo-terminal (as a user's shell has it) and its standard
    output on a pipe; returns (stdout, what the terminal showed)."""
    import pty

    environment = {**os.environ, "COLUMNS": "120", **env}
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=follower, env=environment, text=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    out, _ = process.communicate(timeout=120)
    os.close(leader)
    return out, b"".join(chunks).decode(errors="replace")


# ------------------------------------------------------------------ signing keys (made in the test, never committed)


def key_pair(
    folder: Path, name: str = "team", kind: str = "ed25519", password: bytes | None = None
) -> tuple[Path, Path]:
    """A fresh private key (`ed25519` or `p256`) as PEM in `folder/name.pem`, its public key in `folder/name.pub`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    private = ed25519.Ed25519PrivateKey.generate() if kind == "ed25519" else ec.generate_private_key(ec.SECP256R1())
    encryption = (
        serialization.BestAvailableEncryption(password) if password is not None else serialization.NoEncryption()
    )
    folder.mkdir(parents=True, exist_ok=True)
    secret, public = folder / f"{name}.pem", folder / f"{name}.pub"
    secret.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    public.write_bytes(
        private.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return secret, public


def pem_body(path: Path) -> list[str]:
    """The base64 lines of a PEM file (what must never show up in evidence, logs or documents)."""
    return [line for line in path.read_text().splitlines() if line and not line.startswith("-----")]


# ------------------------------------------------------------------ reference schemas (../shared/standards/lineage)


def standard(*parts: str) -> Path:
    path = LINEAGE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (../shared/standards/lineage from the project root)")
    return path


def openlineage_registry() -> Any:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    folder = standard("openlineage", "OpenLineage.json").parent
    schemas = [
        json.loads(f.read_text(encoding="utf-8")) for f in [folder / "OpenLineage.json", *folder.glob("facets/*.json")]
    ]
    schemas.append(facets_schema())
    return Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in schemas
    )


def facets_of(event: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from event["run"].get("facets", {}).items()
    yield from event["job"].get("facets", {}).items()
    for dataset in event.get("inputs", []) + event.get("outputs", []):
        for key in ("facets", "inputFacets", "outputFacets"):
            yield from dataset.get(key, {}).items()


def lineage_problems(events: list[dict[str, Any]]) -> list[str]:
    """Each event against OpenLineage.json, each facet against the schema its `_schemaURL` names."""
    from jsonschema import Draft202012Validator

    registry = openlineage_registry()
    core = json.loads(standard("openlineage", "OpenLineage.json").read_text(encoding="utf-8"))
    problems = [e.message for event in events for e in Draft202012Validator(core, registry=registry).iter_errors(event)]
    for event in events:
        for key, facet in facets_of(event):
            validator = Draft202012Validator({"$ref": facet["_schemaURL"]}, registry=registry)
            problems += [f"{key}: {e.message}" for e in validator.iter_errors(facet)]
    return problems


# ------------------------------------------------------------------ MinBZK card schemas (../shared/standards/minbzk)

CARD_SCHEMAS = (
    ROOT.parent / "shared" / "standards" / "minbzk" / "algorithm-reporting-standard" / "reporting-standard" / "schemas"
)


def systemcard_validator() -> Any:
    """A Draft 2020-12 validator of the system card with the model and assessment card schemas it `$ref`s."""
    if not CARD_SCHEMAS.is_dir():
        pytest.skip(f"MinBZK card schemas not found at {CARD_SCHEMAS} (../shared/standards from the project root)")
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from urllib.parse import urljoin

    names = ("systemcard", "modelcard", "assessmentcard")
    schemas = {n: json.loads((CARD_SCHEMAS / f"{n}_schema.json").read_text(encoding="utf-8")) for n in names}
    registry = referencing.Registry().with_resources(
        (urljoin(s["$id"], f"{n}_schema.json"), referencing.Resource.from_contents(s)) for n, s in schemas.items()
    )
    return jsonschema.Draft202012Validator(
        schemas["systemcard"], registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def problems(validator: Any, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
