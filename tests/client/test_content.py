"""Streamed content: the pure resume rules, and what the local server cannot do.

Downloads from the real server (lines, files, Range resumes after a cut, typed errors) are in
`_async/test_content_server.py`. Here a mock transport plays a server that ignores Range, refuses a
resume, ends a body early without an error, or streams 32 MB for the memory check.
"""

from __future__ import annotations

import re
import tracemalloc
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from groq_batch import IncompleteContentError
from groq_batch._content import LineSplitter, resume_headers, resume_skip
from tests.client_support import error, make_client

DATA = b"".join(b'{"custom_id":"r%d","n":%d}\n' % (i, i) for i in range(2000))


class CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Sends `data` in chunks, then fails as a dropped connection would, after `cut` bytes."""

    def __init__(self, data: bytes, cut: int | None, chunk: int = 1000) -> None:
        self.data, self.cut, self.chunk = data, cut, chunk

    def _chunks(self) -> Iterator[bytes]:
        end = len(self.data) if self.cut is None else self.cut
        for start in range(0, end, self.chunk):
            yield self.data[start : min(start + self.chunk, end)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()
        if self.cut is not None:
            raise httpx.RemoteProtocolError("peer closed connection")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            yield chunk
        if self.cut is not None:
            raise httpx.RemoteProtocolError("peer closed connection")


class RangeServer:
    """Serves DATA, honouring `Range: bytes=N-`; each request may be cut short."""

    def __init__(
        self, cuts: list[int | None], *, honour_range: bool = True, etag: str = '"v1"'
    ) -> None:
        self.cuts = cuts
        self.honour_range = honour_range
        self.etag = etag
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        cut = self.cuts.pop(0) if self.cuts else None
        match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("range", ""))
        headers = {"etag": self.etag, "accept-ranges": "bytes"}
        if match and self.honour_range:
            start = int(match.group(1))
            if start >= len(DATA):
                return error(416)
            rest = DATA[start:]
            headers |= {
                "content-length": str(len(rest)),
                "content-range": f"bytes {start}-{len(DATA) - 1}/{len(DATA)}",
            }
            part = None if cut is None else max(cut - start, 0)
            return httpx.Response(206, headers=headers, stream=CutStream(rest, part))
        headers["content-length"] = str(len(DATA))
        return httpx.Response(200, headers=headers, stream=CutStream(DATA, cut))


# ---------------------------------------------------------------------------- pure parts
def test_line_splitter_handles_chunk_boundaries_crlf_and_multibyte() -> None:
    text = "a\r\nb\n\nwide é line\nlast"
    raw = text.encode()
    for size in (1, 2, 3, 7, len(raw)):
        splitter = LineSplitter()
        lines: list[str] = []
        for start in range(0, len(raw), size):
            lines += splitter.feed(raw[start : start + size])
        lines += splitter.feed(b"", final=True)
        assert lines == ["a", "b", "", "wide é line", "last"], size


def test_resume_headers() -> None:
    assert resume_headers(10, '"v1"') == {"Range": "bytes=10-", "If-Range": '"v1"'}
    assert resume_headers(0, None) == {"Range": "bytes=0-"}


def _response(status: int, headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "http://x"))


def test_resume_skip_accepts_a_matching_206_and_skips_a_full_200() -> None:
    partial = _response(206, {"content-range": "bytes 10-99/100"})
    assert resume_skip(partial, received=10, expected=100) == 0
    full = _response(200, {"content-length": "100"})
    assert resume_skip(full, received=10, expected=100) == 10


@pytest.mark.parametrize(
    ("status", "headers", "reason"),
    [
        (206, {"content-range": "bytes 5-99/100"}, "wrong offset"),
        (206, {"content-range": "bytes 10-119/120"}, "now 120 bytes"),
        (200, {"content-length": "90"}, "now 90 bytes"),
        (304, {}, "unexpected status"),
    ],
)
def test_resume_skip_refuses_what_cannot_continue_the_file(
    status: int, headers: dict[str, str], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        resume_skip(_response(status, headers), received=10, expected=100)


# ------------------------------------------------------------------------- sync content
def test_a_server_that_ignores_range_is_skipped_forward() -> None:
    server = RangeServer([7000, None], honour_range=False)
    client, _ = make_client(server)
    assert b"".join(client.files.content("file_1").iter_bytes(chunk_size=333)) == DATA
    assert len(server.requests) == 2


def test_a_resume_refused_by_the_server_raises_a_typed_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "range" in request.headers:
            return error(404)
        return httpx.Response(
            200, headers={"content-length": str(len(DATA))}, stream=CutStream(DATA, 100)
        )

    client, _ = make_client(handler)
    with pytest.raises(IncompleteContentError, match="resuming failed"):
        client.files.content("file_1").read()


def test_a_body_shorter_than_announced_without_an_error_is_resumed() -> None:
    served: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        served.append(request)
        if "range" in request.headers:
            return RangeServer([])(request)
        # Announces the full length but ends cleanly early, as a lax proxy might.
        return httpx.Response(
            200, headers={"content-length": str(len(DATA))}, stream=CutStream(DATA[:900], None)
        )

    client, _ = make_client(handler)
    assert client.files.content("file_1").read() == DATA
    assert served[1].headers["range"] == "bytes=900-"


def test_streaming_holds_constant_memory() -> None:
    size = 32 * 1024 * 1024
    block = b"x" * 65535 + b"\n"

    class Big(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            for _ in range(size // len(block)):
                yield block

    client, _ = make_client(
        lambda request: httpx.Response(200, headers={"content-length": str(size)}, stream=Big())
    )
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in client.files.content("file_big").iter_bytes())
        lines = sum(1 for _ in client.files.content("file_big").iter_lines())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == size
    assert lines == size // len(block)
    assert peak < 2 * 1024 * 1024, peak


# ------------------------------------------------------------------------ async content
