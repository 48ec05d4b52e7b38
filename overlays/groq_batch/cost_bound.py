"""The token bound of one request: what it is billed for, counted offline, before it runs.

`request_bill` counts a request's prompt tokens and how many outputs it generates, or raises
`Unboundable` saying why its cost has no bound the count can state (an image part, an unknown
endpoint...). `completion_limit` and `typical_completion_tokens` give each output's range.
`groq_batch.costs` describes the rules; `groq_batch.cost_estimate` sums them per model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from groq_batch._errors import Unboundable
from groq_batch.jsonl import BatchRequest
from groq_batch.tokens import count_chat_prompt, count_tokens_many
from groq_batch.validation import MAX_DEPTH, depth_scan

__all__ = [
    "DEFAULT_TYPICAL_COMPLETION_TOKENS",
    "REASONING_TYPICAL_COMPLETION_TOKENS",
    "RequestBill",
    "Unboundable",
    "as_line",
    "completion_limit",
    "prompt_tokens",
    "read_request_lines",
    "request_bill",
    "typical_completion_tokens",
]

DEFAULT_TYPICAL_COMPLETION_TOKENS = 150
"""The completion length assumed for a chat request: a paragraph or two (a planning figure)."""

REASONING_TYPICAL_COMPLETION_TOKENS = 1024
"""The same for reasoning models, whose hidden reasoning is billed as completion tokens."""

# Model-id prefixes of models that reason before answering (their reasoning is output tokens).
_REASONING_PREFIXES = ("openai/gpt-oss", "qwen/qwen3", "gpt-5", "o1", "o3", "o4")

_CHAT = "/v1/chat/completions"
_COMPLETIONS = "/v1/completions"
_RESPONSES = "/v1/responses"
_EMBEDDINGS = "/v1/embeddings"


def typical_completion_tokens(model: str | None) -> int:
    """The completion length assumed for a request that sets no limit.

    A planning figure, not a measurement: `DEFAULT_TYPICAL_COMPLETION_TOKENS` for chat models,
    `REASONING_TYPICAL_COMPLETION_TOKENS` for reasoning models.

    Args:
        model: The model id.

    Returns:
        Tokens.
    """
    if model is not None and model.startswith(_REASONING_PREFIXES):
        return REASONING_TYPICAL_COMPLETION_TOKENS
    return DEFAULT_TYPICAL_COMPLETION_TOKENS


def prompt_tokens(body: Mapping[str, Any], *, rough: bool = False) -> int:
    """Count a chat request's prompt tokens as the chat template would send them.

    Args:
        body: The request body (``model``, ``messages``, optional ``tools``).
        rough: Use the character-based fallback even when a tokenizer is installed.

    Returns:
        Message text tokens, plus `MESSAGE_OVERHEAD` per message, plus the tools' JSON.
    """
    messages = body.get("messages")
    if not isinstance(messages, list):
        return 0
    model = body.get("model")
    # The same rule as the local server's echo model, so the two agree on every request.
    return count_chat_prompt(
        messages, model if isinstance(model, str) else None, tools=body.get("tools"), rough=rough
    )


def completion_limit(body: Mapping[str, Any]) -> int | None:
    """The completion limit a request sets, if it is a positive integer.

    Read from ``max_completion_tokens``, else ``max_tokens``, else ``max_output_tokens``.

    Args:
        body: The request body.

    Returns:
        The limit, or None when the request sets none.
    """
    limit = body.get("max_completion_tokens", body.get("max_tokens", body.get("max_output_tokens")))
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit
    return None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass
class RequestBill:
    """What one request is billed for: its prompt, and how many outputs it generates.

    Attributes:
        prompt: Prompt tokens.
        outputs: Outputs generated (each up to the completion limit); 0 for an embedding.
    """

    prompt: int
    outputs: int


def _choices(body: Mapping[str, Any], *names: str) -> int:
    """How many outputs each prompt generates: the largest of ``n`` (and ``best_of``), else 1."""
    count = 1
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not _positive_int(value):
            raise Unboundable(f"{name} is not a positive integer ({value!r})")
        count = max(count, value)
    return count


def _texts_or_tokens(value: Any, field: str) -> tuple[list[str], int, int]:
    """Texts, token ids and prompt count of a completion's ``prompt`` or an embedding's ``input``.

    Returns:
        The texts to count, the number of token ids given as ids, and how many prompts.
    """
    if isinstance(value, str):
        return [value], 0, 1
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return list(value), 0, len(value)
        if all(_is_token(v) for v in value):
            return [], len(value), 1 if value else 0
        if all(isinstance(v, list) and all(_is_token(t) for t in v) for v in value):
            return [], sum(len(v) for v in value), len(value)
    raise Unboundable(f"{field} is neither text nor token ids")


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_text_part(content: Any) -> str | None:
    """The type of the first part of a message's content that is not text, if any."""
    if not isinstance(content, list):
        return None
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind not in ("text", "input_text", "output_text"):
            return str(kind or "untyped")
    return None


def request_bill(url: Any, body: Mapping[str, Any], model: str | None, rough: bool) -> RequestBill:
    """Count what one request is billed for.

    Args:
        url: The line's ``url`` (None counts as chat).
        body: The request body.
        model: The model, for its tokenizer.
        rough: Count by the character rule even when a tokenizer is installed.

    Returns:
        The prompt tokens and the number of outputs.

    Raises:
        Unboundable: The cost has no bound the count can state; the message says why.
    """
    if url == _CHAT or url is None:
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise Unboundable("a chat request without a messages list")
        for message in messages:
            part = _non_text_part(message.get("content") if isinstance(message, Mapping) else None)
            if part is not None:
                raise Unboundable(f"a message has a {part} part (an image is billed, not counted)")
        return RequestBill(prompt_tokens(body, rough=rough), _choices(body, "n"))
    if url == _COMPLETIONS:
        texts, ids, prompts = _texts_or_tokens(body.get("prompt"), "prompt")
        suffix = body.get("suffix")
        if isinstance(suffix, str):
            texts.append(suffix)
        tokens = sum(count_tokens_many(texts, model, rough=rough)) + ids if texts else ids
        return RequestBill(tokens, prompts * _choices(body, "n", "best_of"))
    if url == _RESPONSES:
        if body.get("previous_response_id") is not None:
            raise Unboundable("previous_response_id bills an earlier conversation, not counted")
        given = body.get("input")
        items = given if isinstance(given, list) else [given]
        parts: list[str] = []
        for item in items:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, Mapping):
                part = _non_text_part(item.get("content"))
                if part is not None:
                    raise Unboundable(f"an input item has a {part} part, which is not counted")
                # The item's whole JSON: more than its text, so never less than what is billed.
                parts.append(json.dumps(item, sort_keys=True))
            else:
                raise Unboundable("input is neither text nor a list of input items")
        if isinstance(body.get("instructions"), str):
            parts.append(body["instructions"])
        if body.get("tools") is not None:
            parts.append(json.dumps(body["tools"], sort_keys=True))
        return RequestBill(sum(count_tokens_many(parts, model, rough=rough)), 1)
    if url == _EMBEDDINGS:
        texts, ids, _ = _texts_or_tokens(body.get("input"), "input")
        return RequestBill(sum(count_tokens_many(texts, model, rough=rough)) + ids, 0)
    raise Unboundable(f"the endpoint {url!r} is not one the estimate can price")


def read_request_lines(
    path: str | os.PathLike[str], skipped: list[int]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Yield each line that parses as a JSON object, numbered; count the others in ``skipped``.

    Args:
        path: The JSONL file, read one line at a time.
        skipped: A one-item counter, increased for each line left out.

    Yields:
        The line's number and its object.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            # The validator's depth rule first: a line nested past it would overflow the parser
            # (a RecursionError traceback), or the recursive walks below it.
            if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and depth_scan(
                raw.decode("utf-8", "replace"), MAX_DEPTH
            ):
                skipped[0] += 1
                continue
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError):
                skipped[0] += 1
                continue
            if isinstance(value, dict):
                yield number, value
            else:
                skipped[0] += 1


def as_line(item: BatchRequest | Mapping[str, Any]) -> Mapping[str, Any]:
    """A request as its JSONL line's object.

    Args:
        item: A `BatchRequest`, or a line already.

    Returns:
        The line (``custom_id``, ``method``, ``url``, ``body``).
    """
    return item.to_dict() if isinstance(item, BatchRequest) else item
