"""Downloads cut off by the real local server resume with Range, or fail with a typed error.

Written once for both flavours.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, AsyncTiming, GroqError, IncompleteContentError, NotFoundError
from tests.cassette_support import capture_sent
from tests.client_support import API_KEY, async_no_wait
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio

CONTENT = r"/content$"
PAYLOAD = jsonl([request_line(i, content="word " * 40) for i in range(300)])


def truncate(server: LocalServer, at_bytes: int, times: int) -> None:
    from groq_batch_server import FaultRule

    server.faults.add(FaultRule(kind="truncate", at_bytes=at_bytes, times=times, path=CONTENT))


def client_for(server: LocalServer, **options: object) -> AsyncGroq:
    timing = AsyncTiming(sleep=async_no_wait)
    return AsyncGroq(api_key=API_KEY, base_url=server.base_url, timing=timing, **options)  # type: ignore[arg-type]


async def test_a_truncated_download_resumes_to_the_exact_bytes(
    local_server: LocalServer, tmp_path: Path
) -> None:
    async with client_for(local_server) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        truncate(local_server, 5000, times=3)
        content = await client.files.content(file_id)
        assert content.content_length == len(PAYLOAD)
        assert await content.read() == PAYLOAD
        truncate(local_server, 777, times=1)
        lines = [line async for line in (await client.files.content(file_id)).iter_lines()]
        assert lines == PAYLOAD.decode().splitlines()
        truncate(local_server, 3000, times=2)
        content = await client.files.content(file_id)
        chunks = [chunk async for chunk in content.iter_bytes()]
        assert b"".join(chunks) == PAYLOAD
        truncate(local_server, 12_345, times=1)
        target = tmp_path / "copy.jsonl"
        await (await client.files.content(file_id)).write_to_file(target)
        assert target.read_bytes() == PAYLOAD


async def test_a_download_that_cannot_progress_is_a_typed_error_and_no_file(
    local_server: LocalServer, tmp_path: Path
) -> None:
    async with client_for(local_server, max_retries=2) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        truncate(local_server, 1000, times=1)
        truncate(local_server, 0, times=-1)
        out = tmp_path / "out"
        out.mkdir()
        target = out / "copy.jsonl"
        with pytest.raises(IncompleteContentError) as info:
            await (await client.files.content(file_id)).write_to_file(target)
        assert info.value.received == 1000
        assert info.value.expected == len(PAYLOAD)
        assert list(out.iterdir()) == []  # neither the file nor a temp file is left behind


async def test_a_download_that_cannot_finish_raises_from_text(local_server: LocalServer) -> None:
    async with client_for(local_server, max_retries=1) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        truncate(local_server, 10, times=1)
        truncate(local_server, 0, times=-1)  # every resume is cut before its first byte
        content = await client.files.content(file_id)
        with pytest.raises(IncompleteContentError):
            await content.text()


async def test_read_lines_and_write_send_the_download_headers(
    local_server: LocalServer, tmp_path: Path
) -> None:
    async with client_for(local_server) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        sent = capture_sent(client)
        assert await (await client.files.content(file_id)).read() == PAYLOAD
        content = await client.files.content(file_id)
        assert [line async for line in content.iter_lines()] == PAYLOAD.decode().splitlines()
        target = tmp_path / "out.jsonl"
        await (await client.files.content(file_id)).write_to_file(target)
        assert target.read_bytes() == PAYLOAD
    assert len(sent) == 3
    for request in sent:
        assert request.url.path == f"/openai/v1/files/{file_id}/content"
        assert request.headers["accept"] == "application/octet-stream"
        assert request.headers["accept-encoding"] == "identity"
        assert "range" not in request.headers


async def test_a_resume_asks_for_the_rest_with_range_and_if_range(
    local_server: LocalServer,
) -> None:
    async with client_for(local_server) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        truncate(local_server, 5000, times=1)
        truncate(local_server, 17_000 - 5000, times=1)
        sent = capture_sent(client)
        content = await client.files.content(file_id)
        assert await content.read() == PAYLOAD
        assert content.bytes_received == len(PAYLOAD)
        etag = content.headers.get("etag")
    assert [r.headers.get("range") for r in sent] == [None, "bytes=5000-", "bytes=17000-"]
    assert etag
    assert all(r.headers.get("if-range") == etag for r in sent[1:])


async def test_content_is_single_use_and_a_missing_file_raises_when_opened(
    local_server: LocalServer,
) -> None:
    async with client_for(local_server) as client:
        file_id = (await client.files.create(file=("in.jsonl", PAYLOAD))).id
        async with await client.files.content(file_id) as content:
            async for _chunk in content.iter_bytes():
                break
        with pytest.raises(GroqError, match="already consumed"):
            await content.read()
        with pytest.raises(NotFoundError):
            await client.files.content("file_01aaaaaaaaaaaaaaaaaaaaaaaa")
