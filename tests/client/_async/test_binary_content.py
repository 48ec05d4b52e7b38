"""`files.content()`: the SDK's binary response surface over this package's resumable stream.

Written once for both flavours, over a mock transport.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from groq_batch._content import SMALL_CONTENT
from groq_batch._response import AsyncBinaryAPIResponse
from tests.client.support import respond
from tests.client_support import make_async_client

pytestmark = pytest.mark.anyio

SMALL = b'{"id": "a"}\n{"id": "b"}\n'


async def test_a_small_file_is_read_at_once_and_can_be_read_again(tmp_path: Path) -> None:
    client, _ = make_async_client(lambda request: respond(b'{"foo": "bar"}'))
    content = await client.files.content("file_1")
    assert isinstance(content, AsyncBinaryAPIResponse)
    assert content.is_closed  # the connection went back to the pool
    assert content.status_code == 200
    assert content.http_request.url.path.endswith("/files/file_1/content")
    assert await content.json() == {"foo": "bar"}
    assert await content.text() == '{"foo": "bar"}'
    assert "".join([t async for t in content.iter_text()]) == '{"foo": "bar"}'
    assert content.retries_taken == 0
    await content.write_to_file(tmp_path / "a.json")
    assert (tmp_path / "a.json").read_bytes() == b'{"foo": "bar"}'


async def test_a_large_file_streams_and_is_used_once(tmp_path: Path) -> None:
    body = b"x" * (SMALL_CONTENT + 1)
    client, _ = make_async_client(lambda request: respond(body))
    content = await client.files.content("file_1")
    assert not content.is_closed  # nothing read yet: memory stays flat
    await content.stream_to_file(tmp_path / "out.bin", chunk_size=1024)
    assert (tmp_path / "out.bin").read_bytes() == body
    assert content.is_closed


async def test_the_streaming_view_leaves_even_a_small_body_unread() -> None:
    client, _ = make_async_client(lambda request: respond(SMALL))
    async with client.files.with_streaming_response.content("file_1") as content:
        assert not content.is_closed
        assert [line async for line in content.iter_lines()] == ['{"id": "a"}', '{"id": "b"}']
        closed: bool = content.is_closed  # read again: reading changed it
        assert closed
    async with client.files.with_streaming_response.content("file_1") as unread:
        pass
    assert unread.is_closed
    async with client.files.with_streaming_response.content("file_1") as streamed:
        assert [t async for t in streamed.iter_text()] == [SMALL.decode()]
    assert streamed.is_closed


async def test_the_raw_view_of_content_is_the_binary_response() -> None:
    client, _ = make_async_client(lambda request: respond(SMALL))
    content = await client.files.with_raw_response.content("file_1")
    assert content.is_closed
    assert await content.read() == SMALL
    assert content.headers["content-length"] == str(len(SMALL))
