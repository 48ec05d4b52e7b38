"""`with_raw_response` and `with_streaming_response`: each call's own response, sync and async."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from groq_batch import APIResponse, AsyncAPIResponse, AsyncGroq
from groq_batch.types import Batch, BatchListResponse
from tests.client.support import respond
from tests.client_support import API_KEY, BASE_URL, BATCH, FILE, batch, error, make_client


def _router(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/files"):
        return respond({"object": "list", "data": [FILE]})
    if path.endswith("/batches") and request.method == "GET":
        return respond({"object": "list", "data": [BATCH]})
    return respond(batch(), headers={"x-request-id": "req_1"})


def test_raw_response_is_the_calls_own_and_already_read() -> None:
    client, _ = make_client(_router)
    raw = client.batches.with_raw_response.retrieve("batch_1")
    assert isinstance(raw, APIResponse)
    assert raw.is_closed
    assert raw.http_request.method == "GET"
    assert raw.http_request.url.path.endswith("/batches/batch_1")
    assert raw.http_request.headers["X-Stainless-Lang"] == "python"
    assert raw.retries_taken == 0
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "req_1"
    assert raw.elapsed.total_seconds() >= 0
    parsed = raw.parse()
    assert isinstance(parsed, Batch)
    assert raw.parse() is parsed  # parsed once
    assert raw.json() == BATCH


def test_raw_list_parses_to_a_page_of_either_flavour() -> None:
    client, _ = make_client(_router)
    page = client.batches.with_raw_response.list().parse()
    assert isinstance(page, BatchListResponse.__origin__)  # type: ignore[attr-defined]
    assert [b.id for b in page.data] == [BATCH["id"]]


def test_raw_response_counts_the_retries_it_took() -> None:
    answers = iter([error(503), error(429), respond(batch())])
    client, sleeps = make_client(lambda request: next(answers))
    raw = client.batches.with_raw_response.retrieve("batch_1")
    assert raw.retries_taken == 2
    assert raw.http_request.headers["x-stainless-retry-count"] == "2"
    assert len(sleeps) == 2


def test_recovered_create_shows_the_create_request_not_the_lookup() -> None:
    sent: list[httpx.Request] = []
    created: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "POST":
            created.update(batch(metadata=json.loads(request.content)["metadata"]))
            raise httpx.ReadTimeout("lost answer", request=request)
        return httpx.Response(200, json={"object": "list", "data": [created]})

    client, _ = make_client(handler)
    raw = client.batches.with_raw_response.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert [r.method for r in sent] == ["POST", "GET"]
    assert raw.http_request.method == "POST"
    assert raw.http_request.url.path.endswith("/batches")
    assert raw.recovered
    assert raw.parse().id == BATCH["id"]


def test_streaming_response_reads_only_inside_the_block() -> None:
    client, _ = make_client(_router)
    with client.batches.with_streaming_response.retrieve("batch_1") as response:
        assert not response.is_closed
        assert response.http_request.headers["X-Stainless-Lang"] == "python"
        assert response.parse().id == BATCH["id"]
    assert response.is_closed


def test_streaming_response_iterates_lines_and_closes_unread() -> None:
    client, _ = make_client(_router)
    with client.files.with_streaming_response.list() as response:
        text = "".join(response.iter_lines())
        assert json.loads(text)["data"][0]["id"] == FILE["id"]
    with client.batches.with_streaming_response.retrieve("batch_1") as unread:
        pass
    assert unread.is_closed


def test_only_api_methods_are_offered() -> None:
    client, _ = make_client(_router)
    with pytest.raises(AttributeError):
        _ = client.batches.with_raw_response.wait  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = client.files.with_streaming_response._find_upload  # type: ignore[attr-defined]


def test_an_error_status_still_raises_through_the_raw_view() -> None:
    client, _ = make_client(lambda request: error(404))
    from groq_batch import NotFoundError

    with pytest.raises(NotFoundError):
        client.batches.with_raw_response.retrieve("batch_1")


@pytest.mark.anyio
async def test_async_raw_and_streaming_responses() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return _router(request)

    transport = httpx.MockTransport(handler)
    async with AsyncGroq(
        api_key=API_KEY, base_url=BASE_URL, http_client=httpx.AsyncClient(transport=transport)
    ) as client:
        raw = await client.batches.with_raw_response.cancel("batch_1")
        assert isinstance(raw, AsyncAPIResponse)
        assert raw.is_closed
        assert (await raw.parse()).id == BATCH["id"]
        page = await (await client.files.with_raw_response.list()).parse()
        assert isinstance(page, BatchListResponse.__origin__)  # type: ignore[attr-defined]
        async with client.batches.with_streaming_response.retrieve("batch_1") as response:
            assert not response.is_closed
            chunks = [chunk async for chunk in response.iter_bytes()]
            assert json.loads(b"".join(chunks))["id"] == BATCH["id"]
        assert response.is_closed


def test_concurrent_raw_calls_do_not_share_responses() -> None:
    client, _ = make_client(_router)
    first = client.batches.with_raw_response.retrieve("batch_a")
    second = client.files.with_raw_response.list()
    assert first.http_request.url.path.endswith("batch_a")
    assert second.http_request.url.path.endswith("/files")
