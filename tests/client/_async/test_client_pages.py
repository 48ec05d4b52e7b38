"""Pages everywhere (issue 11 item 2): files.list pages like batches.list, against the real local
server. Written once for both flavours: a list's result gives its first page, and is iterable
item by item across every page without asking for that first page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, AsyncPage
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio


async def _files(client: AsyncGroq, count: int) -> list[str]:
    return [
        (await client.files.create(file=(f"in{i}.jsonl", jsonl([request_line(i)])))).id
        for i in range(count)
    ]


async def test_files_list_is_a_page_that_walks_every_page(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        ids = await _files(client, 5)
        page = await client.files.list(limit=2)
        assert isinstance(page, AsyncPage)
        assert len(page.data) == 2
        assert page.has_more
        assert page.has_next_page()
        walked = [f.id async for f in page]
        assert sorted(walked) == sorted(ids)
        assert len([p async for p in page.iter_pages()]) == 3
        after = await client.files.list(after=page.data[-1].id, limit=100)
        assert [f.id for f in after.data] == walked[2:]


async def test_files_list_filters_by_purpose(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        ids = await _files(client, 2)
        assert sorted([f.id async for f in client.files.list(purpose="batch")]) == sorted(ids)
        assert [f async for f in client.files.list(purpose="batch_output")] == []


async def test_lists_iterate_across_pages_without_a_first_page(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        ids = await _files(client, 3)
        for file_id in ids:
            await client.batches.create(
                input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
            )
        walked = [b.input_file_id async for b in client.batches.list(limit=1)]
        assert sorted(walked) == sorted(ids)
        files = [f.id async for f in client.files.list(limit=2, purpose="batch")]
        assert sorted(files) == sorted(ids)
        first = await client.batches.list(limit=2)
        assert isinstance(first, AsyncPage)
        assert len(first.data) == 2
        assert sorted([b.input_file_id async for b in first]) == sorted(ids)
