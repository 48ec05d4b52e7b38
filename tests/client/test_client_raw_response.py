"""`with_raw_response` (issue 11 item 5): headers, status and the parsed result, as in the official
SDK, for every resource method, against the real local server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, Groq, NotFoundError, SyncPage
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


def test_raw_retrieve_gives_headers_status_and_the_batch(local_server: LocalServer) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as client:
        raw_file = client.files.with_raw_response.create(
            file=("in.jsonl", jsonl([request_line(1)]))
        )
        assert raw_file.status_code == 200
        file = raw_file.parse()
        batch = client.batches.create(
            input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        raw = client.batches.with_raw_response.retrieve(batch.id)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        assert raw.http_response.request.url.path.endswith(batch.id)
        assert raw.parse().id == batch.id
        listed = client.batches.with_raw_response.list(limit=1)
        assert isinstance(listed.parse(), SyncPage)
        assert listed.http_response.request.url.params["limit"] == "1"
        info = client.files.with_raw_response.info(file.id)
        assert info.parse().id == file.id
        assert info.headers["content-type"].startswith("application/json")
        with pytest.raises(NotFoundError):
            client.batches.with_raw_response.retrieve("batch_nope")
        with pytest.raises(AttributeError):
            client.batches.with_raw_response._find  # noqa: B018


@pytest.mark.anyio
async def test_async_raw_responses(local_server: LocalServer) -> None:
    client = AsyncGroq(api_key=API_KEY, base_url=local_server.base_url)
    try:
        raw = await client.files.with_raw_response.create(
            file=("in.jsonl", jsonl([request_line(1)]))
        )
        file = await raw.parse()  # async, as the SDK's AsyncAPIResponse.parse is
        created = await client.batches.with_raw_response.create(
            input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert created.http_response.request.method == "POST"
        batch = await created.parse()
        raw_batch = await client.batches.with_raw_response.retrieve(batch.id)
        assert raw_batch.status_code == 200
        assert (await raw_batch.parse()).id == batch.id
        page = await (await client.files.with_raw_response.list()).parse()
        assert file.id in [f.id for f in page.data]
    finally:
        await client.close()
