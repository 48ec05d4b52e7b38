"""A cancel that lands while the worker validates: the counts and the error file stay whole.

The cancel is made to arrive at one exact point, inside the validation step (between reading the
file and the status change), by wrapping the worker's validator; no timing is involved.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from groq_batch import ConflictError, Groq
from groq_batch_server import LocalServer
from groq_batch_server import worker as worker_module
from groq_batch_server.executors import EchoExecutor
from groq_batch_server.store import Store
from groq_batch_server.worker import Worker, request_cancel
from tests.server_support import jsonl, request_line, store_batch

LINES = 7


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "data")


def _cancel_during_validation(
    monkeypatch: pytest.MonkeyPatch, store: Store, batch_id: str
) -> list[str]:
    """Make the next validation see a cancel arrive after reading the file, before moving on."""
    statuses: list[str] = []
    real = worker_module.judge_path

    def validate_then_cancel(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        if not statuses:  # once: the cancelled batch is validated again to list its requests
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
    batch_id = store_batch(store, jsonl([request_line(i) for i in range(LINES)]))
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
    batch_id = store_batch(store, b"{}\n" * 3)
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
    batch_id = store_batch(store, jsonl([request_line(0)]))
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


def _cancelled_and_listed(store: Store, batch_id: str) -> list[str]:
    done = store.get_batch(batch_id)
    assert done is not None
    assert done.status == "cancelled"
    assert (done.total, done.completed, done.failed) == (LINES, 0, 0)
    assert done.error_file_id is not None
    lines = [json.loads(x) for x in store.blob_path(done.error_file_id).read_text().splitlines()]
    assert [x["error"]["code"] for x in lines] == ["batch_cancelled"] * LINES
    return sorted(x["custom_id"] for x in lines)


def test_a_cancel_before_validation_still_counts_and_lists_every_request(store: Store) -> None:
    # Create then cancel at once: the worker first sees the batch already `cancelling`.
    batch_id = store_batch(store, jsonl([request_line(i) for i in range(LINES)]))
    row = request_cancel(store, batch_id)
    assert row is not None
    assert (row.status, row.total) == ("cancelling", 0)
    worker = _worker(store)
    worker.step()
    assert _cancelled_and_listed(store, batch_id) == sorted(f"request-{i}" for i in range(LINES))


def test_a_cancel_before_validation_of_a_bad_file_wins_with_nothing_to_list(store: Store) -> None:
    batch_id = store_batch(store, b"{}\n" * 3)
    assert request_cancel(store, batch_id) is not None
    _worker(store).step()
    done = store.get_batch(batch_id)
    assert done is not None
    assert (done.status, done.total, done.errors, done.error_file_id) == (
        "cancelled", 0, None, None
    )  # fmt: skip


def test_create_then_cancel_from_four_threads_counts_every_batch(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # The reproduction, through the real server: 4 threads each create then cancel.
    # Each request takes 50 ms, so the batches are still at work when their cancels arrive.
    local_server = make_local_server(api_key=None, request_latency=0.05)
    content = jsonl([request_line(i) for i in range(LINES)])
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        file_id = client.files.create(file=("in.jsonl", content)).id

        def create_then_cancel(_: int) -> str:
            batch = client.batches.create(
                input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
            )
            with contextlib.suppress(ConflictError):  # it finished first: nothing to cancel
                client.batches.cancel(batch.id)
            return batch.id

        with ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(create_then_cancel, range(12)))
        finished = client.batches.wait(ids, poll_interval=0.02)
        cancelled = [b for b in finished if b.status == "cancelled"]
        assert cancelled, [b.status for b in finished]
        for batch in finished:
            counts = batch.request_counts
            assert counts is not None
            assert counts.total == LINES, (batch.id, batch.status)
            if batch.status != "cancelled":
                continue
            done = counts.completed + counts.failed
            if counts.completed == LINES:  # every request ran before the cancel landed
                assert batch.error_file_id is None
                continue
            assert batch.error_file_id is not None
            errors = client.files.content(batch.error_file_id).read().decode().splitlines()
            # Every request not run is listed as cancelled (and any that failed, as failed).
            assert len(errors) == LINES - counts.completed
            codes = [json.loads(x)["error"]["code"] for x in errors]
            assert codes.count("batch_cancelled") == LINES - done
