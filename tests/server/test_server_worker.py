"""The worker and the store, driven step by step without HTTP: lifecycle rules and crash safety."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from groq_batch_api.models import BatchStatus
from groq_batch_server.executors import EchoExecutor
from groq_batch_server.ids import new_id
from groq_batch_server.store import BatchRow, FileRow, ResultRow, Store
from groq_batch_server.worker import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    IllegalTransitionError,
    Worker,
    request_cancel,
    transition,
)
from tests.server_support import jsonl, request_line


def _store_file(store: Store, content: bytes) -> str:
    fd, tmp = store.new_temp_file()
    with open(fd, "wb") as fh:
        fh.write(content)
    file_id = new_id("file")
    size = store.adopt_blob(tmp, file_id)
    with store.transaction() as conn:
        store.insert_file(conn, FileRow(file_id, size, int(time.time()), "in.jsonl", "batch"))
    return file_id


def _new_batch(store: Store, file_id: str, *, deadline: float | None = None) -> str:
    now = time.time()
    batch_id = new_id("batch")
    store.insert_batch(
        BatchRow(
            0, batch_id, "/v1/chat/completions", file_id, "24h", "validating", int(now),
            deadline if deadline is not None else now + 86400, int(now) + 86400,
            None, None, None, None, None, None, None, None, None, 0, 0, 0, None, None,
        )
    )  # fmt: skip
    return batch_id


def _worker(store: Store, *, chunk_size: int = 3) -> Worker:
    return Worker(
        store,
        EchoExecutor(),
        chunk_size=chunk_size,
        max_lines=50_000,
        max_bytes=100 * 1024 * 1024,
    )


def _run_until(worker: Worker, store: Store, batch_id: str, status: str) -> BatchRow:
    for _ in range(100):
        row = store.get_batch(batch_id)
        assert row is not None
        if row.status == status:
            return row
        worker.step()
    raise AssertionError(f"never reached {status}")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


# ------------------------------------------------------------------------ transition table
def test_transition_table_covers_groqs_statuses() -> None:
    statuses = {s.value for s in BatchStatus}
    assert {s for pair in TRANSITIONS for s in pair} == statuses
    assert not {src for src, _ in TRANSITIONS} & TERMINAL_STATUSES
    assert set(TRANSITIONS.values()) == {f"{s}_at" for s in statuses - {"validating"}}


def test_illegal_transitions_are_refused(store: Store) -> None:
    batch_id = _new_batch(store, "file_x")
    with store.transaction() as conn, pytest.raises(IllegalTransitionError):
        transition(store, conn, batch_id, "validating", "completed")


def test_transition_stamps_and_checks_the_current_status(store: Store) -> None:
    batch_id = _new_batch(store, "file_x")
    with store.transaction() as conn:
        assert transition(store, conn, batch_id, "validating", "in_progress", total=3)
        assert not transition(store, conn, batch_id, "validating", "failed")
    row = store.get_batch(batch_id)
    assert row is not None
    assert (row.status, row.total) == ("in_progress", 3)
    assert row.in_progress_at is not None
    assert row.failed_at is None


# ------------------------------------------------------------------------------- worker
def test_chunks_advance_counts_one_commit_at_a_time(store: Store) -> None:
    file_id = _store_file(store, jsonl([request_line(i) for i in range(7)]))
    batch_id = _new_batch(store, file_id)
    worker = _worker(store, chunk_size=3)
    worker.step()  # validate
    counts = []
    for _ in range(3):
        worker.step()
        row = store.get_batch(batch_id)
        assert row is not None
        counts.append(row.completed)
    assert counts == [3, 6, 7]
    assert _run_until(worker, store, batch_id, "completed").output_file_id is not None


def test_missing_input_blob_fails_validation(store: Store) -> None:
    file_id = _store_file(store, jsonl([request_line(0)]))
    store.blob_path(file_id).unlink()
    batch_id = _new_batch(store, file_id)
    row = _run_until(_worker(store), store, batch_id, "failed")
    assert row.errors == [
        {
            "code": "file_not_found",
            "message": f"File {file_id} not found",
            "param": "input_file_id",
            "line": None,
        }
    ]


def test_many_problems_are_capped(store: Store) -> None:
    file_id = _store_file(store, b"{}\n" * 1500)
    batch_id = _new_batch(store, file_id)
    row = _run_until(_worker(store), store, batch_id, "failed")
    assert row.errors is not None
    assert len(row.errors) == 1001
    assert row.errors[-1]["code"] == "too_many_errors"


def test_cancel_before_validation_ends_cancelled_listing_the_request(store: Store) -> None:
    # Issue 23: it once ended with total 0 and no error file, as if the batch had been empty.
    file_id = _store_file(store, jsonl([request_line(0)]))
    batch_id = _new_batch(store, file_id)
    cancelling = request_cancel(store, batch_id)
    assert cancelling is not None
    assert cancelling.status == "cancelling"
    row = _run_until(_worker(store), store, batch_id, "cancelled")
    assert row.output_file_id is None
    assert row.total == 1
    assert row.error_file_id is not None
    (line,) = store.blob_path(row.error_file_id).read_text().splitlines()
    assert json.loads(line)["error"]["code"] == "batch_cancelled"


def test_window_elapsed_before_validation_expires(store: Store) -> None:
    file_id = _store_file(store, jsonl([request_line(0)]))
    batch_id = _new_batch(store, file_id, deadline=time.time() - 1)
    row = _run_until(_worker(store), store, batch_id, "expired")
    assert row.expired_at is not None


def test_a_result_can_never_be_recorded_twice(store: Store) -> None:
    result = ResultRow(line=1, id="batch_req_out_x", status_code=200, body="{}")
    with store.transaction() as conn:
        store.insert_results(conn, "batch_x", [result])
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
        store.insert_results(conn, "batch_x", [result])


# --------------------------------------------------------------------------- crash safety
def test_crash_while_finalising_repeats_it_without_leftovers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    file_id = _store_file(store, jsonl([request_line(i) for i in range(5)]))
    batch_id = _new_batch(store, file_id)
    worker = _worker(store)
    _run_until(worker, store, batch_id, "finalizing")

    # The output file is written and renamed into place, then the process "dies" before the
    # transaction that records it commits.
    def crash(*args: object) -> None:
        raise SystemExit("killed")

    store.insert_file = crash  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        worker.step()
    orphans = {p.name for p in (data / "blobs").iterdir()} - {file_id}
    assert len(orphans) == 1
    store.close()

    reopened = Store(data)
    assert {p.name for p in (data / "blobs").iterdir()} == {file_id}  # orphan swept
    row = _run_until(_worker(reopened), reopened, batch_id, "completed")
    assert row.output_file_id is not None
    assert row.output_file_id not in orphans
    blob = reopened.blob_path(row.output_file_id).read_bytes()
    assert [json.loads(line)["custom_id"] for line in blob.splitlines()] == [
        f"request-{i}" for i in range(5)
    ]


def test_store_sweeps_temp_files_on_open(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    fd, tmp = store.new_temp_file()
    with open(fd, "wb") as fh:
        fh.write(b"half an upload")
    store.close()
    Store(tmp_path / "data")
    assert not tmp.exists()


def test_one_server_per_data_dir(tmp_path: Path) -> None:
    from groq_batch_server.store import DataDirInUseError

    first = Store(tmp_path / "data")
    with pytest.raises(DataDirInUseError, match=f"pid {os.getpid()}"):
        Store(tmp_path / "data")
    first.close()
    Store(tmp_path / "data").close()  # released on close


# ------------------------------------------------------------------------- poison inputs
def _raw_line(custom_id: str, body: str) -> str:
    return (
        f'{{"custom_id":"{custom_id}","method":"POST","url":"/v1/chat/completions","body":{body}}}'
    )


_CHAT = '{"model":"llama-3.1-8b-instant","messages":[{"role":"user","content":%s}]}'
_SURROGATE_BODY = _CHAT % '"\\ud800 alone"'
_DEEP_BODY = _CHAT % ("[" * 1000 + "]" * 1000)


def _drive(worker: Worker, store: Store, batch_ids: list[str], steps: int = 50) -> None:
    for _ in range(steps):
        if all(store.get_batch(b).status in TERMINAL_STATUSES for b in batch_ids):  # type: ignore[union-attr]
            return
        worker.step()
    raise AssertionError("some batch never finished")


def test_poison_lines_never_stall_the_worker(store: Store) -> None:
    surrogate = _new_batch(
        store,
        _store_file(
            store,
            jsonl([request_line(0), _raw_line("lone", _SURROGATE_BODY), request_line(2)]),
        ),
    )
    deep = _new_batch(
        store, _store_file(store, jsonl([request_line(0), _raw_line("deep", _DEEP_BODY)]))
    )
    bad_id = _new_batch(store, _store_file(store, jsonl([_raw_line("\\udc00", _CHAT % '"hi"')])))
    healthy = _new_batch(store, _store_file(store, jsonl([request_line(i) for i in range(4)])))
    worker = _worker(store)
    _drive(worker, store, [surrogate, deep, bad_id, healthy])

    row = store.get_batch(healthy)
    assert row is not None
    assert (row.status, row.completed) == ("completed", 4)

    # Each poison line fails its own batch at validation, with a line-level error naming the
    # line and the field (the server's own checks refuse lone surrogates and deep nesting before
    # anything runs); the healthy batch above never waited on them.
    for batch_id, line, field in (
        (surrogate, 2, "body"),
        (deep, 2, "body"),
        (bad_id, 1, "custom_id"),
    ):
        row = store.get_batch(batch_id)
        assert row is not None
        assert row.status == "failed"
        assert row.errors is not None
        assert [e["line"] for e in row.errors] == [line]
        assert row.errors[0]["param"].startswith(field), row.errors


class _ExplodingEcho(EchoExecutor):
    """Echo, except that a chunk holding a request whose id starts with ``boom`` raises."""

    def run(self, requests, stop):  # type: ignore[no-untyped-def]
        if any(r.custom_id.startswith("boom") for r in requests):
            raise RuntimeError("executor blew up")
        return super().run(requests, stop)


def test_a_request_that_breaks_the_executor_gets_its_own_error_row(store: Store) -> None:
    lines = [request_line(0), request_line(1, custom_id="boom-1"), request_line(2)]
    batch_id = _new_batch(store, _store_file(store, jsonl(lines)))
    worker = Worker(store, _ExplodingEcho(), chunk_size=3, max_lines=10, max_bytes=1 << 20)
    _drive(worker, store, [batch_id])
    row = store.get_batch(batch_id)
    assert row is not None
    assert (row.status, row.completed, row.failed) == ("completed", 2, 1)
    assert row.error_file_id is not None
    (error_line,) = store.blob_path(row.error_file_id).read_bytes().splitlines()
    assert json.loads(error_line)["custom_id"] == "boom-1"
    assert json.loads(error_line)["error"]["code"] == "server_error"


def test_a_batch_whose_step_keeps_failing_is_isolated_then_failed(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    doomed = _new_batch(store, _store_file(store, jsonl([request_line(0)])))
    healthy = _new_batch(store, _store_file(store, jsonl([request_line(i) for i in range(6)])))
    worker = Worker(
        store, EchoExecutor(), chunk_size=2, max_lines=10, max_bytes=1 << 20,
        max_tries=3, retry_delay=0.0,
    )  # fmt: skip
    real_finish = worker._finish

    def finish(row: BatchRow, target: str) -> bool:
        if row.id == doomed:
            raise OSError("disk on fire")
        return real_finish(row, target)

    worker._finish = finish  # type: ignore[method-assign]
    caplog.set_level("WARNING", logger="groq_batch_server")
    _drive(worker, store, [doomed, healthy])

    assert store.get_batch(healthy).status == "completed"  # type: ignore[union-attr]
    row = store.get_batch(doomed)
    assert row is not None
    assert row.status == "failed"
    assert row.failed_at is not None
    assert row.errors is not None
    assert [e["code"] for e in row.errors] == ["internal_error"]
    assert "OSError" in row.errors[0]["message"]
    about = [r for r in caplog.records if doomed in r.getMessage()]
    # Three tries, one traceback between them, then the verdict.
    assert sum(1 for r in about if "step failed" in r.getMessage()) == 3
    assert sum(1 for r in about if r.exc_info) == 1
    assert about[-1].levelname == "ERROR"


# ------------------------------------------------------------------------ commit by time
class _SlowEcho(EchoExecutor):
    """Echo on a fake clock: each request takes `seconds` of it, and no real time."""

    def __init__(self, clock: list[float], seconds: float) -> None:
        super().__init__()
        self.clock = clock
        self.seconds = seconds

    def run(self, requests, stop):  # type: ignore[no-untyped-def]
        self.clock[0] += self.seconds * len(requests)
        return super().run(requests, stop)


def test_results_are_committed_by_time_as_well_as_by_count(store: Store) -> None:
    clock = [0.0]
    batch_id = _new_batch(store, _store_file(store, jsonl([request_line(i) for i in range(20)])))
    worker = Worker(
        store, _SlowEcho(clock, 0.125), chunk_size=500, max_lines=50, max_bytes=1 << 20,
        commit_interval=0.5, parallelism=1, monotonic=lambda: clock[0],
    )  # fmt: skip
    worker.step()  # validate
    counts = []
    for _ in range(5):
        worker.step()
        row = store.get_batch(batch_id)
        assert row is not None
        counts.append(row.completed)
    # 1/8 s a request, committed every 0.5 s: four at a time, although a chunk holds 500.
    assert counts == [4, 8, 12, 16, 20]
    assert _run_until(worker, store, batch_id, "completed").output_file_id is not None


def test_a_fast_executor_still_commits_whole_chunks(store: Store) -> None:
    clock = [0.0]
    batch_id = _new_batch(store, _store_file(store, jsonl([request_line(i) for i in range(25)])))
    worker = Worker(
        store, _SlowEcho(clock, 0.0), chunk_size=10, max_lines=50, max_bytes=1 << 20,
        commit_interval=0.5, parallelism=1, monotonic=lambda: clock[0],
    )  # fmt: skip
    worker.step()
    counts = []
    for _ in range(3):
        worker.step()
        counts.append(store.get_batch(batch_id).completed)  # type: ignore[union-attr]
    assert counts == [10, 20, 25]


def test_a_big_batch_checkpoints_the_wal_rarely_and_loses_no_commit(tmp_path: Path) -> None:
    # A million-line job writes about a gigabyte; SQLite's default checkpoint every ~4 MB (1000
    # pages) copied and synced the database so often that it cost a tenth of the worker's time.
    store = Store(tmp_path / "data")
    body = json.dumps({"answer": "y" * 1000})
    rows = [ResultRow(line, f"r{line}", 200, "req", body) for line in range(1, 8001)]
    for start in range(0, len(rows), 500):
        with store.transaction() as conn:
            store.insert_results(conn, "batch_x", rows[start : start + 500])
    wal = tmp_path / "data" / "groq-batch.sqlite3-wal"
    # Past the default threshold and not checkpointed: the WAL holds every commit...
    assert wal.stat().st_size > 6 * 2**20
    # ...and a reader that is not the store (as after a kill) sees every one of them.
    with sqlite3.connect(tmp_path / "data" / "groq-batch.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM results").fetchone() == (8000,)
    store.close()
