"""The HTTP application: the routes and the middleware around them, put together.

Every body the server sends is built from the generated models (`Batch`, `File`, `BatchList`,
`ErrorResponse`...), so it cannot drift from ``spec/openapi.yaml``.

Status codes, following Groq's error page:

- 400: the request cannot be read (bad JSON, a missing or mistyped field, a bad query value);
- 401: the API key is missing or wrong (only when the server runs with one);
- 404: no such file, batch or route;
- 408: an upload that sent nothing for ``upload_timeout`` seconds (its temp file is deleted);
- 409: the batch cannot be cancelled in its current state;
- 413: an upload over the size limit, refused before anything is stored;
- 416: a ``Range`` that starts past the end of the file;
- 422: a well-formed request whose values are not acceptable (an unsupported endpoint, a
  completion window outside 24h-7d, an input file that is not a batch input);
- 429, 498, 5xx: from fault injection (`faults.py`), or 500 for a bug.

One concept a module: `state` (what the routes share, and the one 404 for an unknown id),
`shapes` (bodies from stored rows), `paging` (limits, page marks, cursors), `multipart`
(streaming uploads), `file_routes` and `batch_routes` (a module per resource), `middleware`
(API key, request ids, exceptions as envelopes) on `asgi.HTTPMiddleware`. `ServerState`,
`SUPPORTED_ENDPOINTS` and `parse_window` stay importable from here.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from groq_batch.providers import is_loopback_host
from groq_batch_server.batch_routes import (
    SUPPORTED_ENDPOINTS,
    cancel_batch,
    create_batch,
    list_batches,
    parse_window,
    retrieve_batch,
)
from groq_batch_server.catalog import load_catalog
from groq_batch_server.faults import FaultMiddleware
from groq_batch_server.file_routes import (
    delete_file,
    download_file,
    list_files,
    retrieve_file,
    upload_file,
)
from groq_batch_server.loopback import LoopbackOnly
from groq_batch_server.middleware import EXCEPTION_HANDLERS, AuthAndRequestId
from groq_batch_server.ratelimit import RateLimitHeaders
from groq_batch_server.state import ServerState, server_state

__all__ = ["SUPPORTED_ENDPOINTS", "ServerState", "build_app", "parse_window"]

PREFIX = "/openai/v1"
# The same API again under OpenAI's standard base path, so a client configured with
# ``http://HOST:PORT/v1`` works too.
PREFIXES = (PREFIX, "/v1")

DAEMON_PATH = "/_groq_batch/daemon"


async def daemon_status(request: Request) -> Response:
    """``GET /_groq_batch/daemon``: who this server is, so ``--local`` can trust its record.

    Args:
        request: The request.

    Returns:
        ``{"pid", "version", "data_dir", "unfinished", "idle_exit"}``.
    """
    from groq_batch_server.daemon import version

    state = server_state(request)
    return JSONResponse(
        {
            "pid": os.getpid(),
            "version": version(),
            "data_dir": str(state.data_dir),
            "unfinished": len(state.store.active_batch_ids()),
            "idle_exit": state.config.idle_exit,
        }
    )


def build_app(state: ServerState) -> ASGIApp:
    """Build the ASGI application for a server.

    The worker starts with the application (ASGI lifespan) and stops with it.

    Args:
        state: The configuration, store, worker and fault rules.

    Returns:
        The application: rate-limit headers around fault injection around auth around the
        Starlette routes.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.worker.start()
        try:
            yield
        finally:
            state.worker.stop()
            state.store.close()

    routes = [
        route
        for prefix in PREFIXES
        for route in (
            Route(f"{prefix}/files", upload_file, methods=["POST"]),
            Route(f"{prefix}/files", list_files, methods=["GET"]),
            Route(f"{prefix}/files/{{file_id}}", retrieve_file, methods=["GET"]),
            Route(f"{prefix}/files/{{file_id}}", delete_file, methods=["DELETE"]),
            Route(f"{prefix}/files/{{file_id}}/content", download_file, methods=["GET"]),
            Route(f"{prefix}/batches", create_batch, methods=["POST"]),
            Route(f"{prefix}/batches", list_batches, methods=["GET"]),
            Route(f"{prefix}/batches/{{batch_id}}", retrieve_batch, methods=["GET"]),
            Route(f"{prefix}/batches/{{batch_id}}/cancel", cancel_batch, methods=["POST"]),
        )
    ]
    routes.append(Route(DAEMON_PATH, daemon_status, methods=["GET"]))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    app.state.groq = state
    # Rate-limit headers go outermost, so injected faults (a 429) carry them too; their
    # `send` keeps uvicorn's transport reachable for the fault middleware's dropped connections.
    served: ASGIApp = RateLimitHeaders(
        FaultMiddleware(
            AuthAndRequestId(
                app,
                state.config.api_key,
                state.activity,
                state.config.upload_timeout,
                probe_path=DAEMON_PATH,
            ),
            state.faults,
        ),
        load_catalog().rate_limits,
    )
    if is_loopback_host(state.config.host):
        # Out of the network's reach, but not of a browser's: refuse rebound names and other
        # sites' pages before anything else looks at the request.
        served = LoopbackOnly(served)
    return served
