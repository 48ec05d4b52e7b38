"""The echo executor: a deterministic, offline stand-in for Groq's chat and Whisper models.

Chat answers (plain echoes, JSON objects, JSON-schema instances and tool calls) are made here;
Whisper answers in `groq_batch_server.echo_audio`. The same request always gets the same
content, ids and usage, so tests and benchmarks can assert on them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from groq_batch.jsoncodec import ACCELERATED
from groq_batch.tokens import (
    content_text,
    count_chat_prompt,
    count_tokens_many,
    truncate_tokens,
)
from groq_batch_server.catalog import CHAT_COMPLETIONS, load_catalog
from groq_batch_server.echo_audio import audio_answer
from groq_batch_server.execution import (
    ExecRequest,
    Interrupted,
    Outcome,
    RequestRefused,
    endpoint_of,
)
from groq_batch_server.ids import new_id
from groq_batch_server.structured import SchemaError, instance_for

__all__ = ["EchoExecutor", "chosen_tool", "content_for", "request_digest", "structured_instance"]


# As `json.dumps(..., sort_keys=True, default=str)`, made once rather than per request.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, default=str)


def _fast_digest_text() -> Any:
    """The sorted-key encoder of msgspec when the ``fast`` extra is in: 0.8 us a request, not 7."""
    if not ACCELERATED:
        return None
    import msgspec

    return msgspec.json.Encoder(order="sorted").encode


_FAST_DIGEST = _fast_digest_text()


def request_digest(request: ExecRequest) -> bytes:
    """A hash of the request that seeds everything the echo makes up for it.

    With the ``fast`` extra the request is spelled by msgspec, without it by the standard
    library: the same request gets the same answer on one install, every time.
    """
    if _FAST_DIGEST is not None:
        try:
            return hashlib.sha256(_FAST_DIGEST([request.custom_id, request.body])).digest()
        except (TypeError, ValueError, OverflowError):  # a lone surrogate, an odd type
            pass
    return hashlib.sha256(_DIGEST_JSON.encode([request.custom_id, request.body]).encode()).digest()


@functools.cache
def _fingerprint(model: str) -> str:
    return "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]


def _uuid_text(raw: bytes) -> str:
    """`str(uuid.UUID(bytes=raw))` without building the object (once per request)."""
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


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
    Token counts come from a real BPE (`groq_batch.tokens`; rough without the ``server``
    extra); the prompt is counted by `groq_batch.tokens.count_chat_prompt`: every message,
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
        endpoint = endpoint_of(request)
        try:
            model = self._check_model(request.body.get("model"), endpoint)
            if endpoint == CHAT_COMPLETIONS:
                body = self._chat(request, model, request_id)
            else:
                body = audio_answer(request, model, endpoint, request_id)
        except RequestRefused as refused:
            return Outcome(refused.status, refused.body, request_id)
        return Outcome(200, body, request_id)

    def _check_model(self, model: Any, endpoint: str) -> str:
        if not isinstance(model, str) or not (self.any_model or model in self.models):
            raise RequestRefused(
                404,
                f"The model `{model}` does not exist or you do not have access to it.",
                "model_not_found",
            )
        info = self.catalog.models.get(model)
        if model not in self.extra_models and info is not None and endpoint not in info.endpoints:
            raise RequestRefused(
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
            raise RequestRefused(
                400,
                "'messages' : property 'messages' is missing"
                if messages is None
                else "'messages' : minimum number of items is 1",
            )
        digest = request_digest(request)
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
        tool = chosen_tool(tools, body.get("tool_choice"))
        message: dict[str, Any]
        finish_reason = "stop"
        if tool is not None:
            name, parameters = tool
            arguments = json.dumps(
                structured_instance(parameters, seed), ensure_ascii=False, separators=(",", ":")
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
            completion_tokens = sum(count_tokens_many([name, arguments], model))
        else:
            content = content_for(body.get("response_format"), last_user, seed)
            # Counted first: nearly every answer fits its limit, and cutting (which looks the
            # tokenizer up again and counts once more) is only needed when it does not.
            (completion_tokens,) = count_tokens_many([content], model)
            limit = body.get("max_completion_tokens", body.get("max_tokens"))
            if (
                isinstance(limit, int)
                and not isinstance(limit, bool)
                and 0 < limit < completion_tokens
            ):
                content, _ = truncate_tokens(content, limit, model)
                finish_reason = "length"
                (completion_tokens,) = count_tokens_many([content], model)
            message = {"role": "assistant", "content": content}
        prompt_tokens = count_chat_prompt(messages, model, tools=tools)
        prompt_time = round(prompt_tokens * 0.00002, 6)
        completion_time = round(completion_tokens * 0.0012, 6)
        return {
            "id": f"chatcmpl-{_uuid_text(digest[:16])}",
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
            "system_fingerprint": _fingerprint(model),
            "x_groq": {"id": request_id, "seed": int.from_bytes(digest[20:24], "big")},
            "service_tier": "batch",
        }


def chosen_tool(tools: Any, tool_choice: Any) -> tuple[str, Any] | None:
    """The tool to call, as ``(name, parameters)``, or None to answer with text."""
    if tool_choice is None or tool_choice in ("auto", "none"):
        return None
    if not isinstance(tools, list) or not tools:
        raise RequestRefused(400, "tool_choice is set but no tools were given", "tool_use_failed")
    functions = {
        t["function"]["name"]: t["function"].get("parameters", {"type": "object"})
        for t in tools
        if isinstance(t, Mapping)
        and isinstance(t.get("function"), Mapping)
        and isinstance(t["function"].get("name"), str)
    }
    if not functions:
        raise RequestRefused(400, "'tools' : every tool needs a function with a name")
    if tool_choice == "required":
        name = next(iter(functions))
    elif isinstance(tool_choice, Mapping) and isinstance(tool_choice.get("function"), Mapping):
        name = tool_choice["function"].get("name")
        if name not in functions:
            raise RequestRefused(
                400,
                f"tool_choice names function {name!r}, which is not among the tools",
                "tool_use_failed",
            )
    else:
        raise RequestRefused(400, f"Invalid tool_choice: {tool_choice!r}")
    return name, functions[name]


def structured_instance(schema: Any, seed: int) -> Any:
    """A value valid against `schema`, the same for the same seed; a 400 if none can be made."""
    try:
        return instance_for(schema, seed=seed)
    except SchemaError as exc:
        raise RequestRefused(
            400,
            f"Failed to generate JSON. Please adjust your prompt. Details: {exc}",
            "json_validate_failed",
        ) from exc


def content_for(response_format: Any, last_user: str, seed: int) -> str:
    """The reply's text: the echo, or JSON when the request asks for it."""
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "json_object":
        return json.dumps({"echo": last_user}, ensure_ascii=False)
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        value = structured_instance(schema if schema is not None else {"type": "object"}, seed)
        return json.dumps(value, ensure_ascii=False)
    return f"Echo: {last_user}".strip()
