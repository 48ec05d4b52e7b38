"""What wraps the routes: the API key check, request ids, and exceptions turned into envelopes.

Every response, an error's too, carries an ``x-request-id``; every error is Groq's envelope
(`errors.error_response`), including Starlette's own 404 and 405 and a bug's 500.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groq_batch_server.asgi import HTTPMiddleware
from groq_batch_server.errors import HTTPProblem, error_response
from groq_batch_server.ids import new_id
from groq_batch_server.state import Activity

__all__ = ["EXCEPTION_HANDLERS", "AuthAndRequestId"]

logger = logging.getLogger("groq_batch_server")


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Unknown request URL: {request.method} {request.url.path}."
        return error_response(404, message, code="unknown_url")
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed for {request.url.path}."
        return error_response(405, message, code="method_not_allowed", headers=exc.headers)
    return error_response(exc.status_code, str(exc.detail))


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up mid-request (an upload it gave up on): nobody is listening, and the
    # handler's cleanup already ran, so answer quietly with nginx's "client closed" status.
    return Response(status_code=499)


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error in %s %s", request.method, request.url.path)
    return error_response(500, "Internal Server Error", code="internal_server_error")


class AuthAndRequestId(HTTPMiddleware):
    """Checks the bearer key (when configured) and tags every response with ``x-request-id``.

    It also tells `Activity` when requests begin and end, for ``idle_exit``.

    Args:
        app: The application.
        api_key: The key clients must send, or None to accept any request.
        activity: Where requests are counted.
        drain_timeout: How long a refused client may pause while its body is read away.
        probe_path: A path whose requests do not count as activity.
    """

    def __init__(
        self,
        app: ASGIApp,
        api_key: str | None,
        activity: Activity,
        drain_timeout: float,
        probe_path: str,
    ) -> None:
        super().__init__(app)
        self.expected = f"Bearer {api_key}".encode() if api_key else None
        self.activity = activity
        self.drain_timeout = drain_timeout
        self.probe_path = probe_path

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request: refused with 401 without the key, else tagged and counted.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive channel.
            send: The ASGI send channel.
        """
        if scope["path"] == self.probe_path:  # a probe is not activity: it must not delay exit
            await self._serve(scope, receive, send)
            return
        self.activity.begin()
        try:
            await self._serve(scope, receive, send)
        finally:
            self.activity.end()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_id("req").encode()

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message["headers"], (b"x-request-id", request_id)],
                }
            await send(message)

        if self.expected is not None:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                # The body is read before answering, since a client still sending it would see
                # a reset instead of the 401; but only while it keeps coming, as for uploads.
                drained = await self._drain(receive)
                response = error_response(
                    401,
                    "Invalid API Key" if given else "Missing API key: send Authorization: Bearer",
                    code="invalid_api_key",
                    headers=None if drained else {"connection": "close"},
                )
                await response(scope, receive, tagged_send)
                return
        await self.app(scope, receive, tagged_send)

    async def _drain(self, receive: Receive) -> bool:
        """Read the request body away; False if the client sent nothing for `drain_timeout`."""
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.drain_timeout)
            except TimeoutError:
                return False
            if not message.get("more_body", False):
                return True


ExceptionHandler = Callable[[Request, Exception], Coroutine[Any, Any, Response]]

# For Starlette's `exception_handlers`: the most specific class that matches answers.
EXCEPTION_HANDLERS: Mapping[Any, ExceptionHandler] = {
    HTTPProblem: _api_error,
    HTTPException: _http_error,
    ClientDisconnect: _client_gone,
    Exception: _server_error,
}
