"""Count, at the local server, the uploads it is serving at once (for the concurrent-upload tests).

`UploadGate` wraps the real server's ASGI app: every ``POST .../files`` is counted from the
moment the server starts serving it until its response ends, and held at the gate until
``hold`` uploads are in flight together (then the gate opens for good) or ``patience`` seconds
pass (then it opens too). A client that uploads one part at a time therefore shows a peak of 1;
one that uploads N at a time shows N; one that ignores its bound shows more than N.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


class UploadGate:
    """ASGI middleware counting (and briefly holding) the uploads a server serves at once.

    Attributes:
        in_flight: Uploads being served now.
        peak: The most ever served at once.
        seen: Uploads that reached the server.
    """

    def __init__(self, hold: int, patience: float) -> None:
        self.hold = hold
        self.patience = patience
        self.in_flight = 0
        self.peak = 0
        self.seen = 0
        self._open: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.app: ASGIApp | None = None

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """Wrap the server's app (called once, as the server is built)."""
        self.app = app
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        upload = scope["type"] == "http" and scope["method"] == "POST"
        if not upload or not scope["path"].endswith("/files"):
            await self.app(scope, receive, send)
            return
        if self._open is None:
            self._open = asyncio.Event()  # created on the server's own loop
            self._loop = asyncio.get_running_loop()
        self.seen += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self.in_flight >= self.hold:
                self._open.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._open.wait(), self.patience)
            self._open.set()
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    def release(self) -> None:
        """Open the gate now, from any thread (the test's)."""
        if self._loop is not None and self._open is not None:
            self._loop.call_soon_threadsafe(self._open.set)


def gated_server(
    make_local_server: Callable[..., LocalServer],
    monkeypatch: pytest.MonkeyPatch,
    *,
    hold: int,
    patience: float = 3.0,
    **config: Any,
) -> tuple[LocalServer, UploadGate]:
    """A started local server whose uploads pass through an `UploadGate`."""
    import groq_batch_server.runtime as runtime

    gate = UploadGate(hold, patience)
    real = runtime.build_app
    monkeypatch.setattr(runtime, "build_app", lambda state: gate.wrap(real(state)))
    server = make_local_server(api_key=None, **config)
    monkeypatch.setattr(runtime, "build_app", real)
    return server, gate
