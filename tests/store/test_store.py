"""The local store: round trips, sealing, clear errors, and tamper evidence found by `verify`."""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import uitlegbaar as ub
from uitlegbaar.errors import StoreError
from uitlegbaar.evidence.records import body_of
from uitlegbaar.store import LocalStore
from uitlegbaar.store.format import FILE_DIGEST_CHARS, SEALED, SUMMARY, Row, row_of
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


@pytest.mark.parametrize("which", ["sealed", SUMMARY])
def test_any_flipped_byte_of_a_stored_file_is_detected(store: Path, soak: bool, which: str) -> None:
    """Every byte with --soak; about a hundred spread over the file otherwise."""
    run_id = make_run(calls=20)
    path = sealed_file(store, run_id) if which == "sealed" else store / "runs" / run_id / SUMMARY
    original = path.read_bytes()
    undetected = []
    for offset in range(0, len(original), 1 if soak else max(1, len(original) // 97)):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        path.write_bytes(bytes(damaged))
        report = verify_store(LocalStore.open(store))
        if report.ok or report.problems[0].run_id != run_id:
            undetected.append(offset)
    path.write_bytes(original)
    assert undetected == []
    assert verify_store(LocalStore.open(store)).ok


@pytest.mark.parametrize("damage", ["change", "remove", "move"])
def test_every_record_changed_removed_or_moved_is_found_and_named(store: Path, damage: str) -> None:
    run_id = make_run(calls=6)
    original = sealed_file(store, run_id)
    saved, records = original.read_bytes(), LocalStore.open(store).read(run_id)

    def change(rows: list[dict], i: int) -> None:  # type: ignore[type-arg]
        if damage == "change":
            rows[i]["body"] = rows[i]["body"].replace(b'"seq":', b'"seq": ')
        elif damage == "remove":
            rows.pop(i)
        else:  # one record moved one place on, with the seq its new place has
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
            _swap_seq(rows, i, i + 1)

    for i in range(len(records) - (damage == "move")):
        rewrite(sealed_file(store, run_id), lambda rows, i=i: change(rows, i))  # type: ignore[misc]
        problems = verify_store(LocalStore.open(store)).problems
        assert problems, f"{damage} of record #{i} went unnoticed"
        assert {p.run_id for p in problems} == {run_id}
        named = {p.record_id for p in problems} - {None}
        assert named and named <= {r.id for r in records}, (i, problems)
        sealed_file(store, run_id).unlink()
        original.write_bytes(saved)
    assert verify_store(LocalStore.open(store)).ok


def test_an_unfinished_write_is_ignored_by_readers_and_reported_by_verify(store: Path) -> None:
    run_id = make_run(calls=2)
    leftover = store / "runs" / run_id / ".tmp-0123456789abcdef.parquet"
    leftover.write_bytes(b"PAR1 half a file")
    local = LocalStore.open(store)
    assert len(local.load(run_id)) == 4
    report = verify_store(local)
    assert report.ok and report.leftovers == [str(leftover)]


def unseal(store: Path, run_id: str, keep: int) -> None:
    """Leave the run as a process stopped before its end would: its first `keep` records in a segment."""
    local = LocalStore.open(store)
    rows = [row_of(r, s.body) for r, s in zip(local.load(run_id), local.read(run_id), strict=True)][:keep]
    for path in (store / "runs" / run_id).iterdir():
        path.unlink()
    local.append(run_id, rows)


def test_a_run_without_an_end_record_is_incomplete_not_corrupt(store: Path) -> None:
    run_id = make_run(calls=2)
    unseal(store, run_id, keep=3)  # as a crash before the last write would
    report = verify_store(LocalStore.open(store))
    assert report.ok
    assert report.incomplete == [run_id]
    assert LocalStore.open(store).summary(run_id).status == "incomplete"


def test_a_sealed_run_cut_short_is_tampering_even_with_a_rewritten_summary(store: Path) -> None:
    run_id = make_run(calls=2)
    rewrite(sealed_file(store, run_id), lambda rows: rows.pop())  # only an ended run is ever sealed
    path = sealed_file(store, run_id)
    summary = store / "runs" / run_id / SUMMARY
    data = json.loads(summary.read_text())
    data.update(sealed=path.name, records=3, status="incomplete", kinds={"run": 1, "step": 2})
    summary.write_text(json.dumps(data, sort_keys=True))
    (problem,) = verify_store(LocalStore.open(store)).problems
    assert (problem.run_id, problem.what, problem.seq) == (run_id, "tampered", 2)
    assert "does not end with the run's end record" in problem.detail


def test_removing_a_sealed_runs_file_is_tampering(store: Path) -> None:
    run_id = make_run(calls=2)
    sealed_file(store, run_id).unlink()
    (problem,) = verify_store(LocalStore.open(store)).problems
    assert problem.run_id == run_id and "records were removed" in problem.detail


def test_a_changed_summary_is_tampering(store: Path) -> None:
    run_id = make_run(calls=2)
    summary = store / "runs" / run_id / SUMMARY
    summary.write_text(summary.read_text().replace('"finished"', '"failed"'))
    (problem,) = verify_store(LocalStore.open(store)).problems
    assert problem.run_id == run_id and "does not match the run's records" in problem.detail


def forge(local: LocalStore, run_id: str, like: int, seq: int, prev: str) -> Row:
    """A record as a careful forger makes it: a copy of record #`like` with a new place in the chain and
    a digest that matches its new body."""
    record = local.load(run_id)[like].model_copy(update={"id": "f" * 32, "seq": seq, "prev": prev})
    body = body_of(record)
    object.__setattr__(record, "digest", hashlib.sha256(body).hexdigest())
    return row_of(record, body)


def test_a_record_added_after_the_end_is_found(store: Path) -> None:
    run_id = make_run(calls=2)
    local = LocalStore.open(store)
    local.append(run_id, [forge(local, run_id, like=1, seq=4, prev=local.read(run_id)[-1].digest)])
    (problem,) = verify_store(LocalStore.open(store)).problems
    assert (problem.run_id, problem.record_id, problem.seq) == (run_id, "f" * 32, 4)
    assert "follows the run's end record" in problem.detail


def test_a_second_copy_of_a_record_that_differs_is_found(store: Path) -> None:
    run_id = make_run(calls=2)
    local = LocalStore.open(store)
    local.append(run_id, [forge(local, run_id, like=2, seq=1, prev=local.read(run_id)[0].digest)])
    (problem,) = verify_store(LocalStore.open(store)).problems  # readers take the sealed copy; verify sees both
    assert (problem.run_id, problem.record_id, problem.seq, problem.what) == (run_id, "f" * 32, 1, "tampered")
