"""`files.create` inputs: path, bytes, file object, tuples; streamed from disk, never read whole.

The multipart framing of each kind of input is read off a capturing transport; the memory check
needs one that consumes the upload in chunks. List, info, content and delete run against the
local server. Written once for both flavours.
"""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from groq_batch import AsyncGroq, AsyncPage, NotFoundError
from groq_batch.types import FileDeleted, FileObject
from tests.client_support import API_KEY, FILE, make_async_client

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio

LINE = b'{"custom_id":"r1","method":"POST","url":"/v1/chat/completions","body":{}}\n'


class Capture:
    """Consumes each upload in chunks, as a server would, and records its parts."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.sizes: list[int] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            size = 0
            head = b""
            async for chunk in request.stream:  # type: ignore[union-attr]
                size += len(chunk)
                if len(head) < 4096:
                    head += chunk[:4096]
            self.sizes.append(size)
            self.bodies.append(head)
            return httpx.Response(200, json=FILE)
        if request.method == "DELETE":
            return httpx.Response(200, json={"id": "f", "object": "file", "deleted": True})
        if request.url.path == "/openai/v1/files":
            return httpx.Response(200, json={"object": "list", "data": [FILE]})
        return httpx.Response(200, json=FILE)


class _Streaming(httpx.AsyncBaseTransport):
    def __init__(self, handler: Capture) -> None:
        self.handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.handler(request)


def _filename(body: bytes) -> str:
    marker = b'filename="'
    start = body.index(marker) + len(marker)
    return body[start : body.index(b'"', start)].decode()


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda p: str(p), "requests.jsonl"),
        (lambda p: p, "requests.jsonl"),
        (lambda p: p.read_bytes(), "upload.jsonl"),
        (lambda p: open(p, "rb"), "requests.jsonl"),  # noqa: SIM115 - the caller owns it
        (lambda p: io.BytesIO(p.read_bytes()), "upload.jsonl"),
        (lambda p: ("mine.jsonl", p.read_bytes()), "mine.jsonl"),
        (lambda p: ("mine.jsonl", open(p, "rb")), "mine.jsonl"),  # noqa: SIM115
        (lambda p: ("mine.jsonl", p.read_bytes(), "application/jsonl"), "mine.jsonl"),
    ],
)
async def test_every_kind_of_file_input(tmp_path: Path, make: Any, name: str) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(LINE * 3)
    capture = Capture()
    client, _ = make_async_client(capture)
    stored = await client.files.create(file=make(path), purpose="batch")
    assert isinstance(stored, FileObject)
    assert stored.id == FILE["id"]
    body = capture.bodies[0]
    assert LINE * 3 in body
    assert _filename(body) == name
    assert b'name="purpose"\r\nContent-Type: text/plain\r\n\r\nbatch' in body


async def test_wrong_file_inputs_are_type_errors(tmp_path: Path) -> None:
    client, _ = make_async_client(Capture())
    path = tmp_path / "t.jsonl"
    path.write_text("{}\n")
    with open(path) as text_mode, pytest.raises(TypeError, match="binary mode"):
        await client.files.create(file=text_mode)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await client.files.create(file=123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await client.files.create(file=("a",))  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError):
        await client.files.create(file=tmp_path / "missing.jsonl")


async def test_a_path_is_streamed_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    block = LINE * 1000
    with open(path, "wb") as out:
        for _ in range(300):  # about 22 MB
            out.write(block)
    size = path.stat().st_size
    capture = Capture()
    client, _ = make_async_client(capture)
    # MockTransport reads the whole request before its handler runs; this one does not.
    client._http_client._transport = _Streaming(capture)
    tracemalloc.start()
    try:
        await client.files.create(file=path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert capture.sizes[0] > size  # the whole file, plus the multipart framing
    assert peak < 4 * 1024 * 1024, peak


async def test_list_info_content_delete(local_server: LocalServer, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(LINE * 2)
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        from_path = await client.files.create(file=path)
        assert from_path.filename == "requests.jsonl"
        assert await (await client.files.content(from_path.id)).read() == LINE * 2
        assert (await client.files.delete(from_path.id)).deleted
        stored = await client.files.create(file=("mine.jsonl", LINE * 3))
        files = await client.files.list()
        assert isinstance(files, AsyncPage)  # a page since issue 11: iterable across pages
        assert [f.id for f in files.data] == [stored.id]
        info = await client.files.info(stored.id)
        assert (info.bytes, info.filename, info.purpose) == (len(LINE * 3), "mine.jsonl", "batch")
        assert info.bytes_ == info.bytes
        receipt = await client.files.delete(stored.id)
        assert isinstance(receipt, FileDeleted)
        assert (receipt.id, receipt.deleted) == (stored.id, True)
        with pytest.raises(NotFoundError):
            await client.files.info(stored.id)


async def test_find_upload_finds_the_stored_file_with_the_same_name_and_bytes_only(
    local_server: LocalServer,
) -> None:
    from groq_batch._async.files import find_upload
    from groq_batch._uploads import Upload

    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        since = client.transport.clock()
        stored = await client.files.create(file=("part.jsonl", LINE * 2))
        with Upload(("part.jsonl", LINE * 2)) as same:
            found = await find_upload(client.files, same, since)
        assert found is not None
        assert found.id == stored.id
        # Same name and size, other bytes: not ours.
        other = LINE.replace(b"r1", b"r2") * 2
        with Upload(("part.jsonl", other)) as different:
            assert await find_upload(client.files, different, since) is None
