"""The SDK's response objects: `with_raw_response` and `with_streaming_response`.

Each call made through `with_raw_response` returns its own `AsyncAPIResponse`, built from that
call's `Outcome`: nothing is recorded ambiently, so concurrent calls and the look-ups a recovered
create makes never leak into one another's result.
"""

from __future__ import annotations

import dataclasses
import datetime
import json as jsonlib
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Any, Generic, ParamSpec, Self, TypeVar

import httpx

from groq_batch._http import RECOVERED_HEADER, Outcome, RequestOptions

__all__ = [
    "AsyncAPIResponse",
    "AsyncClosing",
    "AsyncResource",
    "AsyncResponseContextManager",
    "to_raw_response",
    "to_streamed_response",
]

_T = TypeVar("_T")
_R = TypeVar("_R")
_P = ParamSpec("_P")


class AsyncAPIResponse(Generic[_T]):
    """One call's HTTP response, with the result the method would have returned one call away.

    `with_raw_response` gives one whose body is already read (`is_closed` is True);
    `with_streaming_response` gives one whose body is read only as you ask for it.

    Attributes:
        http_response: The call's own last `httpx.Response` (after any retries).
        retries_taken: How many times the request was sent again before this response.
    """

    def __init__(self, outcome: Outcome[_T], parse: Callable[[httpx.Response], _T]) -> None:
        self.http_response = outcome.response
        self.retries_taken = outcome.retries_taken
        self._recovered = outcome.recovered
        self._parse = parse
        self._parsed: list[_T] = []

    @property
    def http_request(self) -> httpx.Request:
        """The request that was sent (its last attempt)."""
        return self.http_response.request

    @property
    def headers(self) -> httpx.Headers:
        """The response's headers."""
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        """The response's HTTP status."""
        return self.http_response.status_code

    @property
    def url(self) -> httpx.URL:
        """The URL the request went to."""
        return self.http_response.url

    @property
    def method(self) -> str:
        """The request's HTTP method."""
        return self.http_request.method

    @property
    def http_version(self) -> str:
        """The HTTP version of the response."""
        return self.http_response.http_version

    @property
    def elapsed(self) -> datetime.timedelta:
        """The time from sending the request to the end of the response (once it is read)."""
        return self.http_response.elapsed

    @property
    def is_closed(self) -> bool:
        """Whether the body was read or the response closed (the connection is released)."""
        closed: bool = self.http_response.is_closed
        return closed

    @property
    def recovered(self) -> bool:
        """Whether the result came from the look-up after an ambiguous failure (see the guide)."""
        return bool(self.http_response.headers.get(RECOVERED_HEADER) == "true")

    async def parse(self) -> _T:
        """The result the method returns without `with_raw_response`, read from this response.

        Returns:
            The parsed result (the same object on every call).
        """
        if not self._parsed:
            if self._recovered is not None:
                self._parsed.append(self._recovered)
            else:
                await self.read()
                self._parsed.append(self._parse(self.http_response))
        return self._parsed[0]

    async def read(self) -> bytes:
        """Read the whole body.

        Returns:
            The body's bytes.
        """
        return await self.http_response.aread()

    async def text(self) -> str:
        """Read the whole body as text.

        Returns:
            The decoded body.
        """
        await self.read()
        return self.http_response.text

    async def json(self) -> object:
        """Read the whole body as JSON.

        Returns:
            The decoded JSON value.
        """
        return jsonlib.loads(await self.text())

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """Yield the body's bytes (decoded from any content encoding) as they arrive.

        Args:
            chunk_size: The chunk size, or None for whatever the network delivers.

        Yields:
            Chunks of the body.
        """
        async for chunk in self.http_response.aiter_bytes(chunk_size):
            yield chunk

    async def iter_text(self, chunk_size: int | None = None) -> AsyncIterator[str]:
        """Yield the body as text chunks.

        Args:
            chunk_size: The chunk size, or None for whatever the network delivers.

        Yields:
            Decoded text chunks.
        """
        async for chunk in self.http_response.aiter_text(chunk_size):
            yield chunk

    async def iter_lines(self) -> AsyncIterator[str]:
        """Yield the body's lines, without their line endings.

        Yields:
            Lines of text.
        """
        async for line in self.http_response.aiter_lines():
            yield line

    async def close(self) -> None:
        """Release the connection; the body can no longer be read unless it already was."""
        await self.http_response.aclose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code}] {self.method} {self.url}>"


class AsyncClosing:
    """An object that closes itself at the end of an `async with` block, however it ends."""

    close: Callable[[], Awaitable[None]]
    """Release what this object holds (each class that mixes this in defines it)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class AsyncResponseContextManager(AsyncClosing, Generic[_R]):
    """What `with_streaming_response.<method>(...)` returns: the request is sent on entry.

    On exit the response is closed, whether or not its body was read.
    """

    def __init__(self, make: Callable[[], Awaitable[_R]]) -> None:
        self._make = make
        self._response: _R | None = None

    async def __aenter__(self) -> _R:  # type: ignore[override]  # entering gives the response
        self._response = await self._make()
        return self._response

    async def close(self) -> None:
        """Close the response, if the request was sent."""
        if self._response is not None:
            close: Any = getattr(self._response, "close")  # noqa: B009 - both kinds close
            await close()


def to_raw_response(
    method: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Awaitable[AsyncAPIResponse[_R]]]:
    """Type a raw-mode resource's method as the SDK types `with_raw_response.<method>`.

    Args:
        method: The method of a resource made with `mode="raw"`.

    Returns:
        The same method: a raw-mode resource already answers with its response object.
    """
    raw: Any = method
    return raw  # type: ignore[no-any-return]


def to_streamed_response(
    method: Callable[_P, Awaitable[_R]],
) -> Callable[_P, AsyncResponseContextManager[_R]]:
    """`with_streaming_response.<method>`: the call, sent when its context manager is entered.

    Args:
        method: The method of a resource made with `mode="stream"`.

    Returns:
        A function taking the method's arguments and returning the context manager.
    """

    def call(*args: _P.args, **kwargs: _P.kwargs) -> AsyncResponseContextManager[_R]:
        return AsyncResponseContextManager(lambda: method(*args, **kwargs))

    call.__name__ = call.__qualname__ = getattr(method, "__name__", "call")
    call.__doc__ = method.__doc__
    return call


class AsyncResource:
    """What both resources share: the three ways each API method can answer.

    A resource made with `mode="raw"` or `mode="stream"` returns `AsyncAPIResponse` objects from
    its API methods; each resource's `with_raw_response` and `with_streaming_response` are typed
    views over such a resource.
    """

    def __init__(self, client: Any, mode: str | None = None) -> None:
        self._client = client
        self._mode = mode

    async def _request(
        self,
        opts: RequestOptions,
        parse: Callable[[httpx.Response], _T],
        recover: Callable[[], Awaitable[_T | None]] | None = None,
    ) -> Any:
        """Send, and answer as this resource's mode says: the result, or the response object."""
        transport = self._client.transport
        if self._mode is None:
            return await transport.send(opts, parse, recover=recover)
        opts = dataclasses.replace(opts, stream=self._mode == "stream")
        outcome: Outcome[_T] = await transport.send_outcome(opts, recover=recover)
        return AsyncAPIResponse(outcome, parse)
