"""A cancel that lands while the worker validates: the counts and the error file stay whole.

The cancel is made to arrive at one exact point, inside the validation step (between reading the
file and the status change), by wrapping the worker's validator; no timing is involved.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from groq_batch_server import worker as worker_module
from groq_batch_server.executors import EchoExecutor
from groq_batch_server.ids import new_id
from groq_batch_server.store import BatchRow, FileRow, Store
from groq_batch_server.worker import Worker, request_cancel
from tests.server_support import jsonl, request_line

LINES = 7


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def _batch_for(store: Store, content: bytes) -> str:
    fd, tmp = store.new_temp_file()
    with open(fd, "wb") as fh:
        fh.write(content)
    file_id = new_id("file")
    size = store.adopt_blob(tmp, file_id)
    now = time.time()
    with store.transaction() as conn:
        store.insert_file(conn, FileRow(file_id, size, int(now), "in.jsonl", "batch"))
    batch_id = new_id("batch")
    store.insert_batch(
        BatchRow(
            0, batch_id, "/v1/chat/completions", file_id, "24h", "validating", int(now),
            now + 86400, int(now) + 86400,
            None, None, None, None, None, None, None, None, None, 0, 0, 0, None, None,
        )
    )  # fmt: skip
    return batch_id


def _cancel_during_validation(
    monkeypatch: pytest.MonkeyPatch, store: Store, batch_id: str
) -> list[str]:
    """Make the next validation see a cancel arrive after reading the file, before moving on."""
    statuses: list[str] = []
    real = worker_module.judge_path

    def validate_then_cancel(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        row = request_cancel(store, batch_id)
        assert row is not None
        statuses.append(row.status)
        return report

    monkeypatch.setattr(worker_module, "judge_path", validate_then_cancel)
    return statuses


def _worker(store: Store) -> Worker:
    return Worker(
        store, EchoExecutor(), chunk_size=3, max_lines=50_000, max_bytes=100 * 1024 * 1024
    )


def test_a_cancel_during_validation_keeps_the_total_and_lists_every_request(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = _batch_for(store, jsonl([request_line(i) for i in range(LINES)]))
    statuses = _cancel_during_validation(monkeypatch, store, batch_id)
    worker = _worker(store)
    worker.step()
    assert statuses == ["cancelling"]  # the cancel really landed mid-validation
    row = store.get_batch(batch_id)
    assert row is not None
    assert (row.status, row.total, row.completed, row.failed) == ("cancelling", LINES, 0, 0)
    worker.step()
    done = store.get_batch(batch_id)
    assert done is not None
    assert done.status == "cancelled"
    assert done.total == LINES
    assert done.error_file_id is not None
    lines = store.blob_path(done.error_file_id).read_text().splitlines()
    codes = [json.loads(line)["error"]["code"] for line in lines]
    assert codes == ["batch_cancelled"] * LINES
    custom_ids = sorted(json.loads(line)["custom_id"] for line in lines)
    assert custom_ids == sorted(f"request-{i}" for i in range(LINES))


def test_a_cancel_during_a_failing_validation_wins(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id = _batch_for(store, b"{}\n" * 3)
    statuses = _cancel_during_validation(monkeypatch, store, batch_id)
    worker = _worker(store)
    worker.step()
    worker.step()
    assert statuses == ["cancelling"]
    done = store.get_batch(batch_id)
    assert done is not None
    assert done.status == "cancelled"
    assert done.errors is None
    assert done.failed_at is None


def test_cancelling_a_cancelled_batch_again_returns_it_unchanged(store: Store) -> None:
    batch_id = _batch_for(store, jsonl([request_line(0)]))
    first = request_cancel(store, batch_id)
    assert first is not None
    assert first.status == "cancelling"
    worker = _worker(store)
    worker.step()
    done = store.get_batch(batch_id)
    assert done is not None
    assert done.status == "cancelled"
    again = request_cancel(store, batch_id)  # a client retrying a cancel it never heard back on
    assert again == done
