"""Transports that follow the per-user background server wherever it now listens.

A request that cannot connect (the server exited when idle, or died) never reached a server,
so it is safe to send again: the server is looked up (started if needed, `ensure_running`) and
the request goes to wherever it now listens. `ServerFollower` holds that decision once; the
sync and async transports only send.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Generic, TypeVar

import httpx

from groq_batch.local_daemon import ensure_running

__all__ = ["AsyncFollowingTransport", "FollowingTransport", "ServerFollower", "aim_at"]

_Inner = TypeVar("_Inner", httpx.BaseTransport, httpx.AsyncBaseTransport)


def aim_at(request: httpx.Request, url: str) -> None:
    """Point a request at the server's current origin (its Host header included).

    Args:
        request: The request; changed in place.
        url: The server's base URL.
    """
    origin = httpx.URL(url)
    request.url = request.url.copy_with(scheme=origin.scheme, host=origin.host, port=origin.port)
    request.headers["Host"] = origin.netloc.decode("ascii")


class ServerFollower:
    """The background server's current URL, looked up again after a failed connection.

    Args:
        data_dir: The data folder.
        url: The server's URL now.
        idle_exit: For a server started later: its idle exit.
    """

    def __init__(self, data_dir: Path, url: str, idle_exit: float | None) -> None:
        self.data_dir = data_dir
        self.url = url
        self.idle_exit = idle_exit
        self._lock = threading.Lock()

    def relocate(self, failed: str) -> str:
        """The server's URL after `failed` could not be reached: looked up, started if needed.

        Args:
            failed: The URL that could not be reached.

        Returns:
            The server's URL now.
        """
        with self._lock:
            if self.url == failed:  # another request may have found it already
                self.url = ensure_running(self.data_dir, idle_exit=self.idle_exit)
            return self.url

    def aim(self, request: httpx.Request) -> str:
        """Point a request at the server's URL as last known.

        Args:
            request: The request; changed in place.

        Returns:
            The URL it now goes to (what `reaim` is told failed).
        """
        url = self.url
        aim_at(request, url)
        return url

    def reaim(self, request: httpx.Request, failed: str) -> None:
        """Point a request that could not connect to `failed` at wherever the server is now.

        Args:
            request: The request; changed in place.
            failed: The URL it could not connect to.
        """
        aim_at(request, self.relocate(failed))


class _Follows(ABC, Generic[_Inner]):
    """What both transports hold: the follower, and the transport that sends."""

    def __init__(
        self,
        data_dir: Path,
        url: str,
        *,
        idle_exit: float | None = None,
        inner: _Inner | None = None,
    ) -> None:
        self._follower = ServerFollower(data_dir, url, idle_exit)
        self._inner: _Inner = inner if inner is not None else self._new_inner()

    @abstractmethod
    def _new_inner(self) -> _Inner:
        """The transport that sends, when none was given."""


class FollowingTransport(_Follows[httpx.BaseTransport], httpx.BaseTransport):
    """An httpx transport that follows the data folder's background server.

    A request that cannot connect (the server exited when idle, or died) never reached a
    server, so it is safe to send again: the server is looked up (started if needed) and the
    request goes to wherever it now listens.

    Args:
        data_dir: The data folder.
        url: The server's URL now.
        idle_exit: For a server started later: its idle exit.
        inner: The transport that sends (a new `httpx.HTTPTransport` when None; an
            `httpx.AsyncHTTPTransport` for `AsyncFollowingTransport`).
    """

    def _new_inner(self) -> httpx.BaseTransport:
        return httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send a request to the server, wherever it now listens.

        Args:
            request: The request.

        Returns:
            The response.
        """
        url = self._follower.aim(request)
        try:
            return self._inner.handle_request(request)
        except httpx.ConnectError:
            self._follower.reaim(request, url)
            return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()


class AsyncFollowingTransport(_Follows[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport):
    """`FollowingTransport` for `httpx.AsyncClient`, with the same arguments.

    The lookup runs in a worker thread, so the event loop never waits on a starting server;
    what to do after a failed connection is `ServerFollower`'s, shared with the sync transport.
    """

    def _new_inner(self) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """`FollowingTransport.handle_request`, awaited; the lookup runs in a worker thread."""
        import anyio.to_thread

        url = self._follower.aim(request)
        try:
            return await self._inner.handle_async_request(request)
        except httpx.ConnectError:
            await anyio.to_thread.run_sync(self._follower.reaim, request, url)
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()
