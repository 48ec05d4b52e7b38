"""The upstream executor: forwards each request to an OpenAI-compatible server.

Requests run with bounded concurrency; retryable statuses and connection failures are retried
with backoff that honours the server's ``retry-after`` hints.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from groq_batch_server.catalog import CHAT_COMPLETIONS
from groq_batch_server.execution import (
    ExecRequest,
    Interrupted,
    Outcome,
    endpoint_of,
    error_body,
)
from groq_batch_server.ids import new_id

__all__ = ["RETRYABLE", "UpstreamExecutor", "audio_form", "outcome_of", "retry_delay"]


# Statuses worth another attempt: the upstream did not act, or may succeed later.
RETRYABLE = frozenset({408, 409, 429, 498, 500, 502, 503, 504})


def retry_delay(response: httpx.Response | None, attempt: int) -> float:
    """How long to wait before retry number `attempt` (0-based), honouring the server's hint."""
    if response is not None:
        for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
            value = response.headers.get(header)
            if value is None:
                continue
            try:
                seconds = float(value) * scale
            except ValueError:
                try:
                    seconds = float(parsedate_to_datetime(value).timestamp()) - time.time()
                except (TypeError, ValueError):
                    continue
            if 0 <= seconds <= 60:
                return seconds
    # Jitter spreads retries from concurrent workers; it is not security-relevant.
    return min(0.5 * 2.0**attempt, 8.0) * (1 - 0.25 * random.random())  # noqa: S311


class UpstreamExecutor:
    """Forwards each request body to an OpenAI-compatible server.

    Chat lines are posted as JSON to ``/chat/completions``; transcription and translation lines
    as a multipart form (``model``, ``url``, ``language``...) to ``/audio/transcriptions`` or
    ``/audio/translations``, as the synchronous API takes them.

    Works with llama.cpp, vLLM, Ollama, or Groq's synchronous API. Requests run with bounded
    concurrency; 408/409/429/498/5xx and connection failures are retried with backoff (honouring
    ``retry-after``). What still fails is recorded per request: an HTTP failure with its
    response, a connection failure as ``upstream_unavailable``.

    Args:
        base_url: The URL that ``/chat/completions`` is appended to, e.g.
            ``http://127.0.0.1:8000/v1``.
        api_key: Sent as ``Authorization: Bearer``, if given.
        concurrency: Requests in flight at once.
        max_retries: Retries per request.
        timeout: Seconds per attempt.
        transport: An httpx transport, for tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        concurrency: int = 8,
        max_retries: int = 3,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/chat/completions"
        self.max_retries = max_retries
        self._client = httpx.Client(
            headers=headers,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=concurrency),
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="upstream")

    def run(self, requests: Sequence[ExecRequest], stop: threading.Event) -> list[Outcome]:
        """Run a chunk of requests upstream, `concurrency` at a time.

        Args:
            requests: The chunk.
            stop: Set when the server is stopping.

        Returns:
            One outcome per request, in order.

        Raises:
            Interrupted: `stop` was set before every request finished.
        """
        outcomes = list(self._pool.map(lambda r: self._one(r, stop), requests))
        if stop.is_set():
            raise Interrupted
        return outcomes

    def close(self) -> None:
        """Close the HTTP client and the thread pool."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def _send(self, request: ExecRequest) -> httpx.Response:
        endpoint = endpoint_of(request)
        if endpoint == CHAT_COMPLETIONS:
            return self._client.post(self.url, json=dict(request.body))
        # The synchronous audio API takes a multipart form, not JSON; the audio is named by
        # its `url` field, as in the batch line.
        url = self.base_url + endpoint.removeprefix("/v1")
        return self._client.post(url, files=audio_form(request.body))

    def _one(self, request: ExecRequest, stop: threading.Event) -> Outcome:
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self._send(request)
            except httpx.TransportError as exc:
                failure = Outcome(
                    None,
                    error_code="upstream_unavailable",
                    error_message=f"The upstream server could not be reached: {exc!r}",
                )
            else:
                failure = outcome_of(response)
                if response.status_code not in RETRYABLE:
                    return failure
            if attempt >= self.max_retries or stop.is_set():
                return failure
            if stop.wait(retry_delay(response, attempt)):
                return failure
            attempt += 1


def audio_form(body: Mapping[str, Any]) -> list[tuple[str, tuple[None, str]]]:
    """An audio request body as multipart form fields (no file: the audio is at ``url``)."""
    fields: list[tuple[str, tuple[None, str]]] = []
    for name, value in body.items():
        if isinstance(value, list):
            fields.extend((f"{name}[]", (None, str(item))) for item in value)
        elif value is not None:
            text = value if isinstance(value, str) else json.dumps(value)
            fields.append((name, (None, text)))
    return fields


def outcome_of(response: httpx.Response) -> Outcome:
    """What a request got from the upstream's response (502 when it is not a JSON object)."""
    request_id = response.headers.get("x-request-id") or new_id("req")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return Outcome(
            502 if response.is_success else response.status_code,
            error_body(
                f"The upstream server answered {response.status_code} without a JSON object.",
                "api_error",
                "upstream_invalid_response",
            ),
            request_id,
        )
    return Outcome(response.status_code, body, request_id)
