"""Cassette configuration and helpers (pytest-recording / vcrpy).

Record mode comes from the command line only (`--record-mode`; pytest-recording's default is
`none`), never from `vcr_config`. Requests match on method, path, query, body and the headers that
matter (`headers_match`), not on host and port, so cassettes recorded against the local server (a
random port) or the live API replay the same. `Authorization` is replaced before anything is
written, and before matching too, so a request without one cannot match a recorded request that
had one. What the client really sent (the key in `Bearer` form) is checked separately, on the
requests an httpx event hook saw (`capture_sent`): the cassette only ever holds the placeholder.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

from groq_batch import IDEMPOTENCY_METADATA_KEY, AsyncGroq, Groq

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

AUTH_PLACEHOLDER = "Bearer <redacted>"
REPLAY_KEY = "gsk_replay_placeholder_not_a_key"
REPLAY_URL = "http://127.0.0.1:9"  # never contacted: every request is answered from the cassette
# Response headers that change on every recording and carry nothing the tests pin.
_DROPPED_RESPONSE_HEADERS = frozenset({"date", "server", "set-cookie"})


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _DROPPED_RESPONSE_HEADERS:
            del headers[name]
    return response


def _header(request: Any, name: str) -> str | None:
    value = request.headers.get(name)
    if isinstance(value, list):  # a hand-written cassette may store a list
        value = value[0] if value else None
    return value


def _media_type(value: str | None) -> str | None:
    # The multipart boundary is chosen per request; only the media type is pinned.
    return None if value is None else value.split(";")[0].strip().lower()


def headers_match(sent: Any, recorded: Any) -> None:
    """A vcrpy matcher: the headers the API cares about are the recorded ones.

    `Authorization` is compared after filtering (both are the placeholder, or both absent), so a
    client that stops sending it no longer matches. `Accept` and the media type of `Content-Type`
    must be equal, and a recorded `User-Agent` of ours must still be ours.

    Raises:
        AssertionError: On a difference (vcrpy's convention for matchers).
    """
    assert _header(sent, "authorization") == _header(recorded, "authorization"), "authorization"
    assert _header(sent, "accept") == _header(recorded, "accept"), "accept"
    sent_type = _media_type(_header(sent, "content-type"))
    assert sent_type == _media_type(_header(recorded, "content-type")), "content-type"
    recorded_agent = _header(recorded, "user-agent")
    if recorded_agent is not None and recorded_agent.startswith("groq-batch/"):
        assert (_header(sent, "user-agent") or "").startswith("groq-batch/"), "user-agent"


def _without_marker(body: Any) -> Any:
    # The create marker is a fresh uuid per logical create; it is the one part that may differ.
    if isinstance(body, dict) and isinstance(body.get("metadata"), dict):
        metadata = {k: v for k, v in body["metadata"].items() if k != IDEMPOTENCY_METADATA_KEY}
        body = {**body, "metadata": metadata or None}
        if body["metadata"] is None:
            del body["metadata"]
    return body


def json_body_match(sent: Any, recorded: Any) -> None:
    """A vcrpy matcher: equal bodies, JSON compared as values and without the random marker.

    Raises:
        AssertionError: On a difference.
    """

    def value(request: Any) -> Any:
        raw = request.body
        if raw in (None, b"", ""):
            return None
        text = raw.decode() if isinstance(raw, bytes) else raw
        boundary = re.search(r"boundary=([^;\s]+)", _header(request, "content-type") or "")
        if boundary is not None:
            # Random per request (issue 23): compare the parts, not the delimiter.
            text = text.replace(f"--{boundary.group(1)}", "--BOUNDARY")
        try:
            return _without_marker(json.loads(text))
        except ValueError:
            return text

    assert value(sent) == value(recorded), "body"


def register_matchers(vcr: Any) -> None:
    """Register `headers` and `json_body` on a `vcr.VCR`."""
    vcr.register_matcher("headers", headers_match)
    vcr.register_matcher("json_body", json_body_match)


def vcr_config() -> dict[str, Any]:
    """The shared cassette settings, exposed by `tests/conftest.py` as `vcr_config`."""
    return {
        "filter_headers": [("authorization", AUTH_PLACEHOLDER)],
        "decode_compressed_response": True,
        "match_on": ["method", "path", "query", "json_body", "headers"],
        "before_record_response": _scrub_response,
    }


def capture_sent(client: Groq | AsyncGroq) -> list[httpx.Request]:
    """Record every request `client` really sends (before any cassette or filter sees it)."""
    sent: list[httpx.Request] = []
    http = client._http_client
    hooks = http.event_hooks
    if isinstance(http, httpx.AsyncClient):

        async def record_async(request: httpx.Request) -> None:
            sent.append(request)

        hooks["request"] = [*hooks.get("request", []), record_async]
    else:
        hooks["request"] = [*hooks.get("request", []), sent.append]
    http.event_hooks = hooks
    return sent


def assert_sent_as_client(request: httpx.Request, api_key: str) -> None:
    """The headers every request of ours carries: the key as a bearer token, and our agent."""
    assert request.headers.get("authorization") == f"Bearer {api_key}", request.url
    assert request.headers.get("user-agent", "").startswith("groq-batch/"), request.url


@contextmanager
def recording_client(
    record_mode: str, make_local_server: Callable[..., LocalServer]
) -> Iterator[Groq]:
    """A client for a cassette test.

    Replaying (`--record-mode=none`, as in CI) needs no server at all. Recording talks to a fresh
    local server, or to the live API when `GROQ_BATCH_RECORD_LIVE=1` (with `GROQ_API_KEY` and,
    optionally, `GROQ_BASE_URL` set).
    """
    if record_mode == "none":
        client = Groq(api_key=REPLAY_KEY, base_url=REPLAY_URL, max_retries=0)
    elif os.environ.get("GROQ_BATCH_RECORD_LIVE") == "1":
        client = Groq(max_retries=0)
    else:
        # Slow model calls keep batches in progress, so a recorded cancel has something to cancel.
        server = make_local_server(request_latency=2.0)
        client = Groq(api_key=REPLAY_KEY, base_url=server.base_url, max_retries=0)
    with client:
        yield client
