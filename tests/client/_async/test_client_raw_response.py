"""`with_raw_response` (issue 11 item 5): headers, status and the parsed result, as in the official
SDK, for every resource method, against the real local server. Written once for both flavours
(`parse()` is a coroutine in one, as in the SDK)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, AsyncPage, NotFoundError
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio


async def test_raw_responses_give_headers_status_and_the_result(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        raw_file = await client.files.with_raw_response.create(
            file=("in.jsonl", jsonl([request_line(1)]))
        )
        assert raw_file.status_code == 200
        file = await raw_file.parse()
        created = await client.batches.with_raw_response.create(
            input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert created.http_response.request.method == "POST"
        batch = await created.parse()
        raw = await client.batches.with_raw_response.retrieve(batch.id)
        assert raw.status_code == 200
        assert raw.headers["content-type"].startswith("application/json")
        assert raw.http_response.request.url.path.endswith(batch.id)
        assert (await raw.parse()).id == batch.id
        listed = await client.batches.with_raw_response.list(limit=1)
        assert isinstance(await listed.parse(), AsyncPage)
        assert listed.http_response.request.url.params["limit"] == "1"
        info = await client.files.with_raw_response.info(file.id)
        assert (await info.parse()).id == file.id
        assert info.headers["content-type"].startswith("application/json")
        page = await (await client.files.with_raw_response.list()).parse()
        assert file.id in [f.id for f in page.data]
        with pytest.raises(NotFoundError):
            await client.batches.with_raw_response.retrieve("batch_nope")
        with pytest.raises(AttributeError):
            client.batches.with_raw_response._find  # noqa: B018
