"""`uitlegbaar attest` and `verify --attestation`: a run's signed provenance, checked with the ecosystem's own
tools (securesystemslib's DSSE verification, in-toto-attestation's schemas, the DSSE spec's encoding done by
hand with `cryptography`, model-signing's verifier) and with ours, against every byte flipped."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from uitlegbaar.cli.app import cli

import uitlegbaar as ub
from helpers import EXAMPLES, key_pair
from pipelines import capture_run
from uitlegbaar.attest.envelope import read
from uitlegbaar.attest.keys import load_public_key
from uitlegbaar.attest.verify import verify_attestation
from uitlegbaar.evidence.records import body_of
from uitlegbaar.evidence.view import Evidence
from uitlegbaar.store import LocalStore
from uitlegbaar.store.format import row_of

DECLARATION = EXAMPLES / "uitlegbaar.yaml"
WRITTEN = {  # what a user writes with the document commands, and the subject it must match
    "card.md": (["card", "latest"], "card.md"),
    "kaart.html": (["card", "latest", "--format", "html", "--lang", "nl"], "card.nl.html"),
    "card.json": (["card", "latest", "--format", "json"], "card.json"),
    "entry.json": (["register", "latest"], "register.json"),
    "entry.csv": (["register", "latest", "--format", "csv"], "register.csv"),
    "system.yaml": (["systemcard", "latest"], "systemcard.yaml"),
}


def run_cli(store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", str(store), *args], catch_exceptions=False)


@dataclass(frozen=True)
class Attested:
    store: Path
    run_id: str
    folder: Path
    attestation: Path
    model: Path
    secret: Path
    public: Path

    def statement(self) -> dict[str, Any]:
        envelope = json.loads(self.attestation.read_bytes())
        return dict(json.loads(base64.b64decode(envelope["payload"])))

    def verify(self, *args: str) -> Result:
        return run_cli(self.store, "verify", "--attestation", str(self.attestation), *args)


def attest(store: Path, folder: Path, kind: str = "ed25519", *extra: str) -> Attested:
    secret, public = key_pair(folder / "keys", "team-toeslagen", kind)
    model = folder / "model.pkl"
    model.write_bytes(b"a model file \x00" * 1000)
    out = folder / "run.intoto.jsonl"
    done = run_cli(
        store, "attest", "latest", "--key", str(secret), "--model", str(model), "--declaration", str(DECLARATION),
        "--documents", str(folder / "documents"), "-o", str(out), *extra,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    return Attested(store, LocalStore.open(store).resolve("latest"), folder, out, model, secret, public)


@pytest.fixture
def attested(store: Path, tmp_path: Path) -> Iterator[Attested]:
    capture_run()
    yield attest(store, tmp_path)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ the ecosystem's own tools


def test_the_envelope_verifies_with_securesystemslib_and_the_dsse_spec(attested: Attested) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.dsse import Envelope
    from securesystemslib.signer import SSlibKey

    data = json.loads(attested.attestation.read_bytes())
    public = load_pem_public_key(attested.public.read_bytes())
    envelope = Envelope.from_dict(json.loads(attested.attestation.read_bytes()))
    assert len(envelope.verify([SSlibKey.from_crypto(public)], 1)) == 1
    # the DSSE v1 pre-authentication encoding, done by hand from the spec, verified with `cryptography` alone
    body, kind = base64.b64decode(data["payload"]), data["payloadType"].encode()
    pae = b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)
    public.verify(base64.b64decode(data["signatures"][0]["sig"]), pae)  # type: ignore[call-arg,union-attr]
    assert data["payloadType"] == "application/vnd.in-toto+json"


def test_the_statement_is_valid_in_toto_with_slsa_provenance(attested: Attested) -> None:
    from google.protobuf import json_format
    from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
    from in_toto_attestation.v1 import statement_pb2
    from in_toto_attestation.v1.statement import Statement

    statement = attested.statement()
    Statement.copy_from_pb(json_format.ParseDict(statement, statement_pb2.Statement())).validate()
    provenance = json_format.ParseDict(statement["predicate"], provenance_pb2.Provenance())
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert provenance.run_details.metadata.invocation_id == attested.run_id


def test_the_model_signature_verifies_with_model_signing(store: Path, tmp_path: Path) -> None:
    from model_signing import verifying

    capture_run()
    signature = tmp_path / "model.pkl.sig"
    made = attest(store, tmp_path, "p256", "--model-signature", str(signature))
    config = verifying.Config().use_elliptic_key_verifier(public_key=made.public)
    config.verify(made.model, signature)
    (byproduct,) = made.statement()["predicate"]["runDetails"]["byproducts"]
    assert byproduct["digest"]["sha256"] == sha256(signature.read_bytes())
    made.model.write_bytes(made.model.read_bytes()[:-1] + b"!")
    with pytest.raises(ValueError):
        config.verify(made.model, signature)


def test_model_signing_takes_no_ed25519_key_and_says_so(store: Path, tmp_path: Path) -> None:
    capture_run()
    secret, _ = key_pair(tmp_path, "ed")
    model = tmp_path / "m.bin"
    model.write_bytes(b"m")
    done = run_cli(store, "attest", "latest", "--key", str(secret), "--model", str(model), "--model-signature", "x.sig")
    assert done.exit_code == 2 and "ECDSA keys only" in done.output


# ------------------------------------------------------------------ what it says


def test_subjects_are_the_model_and_the_documents_byte_for_byte_as_the_commands_write_them(attested: Attested) -> None:
    subjects = {s["name"]: s["digest"]["sha256"] for s in attested.statement()["subject"]}
    for name, (command, subject) in WRITTEN.items():
        out = attested.folder / name
        assert run_cli(attested.store, *command, "--declaration", str(DECLARATION), "-o", str(out)).exit_code == 0
        assert sha256(out.read_bytes()) == subjects[subject], name
        assert (attested.folder / "documents" / subject).read_bytes() == out.read_bytes()
    evidence = Evidence.of(LocalStore.open(attested.store).load(attested.run_id))
    assert subjects["model.pkl"] == sha256(attested.model.read_bytes())
    assert evidence.model is not None and subjects[f"{evidence.model.name}.pkl"] == evidence.model.artifact_sha256
    assert len(subjects) == 2 + 8  # the model twice; card md/html in two languages, json, register json/csv, system


def test_dependencies_are_the_datasets_the_commit_and_the_chain_head(attested: Attested) -> None:
    evidence = Evidence.of(LocalStore.open(attested.store).load(attested.run_id))
    deps = {d["name"]: d for d in attested.statement()["predicate"]["buildDefinition"]["resolvedDependencies"]}
    for dataset in evidence.datasets:
        assert deps[f"dataset:{dataset.name}"]["digest"] == {dataset.fingerprint.algorithm: dataset.fingerprint.digest}
    assert deps["dataset:toeslag-heronderzoek.X"]["annotations"]["usedFor"] == ["training", "evaluation"]
    assert deps["evidence"]["digest"] == {"sha256": evidence.digest}
    assert deps["declaration"]["digest"] == {"sha256": sha256(DECLARATION.read_bytes())}
    git = evidence.run.provenance.git if evidence.run.provenance else None
    if git is not None and git.commit:
        assert deps["code"]["digest"] == {"gitCommit": git.commit}


def test_a_dataset_read_from_a_file_also_gets_the_files_digest(store: Path, tmp_path: Path) -> None:
    source = tmp_path / "aanvragen.csv"
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(source, index=False)
    with ub.run("from a file"):
        ub.record_dataset(pd.read_csv(source), name="aanvragen", source=str(source))
        ub.record_dataset(pd.DataFrame({"b": [1]}), name="elders", source=str(tmp_path / "gone.csv"))
    made = attest(store, tmp_path)
    deps = {d["name"]: d for d in made.statement()["predicate"]["buildDefinition"]["resolvedDependencies"]}
    assert deps["dataset:aanvragen"]["digest"]["sha256"] == sha256(source.read_bytes())
    assert "sha256" not in deps["dataset:elders"]["digest"]  # its file is not there


# ------------------------------------------------------------------ verify --attestation


def test_verify_passes_with_the_key_the_model_and_every_document(attested: Attested) -> None:
    documents = [a for d in sorted((attested.folder / "documents").iterdir()) for a in ("--document", str(d))]
    done = attested.verify("--key", str(attested.public), "--model", str(attested.model), *documents)
    assert done.exit_code == 0, done.output
    assert "signed by team-toeslagen" in done.output and "OK" in done.output.splitlines()[-1]


def test_verify_without_a_key_checks_all_else_and_says_the_signature_was_not(attested: Attested) -> None:
    done = attested.verify("--json")
    assert done.exit_code == 0 and "not checked" in json.loads(done.output)["notes"][0]


def test_another_key_is_a_mismatch(attested: Attested) -> None:
    _, other = key_pair(attested.folder / "other", "someone-else")
    done = attested.verify("--key", str(other))
    assert done.exit_code == 1
    assert "FAILED: signature: signed by key id" in done.output and "none of the trusted keys" in done.output


@pytest.mark.parametrize("where", [0, 7000, -1])
def test_a_flipped_byte_of_the_model_fails_and_is_named(attested: Attested, where: int) -> None:
    data = bytearray(attested.model.read_bytes())
    data[where] ^= 0x01
    attested.model.write_bytes(bytes(data))
    done = attested.verify("--key", str(attested.public), "--model", str(attested.model))
    assert done.exit_code == 1 and f"FAILED: {attested.model}: matches no model subject" in done.output


def test_every_flipped_byte_of_a_document_fails(attested: Attested) -> None:
    raw = attested.attestation.read_bytes()
    statement = read(raw).attested
    for document in sorted((attested.folder / "documents").iterdir()):
        original = document.read_bytes()
        assert statement.matching(sha256(original), "document") is not None
        flipped = [original[:i] + bytes([original[i] ^ 0x01]) + original[i + 1 :] for i in range(len(original))]
        assert all(statement.matching(sha256(f)) is None for f in flipped), document.name  # every byte is bound
        target = attested.folder / f"flipped-{document.name}"
        for f in flipped[:: max(1, len(flipped) // 25)]:  # and the files, as verify reads them
            target.write_bytes(f)
            assert not verify_attestation(None, raw, documents=[target]).ok, document.name
        done = attested.verify("--document", str(target))
        assert done.exit_code == 1 and f"FAILED: {target}: matches no document subject" in done.output


def test_every_flipped_byte_of_the_envelope_fails(attested: Attested) -> None:
    raw = attested.attestation.read_bytes()
    keys = [load_public_key(attested.public)]
    assert verify_attestation(None, raw, keys=keys).ok
    for i in range(len(raw)):
        for flip in (0x01, 0x80):
            outcome = verify_attestation(None, raw[:i] + bytes([raw[i] ^ flip]) + raw[i + 1 :], keys=keys)
            assert not outcome.ok, (i, flip, chr(raw[i]))


def test_a_changed_envelope_through_the_command_names_the_problem(attested: Attested) -> None:
    data = json.loads(attested.attestation.read_bytes())
    statement = attested.statement()
    statement["subject"][0]["digest"]["sha256"] = "0" * 64  # a forger's new subject, with the old signature
    data["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    attested.attestation.write_text(json.dumps(data))
    done = attested.verify("--key", str(attested.public))
    assert done.exit_code == 1 and "FAILED: signature: the signature of team-toeslagen" in done.output


def test_flipped_bytes_of_the_stored_evidence_fail(attested: Attested) -> None:
    keys = [load_public_key(attested.public)]
    raw = attested.attestation.read_bytes()
    (sealed,) = (attested.store / "runs" / attested.run_id).glob("sealed-*.parquet")
    original = sealed.read_bytes()
    for i in range(0, len(original), max(1, len(original) // 40)):
        sealed.write_bytes(original[:i] + bytes([original[i] ^ 0x01]) + original[i + 1 :])
        outcome = verify_attestation(LocalStore.open(attested.store), raw, keys=keys)
        assert not outcome.ok and outcome.problems[0].startswith("evidence:"), i
    sealed.write_bytes(original)
    assert verify_attestation(LocalStore.open(attested.store), raw, keys=keys).ok


def test_evidence_rewritten_with_a_consistent_chain_is_not_the_attested(attested: Attested, tmp_path: Path) -> None:
    """A careful forger rewrites every record and its chain: the store verifies, but its head is another."""
    records = LocalStore.open(attested.store).load(attested.run_id)
    forged = LocalStore.open(tmp_path / "forged", create=True)
    prev = None
    for i, record in enumerate(records):
        changed = record.model_copy(update={"prev": prev, **({"name": "another name"} if i == 0 else {})})
        body = body_of(changed)
        object.__setattr__(changed, "digest", sha256(body))
        forged.append(attested.run_id, [row_of(changed, body)])
        prev = changed.digest
    forged.seal(attested.run_id)
    assert forged.verify([attested.run_id]).ok
    done = run_cli(tmp_path / "forged", "verify", "--attestation", str(attested.attestation))
    assert done.exit_code == 1 and "the attestation says" in done.output


def test_an_attestation_of_another_kind_or_not_one_at_all_fails_cleanly(attested: Attested) -> None:
    for content in (b"", b"not json", b"{}", b'{"payload":"","payloadType":"text/plain","signatures":[]}'):
        attested.attestation.write_bytes(content)
        done = attested.verify()
        assert done.exit_code == 1 and "FAILED:" in done.output, content


# ------------------------------------------------------------------ keys and runs it refuses


def test_an_encrypted_key_takes_its_password_from_the_environment(store: Path, tmp_path: Path) -> None:
    capture_run()
    secret, public = key_pair(tmp_path, "locked", "p256", password=b"s3cret-pass")
    out = tmp_path / "a.intoto.jsonl"
    refused = run_cli(store, "attest", "latest", "--key", str(secret), "-o", str(out))
    assert refused.exit_code == 2 and "UITLEGBAAR_SIGNING_KEY_PASSWORD" in refused.output
    done = CliRunner(env={"UITLEGBAAR_SIGNING_KEY_PASSWORD": "s3cret-pass"}).invoke(
        cli, ["--store", str(store), "attest", "latest", "--key", str(secret), "-o", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert run_cli(store, "verify", "--attestation", str(out), "--key", str(public)).exit_code == 0


def test_unsupported_keys_and_private_keys_given_to_verify_are_refused(store: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    capture_run()
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(
        rsa.generate_private_key(65537, 2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    done = run_cli(store, "attest", "latest", "--key", str(rsa_key))
    assert done.exit_code == 2 and "Ed25519 or ECDSA P-256" in done.output
    secret, _ = key_pair(tmp_path, "team")
    out = tmp_path / "a.intoto.jsonl"
    assert run_cli(store, "attest", "latest", "--key", str(secret), "-o", str(out)).exit_code == 0
    done = run_cli(store, "verify", "--attestation", str(out), "--key", str(secret))
    assert done.exit_code == 2 and "holds a private key" in done.output


def test_a_run_that_has_not_ended_is_not_attested(store: Path, tmp_path: Path) -> None:
    secret, _ = key_pair(tmp_path, "team")
    with ub.run("still going") as run:
        ub.record_dataset(pd.DataFrame({"a": [1]}), name="a")
        assert run.flush()
        done = run_cli(store, "attest", run.id, "--key", str(secret))
    assert done.exit_code == 2 and "has not ended" in done.output


def test_without_a_model_file_the_recorded_artifact_hash_is_the_model(store: Path, tmp_path: Path) -> None:
    capture_run()
    secret, _ = key_pair(tmp_path, "team")
    done = run_cli(store, "attest", "latest", "--key", str(secret))
    assert done.exit_code == 0
    statement = json.loads(base64.b64decode(json.loads(done.stdout)["payload"]))
    (model,) = [s for s in statement["subject"] if s["annotations"]["role"] == "model"]
    evidence = Evidence.of(LocalStore.open(store).load(LocalStore.open(store).resolve("latest")))
    assert evidence.model is not None and model["digest"]["sha256"] == evidence.model.artifact_sha256
    assert model["annotations"]["digestOf"] == "pickle"
