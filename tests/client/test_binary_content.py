"""`files.content()`: the SDK's binary response surface over this package's resumable stream."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from groq_batch import AsyncGroq
from groq_batch._content import SMALL_CONTENT
from groq_batch._response import AsyncBinaryAPIResponse, BinaryAPIResponse
from tests.client.support import respond
from tests.client_support import API_KEY, BASE_URL, make_client

SMALL = b'{"id": "a"}\n{"id": "b"}\n'


def _serve(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: respond(body))


def test_a_small_file_is_read_at_once_and_can_be_read_again() -> None:
    client, _ = make_client(lambda request: respond(b'{"foo": "bar"}'))
    content = client.files.content("file_1")
    assert isinstance(content, BinaryAPIResponse)
    assert content.is_closed  # the connection went back to the pool
    assert content.status_code == 200
    assert content.http_request.url.path.endswith("/files/file_1/content")
    assert content.json() == {"foo": "bar"}
    assert content.text() == '{"foo": "bar"}'
    assert "".join(content.iter_text()) == '{"foo": "bar"}'
    assert content.retries_taken == 0


def test_a_large_file_streams_and_is_used_once(tmp_path: Path) -> None:
    body = b"x" * (SMALL_CONTENT + 1)
    client, _ = make_client(lambda request: respond(body))
    content = client.files.content("file_1")
    assert not content.is_closed  # nothing read yet: memory stays flat
    content.stream_to_file(tmp_path / "out.bin", chunk_size=1024)
    assert (tmp_path / "out.bin").read_bytes() == body
    assert content.is_closed


def test_the_streaming_view_leaves_even_a_small_body_unread() -> None:
    client, _ = make_client(lambda request: respond(SMALL))
    with client.files.with_streaming_response.content("file_1") as content:
        assert not content.is_closed
        assert list(content.iter_lines()) == ['{"id": "a"}', '{"id": "b"}']
        closed: bool = content.is_closed  # read again: reading changed it
        assert closed
    with client.files.with_streaming_response.content("file_1") as unread:
        pass
    assert unread.is_closed


def test_the_raw_view_of_content_is_the_binary_response() -> None:
    client, _ = make_client(lambda request: respond(SMALL))
    content = client.files.with_raw_response.content("file_1")
    assert content.is_closed
    assert content.read() == SMALL
    assert content.headers["content-length"] == str(len(SMALL))


@pytest.mark.anyio
async def test_async_content_has_the_same_surface(tmp_path: Path) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return respond(b'{"foo": 1}')

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    async with AsyncGroq(api_key=API_KEY, base_url=BASE_URL, http_client=http) as client:
        content = await client.files.content("file_1")
        assert isinstance(content, AsyncBinaryAPIResponse)
        assert content.is_closed
        assert await content.json() == {"foo": 1}
        await content.write_to_file(tmp_path / "a.json")
        assert (tmp_path / "a.json").read_bytes() == b'{"foo": 1}'
        async with client.files.with_streaming_response.content("file_1") as streamed:
            assert not streamed.is_closed
            assert [t async for t in streamed.iter_text()] == ['{"foo": 1}']
        assert streamed.is_closed
