"""The dashboard's Starlette app: its routes, the JSON the pages poll, and its error pages.

Everything goes through the library's public API (``client.batches`` and its jobs) and the
job registry; the app holds the client, so the API key stays in this process. The pages are
drawn in `views`, the POST actions done in `actions`, the sign-in checked in `auth`.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Awaitable, Callable
from html import escape
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from groq_batch import APIConnectionError, APIStatusError, NotFoundError
from groq_batch.jobs import JobKeyError
from groq_batch.redaction import scrub
from groq_batch_cli.ui.actions import ACTIONS, perform
from groq_batch_cli.ui.auth import cookie_name, forbidden, has_cookie, login
from groq_batch_cli.ui.pages import STYLESHEET, layout
from groq_batch_cli.ui.state import Dashboard
from groq_batch_cli.ui.summary import quote_ref, summarise
from groq_batch_cli.ui.views import job_page, jobs_page, results_page

__all__ = ["Dashboard", "cookie_name", "create_app", "error_response"]

_log = logging.getLogger("groq_batch.ui")


def create_app(dash: Dashboard) -> Starlette:
    """Build the dashboard's ASGI app.

    Every request must carry the session cookie (HttpOnly, SameSite=Strict, so that another
    site can neither read it nor make the browser send it), which ``/login?code=`` sets in
    exchange for a one-time code; the Host header must be a loopback name, so that a page on
    another site cannot reach it through DNS rebinding. A batch the API does not know is a 404
    page, an API that cannot be reached a 503 page: never a traceback.

    Args:
        dash: The dashboard's state.

    Returns:
        The app.
    """

    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[StarletteResponse]]
    ) -> StarletteResponse:
        # The stylesheet is public (it holds nothing of the user's): the login pages use it too.
        public = request.url.path in ("/login", STYLESHEET)
        if not public and not has_cookie(request, dash.token):
            return forbidden()
        try:
            return await call_next(request)
        except Exception as exc:
            return error_response(request, exc, dash.endpoint)

    async def sign_in(request: Request) -> StarletteResponse:
        return login(request, dash.logins, dash.token)

    def message_of(request: Request) -> str:
        return scrub(request.query_params.get("msg", ""))

    async def jobs(request: Request) -> HTMLResponse:
        return HTMLResponse(await run_in_threadpool(jobs_page, dash, message_of(request)))

    async def overview(request: Request) -> JSONResponse:
        data = await run_in_threadpool(dash.overview)
        return JSONResponse({"items": data["items"]})

    async def job(request: Request) -> HTMLResponse:
        ref = request.path_params["ref"]
        return HTMLResponse(await run_in_threadpool(job_page, dash, ref, message_of(request)))

    def job_status(ref: str) -> dict[str, Any]:
        ids, record = dash.resolve(ref)
        batches = dash.batches(ids, record=record)
        item = summarise(batches)
        return {
            "items": {"job": item},
            "chart": dash.chart(ids, batches, item["done"]),
            "ready": dash.cache.has(ids),
            "indexed": dash.indexed(ids),
        }

    async def job_api(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(job_status, request.path_params["ref"]))

    async def results(request: Request) -> HTMLResponse:
        ref = request.path_params["ref"]
        return HTMLResponse(await run_in_threadpool(results_page, dash, ref, request))

    def row_of(ref: str, custom_id: str) -> dict[str, Any] | None:
        ids, _ = dash.resolve(ref)
        return dash.cache.row(ids, custom_id) if dash.cache.has(ids) else None

    async def row(request: Request) -> JSONResponse:
        found = await run_in_threadpool(
            row_of, request.path_params["ref"], request.query_params.get("id", "")
        )
        if found is None:
            return JSONResponse({"error": "no such row"}, status_code=404)
        return JSONResponse(found)

    async def action(request: Request) -> RedirectResponse:
        ref, what = request.path_params["ref"], request.path_params["action"]
        if what not in ACTIONS:
            return RedirectResponse(
                dash.url(f"/job/{quote_ref(ref)}", msg=f"no action {what}"), 303
            )
        message = await run_in_threadpool(perform, dash, ref, what)
        return RedirectResponse(dash.url(f"/job/{quote_ref(ref)}", msg=message), status_code=303)

    css = (Path(__file__).parent / "static" / "dashboard.css").read_bytes()

    async def stylesheet(request: Request) -> StarletteResponse:
        return StarletteResponse(
            css, media_type="text/css", headers={"cache-control": "max-age=300"}
        )

    routes = [
        Route(STYLESHEET, stylesheet),
        Route("/login", sign_in),
        Route("/", jobs),
        Route("/api/overview", overview),
        Route("/api/job/{ref}", job_api),
        Route("/job/{ref}", job),
        Route("/job/{ref}/results", results),
        Route("/job/{ref}/row", row),
        Route("/job/{ref}/{action:str}", action, methods=["POST"]),
    ]

    async def refused(request: Request, exc: Exception) -> StarletteResponse:
        # No key may go where the job lives: say why, as a page, not as a 500.
        body = f"<p id='refused'>{escape(scrub(str(exc)))}</p>"
        return HTMLResponse(layout("groq-batch: job refused", body), status_code=409)

    return Starlette(
        exception_handlers={JobKeyError: refused},
        routes=routes,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
            Middleware(BaseHTTPMiddleware, dispatch=require_token),
        ],
    )


def error_response(request: Request, exc: Exception, endpoint: str) -> StarletteResponse:
    """What a page or an API call answers when the API fails it: status and a plain reason."""
    path = request.url.path
    if isinstance(exc, NotFoundError) and path.startswith(("/job/", "/api/job/")):
        ref = urllib.parse.unquote(path.split("/")[3 if path.startswith("/api/") else 2])
        status, reason = 404, f"no job or batch named {ref} here"
    elif isinstance(exc, APIConnectionError):
        status, reason = 503, f"cannot reach the API at {endpoint}; is it up? This page retries"
    elif isinstance(exc, APIStatusError):
        # The API's own message stays out: some servers echo the request's headers in it.
        status = 502
        reason = f"the API at {endpoint} answered {exc.status_code} ({type(exc).__name__})"
    else:
        _log.error("the dashboard failed on %s", path, exc_info=exc)
        status, reason = 500, f"the dashboard failed ({type(exc).__name__}); see its terminal"
    if path.startswith("/api/"):
        return JSONResponse({"error": reason}, status_code=status)
    back = '<p><a href="/">jobs</a></p>' if status != 503 else ""
    body = f"<p id='error'>{escape(reason)}</p>{back}"
    if status == 503:
        body += "<script>setTimeout(() => location.reload(), 5000);</script>"
    return HTMLResponse(layout("groq-batch dashboard", body), status_code=status)
