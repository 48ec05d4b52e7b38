"""Streaming uploads: a multipart body read chunk by chunk, the file part straight to disk.

Nothing here holds a whole upload in memory, and a client that stops sending is cut off after
``upload_timeout`` seconds (408) rather than holding its connection and temp file forever.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from groq_batch_server.errors import HTTPProblem
from groq_batch_server.state import server_state
from groq_batch_server.store import Store

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

__all__ = ["MultipartUpload", "body_chunks", "drain_body", "too_large"]


class MultipartUpload:
    """Streams a multipart upload: the file part to a temp file, small fields to memory.

    Args:
        store: Where the temp file is made.
        limit: The most bytes the file part may have; past it, the rest is read but not stored.
    """

    max_field = 4096

    def __init__(self, store: Store, limit: int) -> None:
        self.limit = limit
        self.fd, self.tmp = store.new_temp_file()
        self.file_bytes = 0
        self.too_large = False
        self.filename: str | None = None
        self.fields: dict[str, bytes] = {}
        self.saw_file = False
        # Set only by the closing boundary: a body cut short before it is not a whole upload.
        self.ended = False
        self._name = ""
        self._is_file = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        """The callbacks to hand python-multipart's parser."""
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        }

    def _end(self) -> None:
        self.ended = True

    def _part_begin(self) -> None:
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        # Only the first part named `file` is the upload; anything else is a small field.
        self._is_file = self._name == "file" and not self.saw_file
        if self._is_file:
            self.saw_file = True
            self.filename = options.get(b"filename", b"upload.jsonl").decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            size = end - start
            self.file_bytes += size
            if self.file_bytes > self.limit:
                # Keep reading (so the client can hear the answer) but store nothing more.
                self.too_large = True
            elif size:
                os.write(self.fd, data[start:end])
        elif len(self._value) < self.max_field:
            self._value += data[start:end]

    def _part_end(self) -> None:
        if not self._is_file and self._name:
            self.fields.setdefault(self._name, bytes(self._value[: self.max_field]))

    def finish(self) -> None:
        """Flush the file part to disk and close it; call once the body parsed whole."""
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1

    def discard(self) -> None:
        """Close and delete the temp file (a no-op for a file the store has adopted)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.tmp.unlink(missing_ok=True)


async def body_chunks(request: Request) -> AsyncIterator[bytes]:
    """The request body, failing with 408 if the client sends nothing for `upload_timeout`.

    Without this, a client that stops half-way holds its connection and temp file forever.

    Args:
        request: The request.

    Yields:
        The body's chunks as they arrive.

    Raises:
        HTTPProblem: 408 once the client has been silent for ``upload_timeout`` seconds.
    """
    timeout = server_state(request).config.upload_timeout
    stream = request.stream()
    while True:
        try:
            chunk = await asyncio.wait_for(anext(stream), timeout)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise HTTPProblem(
                408,
                f"Request Timeout: the upload sent nothing for {timeout:g} seconds",
                code="request_timeout",
                # The rest of the body will never be read, so the connection cannot be reused.
                headers={"connection": "close"},
            ) from None
        yield chunk


async def drain_body(request: Request) -> None:
    """Read the request body away, so a client still sending it hears the answer.

    Args:
        request: The request.
    """
    async for _ in body_chunks(request):
        pass


def too_large(limit: int) -> HTTPProblem:
    """The 413 for an upload over `limit` bytes.

    Args:
        limit: The largest file accepted.

    Returns:
        The problem to raise.
    """
    return HTTPProblem(
        413,
        f"Request Entity Too Large: the file exceeds the maximum of {limit} bytes",
        code="request_too_large",
        param="file",
    )
