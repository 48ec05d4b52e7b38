"""Cassettes recorded from the local server: the request each method builds, the response it parses.

Re-record with `nox -s record` (local server) or against the live API (see the README). In CI
they replay with `--record-mode=none` and the network blocked; a request the code builds
differently from the recorded one (method, path, query, body, or the headers `headers_match`
pins) fails to match, and every recorded answer must be used. The assertions on headers read the
requests the client really sent (`sent`), not the cassette's copies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest

from groq_batch import IDEMPOTENCY_METADATA_KEY, Groq, NotFoundError, SyncPage
from groq_batch.types import (
    Batch,
    BatchRequestCounts,
    BatchStatus,
    FileDeleted,
    FileObject,
)
from tests.cassette_support import (
    assert_sent_as_client,
    capture_sent,
    recording_client,
)
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from vcr.cassette import Cassette

    from groq_batch_server import LocalServer

pytestmark = pytest.mark.vcr

JSONL = jsonl([request_line(1), request_line(2), request_line(3)])
ENDPOINT = "/v1/chat/completions"


@pytest.fixture
def client(
    record_mode: str, make_local_server: Callable[..., LocalServer], vcr: Cassette
) -> Iterator[Groq]:
    with recording_client(record_mode, make_local_server) as client:
        yield client
    if record_mode == "none":
        assert vcr.all_played, f"{len(vcr.data) - vcr.play_count} recorded answers never asked for"


@dataclass
class Wire:
    """The requests the client really sent in one test (an httpx event hook saw them)."""

    requests: list[httpx.Request]
    api_key: str

    def pinned(self, method: str, path: str) -> httpx.Request:
        """The one request sent with this method and path; every request carried key and agent."""
        matches = [r for r in self.requests if r.method == method and r.url.path == path]
        assert len(matches) == 1, [f"{r.method} {r.url.path}" for r in self.requests]
        for request in self.requests:
            assert_sent_as_client(request, self.api_key)
        return matches[0]


@pytest.fixture
def wire(client: Groq) -> Wire:
    return Wire(capture_sent(client), client._settings.api_key)


def upload(client: Groq) -> FileObject:
    return client.files.create(file=("requests.jsonl", JSONL), purpose="batch")


def create(client: Groq, file_id: str, tag: str) -> Batch:
    # A fixed marker keeps the request body identical from one run to the next.
    return client.batches.create(
        input_file_id=file_id,
        endpoint=ENDPOINT,
        completion_window="24h",
        metadata={"suite": "cassettes", IDEMPOTENCY_METADATA_KEY: tag},
    )


def test_files_create(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    assert isinstance(stored, FileObject)
    assert stored.id.startswith("file_")
    assert stored.filename == "requests.jsonl"
    assert stored.bytes_ == len(JSONL)
    assert stored.purpose == "batch"
    request = wire.pinned("POST", "/openai/v1/files")
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.headers["accept"] == "application/json"
    body = request.read()
    assert b'name="file"; filename="requests.jsonl"' in body
    assert JSONL in body
    assert b'name="purpose"' in body


def test_files_list(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    files = client.files.list()
    assert isinstance(files, SyncPage)  # a page since issue 11: iterable across pages
    assert stored.id in [f.id for f in files.data]
    wire.pinned("GET", "/openai/v1/files")


def test_files_info(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    info = client.files.info(stored.id)
    assert info.to_dict() == stored.to_dict()
    wire.pinned("GET", f"/openai/v1/files/{stored.id}")


def test_files_delete(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    receipt = client.files.delete(stored.id)
    assert isinstance(receipt, FileDeleted)
    assert (receipt.id, receipt.deleted) == (stored.id, True)
    with pytest.raises(NotFoundError) as info:
        client.files.info(stored.id)
    assert info.value.error is not None
    assert info.value.error.message
    wire.pinned("DELETE", f"/openai/v1/files/{stored.id}")


def test_files_content(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    content = client.files.content(stored.id)
    assert content.content_length == len(JSONL)
    lines = list(content.iter_lines())
    assert [json.loads(line)["custom_id"] for line in lines] == [
        "request-1",
        "request-2",
        "request-3",
    ]
    request = wire.pinned("GET", f"/openai/v1/files/{stored.id}/content")
    assert request.headers["accept"] == "application/octet-stream"


def test_batches_create(client: Groq, wire: Wire) -> None:
    stored = upload(client)
    batch = create(client, stored.id, "cassette-create")
    assert isinstance(batch, Batch)
    assert batch.id.startswith("batch_")
    assert batch.status == BatchStatus.VALIDATING
    assert (batch.endpoint, batch.input_file_id, batch.completion_window) == (
        ENDPOINT,
        stored.id,
        "24h",
    )
    assert batch.completed_at is None
    assert batch.errors is None
    assert isinstance(batch.request_counts, BatchRequestCounts)
    assert batch.metadata is not None
    assert batch.metadata["suite"] == "cassettes"
    request = wire.pinned("POST", "/openai/v1/batches")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.read()) == {
        "input_file_id": stored.id,
        "endpoint": ENDPOINT,
        "completion_window": "24h",
        "metadata": {"suite": "cassettes", IDEMPOTENCY_METADATA_KEY: "cassette-create"},
    }


def test_batches_retrieve(client: Groq, wire: Wire) -> None:
    batch = create(client, upload(client).id, "cassette-retrieve")
    again = client.batches.retrieve(batch.id)
    assert again.id == batch.id
    assert again.created_at == batch.created_at
    assert isinstance(again.status, BatchStatus)
    wire.pinned("GET", f"/openai/v1/batches/{batch.id}")


def test_batches_retrieve_missing(client: Groq, wire: Wire) -> None:
    with pytest.raises(NotFoundError) as info:
        client.batches.retrieve("batch_01aaaaaaaaaaaaaaaaaaaaaaaa")
    assert info.value.status_code == 404
    assert info.value.error is not None
    wire.pinned("GET", "/openai/v1/batches/batch_01aaaaaaaaaaaaaaaaaaaaaaaa")


def test_batches_list(client: Groq, wire: Wire) -> None:
    file_id = upload(client).id
    made = [create(client, file_id, f"cassette-list-{i}").id for i in range(3)]
    first = client.batches.list(limit=2)
    assert isinstance(first, SyncPage)
    assert len(first.data) == 2
    assert first.has_more is True
    follow = first.next_page_params()
    assert follow is not None
    walked = [b.id for b in first]
    assert sorted(walked) == sorted(made)
    lists = [r for r in wire.requests if r.method == "GET" and r.url.path == "/openai/v1/batches"]
    # The second page is asked for with whichever cursor the server sent, and the same limit.
    assert [dict(r.url.params) for r in lists] == [{"limit": "2"}, {"limit": "2", **follow}]


def test_batches_cancel(client: Groq, wire: Wire) -> None:
    batch = create(client, upload(client).id, "cassette-cancel")
    cancelled = client.batches.cancel(batch.id)
    assert cancelled.id == batch.id
    assert cancelled.status in (BatchStatus.CANCELLING, BatchStatus.CANCELLED)
    request = wire.pinned("POST", f"/openai/v1/batches/{batch.id}/cancel")
    assert not request.read()
