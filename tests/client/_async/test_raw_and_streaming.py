"""`with_raw_response` and `with_streaming_response`: each call's own response.

Written once for both flavours, over a mock transport.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from groq_batch import AsyncAPIResponse, NotFoundError
from groq_batch.types import Batch, BatchListResponse
from tests.client.support import respond
from tests.client_support import BATCH, FILE, batch, error, make_async_client

pytestmark = pytest.mark.anyio


def _router(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path.endswith("/files"):
        return respond({"object": "list", "data": [FILE]})
    if path.endswith("/batches") and request.method == "GET":
        return respond({"object": "list", "data": [BATCH]})
    return respond(batch(), headers={"x-request-id": "req_1"})


async def test_raw_response_is_the_calls_own_and_already_read() -> None:
    client, _ = make_async_client(_router)
    raw = await client.batches.with_raw_response.retrieve("batch_1")
    assert isinstance(raw, AsyncAPIResponse)
    assert raw.is_closed
    assert raw.http_request.method == "GET"
    assert raw.http_request.url.path.endswith("/batches/batch_1")
    assert raw.http_request.headers["X-Stainless-Lang"] == "python"
    assert raw.retries_taken == 0
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == "req_1"
    assert raw.elapsed.total_seconds() >= 0
    parsed = await raw.parse()
    assert isinstance(parsed, Batch)
    assert await raw.parse() is parsed  # parsed once
    assert await raw.json() == BATCH
    cancelled = await client.batches.with_raw_response.cancel("batch_1")
    assert (await cancelled.parse()).id == BATCH["id"]


async def test_raw_list_parses_to_a_page_of_either_flavour() -> None:
    client, _ = make_async_client(_router)
    page = await (await client.batches.with_raw_response.list()).parse()
    assert isinstance(page, BatchListResponse.__origin__)  # type: ignore[attr-defined]
    assert [b.id for b in page.data] == [BATCH["id"]]
    files = await (await client.files.with_raw_response.list()).parse()
    assert isinstance(files, BatchListResponse.__origin__)  # type: ignore[attr-defined]


async def test_raw_response_counts_the_retries_it_took() -> None:
    answers = iter([error(503), error(429), respond(batch())])
    client, sleeps = make_async_client(lambda request: next(answers))
    raw = await client.batches.with_raw_response.retrieve("batch_1")
    assert raw.retries_taken == 2
    assert raw.http_request.headers["x-stainless-retry-count"] == "2"
    assert len(sleeps) == 2


async def test_recovered_create_shows_the_create_request_not_the_lookup() -> None:
    sent: list[httpx.Request] = []
    created: dict[str, Any] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.method == "POST":
            created.update(batch(metadata=json.loads(request.content)["metadata"]))
            raise httpx.ReadTimeout("lost answer", request=request)
        return httpx.Response(200, json={"object": "list", "data": [created]})

    client, _ = make_async_client(handler)
    raw = await client.batches.with_raw_response.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert [r.method for r in sent] == ["POST", "GET"]
    assert raw.http_request.method == "POST"
    assert raw.http_request.url.path.endswith("/batches")
    assert raw.recovered
    assert (await raw.parse()).id == BATCH["id"]


async def test_streaming_response_reads_only_inside_the_block() -> None:
    client, _ = make_async_client(_router)
    async with client.batches.with_streaming_response.retrieve("batch_1") as response:
        assert not response.is_closed
        assert response.http_request.headers["X-Stainless-Lang"] == "python"
        assert (await response.parse()).id == BATCH["id"]
    assert response.is_closed
    async with client.batches.with_streaming_response.retrieve("batch_1") as response:
        chunks = [chunk async for chunk in response.iter_bytes()]
        assert json.loads(b"".join(chunks))["id"] == BATCH["id"]
    assert response.is_closed


async def test_streaming_response_iterates_lines_and_closes_unread() -> None:
    client, _ = make_async_client(_router)
    async with client.files.with_streaming_response.list() as response:
        text = "".join([line async for line in response.iter_lines()])
        assert json.loads(text)["data"][0]["id"] == FILE["id"]
    async with client.batches.with_streaming_response.retrieve("batch_1") as unread:
        pass
    assert unread.is_closed


async def test_only_api_methods_are_offered() -> None:
    client, _ = make_async_client(_router)
    with pytest.raises(AttributeError):
        _ = client.batches.with_raw_response.wait  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = client.files.with_streaming_response._find_upload  # type: ignore[attr-defined]


async def test_an_error_status_still_raises_through_the_raw_view() -> None:
    client, _ = make_async_client(lambda request: error(404))
    with pytest.raises(NotFoundError):
        await client.batches.with_raw_response.retrieve("batch_1")


async def test_concurrent_raw_calls_do_not_share_responses() -> None:
    client, _ = make_async_client(_router)
    first = await client.batches.with_raw_response.retrieve("batch_a")
    second = await client.files.with_raw_response.list()
    assert first.http_request.url.path.endswith("batch_a")
    assert second.http_request.url.path.endswith("/files")
