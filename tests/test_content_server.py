"""Downloads cut off by the real local server resume with Range, or fail with a typed error."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, Groq, IncompleteContentError
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch.server import LocalServer

CONTENT = r"/content$"
PAYLOAD = jsonl([request_line(i, content="word " * 40) for i in range(300)])


def truncate(server: LocalServer, at_bytes: int, times: int) -> None:
    from groq_batch.server import FaultRule

    server.faults.add(FaultRule(kind="truncate", at_bytes=at_bytes, times=times, path=CONTENT))


def test_a_truncated_download_resumes_to_the_exact_bytes(
    local_server: LocalServer, tmp_path: Path
) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as client:
        client._transport.sleep = lambda seconds: None
        file_id = client.files.create(file=("in.jsonl", PAYLOAD)).id
        truncate(local_server, 5000, times=3)
        content = client.files.content(file_id)
        assert content.content_length == len(PAYLOAD)
        assert content.read() == PAYLOAD
        truncate(local_server, 777, times=1)
        lines = list(client.files.content(file_id).iter_lines())
        assert lines == PAYLOAD.decode().splitlines()
        truncate(local_server, 12_345, times=1)
        target = tmp_path / "copy.jsonl"
        client.files.content(file_id).write_to_file(target)
        assert target.read_bytes() == PAYLOAD


def test_a_download_that_cannot_progress_is_a_typed_error_and_no_file(
    local_server: LocalServer, tmp_path: Path
) -> None:
    with Groq(api_key=API_KEY, base_url=local_server.base_url, max_retries=2) as client:
        client._transport.sleep = lambda seconds: None
        file_id = client.files.create(file=("in.jsonl", PAYLOAD)).id
        truncate(local_server, 1000, times=1)
        truncate(local_server, 0, times=-1)
        target = tmp_path / "copy.jsonl"
        with pytest.raises(IncompleteContentError) as info:
            client.files.content(file_id).write_to_file(target)
        assert info.value.received == 1000
        assert info.value.expected == len(PAYLOAD)
        assert not target.exists()


@pytest.mark.anyio
async def test_async_truncated_download_resumes(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        truncate(local_server, 3000, times=2)
        content = await client.files.content(file_id)
        chunks = [chunk async for chunk in content.iter_bytes()]
        assert b"".join(chunks) == PAYLOAD
