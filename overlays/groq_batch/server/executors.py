"""Executors run a batch's requests: `EchoExecutor` offline, `UpstreamExecutor` for real.

An executor takes a chunk of requests and returns one `Outcome` per request, in order: either
the HTTP response the request got (any status; a 4xx is a per-request failure that goes to the
error file with ``response`` filled in, as Groq does), or a non-HTTP error.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from groq_batch.server.ids import new_id

__all__ = [
    "KNOWN_MODELS",
    "EchoExecutor",
    "ExecRequest",
    "Executor",
    "Interrupted",
    "Outcome",
    "UpstreamExecutor",
]

# Model ids the echo executor answers for: Groq's current and recently retired chat models.
# Others get Groq's 404 `model_not_found`, per request.
KNOWN_MODELS = frozenset(
    {
        "llama-3.1-8b-instant",
        "llama-3.3-70b-versatile",
        "llama3-8b-8192",
        "llama3-70b-8192",
        "gemma2-9b-it",
        "meta-llama/llama-4-scout-17b-16e-instruct",
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        "meta-llama/llama-guard-4-12b",
        "openai/gpt-oss-20b",
        "openai/gpt-oss-120b",
        "qwen/qwen3-32b",
        "moonshotai/kimi-k2-instruct",
        "moonshotai/kimi-k2-instruct-0905",
        "deepseek-r1-distill-llama-70b",
        "mistral-saba-24b",
        "allam-2-7b",
        "compound-beta",
        "groq/compound",
        "groq/compound-mini",
    }
)

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class Interrupted(Exception):
    """The server is stopping; the chunk was abandoned and will be redone after a restart."""


@dataclass(frozen=True, slots=True)
class ExecRequest:
    """One request to run.

    Attributes:
        custom_id: The caller's id for it.
        body: The request body (a chat-completions request).
    """

    custom_id: str
    body: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one request got.

    Attributes:
        status_code: The HTTP status of the response, or None for a non-HTTP error.
        body: The response body (a completion, or an error envelope), or None.
        request_id: The id of the response (Groq's ``req_...``), or None.
        error_code: For a non-HTTP error: a machine-readable code.
        error_message: For a non-HTTP error: what happened.
    """

    status_code: int | None
    body: Mapping[str, Any] | None = None
    request_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class Executor(Protocol):
    """Runs chunks of requests."""

    def run(self, requests: Sequence[ExecRequest], stop: threading.Event) -> list[Outcome]:
        """Run a chunk of requests.

        Args:
            requests: The chunk.
            stop: Set when the server is stopping; long waits must end early.

        Returns:
            One outcome per request, in order.

        Raises:
            Interrupted: `stop` was set before the chunk finished.
        """
        ...

    def close(self) -> None:
        """Release what the executor holds (connections, threads)."""
        ...


def _error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        error["code"] = code
    return {"error": error}


def _text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def _count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


class EchoExecutor:
    """A deterministic stand-in for Groq's chat models.

    It answers each request with a realistic ``chat.completion``: the last user message echoed
    back, honest token counts (words and punctuation), ``max_tokens`` honoured with
    ``finish_reason: length``, Groq's timing fields, ``x_groq`` and ``service_tier: batch``.
    The same request always gets the same content, ids and usage. Unknown models and requests
    without ``messages`` fail per request with the bodies Groq sends (404 and 400).

    Args:
        latency: Simulated seconds per request, for tests that need to watch progress.
        models: Model ids accepted beyond `KNOWN_MODELS`.
    """

    def __init__(self, *, latency: float = 0.0, models: Sequence[str] = ()) -> None:
        self.latency = latency
        self.models = KNOWN_MODELS | frozenset(models)

    def run(self, requests: Sequence[ExecRequest], stop: threading.Event) -> list[Outcome]:
        """Answer a chunk of requests.

        Args:
            requests: The chunk.
            stop: Set when the server is stopping.

        Returns:
            One outcome per request.

        Raises:
            Interrupted: `stop` was set during the simulated latency.
        """
        outcomes = []
        for request in requests:
            if self.latency and stop.wait(self.latency):
                raise Interrupted
            outcomes.append(self.answer(request))
        return outcomes

    def close(self) -> None:
        """Nothing to release."""

    def answer(self, request: ExecRequest) -> Outcome:
        """Answer one request.

        Args:
            request: The request.

        Returns:
            A 200 with a completion, or a 4xx with Groq's error body.
        """
        body = request.body
        digest = hashlib.sha256(
            json.dumps([request.custom_id, body], sort_keys=True, default=str).encode()
        ).digest()
        request_id = new_id("req")
        model = body.get("model")
        if not isinstance(model, str) or model not in self.models:
            return Outcome(
                404,
                _error_body(
                    f"The model `{model}` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                ),
                request_id,
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return Outcome(
                400,
                _error_body(
                    "'messages' : property 'messages' is missing"
                    if messages is None
                    else "'messages' : minimum number of items is 1",
                    "invalid_request_error",
                ),
                request_id,
            )
        prompt_text = " ".join(
            _text_of(m.get("content")) for m in messages if isinstance(m, Mapping)
        )
        # Each message costs a few tokens of chat-template framing, as with real tokenizers.
        prompt_tokens = _count_tokens(prompt_text) + 4 * len(messages)
        last_user = next(
            (
                _text_of(m.get("content"))
                for m in reversed(messages)
                if isinstance(m, Mapping) and m.get("role") == "user"
            ),
            "",
        )
        reply_tokens = _TOKEN.findall(f"Echo: {last_user}".strip())
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        finish_reason = "stop"
        if isinstance(limit, int) and 0 < limit < len(reply_tokens):
            reply_tokens = reply_tokens[:limit]
            finish_reason = "length"
        content = _join_tokens(reply_tokens)
        completion_tokens = len(reply_tokens)
        # Timings derived from the token counts, so they are plausible and deterministic.
        prompt_time = round(prompt_tokens * 0.00002, 6)
        completion_time = round(completion_tokens * 0.0012, 6)
        completion = {
            "id": f"chatcmpl-{uuid.UUID(bytes=digest[:16])}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": {
                "queue_time": round(0.01 + digest[16] / 10_000, 6),
                "prompt_tokens": prompt_tokens,
                "prompt_time": prompt_time,
                "completion_tokens": completion_tokens,
                "completion_time": completion_time,
                "total_tokens": prompt_tokens + completion_tokens,
                "total_time": round(prompt_time + completion_time, 6),
            },
            "usage_breakdown": None,
            "system_fingerprint": "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10],
            "x_groq": {"id": request_id, "seed": int.from_bytes(digest[20:24], "big")},
            "service_tier": "batch",
        }
        return Outcome(200, completion, request_id)


def _join_tokens(tokens: Sequence[str]) -> str:
    """Join word and punctuation tokens back into readable text."""
    text = ""
    for token in tokens:
        if text and (token[0].isalnum() or token[0] == "_"):
            text += " "
        text += token
    return text


# Statuses worth another attempt: the upstream did not act, or may succeed later.
_RETRYABLE = frozenset({408, 409, 429, 498, 500, 502, 503, 504})


def _retry_delay(response: httpx.Response | None, attempt: int) -> float:
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
    """Forwards each request body to an OpenAI-compatible chat-completions server.

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
        self.url = base_url.rstrip("/") + "/chat/completions"
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

    def _one(self, request: ExecRequest, stop: threading.Event) -> Outcome:
        attempt = 0
        while True:
            response: httpx.Response | None = None
            try:
                response = self._client.post(self.url, json=dict(request.body))
            except httpx.TransportError as exc:
                failure = Outcome(
                    None,
                    error_code="upstream_unavailable",
                    error_message=f"The upstream server could not be reached: {exc!r}",
                )
            else:
                failure = _outcome_of(response)
                if response.status_code not in _RETRYABLE:
                    return failure
            if attempt >= self.max_retries or stop.is_set():
                return failure
            if stop.wait(_retry_delay(response, attempt)):
                return failure
            attempt += 1


def _outcome_of(response: httpx.Response) -> Outcome:
    request_id = response.headers.get("x-request-id") or new_id("req")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return Outcome(
            502 if response.is_success else response.status_code,
            _error_body(
                f"The upstream server answered {response.status_code} without a JSON object.",
                "api_error",
                "upstream_invalid_response",
            ),
            request_id,
        )
    return Outcome(response.status_code, body, request_id)
