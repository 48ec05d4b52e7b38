"""A file's content, streamed, resumed after a dropped connection, never returned short."""

from __future__ import annotations

import codecs
import contextlib
import json as jsonlib
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from groq_batch._async.response import AsyncClosing
from groq_batch._content import ContentBase, LineSplitter, resume_headers
from groq_batch._errors import APIError
from groq_batch._http import Outcome

__all__ = ["AsyncBinaryContent"]


class AsyncBinaryContent(ContentBase, AsyncClosing):
    """A file's content, streamed.

    Use it once: `await read()`, `async for` over `iter_bytes()` or `iter_lines()`, or
    `await write_to_file()`. Use it as a context manager (`async with`), or `await close()`, if
    you stop early.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        reopen: Callable[[dict[str, str]], Awaitable[httpx.Response]],
        max_resumes: int,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(response, max_resumes=max_resumes, retries_taken=retries_taken)
        self._reopen = reopen

    async def _prefetch(self, limit: int) -> None:
        """Read a body announced at most `limit` bytes long now, and release the connection.

        It is read through `iter_bytes`, so a cut-off body resumes as usual; afterwards the
        content can be read any number of times, as the SDK's can.
        """
        if self._expected is None or self._expected > limit:
            return
        self._data = b"".join([chunk async for chunk in self.iter_bytes()])
        self._buffered = True

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
        if self._buffered:
            for chunk in self._buffered_chunks(chunk_size):
                yield chunk
            return
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
        splitter = LineSplitter()
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

    async def json(self) -> Any:
        """Read the whole file as one JSON value (a JSONL file has many: use `iter_lines`).

        Returns:
            The decoded value.
        """
        return jsonlib.loads(await self.read())

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """Yield the file as UTF-8 text chunks, resuming after a dropped connection.

        Args:
            chunk_size: The chunk size in bytes, or None for whatever the network delivers.

        Yields:
            Text chunks; a character split across chunks is never split in the text.
        """
        decoder = codecs.getincrementaldecoder("utf-8")()
        async for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    async def stream_to_file(
        self, file: str | os.PathLike[str], *, chunk_size: int | None = None
    ) -> None:
        """The SDK's name for `write_to_file`: stream the file to disk, atomically.

        Args:
            file: Where to write.
            chunk_size: Ignored (the network's chunks are written as they come); kept for the
                SDK's signature.
        """
        await self.write_to_file(file)

    async def write_to_file(self, path: str | os.PathLike[str]) -> None:
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
                async for chunk in self.iter_bytes():
                    out.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


async def open_content(
    outcome: Outcome[httpx.Response],
    *,
    reopen: Callable[[dict[str, str]], Awaitable[httpx.Response]],
    max_resumes: int,
    read_now_up_to: int | None = None,
) -> AsyncBinaryContent:
    """A download's content, from the outcome of its first request.

    Args:
        outcome: The first request's outcome: its response, body unread, and its retries.
        reopen: Sends the request again with the given resume headers.
        max_resumes: How many resumes in a row may deliver nothing before giving up.
        read_now_up_to: Read a body announced at most this many bytes long now, and release
            the connection; None leaves every body streamed.

    Returns:
        The content.
    """
    content = AsyncBinaryContent(
        outcome.response,
        reopen=reopen,
        max_resumes=max_resumes,
        retries_taken=outcome.retries_taken,
    )
    if read_now_up_to is not None:
        await content._prefetch(read_now_up_to)
    return content
