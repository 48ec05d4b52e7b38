"""Streamed file content that resumes a cut-off body and never returns a short file.

`files.content()` opens the download and hands back one of these. Reading, iterating bytes or lines
and writing to a file all stream in constant memory (except `read()`, which returns the whole body
because that is what it is for). When the connection drops mid-body, the download resumes with
`Range: bytes=N-` (guarded by `If-Range`), and the total is checked against the length the server
announced. If the file cannot be completed, `IncompleteContentError` is raised: the caller gets
exactly the file's bytes or an error, never a silently short file.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import httpx

from groq_batch._errors import APIError, GroqError, IncompleteContentError

__all__ = ["AsyncBinaryContent", "BinaryContent", "resume_headers", "resume_skip"]

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
        raise ValueError(f"the file is now {total} bytes, was {expected}")
    if response.status_code == 206:
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None or int(match.group(1)) != received:
            raise ValueError("the server resumed at the wrong offset")
        return 0
    if response.status_code == 200:
        return received
    raise ValueError(f"unexpected status {response.status_code} for a resume")


class _LineSplitter:
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


class _ContentBase:
    """State shared by both flavours: what arrived, what was announced, how to verify."""

    def __init__(self, response: httpx.Response, *, max_resumes: int) -> None:
        self._response = response
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
        return self._response.headers

    @property
    def content_length(self) -> int | None:
        """The file's length as announced by the server, or None."""
        return self._expected

    @property
    def bytes_received(self) -> int:
        """How many bytes of the file have been delivered so far."""
        return self._received

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


class BinaryContent(_ContentBase):
    """A file's content, streamed.

    Use it once: `read()`, `iter_bytes()`, `iter_lines()` or `write_to_file()`. Use it as a
    context manager, or call `close()`, if you stop early.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        reopen: Callable[[dict[str, str]], httpx.Response],
        max_resumes: int,
    ) -> None:
        super().__init__(response, max_resumes=max_resumes)
        self._reopen = reopen

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection. Safe to call more than once."""
        self._response.close()

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """Yield the file's bytes in chunks, resuming after a dropped connection.

        Args:
            chunk_size: The chunk size in bytes, or None for whatever the network delivers.

        Yields:
            Chunks of the file, in order, with no byte repeated or missing.

        Raises:
            IncompleteContentError: When the file could not be completed.
            GroqError: When the content was already consumed.
        """
        self._start()
        failures = 0
        try:
            while True:
                before = self._received
                try:
                    for raw in self._response.iter_bytes(chunk_size):
                        chunk = self._take(raw)
                        if chunk:
                            yield chunk
                    if self._complete():
                        return
                    reason = "the body ended early"
                except httpx.TransportError as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                finally:
                    self._response.close()
                failures = 0 if self._received > before else failures + 1
                if failures > self._max_resumes:
                    raise self._incomplete(reason)
                try:
                    response = self._reopen(resume_headers(self._received, self._validator))
                except APIError as exc:
                    raise self._incomplete(f"{reason}; resuming failed: {exc.message}") from exc
                self._adopt(response)
        finally:
            self._response.close()

    def iter_lines(self) -> Iterator[str]:
        """Yield the file's lines as text (UTF-8), without their line endings.

        Yields:
            Lines, in order; a blank line yields "".

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        splitter = _LineSplitter()
        for chunk in self.iter_bytes():
            yield from splitter.feed(chunk)
        yield from splitter.feed(b"", final=True)

    def read(self) -> bytes:
        """Read the whole file into memory.

        Returns:
            The file's bytes.

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        return b"".join(self.iter_bytes())

    def text(self) -> str:
        """Read the whole file as UTF-8 text.

        Returns:
            The file's text.
        """
        return self.read().decode("utf-8")

    def write_to_file(self, path: str | os.PathLike[str]) -> None:
        """Stream the file to `path`, replacing it only once the download is complete.

        The bytes go to a temporary file beside `path` that is renamed into place at the end, so a
        failed download never leaves a short file at `path`.

        Args:
            path: Where to write.

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.iter_bytes():
                    out.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


class AsyncBinaryContent(_ContentBase):
    """The async twin of `BinaryContent`.

    `await read()`, `async for` over `iter_bytes()` or `iter_lines()`, `await write_to_file()`.
    Use `async with`, or `await close()`, to stop early.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        reopen: Callable[[dict[str, str]], Awaitable[httpx.Response]],
        max_resumes: int,
    ) -> None:
        super().__init__(response, max_resumes=max_resumes)
        self._reopen = reopen

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the connection. Safe to call more than once."""
        await self._response.aclose()

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the file's bytes in chunks, resuming after a dropped connection.

        Args:
            chunk_size: The chunk size in bytes, or None for whatever the network delivers.

        Yields:
            Chunks of the file, in order, with no byte repeated or missing.

        Raises:
            IncompleteContentError: When the file could not be completed.
            GroqError: When the content was already consumed.
        """
        self._start()
        failures = 0
        try:
            while True:
                before = self._received
                try:
                    async for raw in self._response.aiter_bytes(chunk_size):
                        chunk = self._take(raw)
                        if chunk:
                            yield chunk
                    if self._complete():
                        return
                    reason = "the body ended early"
                except httpx.TransportError as exc:
                    reason = f"{type(exc).__name__}: {exc}"
                finally:
                    await self._response.aclose()
                failures = 0 if self._received > before else failures + 1
                if failures > self._max_resumes:
                    raise self._incomplete(reason)
                try:
                    response = await self._reopen(resume_headers(self._received, self._validator))
                except APIError as exc:
                    raise self._incomplete(f"{reason}; resuming failed: {exc.message}") from exc
                self._adopt(response)
        finally:
            await self._response.aclose()

    async def iter_lines(self) -> AsyncIterator[str]:
        """Yield the file's lines as text (UTF-8), without their line endings.

        Yields:
            Lines, in order; a blank line yields "".

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        splitter = _LineSplitter()
        async for chunk in self.iter_bytes():
            for line in splitter.feed(chunk):
                yield line
        for line in splitter.feed(b"", final=True):
            yield line

    async def read(self) -> bytes:
        """Read the whole file into memory.

        Returns:
            The file's bytes.

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def text(self) -> str:
        """Read the whole file as UTF-8 text.

        Returns:
            The file's text.
        """
        return (await self.read()).decode("utf-8")

    async def write_to_file(self, path: str | os.PathLike[str]) -> None:
        """Stream the file to `path`, replacing it only once the download is complete.

        Args:
            path: Where to write.

        Raises:
            IncompleteContentError: When the file could not be completed.
        """
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in self.iter_bytes():
                    out.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
