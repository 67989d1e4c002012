"""The local store: round trips, sealing, clear errors, and tamper evidence found by `verify`."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import uitlegbaar as ub
from uitlegbaar.errors import StoreError
from uitlegbaar.store import LocalStore
from uitlegbaar.store.local import FILE_DIGEST_CHARS, SEALED
from uitlegbaar.store.verify import verify_store


@ub.step
def double(x: int) -> int:
    return 2 * x


def make_run(calls: int = 5) -> str:
    with ub.run("store test") as run:
        for i in range(calls):
            double(i)
    return run.id


def sealed_file(store: Path, run_id: str) -> Path:
    (path,) = (store / "runs" / run_id).glob(f"{SEALED}-*.parquet")
    return path


def rewrite(path: Path, change, keep_name: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Rewrite a stored Parquet file with `change(rows)` applied to its rows (a list of dicts), as a
    careful forger would: under a name that carries the new file's digest (unless `keep_name`)."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    if not keep_name:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:FILE_DIGEST_CHARS]
        path.rename(path.with_name(f"{SEALED}-{digest}.parquet"))


def test_a_closed_run_is_sealed_into_one_file_and_reads_back_in_chain_order(store: Path) -> None:
    run_id = make_run(calls=3)
    files = sorted(p.name for p in (store / "runs" / run_id).iterdir())
    assert len(files) == 2 and files[0].startswith(f"{SEALED}-") and files[1] == "summary.json"
    records = LocalStore.open(store).load(run_id)
    assert [r.kind for r in records] == ["run", "step", "step", "step", "run_end"]
    assert [r.seq for r in records] == list(range(5))
    assert all(b.prev == a.digest for a, b in itertools.pairwise(records))
    assert verify_store(LocalStore.open(store)).ok


def test_open_names_the_problem_for_a_missing_store_and_a_folder_that_is_not_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no uitlegbaar store at"):
        LocalStore.open(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    with pytest.raises(StoreError, match="is not an uitlegbaar store"):
        LocalStore.open(tmp_path / "other")


def test_resolve_accepts_full_ids_unique_prefixes_and_latest(store: Path) -> None:
    first, second = make_run(1), make_run(1)
    local = LocalStore.open(store)
    assert local.resolve("latest") == second
    assert local.resolve(first) == first
    assert local.resolve(first[:10]) == first
    with pytest.raises(StoreError, match="no run matches"):
        local.resolve("zzzz")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda rows: rows[2].update(body=rows[2]["body"].replace(b'"x"', b'"y"')), "tampered"),
        (lambda rows: rows.pop(3), "broken-chain"),
        (lambda rows: rows.__setitem__(slice(1, 3), [rows[2], rows[1]]) or _swap_seq(rows, 1, 2), "tampered"),
        (lambda rows: rows[4].update(prev=None), "tampered"),
    ],
    ids=["changed-body", "removed-record", "reordered-records", "changed-column"],
)
def test_verify_finds_changed_removed_and_reordered_records(store: Path, damage, expected: str) -> None:  # type: ignore[no-untyped-def]
    run_id = make_run(calls=5)
    rewrite(sealed_file(store, run_id), damage)
    report = verify_store(LocalStore.open(store))
    assert not report.ok
    assert {p.what for p in report.problems} >= {expected}
    assert all(p.run_id == run_id for p in report.problems)


def _swap_seq(rows: list[dict], i: int, j: int) -> None:  # type: ignore[type-arg]
    rows[i]["seq"], rows[j]["seq"] = rows[j]["seq"], rows[i]["seq"]


def test_verify_names_the_record_whose_content_changed(store: Path) -> None:
    run_id = make_run(calls=3)
    target = LocalStore.open(store).read(run_id)[2]
    rewrite(sealed_file(store, run_id), lambda rows: rows[2].update(body=rows[2]["body"].replace(b"double", b"triple")))
    problem = verify_store(LocalStore.open(store)).problems[0]
    assert (problem.record_id, problem.seq, problem.what) == (target.id, 2, "tampered")


def test_any_flipped_byte_of_a_stored_file_is_detected(store: Path) -> None:
    run_id = make_run(calls=20)
    path = sealed_file(store, run_id)
    original = path.read_bytes()
    undetected = []
    for offset in range(0, len(original), max(1, len(original) // 97)):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        path.write_bytes(bytes(damaged))
        report = verify_store(LocalStore.open(store))
        if report.ok or report.problems[0].run_id != run_id:
            undetected.append(offset)
    path.write_bytes(original)
    assert undetected == []
    assert verify_store(LocalStore.open(store)).ok


def test_an_unfinished_write_is_ignored_by_readers_and_reported_by_verify(store: Path) -> None:
    run_id = make_run(calls=2)
    leftover = store / "runs" / run_id / ".tmp-0123456789abcdef.parquet"
    leftover.write_bytes(b"PAR1 half a file")
    local = LocalStore.open(store)
    assert len(local.load(run_id)) == 4
    report = verify_store(local)
    assert report.ok and report.leftovers == [str(leftover)]


def test_a_run_without_an_end_record_is_incomplete_not_corrupt(store: Path) -> None:
    run_id = make_run(calls=2)
    rewrite(sealed_file(store, run_id), lambda rows: rows.pop())  # as a crash before the last write would
    report = verify_store(LocalStore.open(store))
    assert report.ok
    assert report.incomplete == [run_id]
    assert LocalStore.open(store).summary(run_id).status == "incomplete"


def test_a_file_changed_in_place_is_detected_even_when_its_records_still_chain(store: Path) -> None:
    run_id = make_run(calls=2)
    rewrite(sealed_file(store, run_id), lambda rows: None, keep_name=True)  # same records, new bytes
    report = verify_store(LocalStore.open(store))
    assert [p.what for p in report.problems] == ["tampered"]
    assert "changed after it was written" in report.problems[0].detail


def test_listing_uses_the_sealed_summary_and_never_trusts_a_stale_one(store: Path) -> None:
    run_id = make_run(calls=2)
    local = LocalStore.open(store)
    assert local.summary(run_id).status == "finished" and local.summary(run_id).records == 4
    rewrite(sealed_file(store, run_id), lambda rows: rows.pop())  # the sealed file changes: summary is stale
    assert LocalStore.open(store).summary(run_id).status == "incomplete"
