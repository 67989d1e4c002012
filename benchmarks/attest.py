"""Attestation benchmark: attest and verify a run with a 100 MB model file, side by side with `sha256sum`.

    python benchmarks/attest.py            # 100 MB model, about 30 s
    python benchmarks/attest.py --quick    # 20 MB model

A small captured run (a dataset, a model, an evaluation) and a model file of random bytes. Measured in one run,
best of 5, the file in the page cache for every contender:

1. `sha256sum MODEL` (a subprocess): the anchor;
2. attest in process (`attest_run(store, run, key, model=MODEL)`: load and verify the run, render its 8 documents,
   hash the model once, build, validate and sign the statement, Ed25519): target at most 1.5× the anchor;
3. verify in process (`verify_attestation(..., model=MODEL, documents=[8 files])`: signature, the model and the
   documents hashed, the run's chain verified and its head compared): target at most 1.5×;
4. attest with the model file's own signature (model-signing, ECDSA P-256; it hashes the file, once): info;
5. `uitlegbaar attest` and `uitlegbaar verify --attestation` end to end, process start included: info.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import Row, best_of, fmt_ratio, fmt_time, note, print_table, verdict

REPEATS = 5
TARGET = 1.5


def capture_run(store: Path) -> str:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    import uitlegbaar as ub

    ub.configure(store=store)
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"inkomen": rng.normal(30_000, 8_000, 2_000), "leeftijd": rng.integers(18, 90, 2_000)})
    frame["geslacht"] = rng.choice(["v", "m"], 2_000)
    label = (frame["inkomen"] > 30_000).astype(int)

    @ub.train(model="benchmark-model")
    def fit(X: pd.DataFrame, y: pd.Series) -> LogisticRegression:
        return LogisticRegression(max_iter=200).fit(X, y)

    @ub.evaluate(split="test", sensitive=["geslacht"])
    def evaluate(model: LogisticRegression, X: pd.DataFrame, y: pd.Series, groups: pd.Series) -> dict[str, float]:
        return {"accuracy": float((model.predict(X) == y).mean())}

    with ub.run("attest benchmark") as run:
        ub.record_dataset(frame, name="aanvragen", source="s3://benchmark/aanvragen.parquet")
        X = frame[["inkomen", "leeftijd"]]
        model = fit(X, label)
        evaluate(model, X, label, frame["geslacht"])
    ub.end_run()
    return run.id


def keys(folder: Path) -> dict[str, tuple[Path, Path]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519

    made = {}
    for name, private in (
        ("ed25519", ed25519.Ed25519PrivateKey.generate()),
        ("p256", ec.generate_private_key(ec.SECP256R1())),
    ):
        secret, public = folder / f"{name}.pem", folder / f"{name}.pub"
        secret.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        public.write_bytes(
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        made[name] = (secret, public)
    return made


def model_file(path: Path, megabytes: int) -> Path:
    with path.open("wb") as f:
        for _ in range(megabytes):
            f.write(os.urandom(1024 * 1024))
    return path


def main(quick: bool = False) -> int:
    from uitlegbaar.attest.keys import load_public_key, load_signing_key
    from uitlegbaar.attest.run import attest_run, write_documents
    from uitlegbaar.attest.verify import verify_attestation
    from uitlegbaar.store import LocalStore

    megabytes = 20 if quick else 100
    with tempfile.TemporaryDirectory(prefix="uitlegbaar-attest-") as tmp:
        work = Path(tmp)
        store_path = work / "store"
        note("capturing a run")
        run_id = capture_run(store_path)
        note(f"writing a {megabytes} MB model file")
        model = model_file(work / "model.bin", megabytes)
        pair = keys(work)
        store = LocalStore.open(store_path)
        key = load_signing_key(pair["ed25519"][0])
        made = attest_run(store, run_id, key, model=model)  # first use: imports, templates, the file into the cache
        documents = write_documents(made, work / "documents")
        attestation = work / "run.intoto.jsonl"
        attestation.write_bytes(made.envelope)
        public = [load_public_key(pair["ed25519"][1])]

        note("sha256sum")
        anchor_s, _ = best_of(
            lambda: subprocess.run(["sha256sum", str(model)], check=True, capture_output=True), REPEATS
        )
        note("attest and verify in process")
        attest_s, _ = best_of(lambda: attest_run(store, run_id, key, model=model), REPEATS)

        def verify() -> None:
            outcome = verify_attestation(store, made.envelope, keys=public, model=model, documents=documents)
            assert outcome.ok, outcome.problems

        verify_s, _ = best_of(verify, REPEATS)
        import hashlib

        def python_hash() -> None:
            with model.open("rb") as f:
                hashlib.file_digest(f, "sha256")

        hashlib_s, _ = best_of(python_hash, REPEATS)
        ec_key = load_signing_key(pair["p256"][0])
        signature = work / "model.sig"
        attest_run(store, run_id, ec_key, model=model, model_signature=signature)  # model-signing's imports
        signed_s, _ = best_of(
            lambda: attest_run(store, run_id, ec_key, model=model, model_signature=signature), REPEATS
        )

        note("end to end")
        executable = str(Path(sys.executable).with_name("uitlegbaar"))
        env = {**os.environ, "UITLEGBAAR_STORE": str(store_path)}
        attest_command = [executable, "attest", run_id, "--key", str(pair["ed25519"][0]), "--model", str(model)]
        attest_cli_s, _ = best_of(
            lambda: subprocess.run([*attest_command, "-o", str(attestation)], env=env, check=True, capture_output=True),
            REPEATS,
        )
        verify_command = [executable, "verify", "--attestation", str(attestation), "--key", str(pair["ed25519"][1])]
        verify_command += ["--model", str(model), *(a for d in documents for a in ("--document", str(d)))]
        verify_cli_s, _ = best_of(
            lambda: subprocess.run(verify_command, env=env, check=True, capture_output=True), REPEATS
        )
        import_s, _ = best_of(
            lambda: subprocess.run([sys.executable, "-c", "import uitlegbaar.pipeline"], check=True), REPEATS
        )

    def against(measurement: str, seconds: float, target: float | None = None) -> Row:
        """A line measured against the anchor, with a target (a ratio) or as information."""
        ok = verdict(seconds <= target * anchor_s) if target else "info"
        wanted = f"≤ {target:g}×" if target else "—"
        return Row(
            measurement, fmt_time(seconds), f"sha256sum {fmt_time(anchor_s)}", fmt_ratio(seconds, anchor_s), wanted, ok
        )

    rows = [
        Row(f"1. sha256sum ({megabytes} MB)", fmt_time(anchor_s), "—", "1.0×", "anchor", "info"),
        against("   Python hashlib.file_digest (same file)", hashlib_s),
        against("2. attest (in process, Ed25519)", attest_s, TARGET),
        against("3. verify --attestation (in process)", verify_s, TARGET),
        against("4. attest + model-signing (ECDSA P-256)", signed_s),
        against("5. uitlegbaar attest (end to end)", attest_cli_s),
        against("   uitlegbaar verify --attestation (end to end)", verify_cli_s),
        against("   python -c 'import uitlegbaar.pipeline'", import_s),
    ]
    print_table(rows, f"uitlegbaar attestation benchmark (a {megabytes} MB model file)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(quick="--quick" in sys.argv))
