"""The attestation's statement as a pure function of the evidence and the rendered documents (no keys, no I/O),
and reading one back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from helpers import EXAMPLES
from pipelines import capture_run
from uitlegbaar import pipeline
from uitlegbaar.documents.attestation import (
    attested_documents,
    build_statement,
    model_subject,
    payload,
    read_statement,
)
from uitlegbaar.errors import AttestationError


def test_a_statement_reads_back_with_its_run_chain_head_and_subjects(store: Path) -> None:
    run = capture_run()
    inputs = pipeline.load(pipeline.open_store(str(store)), run, declaration=EXAMPLES / "uitlegbaar.yaml")
    documents = attested_documents(inputs)
    subjects = [model_subject("model.pkl", "ab" * 32, "file")]
    subjects += [d.subject(hashlib.sha256(d.data).hexdigest()) for d in documents]
    statement = build_statement(inputs.evidence, subjects, version="0.0.0")
    read = read_statement(payload(statement))
    assert (read.run_id, read.evidence_digest) == (inputs.evidence.run_id, inputs.evidence.digest)
    assert [s.name for s in read.of_role("model")] == ["model.pkl"]
    assert {s.name for s in read.of_role("document")} == {d.name for d in documents}
    assert read.matching("ab" * 32, "document") is None and read.matching("ab" * 32, "model") is not None
    assert payload(statement) == payload(json.loads(payload(statement)))  # one byte form: sorted, compact


def test_the_same_inputs_give_the_same_documents(store: Path) -> None:
    run = capture_run()
    store_ = pipeline.open_store(str(store))
    first = attested_documents(pipeline.load(store_, run))
    again = attested_documents(pipeline.load(store_, run))
    assert [(d.name, d.data) for d in first] == [(d.name, d.data) for d in again]
    assert len({d.data for d in first}) == len(first)  # renderings with the same bytes are listed once


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"\xff", "not a JSON statement"),
        (b"[]", "not an in-toto Statement"),
        (b'{"_type": "https://in-toto.io/Statement/v1", "predicateType": "x"}', "predicate is 'x'"),
        (
            b'{"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1"}',
            "lacks what uitlegbaar attests",
        ),
    ],
)
def test_what_is_not_our_statement_is_named(raw: bytes, says: str) -> None:
    with pytest.raises(AttestationError, match=says):
        read_statement(raw)


def test_a_statement_needs_a_subject(store: Path) -> None:
    run = capture_run()
    inputs = pipeline.load(pipeline.open_store(str(store)), run)
    with pytest.raises(AttestationError, match="at least one subject"):
        build_statement(inputs.evidence, [], version="0.0.0")
