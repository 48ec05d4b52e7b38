"""Cassette configuration and helpers (pytest-recording / vcrpy).

Record mode comes from the command line only (`--record-mode`; pytest-recording's default is
`none`), never from `vcr_config`. Requests match on method, path, query and body, not on host and
port, so cassettes recorded against the local server (a random port) or the live API replay the
same. `Authorization` is replaced before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from groq_batch import Groq

if TYPE_CHECKING:
    from groq_batch.server import LocalServer

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


def vcr_config() -> dict[str, Any]:
    """The shared cassette settings, exposed by `tests/conftest.py` as `vcr_config`."""
    return {
        "filter_headers": [("authorization", AUTH_PLACEHOLDER)],
        "decode_compressed_response": True,
        "match_on": ["method", "path", "query", "body"],
        "before_record_response": _scrub_response,
    }


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
