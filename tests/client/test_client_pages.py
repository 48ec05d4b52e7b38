"""Pages everywhere (issue 11 item 2): files.list pages like batches.list, and an async list is
iterable without `await`, against the real local server."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, AsyncPage, Groq, SyncPage
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


def _files(client: Groq, count: int) -> list[str]:
    return [
        client.files.create(file=(f"in{i}.jsonl", jsonl([request_line(i)]))).id
        for i in range(count)
    ]


def test_files_list_is_a_page_that_walks_every_page(local_server: LocalServer) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as client:
        ids = _files(client, 5)
        page = client.files.list(limit=2)
        assert isinstance(page, SyncPage)
        assert len(page.data) == 2
        assert page.has_more
        assert sorted(f.id for f in page) == sorted(ids)
        assert len(list(page.iter_pages())) == 3
        after = client.files.list(after=page.data[-1].id, limit=100)
        assert [f.id for f in after.data] == [f.id for f in list(page)[2:]]


def test_files_list_filters_by_purpose(local_server: LocalServer) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as client:
        ids = _files(client, 2)
        assert sorted(f.id for f in client.files.list(purpose="batch")) == sorted(ids)
        assert list(client.files.list(purpose="batch_output")) == []


@pytest.mark.anyio
async def test_async_lists_iterate_without_await(local_server: LocalServer) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as sync_client:
        ids = _files(sync_client, 3)
        for file_id in ids:
            sync_client.batches.create(
                input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
            )
    client = AsyncGroq(api_key=API_KEY, base_url=local_server.base_url)
    try:
        walked = [b.input_file_id async for b in client.batches.list(limit=1)]
        assert sorted(walked) == sorted(ids)
        files = [f.id async for f in client.files.list(limit=2, purpose="batch")]
        assert sorted(files) == sorted(ids)
        first = await client.batches.list(limit=2)
        assert isinstance(first, AsyncPage)
        assert len(first.data) == 2
        assert sorted([b.input_file_id async for b in first]) == sorted(ids)
        file_page = await client.files.list(limit=2)
        assert isinstance(file_page, AsyncPage)
        assert file_page.has_next_page()
    finally:
        await client.close()
