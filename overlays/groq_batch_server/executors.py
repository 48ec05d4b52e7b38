"""Executors run a batch's requests: `EchoExecutor` offline, `UpstreamExecutor` for real.

An executor takes a chunk of requests and returns one `Outcome` per request, in order: either
the HTTP response the request got (any status; a 4xx is a per-request failure that goes to the
error file with ``response`` filled in, as Groq does), or a non-HTTP error.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from groq_batch._tokens import (
    content_text,
    count_chat_prompt,
    count_tokens_many,
    truncate_tokens,
)
from groq_batch_server.catalog import (
    AUDIO_TRANSCRIPTIONS,
    AUDIO_TRANSLATIONS,
    CHAT_COMPLETIONS,
    load_catalog,
)
from groq_batch_server.ids import new_id
from groq_batch_server.structured import SchemaError, instance_for

__all__ = [
    "EchoExecutor",
    "ExecRequest",
    "Executor",
    "Interrupted",
    "Outcome",
    "UpstreamExecutor",
]


class Interrupted(Exception):
    """The server is stopping; the chunk was abandoned and will be redone after a restart."""


@dataclass(frozen=True, slots=True)
class ExecRequest:
    """One request to run.

    Attributes:
        custom_id: The caller's id for it.
        body: The request body (a chat-completions or audio request).
        url: The line's endpoint (``/v1/chat/completions``, ``/v1/audio/transcriptions``,
            ``/v1/audio/translations``). None means "tell from the body": an audio body has a
            ``url`` and no ``messages``, and is taken as a transcription.
    """

    custom_id: str
    body: Mapping[str, Any]
    url: str | None = None


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


def _digest(request: ExecRequest) -> bytes:
    return hashlib.sha256(
        json.dumps([request.custom_id, request.body], sort_keys=True, default=str).encode()
    ).digest()


def _endpoint_of(request: ExecRequest) -> str:
    """The endpoint a request is for: its line's ``url``, or else what its body looks like."""
    if request.url is not None:
        return request.url
    body = request.body
    if "messages" not in body and isinstance(body.get("url"), str):
        return AUDIO_TRANSCRIPTIONS
    return CHAT_COMPLETIONS


class _Refused(Exception):
    """A request Groq would refuse; carries the status and error body to answer with."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = _error_body(message, "invalid_request_error", code)


class EchoExecutor:
    """A deterministic stand-in for Groq's chat and Whisper models.

    Chat requests get a realistic ``chat.completion``:

    - plain requests: the last user message echoed back (``Echo: ...``);
    - ``response_format`` ``json_object``: a JSON object (``{"echo": ...}``);
    - ``response_format`` ``json_schema``: a JSON instance valid against the schema
      (`groq_batch_server.structured`);
    - ``tools`` with ``tool_choice`` ``required`` (the first tool) or naming a function: one tool
      call whose ``arguments`` are valid against the tool's ``parameters``, ``content: null``
      and ``finish_reason: tool_calls``. With ``auto`` or ``none`` the answer is text.

    ``max_tokens``/``max_completion_tokens`` cut the content with ``finish_reason: length``.
    Token counts come from a real BPE (`groq_batch._tokens`; rough without the ``server``
    extra); the prompt is counted by `groq_batch._tokens.count_chat_prompt`: every message,
    four tokens of chat-template framing each, and the tools' JSON. Transcription and
    translation requests get Whisper's shape (``text``; with ``verbose_json`` also ``task``,
    ``language``, ``duration``, ``segments``), derived from the audio's URL. Every answer
    carries Groq's timing fields, ``x_groq`` and ``service_tier: batch``, and the same request
    always gets the same content, ids and usage.

    Unknown models, models that do not serve the request's endpoint, and malformed bodies fail
    per request with the bodies Groq sends (404 and 400).

    Args:
        latency: Simulated seconds per request, for tests that need to watch progress.
        models: Model ids accepted beyond the batch models of ``models.json``, for any
            endpoint. ``"*"`` accepts every model.
    """

    def __init__(self, *, latency: float = 0.0, models: Sequence[str] = ()) -> None:
        self.latency = latency
        self.catalog = load_catalog()
        self.extra_models = frozenset(models)
        self.any_model = "*" in self.extra_models
        self.models = self.catalog.batch_models() | self.extra_models

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
            A 200 with a completion or transcription, or a 4xx with Groq's error body.
        """
        request_id = new_id("req")
        endpoint = _endpoint_of(request)
        try:
            model = self._check_model(request.body.get("model"), endpoint)
            if endpoint == CHAT_COMPLETIONS:
                body = self._chat(request, model, request_id)
            else:
                body = self._audio(request, model, endpoint, request_id)
        except _Refused as refused:
            return Outcome(refused.status, refused.body, request_id)
        return Outcome(200, body, request_id)

    def _check_model(self, model: Any, endpoint: str) -> str:
        if not isinstance(model, str) or not (self.any_model or model in self.models):
            raise _Refused(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found",
            )
        info = self.catalog.models.get(model)
        if model not in self.extra_models and info is not None and endpoint not in info.endpoints:
            raise _Refused(
                400,
                f"The model `{model}` does not support {endpoint.removeprefix('/v1/')}.",
                "model_not_supported",
            )
        return model

    # -------------------------------------------------------------------------------- chat
    def _chat(self, request: ExecRequest, model: str, request_id: str) -> dict[str, Any]:
        body = request.body
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise _Refused(
                400,
                "'messages' : property 'messages' is missing"
                if messages is None
                else "'messages' : minimum number of items is 1",
            )
        digest = _digest(request)
        seed = int.from_bytes(digest[24:32], "big")
        tools = body.get("tools")
        last_user = next(
            (
                content_text(m.get("content"))
                for m in reversed(messages)
                if isinstance(m, Mapping) and m.get("role") == "user"
            ),
            "",
        )
        tool = _chosen_tool(tools, body.get("tool_choice"))
        message: dict[str, Any]
        finish_reason = "stop"
        if tool is not None:
            name, parameters = tool
            arguments = json.dumps(
                _structured(parameters, seed), ensure_ascii=False, separators=(",", ":")
            )
            call_id = "call_" + hashlib.sha256(digest + b"call").hexdigest()[:24]
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": arguments},
                    }
                ],
            }
            finish_reason = "tool_calls"
            generated = [name, arguments]
        else:
            content = _content_for(body.get("response_format"), last_user, seed)
            limit = body.get("max_completion_tokens", body.get("max_tokens"))
            if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
                kept, total = truncate_tokens(content, limit, model)
                if total > limit:
                    content, finish_reason = kept, "length"
            message = {"role": "assistant", "content": content}
            generated = [content]
        prompt_tokens = count_chat_prompt(messages, model, tools=tools)
        completion_tokens = sum(count_tokens_many(generated, model))
        prompt_time = round(prompt_tokens * 0.00002, 6)
        completion_time = round(completion_tokens * 0.0012, 6)
        return {
            "id": f"chatcmpl-{uuid.UUID(bytes=digest[:16])}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
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

    # ------------------------------------------------------------------------------- audio
    def _audio(
        self, request: ExecRequest, model: str, endpoint: str, request_id: str
    ) -> dict[str, Any]:
        body = request.body
        url = body.get("url")
        if not isinstance(url, str) or not url:
            raise _Refused(400, "either file or url must be provided")
        response_format = body.get("response_format", "json")
        if response_format not in ("json", "text", "verbose_json"):
            raise _Refused(
                400,
                f"response_format must be one of json, text, verbose_json; got {response_format!r}",
            )
        translate = endpoint == AUDIO_TRANSLATIONS
        language = "english" if translate else _language_name(body.get("language"))
        digest = hashlib.sha256(url.encode()).digest()
        rng = random.Random(digest)  # noqa: S311 (determinism, not secrecy)
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0] or "audio"
        sentences = [
            f"This is the echo {'translation' if translate else 'transcript'} of {name}.",
            *(
                " ".join(rng.choice(_AUDIO_WORDS) for _ in range(rng.randint(5, 10))).capitalize()
                + "."
                for _ in range(rng.randint(1, 3))
            ),
        ]
        text = " " + " ".join(sentences)
        # `text` is plain text on the synchronous API; a batch output body is always a JSON
        # object, so it is answered like `json` here.
        result: dict[str, Any] = {"text": text}
        if response_format == "verbose_json":
            duration = round(2.0 + 3.0 * len(sentences) + digest[0] / 100, 2)
            result = {
                "task": "translate" if translate else "transcribe",
                "language": language,
                "duration": duration,
                "text": text,
                "segments": _segments(sentences, duration, body, model),
            }
            granularities = body.get("timestamp_granularities") or ["segment"]
            if "word" in granularities:
                result["words"] = _words(sentences, duration)
        result["x_groq"] = {"id": request_id}
        return result


_AUDIO_WORDS = (
    "the",
    "batch",
    "finished",
    "quickly",
    "and",
    "every",
    "request",
    "came",
    "back",
    "with",
    "its",
    "answer",
    "today",
    "we",
    "listen",
    "again",
)

# ISO 639-1 codes Whisper is most often given, and the names its verbose_json reports.
_LANGUAGES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ja": "japanese",
    "zh": "chinese",
    "ko": "korean",
    "ru": "russian",
    "ar": "arabic",
    "hi": "hindi",
}


def _language_name(code: Any) -> str:
    if not isinstance(code, str) or not code:
        return "english"
    return _LANGUAGES.get(code.lower(), code.lower())


def _segments(
    sentences: Sequence[str], duration: float, body: Mapping[str, Any], model: str
) -> list[dict[str, Any]]:
    """One Whisper segment per sentence, spread evenly over the duration."""
    span = duration / len(sentences)
    temperature = body.get("temperature", 0.0)
    segments = []
    for index, sentence in enumerate(sentences):
        start = round(index * span, 2)
        segments.append(
            {
                "id": index,
                "seek": 0,
                "start": start,
                "end": round(min(duration, start + span), 2),
                "text": " " + sentence,
                "tokens": list(range(50365 + index * 16, 50365 + index * 16 + 4)),
                "temperature": temperature if isinstance(temperature, int | float) else 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
        )
    return segments


def _words(sentences: Sequence[str], duration: float) -> list[dict[str, Any]]:
    words = [w for sentence in sentences for w in sentence.split()]
    step = duration / max(len(words), 1)
    return [
        {"word": w.strip(".,"), "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
        for i, w in enumerate(words)
    ]


def _chosen_tool(tools: Any, tool_choice: Any) -> tuple[str, Any] | None:
    """The tool to call, as ``(name, parameters)``, or None to answer with text."""
    if tool_choice is None or tool_choice in ("auto", "none"):
        return None
    if not isinstance(tools, list) or not tools:
        raise _Refused(400, "tool_choice is set but no tools were given", "tool_use_failed")
    functions = {
        t["function"]["name"]: t["function"].get("parameters", {"type": "object"})
        for t in tools
        if isinstance(t, Mapping)
        and isinstance(t.get("function"), Mapping)
        and isinstance(t["function"].get("name"), str)
    }
    if not functions:
        raise _Refused(400, "'tools' : every tool needs a function with a name")
    if tool_choice == "required":
        name = next(iter(functions))
    elif isinstance(tool_choice, Mapping) and isinstance(tool_choice.get("function"), Mapping):
        name = tool_choice["function"].get("name")
        if name not in functions:
            raise _Refused(
                400,
                f"tool_choice names function {name!r}, which is not among the tools",
                "tool_use_failed",
            )
    else:
        raise _Refused(400, f"Invalid tool_choice: {tool_choice!r}")
    return name, functions[name]


def _structured(schema: Any, seed: int) -> Any:
    try:
        return instance_for(schema, seed=seed)
    except SchemaError as exc:
        raise _Refused(
            400,
            f"Failed to generate JSON. Please adjust your prompt. Details: {exc}",
            "json_validate_failed",
        ) from exc


def _content_for(response_format: Any, last_user: str, seed: int) -> str:
    """The reply's text: the echo, or JSON when the request asks for it."""
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_object":
        return json.dumps({"echo": last_user}, ensure_ascii=False)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        value = _structured(schema if schema is not None else {"type": "object"}, seed)
        return json.dumps(value, ensure_ascii=False)
    return f"Echo: {last_user}".strip()


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
        endpoint = _endpoint_of(request)
        if endpoint == CHAT_COMPLETIONS:
            return self._client.post(self.url, json=dict(request.body))
        # The synchronous audio API takes a multipart form, not JSON; the audio is named by
        # its `url` field, as in the batch line.
        url = self.base_url + endpoint.removeprefix("/v1")
        return self._client.post(url, files=_audio_form(request.body))

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
                failure = _outcome_of(response)
                if response.status_code not in _RETRYABLE:
                    return failure
            if attempt >= self.max_retries or stop.is_set():
                return failure
            if stop.wait(_retry_delay(response, attempt)):
                return failure
            attempt += 1


def _audio_form(body: Mapping[str, Any]) -> list[tuple[str, tuple[None, str]]]:
    """An audio request body as multipart form fields (no file: the audio is at ``url``)."""
    fields: list[tuple[str, tuple[None, str]]] = []
    for name, value in body.items():
        if isinstance(value, list):
            fields.extend((f"{name}[]", (None, str(item))) for item in value)
        elif value is not None:
            text = value if isinstance(value, str) else json.dumps(value)
            fields.append((name, (None, text)))
    return fields


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
