"""Hand-built cassettes from Groq's real payloads (`groq-wire.md`), replayed through the facade.

They pin the shapes Groq really sends, whatever the local server does. They are not marked
`vcr`, so `nox -s record` never rewrites them; they always replay with recording off. Requests
match on method, path, query, body (JSON as values, without the random create marker) and the
headers `headers_match` pins; every request really sent must carry the key as a bearer token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import vcr

from groq_batch import Groq, PermissionDeniedError, Timing
from groq_batch.types import BatchError, BatchErrors, BatchStatus
from groq_batch_api.models import BatchRequestOutput
from tests.cassette_support import assert_sent_as_client, capture_sent, register_matchers
from tests.client_support import API_KEY, Sleeps

CASSETTES = Path(__file__).parent / "cassettes" / "test_cassettes_groq_wire"
_REPLAY = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="none",
    match_on=["method", "path", "query", "json_body", "headers"],
    filter_headers=[("authorization", "Bearer <redacted>")],
)
register_matchers(_REPLAY)


@contextmanager
def replay(name: str, **options: object) -> Iterator[tuple[Groq, Sleeps]]:
    """A client replaying one cassette; every recorded answer must be used."""
    sleeps = Sleeps()
    timing = Timing(sleep=sleeps)
    with (
        _REPLAY.use_cassette(name) as cassette,
        Groq(api_key=API_KEY, timing=timing, **options) as client,  # type: ignore[arg-type]
    ):
        sent = capture_sent(client)
        yield client, sleeps
        assert cassette.all_played, f"{name}: not every recorded answer was asked for"
        assert sent, name
        for request in sent:
            assert_sent_as_client(request, API_KEY)


def test_bare_array_errors_become_batch_errors() -> None:
    with replay("batch_bare_array_errors.yaml") as (client, _):
        batch = client.batches.retrieve("batch_01jh6xa7reempvjyh6n3yst2zw")
    assert batch.status == BatchStatus.COMPLETED
    assert isinstance(batch.errors, BatchErrors)
    assert batch.errors.object_ == "list"
    assert batch.errors.data == [
        BatchError(
            code="invalid_method",
            message="Invalid value: 'GET'. Supported values are: 'POST'",
            param="method",
            line=4,
        )
    ]
    assert batch.finalizing_at is None
    assert batch.completed_at == 1736472607
    assert batch.request_counts is not None
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, 1)


def test_project_id_is_kept() -> None:
    with replay("batch_project_id.yaml") as (client, _):
        batch = client.batches.retrieve("batch_01ks9k0e4tf3c8w1hqz7m2n5rd")
    assert batch["project_id"] == "project_01jtkfs8evfhctdnt5dc12rh0j"
    assert batch.to_dict()["project_id"] == "project_01jtkfs8evfhctdnt5dc12rh0j"
    assert batch.error_file_id is None
    assert batch.errors is None
    assert batch.output_file_id == "file_01ks9k0gpve6erm10zrd6mcdh8"


def test_null_and_absent_timestamps_are_none() -> None:
    with replay("batch_null_timestamps.yaml") as (client, _):
        created = client.batches.create(
            input_file_id="file_01jh6x76wtemjr74t1fh0faj5t",
            endpoint="/v1/chat/completions",
            completion_window="24h",
        )
        again = client.batches.retrieve(created.id)
    for batch in (created, again):
        assert batch.status == "validating"
        assert batch.expires_at == 1736559000
        for name in ("in_progress_at", "finalizing_at", "completed_at", "failed_at",
                     "expired_at", "cancelling_at", "cancelled_at", "output_file_id",
                     "error_file_id", "errors", "metadata"):  # fmt: skip
            assert getattr(batch, name) is None, name
    assert f"{again.completed_at}" == "None"


def test_groq_cursor_pages_are_walked() -> None:
    with replay("batch_list_paging_cursor.yaml") as (client, _):
        first = client.batches.list(limit=1)
        assert first.has_more is True
        assert first.next_cursor == "cursor_eyJpZCI6ImJhdGNoXzAxamg2eGE3cmVlbXB2anloNm4zeXN0Mnp3In0"
        ids = [batch.id for batch in first]
    assert ids == ["batch_01jh6xa7reempvjyh6n3yst2zw", "batch_01ks9k0e4tf3c8w1hqz7m2n5rd"]


def test_an_error_file_with_a_400_line() -> None:
    with replay("error_file_400_line.yaml") as (client, _):
        lines = list(client.files.content("file_01jh6xa9cte52a5xjnmnt5y0je").iter_lines())
    outputs = [BatchRequestOutput.from_dict(json.loads(line)) for line in lines]
    assert [o.custom_id for o in outputs] == ["pr-9953", "pr-9954"]
    failed = outputs[0].response
    assert failed is not None
    assert failed.status_code == 400
    assert failed.body["error"]["code"] == "json_validate_failed"
    expired = outputs[1]
    assert expired.response is None
    assert expired.error is not None
    assert expired.error.code == "batch_expired"


def test_an_unknown_status_parses() -> None:
    with replay("batch_unknown_status.yaml") as (client, _):
        batch = client.batches.retrieve("batch_01jq0m3r8sefxbz0k5ntw4d7yh")
    assert batch.status == "queued_for_capacity"
    assert not isinstance(batch.status, BatchStatus)
    assert isinstance(batch.errors, BatchErrors)
    assert batch.errors.data == []
    assert batch.completion_window == "48h"
    assert batch.metadata is not None
    assert batch.metadata["description"] == "AI Q&A batch processing"


def test_real_error_envelopes() -> None:
    with replay("error_envelopes.yaml") as (client, sleeps):
        with pytest.raises(PermissionDeniedError) as info:
            client.files.list()
        assert client.batches.list(limit=5).data == []
    err = info.value
    assert err.code == "not_available_for_plan"
    assert err.error is not None
    assert err.error.type_ == "permission_error"
    assert err.request_id == "req_01k0plan0000000000000000000"
    assert sleeps == [2.0]
