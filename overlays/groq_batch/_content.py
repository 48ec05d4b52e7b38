"""Streamed file content that resumes a cut-off body and never returns a short file.

`files.content()` opens the download and hands back one of these. Reading, iterating bytes or lines
and writing to a file all stream in constant memory (except `read()`, which returns the whole body
because that is what it is for). When the connection drops mid-body, the download resumes with
`Range: bytes=N-` (guarded by `If-Range`), and the total is checked against the length the server
announced. If the file cannot be completed, `IncompleteContentError` is raised: the caller gets
exactly the file's bytes or an error, never a silently short file.

This module holds the decisions and the state; the reading loop is written once, async, in
`_async/content.py`, and `_sync/content.py` is generated from it.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING, Final

import httpx

from groq_batch import _flavours
from groq_batch._errors import GroqError, IncompleteContentError, InvalidValueError

if TYPE_CHECKING:
    from groq_batch._async.content import AsyncBinaryContent as AsyncBinaryContent
    from groq_batch._sync.content import BinaryContent as BinaryContent

__all__ = ["SMALL_CONTENT", "expected_length", "resume_headers", "resume_skip"]

SMALL_CONTENT: Final = 64 * 1024
"""A body announced at most this long (64 KiB) is read when `files.content()` returns, as the
SDK's `content()` reads every body; a longer one streams, so memory stays flat."""

_CONTENT_RANGE: Final = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def expected_length(response: httpx.Response) -> int | None:
    """The full file's length as the server announced it, or None when it did not.

    Args:
        response: A 200 or 206 download response.

    Returns:
        The byte length of the whole file.
    """
    if response.headers.get("content-encoding", "identity").lower() != "identity":
        # The announced length is of the encoded body, not of the file.
        return None
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        return int(match.group(3)) if match and match.group(3) != "*" else None
    raw = response.headers.get("content-length")
    return int(raw) if raw is not None and raw.strip().isdigit() else None


def resume_headers(received: int, validator: str | None) -> dict[str, str]:
    """The headers that ask for the rest of a file.

    Args:
        received: Bytes already received.
        validator: The first response's `ETag` (or `Last-Modified`), so that a file that changed
            in between is sent whole (200) instead of as a mismatched tail.

    Returns:
        Headers for the resume request.
    """
    headers = {"Range": f"bytes={received}-"}
    if validator:
        headers["If-Range"] = validator
    return headers


def resume_skip(response: httpx.Response, *, received: int, expected: int | None) -> int:
    """Check a resume response, and say how many of its leading bytes to drop.

    A 206 must start exactly at `received` and describe a file of the same length. A 200 means the
    server ignored the range (or the file changed, with `If-Range`): the whole file comes again, so
    the bytes already delivered are skipped, provided the length still matches.

    Args:
        response: The response to the resume request.
        received: Bytes already delivered to the caller.
        expected: The file's length, if known.

    Returns:
        How many bytes to skip at the start of the new body.

    Raises:
        ValueError: With a reason, when the response cannot continue the file.
    """
    total = expected_length(response)
    if expected is not None and total is not None and total != expected:
        raise InvalidValueError(f"the file is now {total} bytes, was {expected}")
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match.group(1)) != received:
            raise InvalidValueError("the server resumed at the wrong offset")
        return 0
    if response.status_code == 200:
        return received
    raise InvalidValueError(f"unexpected status {response.status_code} for a resume")


class LineSplitter:
    """Turns a stream of byte chunks into text lines, without holding more than one line."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._pending: list[str] = []

    def feed(self, chunk: bytes, *, final: bool = False) -> list[str]:
        text = self._decoder.decode(chunk, final=final)
        parts = text.split("\n")
        lines: list[str] = []
        if len(parts) > 1:
            lines.append("".join([*self._pending, parts[0]]))
            lines.extend(parts[1:-1])
            self._pending = []
        tail = parts[-1]
        if final:
            if tail or self._pending:
                lines.append("".join([*self._pending, tail]))
            self._pending = []
        elif tail:
            self._pending.append(tail)
        return [line.removesuffix("\r") for line in lines]


class ContentBase:
    """State shared by both flavours: what arrived, what was announced, how to verify."""

    def __init__(
        self, response: httpx.Response, *, max_resumes: int, retries_taken: int = 0
    ) -> None:
        self._response = response
        self._first = response
        self._buffered = False
        self._data = b""
        self.retries_taken = retries_taken
        """How many times the first request was sent again."""
        self._received = 0
        self._skip = 0
        self._expected = expected_length(response)
        self._validator = response.headers.get("etag") or response.headers.get("last-modified")
        self._max_resumes = max_resumes
        self._started = False

    @property
    def response(self) -> httpx.Response:
        """The current underlying `httpx.Response` (a resume replaces it)."""
        return self._response

    @property
    def headers(self) -> httpx.Headers:
        """The first response's headers."""
        return self._first.headers

    @property
    def status_code(self) -> int:
        """The first response's HTTP status."""
        return self._first.status_code

    @property
    def http_response(self) -> httpx.Response:
        """The first `httpx.Response` (a resume makes another; see `response`)."""
        return self._first

    @property
    def http_request(self) -> httpx.Request:
        """The request that opened the download."""
        return self._first.request

    @property
    def url(self) -> httpx.URL:
        """The download's URL."""
        return self._first.url

    @property
    def is_closed(self) -> bool:
        """Whether the connection is released: the body was read whole, or `close()` was called."""
        return self._response.is_closed

    @property
    def content_length(self) -> int | None:
        """The file's length as announced by the server, or None."""
        return self._expected

    @property
    def bytes_received(self) -> int:
        """How many bytes of the file have been delivered so far."""
        return self._received

    def _buffered_chunks(self, chunk_size: int | None) -> list[bytes]:
        """A small body read whole at `content()`, in chunks: it can be read again."""
        size = chunk_size or len(self._data) or 1
        return [self._data[i : i + size] for i in range(0, len(self._data), size)]

    def _start(self) -> None:
        if self._started:
            raise GroqError("This content was already consumed; call files.content() again.")
        self._started = True

    def _take(self, chunk: bytes) -> bytes:
        """Drop bytes a resume repeated, and count the rest."""
        if self._skip:
            dropped = min(self._skip, len(chunk))
            self._skip -= dropped
            chunk = chunk[dropped:]
        self._received += len(chunk)
        if self._expected is not None and self._received > self._expected:
            raise self._incomplete("the server sent more bytes than it announced")
        return chunk

    def _complete(self) -> bool:
        return self._expected is None or self._received == self._expected

    def _incomplete(self, reason: str) -> IncompleteContentError:
        return IncompleteContentError(
            self._response.request,
            received=self._received,
            expected=self._expected,
            reason=reason,
        )

    def _adopt(self, response: httpx.Response) -> None:
        """Continue from a resume response, or raise if it cannot continue the file."""
        try:
            self._skip = resume_skip(response, received=self._received, expected=self._expected)
        except ValueError as exc:
            raise self._incomplete(str(exc)) from None
        if self._expected is None:
            self._expected = expected_length(response)
        self._response = response


__getattr__ = _flavours.lazy_exports(
    __name__,
    {
        "AsyncBinaryContent": "groq_batch._async.content",
        "BinaryContent": "groq_batch._sync.content",
    },
)
