"""The shape every middleware of the server shares: act on HTTP requests, pass the rest on.

Uvicorn calls the application for the ASGI lifespan too (startup and shutdown, which start and
stop the worker); a middleware that treated those as requests would break them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HTTPMiddleware"]


class HTTPMiddleware:
    """A middleware that handles HTTP requests and passes any other ASGI call straight on.

    Args:
        app: The application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call: an HTTP request through `handle`, anything else unchanged.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive channel.
            send: The ASGI send channel.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request; each middleware says how.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive channel.
            send: The ASGI send channel.
        """
        raise NotImplementedError
