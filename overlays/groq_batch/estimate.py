"""The cost of a batch: an estimate before it runs, the actual cost after.

**Before** (`estimate`): the input file is read one line at a time (memory stays flat) and, per
model, the prompt tokens are counted offline with `groq_batch._tokens` (a real BPE when the
``toktok-rs`` wheel is installed, which the ``cli`` and ``server`` extras bring; a character rule
marked *rough* otherwise). A chat prompt counts as the chat template sends it: the text of every
message, plus `MESSAGE_OVERHEAD` tokens of framing per message (Llama 3's template wraps each
message in ``<|start_header_id|>role<|end_header_id|>``, two newlines, the text and
``<|eot_id|>``), plus the JSON of any ``tools``. Image parts cannot be counted as text, so a
line with one is listed in ``unboundable``. Audio lines have no prompt tokens: Groq bills
Whisper by the hour of audio, which is not known before the run, so their cost is unknown (and
the line is listed in ``unboundable``).

Expected error of the prompt count against a real provider: exact vocabulary for OpenAI's
models; for Llama 3 models ``cl100k_base`` is a subset of the real vocabulary, so English counts
are within a few percent (slightly high for other languages), but the provider's template may
add a fixed preamble per request (Groq's Llama 3.1 template adds a knowledge-cutoff and date
line to the system message, about 20 tokens) that this count does not include.

Every prompt field of every endpoint is counted: chat ``messages`` (and ``tools``), a
completion's ``prompt`` (text, a list of texts, or token ids) and ``suffix``, a response's
``input`` and ``instructions``, an embedding's ``input``. What the count cannot bound (an image
or file part, a ``prompt`` that is neither text nor tokens, an endpoint it does not know, an
``n`` that is not a positive integer, audio billed by a duration not known before the run) is
listed in ``unboundable`` with its line: ``--max-cost`` refuses such a file rather than guess.

Completion tokens are unknown before the run. Per generated output the range is:

- with ``max_completion_tokens`` (or ``max_tokens``, or a response's ``max_output_tokens``):
  from ``min(typical, limit)`` to the limit;
- without: the model's typical value for both ends (`typical_completion_tokens`), and the
  request is counted in ``unbounded``, since nothing stops it from going higher.

A request generates ``n`` outputs (``max(n, best_of)`` for a completion, whose ``best_of``
candidates are all billed), once per prompt of a completion's prompt list; an embedding
generates none.

Costs are at batch prices (the synchronous price less the provider's batch discount), with the
saving against the synchronous API, per model and in total. A model whose price is unknown gets
no cost, and the totals say that they leave it out (``unpriced_models``).

**After** (`actual_cost`, `CostTally`): the ``usage`` of every *succeeded* request, priced the
same way. Failed, expired and cancelled requests are not billed (Groq's rule), so their tokens
are left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from groq_batch._errors import InvalidValueError
from groq_batch._tokens import MESSAGE_OVERHEAD, count_chat_prompt, count_tokens_many, is_rough
from groq_batch.jsonl import AUDIO_URLS, BatchRequest, as_requests
from groq_batch.pricing import ModelPrice, ProviderPricing, load_pricing
from groq_batch.validation import MAX_DEPTH, depth_scan

if TYPE_CHECKING:
    from groq_batch.results import BatchResult, ResultSummary

__all__ = [
    "DEFAULT_TYPICAL_COMPLETION_TOKENS",
    "MESSAGE_OVERHEAD",
    "REASONING_TYPICAL_COMPLETION_TOKENS",
    "ActualCost",
    "CostTally",
    "Estimate",
    "ModelActual",
    "ModelEstimate",
    "actual_cost",
    "estimate",
    "prompt_tokens",
    "typical_completion_tokens",
]


DEFAULT_TYPICAL_COMPLETION_TOKENS = 150
"""The completion length assumed for a chat request: a paragraph or two (a planning figure)."""

REASONING_TYPICAL_COMPLETION_TOKENS = 1024
"""The same for reasoning models, whose hidden reasoning is billed as completion tokens."""

# Model-id prefixes of models that reason before answering (their reasoning is output tokens).
_REASONING_PREFIXES = ("openai/gpt-oss", "qwen/qwen3", "gpt-5", "o1", "o3", "o4")

_UNKNOWN_MODEL = "(no model)"

_CHAT = "/v1/chat/completions"
_COMPLETIONS = "/v1/completions"
_RESPONSES = "/v1/responses"
_EMBEDDINGS = "/v1/embeddings"

# At most this many reasons are kept (each with its line); the count covers them all.
_REASONS_KEPT = 10


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


def _limit_of(body: Mapping[str, Any]) -> int | None:
    limit = body.get("max_completion_tokens", body.get("max_tokens", body.get("max_output_tokens")))
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit
    return None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@dataclass
class _Bill:
    """What one request is billed for: its prompt, and how many outputs it generates."""

    prompt: int
    outputs: int


class _Unboundable(Exception):
    """The line's cost has no upper bound the estimate can state; the message says why."""


def _choices(body: Mapping[str, Any], *names: str) -> int:
    """How many outputs each prompt generates: the largest of ``n`` (and ``best_of``), else 1."""
    count = 1
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if not _positive_int(value):
            raise _Unboundable(f"{name} is not a positive integer ({value!r})")
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
    raise _Unboundable(f"{field} is neither text nor token ids")


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


def _bill(url: Any, body: Mapping[str, Any], model: str | None, rough: bool) -> _Bill:
    """Count what one request is billed for, or raise `_Unboundable` saying why it cannot be."""
    if url == _CHAT or url is None:
        messages = body.get("messages")
        if not isinstance(messages, list):
            raise _Unboundable("a chat request without a messages list")
        for message in messages:
            part = _non_text_part(message.get("content") if isinstance(message, Mapping) else None)
            if part is not None:
                raise _Unboundable(f"a message has a {part} part (an image is billed, not counted)")
        return _Bill(prompt_tokens(body, rough=rough), _choices(body, "n"))
    if url == _COMPLETIONS:
        texts, ids, prompts = _texts_or_tokens(body.get("prompt"), "prompt")
        suffix = body.get("suffix")
        if isinstance(suffix, str):
            texts.append(suffix)
        tokens = sum(count_tokens_many(texts, model, rough=rough)) + ids if texts else ids
        return _Bill(tokens, prompts * _choices(body, "n", "best_of"))
    if url == _RESPONSES:
        if body.get("previous_response_id") is not None:
            raise _Unboundable("previous_response_id bills an earlier conversation, not counted")
        given = body.get("input")
        items = given if isinstance(given, list) else [given]
        parts: list[str] = []
        for item in items:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, Mapping):
                part = _non_text_part(item.get("content"))
                if part is not None:
                    raise _Unboundable(f"an input item has a {part} part, which is not counted")
                # The item's whole JSON: more than its text, so never less than what is billed.
                parts.append(json.dumps(item, sort_keys=True))
            else:
                raise _Unboundable("input is neither text nor a list of input items")
        if isinstance(body.get("instructions"), str):
            parts.append(body["instructions"])
        if body.get("tools") is not None:
            parts.append(json.dumps(body["tools"], sort_keys=True))
        return _Bill(sum(count_tokens_many(parts, model, rough=rough)), 1)
    if url == _EMBEDDINGS:
        texts, ids, _ = _texts_or_tokens(body.get("input"), "input")
        return _Bill(sum(count_tokens_many(texts, model, rough=rough)) + ids, 0)
    raise _Unboundable(f"the endpoint {url!r} is not one the estimate can price")


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def format_usd(value: float | None) -> str:
    """A cost in US dollars for people: rounded for display (the data keeps the exact float).

    Args:
        value: Dollars, or None for unknown.

    Returns:
        ``$0.000011`` below a cent, ``$1.2345`` below $100, ``$1,234.56`` above; ``unknown``.
    """
    if value is None:
        return "unknown"
    if abs(value) < 0.01:
        return f"${value:.6f}"
    return f"${value:.4f}" if abs(value) < 100 else f"${value:,.2f}"


def _span_usd(low: float | None, high: float | None) -> str:
    return format_usd(low) if low == high else f"{format_usd(low)} - {format_usd(high)}"


@dataclass
class ModelEstimate:
    """The estimate for the requests to one model.

    Attributes:
        model: The model id.
        requests: How many requests.
        audio_requests: How many of them are transcriptions or translations (no prompt tokens).
        prompt_tokens: Prompt tokens over all requests.
        completion_tokens_low: The low end of the completion-token range.
        completion_tokens_high: The high end; a bound only when ``unbounded`` is 0.
        unbounded: Requests that set no completion limit (counted at the typical value).
        price: The model's prices, or None when the table does not list the model.
        discount: The batch discount applied.
    """

    model: str
    requests: int = 0
    audio_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens_low: int = 0
    completion_tokens_high: int = 0
    unbounded: int = 0
    price: ModelPrice | None = None
    discount: float = 0.0

    def __repr__(self) -> str:
        return (
            f"ModelEstimate(model={self.model!r}, requests={self.requests}, "
            f"batch_cost={_span_usd(self.batch_cost_low, self.batch_cost_high)})"
        )

    @property
    def priced(self) -> bool:
        """Whether a cost can be given: known prices and no audio (billed by the hour)."""
        return self.price is not None and self.price.known and not self.audio_requests

    def _cost(self, completion: int, discount: float) -> float | None:
        if not self.priced or self.price is None:
            return None
        return self.price.cost(self.prompt_tokens, completion, discount)

    @property
    def batch_cost_low(self) -> float | None:
        """US dollars at batch prices, low end; None when the price is unknown."""
        return self._cost(self.completion_tokens_low, self.discount)

    @property
    def batch_cost_high(self) -> float | None:
        """US dollars at batch prices, high end; None when the price is unknown."""
        return self._cost(self.completion_tokens_high, self.discount)

    @property
    def sync_cost_low(self) -> float | None:
        """What the same requests would cost on the synchronous API, low end."""
        return self._cost(self.completion_tokens_low, 0.0)

    @property
    def sync_cost_high(self) -> float | None:
        """What the same requests would cost on the synchronous API, high end."""
        return self._cost(self.completion_tokens_high, 0.0)

    @property
    def saving_low(self) -> float | None:
        """What the batch saves against the synchronous API, low end (None when unpriced)."""
        return _diff(self.sync_cost_low, self.batch_cost_low)

    @property
    def saving_high(self) -> float | None:
        """What the batch saves against the synchronous API, high end (None when unpriced)."""
        return _diff(self.sync_cost_high, self.batch_cost_high)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Counts, token ranges, costs (None when unknown) and the price used.
        """
        saving_low, saving_high = self.saving_low, self.saving_high
        return {
            "model": self.model,
            "requests": self.requests,
            "audio_requests": self.audio_requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": [self.completion_tokens_low, self.completion_tokens_high],
            "unbounded_requests": self.unbounded,
            "price_per_million": None
            if self.price is None
            else {
                "input": self.price.input_per_million,
                "output": self.price.output_per_million,
            },
            "batch_cost": [_money(self.batch_cost_low), _money(self.batch_cost_high)],
            "sync_cost": [_money(self.sync_cost_low), _money(self.sync_cost_high)],
            "saving": [_money(saving_low), _money(saving_high)],
        }


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


@dataclass
class Estimate:
    """What a batch file will cost, per model and in total.

    Totals of cost cover the priced models only; ``unpriced_models`` lists the others.

    Attributes:
        pricing: The price list used.
        models: Per-model estimates, by model id.
        unreadable_lines: Lines that are not a JSON request (left out; ``validate`` names them).
        rough: True when tokens were counted by the character rule, not a tokenizer.
        unboundable_lines: Lines whose cost the estimate cannot bound (see ``unboundable``).
        unboundable: Why, as ``line N: reason``, for the first few such lines.
    """

    pricing: ProviderPricing
    models: dict[str, ModelEstimate] = field(default_factory=dict)
    unreadable_lines: int = 0
    rough: bool = False
    unboundable_lines: int = 0
    unboundable: list[str] = field(default_factory=list)

    def _cannot_bound(self, line: int, reason: str) -> None:
        self.unboundable_lines += 1
        if len(self.unboundable) < _REASONS_KEPT:
            self.unboundable.append(f"line {line}: {reason}")

    def __repr__(self) -> str:
        return (
            f"Estimate(requests={self.requests}, "
            f"batch_cost={_span_usd(self.batch_cost_low, self.batch_cost_high)}, "
            f"models={sorted(self.models)}, pricing={self.pricing.provider!r} "
            f"checked {self.pricing.checked})"
        )

    def __str__(self) -> str:
        text = (
            f"{self.requests} request(s), {self.prompt_tokens} prompt tokens: "
            f"{_span_usd(self.batch_cost_low, self.batch_cost_high)} at "
            f"{self.pricing.provider} batch prices"
        )
        if self.unpriced_models:
            text += f" (cost unknown for {', '.join(self.unpriced_models)})"
        return text

    @property
    def requests(self) -> int:
        """How many requests."""
        return sum(m.requests for m in self.models.values())

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over all requests."""
        return sum(m.prompt_tokens for m in self.models.values())

    @property
    def completion_tokens_low(self) -> int:
        """The low end of the completion-token range."""
        return sum(m.completion_tokens_low for m in self.models.values())

    @property
    def completion_tokens_high(self) -> int:
        """The high end of the completion-token range."""
        return sum(m.completion_tokens_high for m in self.models.values())

    @property
    def unbounded(self) -> int:
        """Requests without a completion limit, counted at a typical length."""
        return sum(m.unbounded for m in self.models.values())

    @property
    def unpriced_models(self) -> list[str]:
        """Models whose cost is unknown (and left out of the cost totals)."""
        return sorted(k for k, m in self.models.items() if not m.priced)

    def _total(self, name: str) -> float:
        return sum(getattr(m, name) or 0.0 for m in self.models.values())

    @property
    def batch_cost_low(self) -> float:
        """US dollars at batch prices, low end, over the priced models."""
        return self._total("batch_cost_low")

    @property
    def batch_cost_high(self) -> float:
        """US dollars at batch prices, high end, over the priced models."""
        return self._total("batch_cost_high")

    @property
    def sync_cost_low(self) -> float:
        """The synchronous-API cost of the priced models, low end."""
        return self._total("sync_cost_low")

    @property
    def sync_cost_high(self) -> float:
        """The synchronous-API cost of the priced models, high end."""
        return self._total("sync_cost_high")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Totals, per-model entries, the unpriced models and the pricing's provenance.
        """
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": [self.completion_tokens_low, self.completion_tokens_high],
            "unbounded_requests": self.unbounded,
            "batch_cost": [_money(self.batch_cost_low), _money(self.batch_cost_high)],
            "sync_cost": [_money(self.sync_cost_low), _money(self.sync_cost_high)],
            "saving": [
                _money(self.sync_cost_low - self.batch_cost_low),
                _money(self.sync_cost_high - self.batch_cost_high),
            ],
            "currency": "USD",
            "unpriced_models": self.unpriced_models,
            "unreadable_lines": self.unreadable_lines,
            "unboundable_lines": self.unboundable_lines,
            "unboundable": list(self.unboundable),
            "rough": self.rough,
            "pricing": self.pricing.as_dict(),
            "models": [m.as_dict() for _, m in sorted(self.models.items())],
        }


def _read_lines(
    path: str | os.PathLike[str], skipped: list[int]
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Yield each line that parses as a JSON object, numbered; count the others in ``skipped``."""
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


def _as_line(item: BatchRequest | Mapping[str, Any]) -> Mapping[str, Any]:
    return item.to_dict() if isinstance(item, BatchRequest) else item


def estimate(
    requests_or_path: str | os.PathLike[str] | Iterable[BatchRequest | Mapping[str, Any]],
    provider: str = "groq",
    *,
    pricing: ProviderPricing | None = None,
    rough: bool = False,
) -> Estimate:
    """Estimate what a batch will cost before submitting it. Nothing is sent anywhere.

    Args:
        requests_or_path: A JSONL file (read one line at a time), or requests (`BatchRequest`
            or line dicts with ``url`` and ``body``).
        provider: Whose prices to use (``groq``, ``openai``); another name prices nothing.
        pricing: A price list to use instead of the package's.
        rough: Count tokens by the character rule even when a tokenizer is installed.

    Returns:
        The estimate. Lines that are not JSON objects are left out and counted in
        ``unreadable_lines``; run ``validate`` for the details.
    """
    table = pricing if pricing is not None else load_pricing(provider)
    result = Estimate(pricing=table, rough=is_rough(rough=rough))
    skipped = [0]
    lines: Iterable[tuple[int, Mapping[str, Any]]]
    if isinstance(requests_or_path, str | os.PathLike):
        lines = _read_lines(requests_or_path, skipped)
    else:
        lines = enumerate((_as_line(item) for item in as_requests(requests_or_path)), 1)
    discount = table.batch_discount or 0.0
    for number, line in lines:
        body = line.get("body")
        if not isinstance(body, Mapping):
            skipped[0] += 1
            continue
        model = body.get("model")
        key = model if isinstance(model, str) else _UNKNOWN_MODEL
        entry = result.models.get(key)
        if entry is None:
            entry = result.models[key] = ModelEstimate(
                model=key, price=table.price(key), discount=discount
            )
        entry.requests += 1
        url = line.get("url")
        if url in AUDIO_URLS:
            entry.audio_requests += 1
            result._cannot_bound(number, "audio is billed by its duration, unknown before the run")
            continue
        try:
            bill = _bill(url, body, model if isinstance(model, str) else None, rough)
        except _Unboundable as exc:
            result._cannot_bound(number, str(exc))
            continue
        entry.prompt_tokens += bill.prompt
        if not bill.outputs:
            continue
        typical = typical_completion_tokens(key)
        limit = _limit_of(body)
        if limit is None:
            entry.unbounded += 1
            entry.completion_tokens_low += typical * bill.outputs
            entry.completion_tokens_high += typical * bill.outputs
        else:
            entry.completion_tokens_low += min(typical, limit) * bill.outputs
            entry.completion_tokens_high += limit * bill.outputs
    result.unreadable_lines = skipped[0]
    return result


# ----------------------------------------------------------------------------------- actual


@dataclass
class ModelActual:
    """What the succeeded requests to one model used and cost.

    Attributes:
        model: The model id.
        billed_requests: Succeeded requests (the ones billed).
        unbilled_requests: Requests that did not succeed (not billed).
        prompt_tokens: Prompt tokens of the billed requests, from ``usage``.
        completion_tokens: Completion tokens of the billed requests, from ``usage``.
        audio_requests: Billed audio requests (billed by the hour: cost unknown).
        price: The model's prices, or None when the table does not list the model.
        discount: The batch discount applied.
    """

    model: str
    billed_requests: int = 0
    unbilled_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    audio_requests: int = 0
    price: ModelPrice | None = None
    discount: float = 0.0

    def __repr__(self) -> str:
        return (
            f"ModelActual(model={self.model!r}, billed_requests={self.billed_requests}, "
            f"batch_cost={format_usd(self.batch_cost)})"
        )

    @property
    def priced(self) -> bool:
        """Whether a cost can be given."""
        return self.price is not None and self.price.known and not self.audio_requests

    @property
    def batch_cost(self) -> float | None:
        """US dollars at batch prices, or None when the price is unknown."""
        if not self.priced or self.price is None:
            return None
        return self.price.cost(self.prompt_tokens, self.completion_tokens, self.discount)

    @property
    def sync_cost(self) -> float | None:
        """What the same tokens would have cost on the synchronous API."""
        if not self.priced or self.price is None:
            return None
        return self.price.cost(self.prompt_tokens, self.completion_tokens)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Counts, tokens and costs (None when unknown).
        """
        return {
            "model": self.model,
            "billed_requests": self.billed_requests,
            "unbilled_requests": self.unbilled_requests,
            "audio_requests": self.audio_requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "batch_cost": _money(self.batch_cost),
            "sync_cost": _money(self.sync_cost),
            "saving": _money(_diff(self.sync_cost, self.batch_cost)),
        }


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


@dataclass
class CostTally:
    """The actual cost of a run, accumulated one result at a time.

    Attributes:
        pricing: The price list used.
        models: Per-model totals, by model id.
    """

    pricing: ProviderPricing
    models: dict[str, ModelActual] = field(default_factory=dict)

    @classmethod
    def for_provider(cls, provider: str = "groq") -> CostTally:
        """An empty tally priced with a provider's list from the package.

        Args:
            provider: ``groq``, ``openai``, or another name (prices nothing).

        Returns:
            The tally.
        """
        return cls(pricing=load_pricing(provider))

    def _entry(self, model: str | None) -> ModelActual:
        key = model or _UNKNOWN_MODEL
        entry = self.models.get(key)
        if entry is None:
            entry = self.models[key] = ModelActual(
                model=key,
                price=self.pricing.price(key),
                discount=self.pricing.batch_discount or 0.0,
            )
        return entry

    def add_usage(
        self,
        model: str | None,
        usage: Mapping[str, Any] | None,
        *,
        succeeded: bool,
        audio: bool = False,
    ) -> None:
        """Count one request.

        Args:
            model: The model it ran on.
            usage: Its response's ``usage`` block.
            succeeded: Whether it succeeded; only succeeded requests are billed.
            audio: Whether it was a transcription or translation.
        """
        entry = self._entry(model)
        if not succeeded:
            entry.unbilled_requests += 1
            return
        entry.billed_requests += 1
        if audio:
            entry.audio_requests += 1
        if usage is not None:
            entry.prompt_tokens += _count(usage.get("prompt_tokens"))
            entry.completion_tokens += _count(usage.get("completion_tokens"))

    def add(self, result: BatchResult) -> BatchResult:
        """Count one result.

        Args:
            result: The result; its model is the request's, else the response's.

        Returns:
            The same result, so that ``tally.add`` can sit in a loop or a ``map``.
        """
        model = None
        if result.request is not None:
            model = result.request.body.get("model")
        if not isinstance(model, str):
            raw = result.raw_body
            model = raw.get("model") if raw is not None else None
        self.add_usage(
            model if isinstance(model, str) else None,
            result.usage,
            succeeded=result.ok,
            audio=result.is_audio,
        )
        return result

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Count one row of the CLI's results file (``outcome``, ``usage``, ``request``).

        Args:
            row: The parsed row.
        """
        request = row.get("request")
        model = request.get("model") if isinstance(request, Mapping) else None
        usage = row.get("usage")
        self.add_usage(
            model if isinstance(model, str) else None,
            usage if isinstance(usage, Mapping) else None,
            succeeded=row.get("outcome") == "succeeded",
            audio=isinstance(request, Mapping) and "url" in request and "messages" not in request,
        )

    def result(self) -> ActualCost:
        """The totals so far.

        Returns:
            The actual cost.
        """
        return ActualCost(pricing=self.pricing, models=dict(self.models))


@dataclass
class ActualCost:
    """What a finished run cost, per model and in total (priced models only).

    Attributes:
        pricing: The price list used.
        models: Per-model totals, by model id.
    """

    pricing: ProviderPricing
    models: dict[str, ModelActual] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"ActualCost(billed_requests={self.billed_requests}, "
            f"batch_cost={format_usd(self.batch_cost)}, saving={format_usd(self.saving)}, "
            f"models={sorted(self.models)}, pricing={self.pricing.provider!r} "
            f"checked {self.pricing.checked})"
        )

    def __str__(self) -> str:
        text = (
            f"{self.billed_requests} billed request(s), {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion tokens: {format_usd(self.batch_cost)} at "
            f"{self.pricing.provider} batch prices (saving {format_usd(self.saving)})"
        )
        if self.unpriced_models:
            text += f"; cost unknown for {', '.join(self.unpriced_models)}"
        return text

    @property
    def billed_requests(self) -> int:
        """Succeeded (billed) requests."""
        return sum(m.billed_requests for m in self.models.values())

    @property
    def prompt_tokens(self) -> int:
        """Billed prompt tokens."""
        return sum(m.prompt_tokens for m in self.models.values())

    @property
    def completion_tokens(self) -> int:
        """Billed completion tokens."""
        return sum(m.completion_tokens for m in self.models.values())

    @property
    def batch_cost(self) -> float:
        """US dollars at batch prices, over the priced models."""
        return sum(m.batch_cost or 0.0 for m in self.models.values())

    @property
    def sync_cost(self) -> float:
        """The synchronous-API cost of the same tokens, over the priced models."""
        return sum(m.sync_cost or 0.0 for m in self.models.values())

    @property
    def saving(self) -> float:
        """Synchronous minus batch cost."""
        return self.sync_cost - self.batch_cost

    @property
    def unpriced_models(self) -> list[str]:
        """Models with billed requests whose cost is unknown."""
        return sorted(k for k, m in self.models.items() if m.billed_requests and not m.priced)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Totals, per-model entries, the unpriced models and the pricing's provenance.
        """
        return {
            "billed_requests": self.billed_requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "batch_cost": _money(self.batch_cost),
            "sync_cost": _money(self.sync_cost),
            "saving": _money(self.saving),
            "currency": "USD",
            "unpriced_models": self.unpriced_models,
            "pricing": self.pricing.as_dict(),
            "models": [m.as_dict() for _, m in sorted(self.models.items())],
        }


def actual_cost(
    source: ResultSummary | Iterable[BatchResult],
    provider: str = "groq",
    *,
    model: str | None = None,
    pricing: ProviderPricing | None = None,
) -> ActualCost:
    """The actual cost of a finished run, from the responses' ``usage``.

    Only succeeded requests are billed (Groq's rule); others count as unbilled.

    Args:
        source: The results (each priced by its own model), or a `ResultSummary`, which keeps
            no model per result: then ``model`` names the one model it is priced as.
        provider: Whose prices to use.
        model: With a `ResultSummary`, the model of its requests.
        pricing: A price list to use instead of the package's.

    Returns:
        The actual cost.

    Raises:
        ValueError: A `ResultSummary` was given without ``model``.
    """
    from groq_batch.results import ResultSummary

    tally = CostTally(pricing=pricing if pricing is not None else load_pricing(provider))
    if isinstance(source, ResultSummary):
        if model is None:
            raise InvalidValueError("a ResultSummary holds no model per result: pass model=...")
        entry = tally._entry(model)
        entry.billed_requests = source.succeeded
        entry.unbilled_requests = source.failed
        entry.prompt_tokens = source.prompt_tokens
        entry.completion_tokens = source.completion_tokens
        return tally.result()
    for result in source:
        tally.add(result)
    return tally.result()
