"""The cost of a batch: an estimate before it runs, the actual cost after.

**Before** (`estimate`): the input file is read one line at a time (memory stays flat) and, per
model, the prompt tokens are counted offline with `groq_batch._tokens` (a real BPE when the
``toktok-rs`` wheel is installed, which the ``cli`` and ``server`` extras bring; a character rule
marked *rough* otherwise). A chat prompt counts as the chat template sends it: the text of every
message, plus `MESSAGE_OVERHEAD` tokens of framing per message (Llama 3's template wraps each
message in ``<|start_header_id|>role<|end_header_id|>``, two newlines, the text and
``<|eot_id|>``), plus the JSON of any ``tools``. Image parts are not counted. Audio lines have
no prompt tokens: Groq bills Whisper by the hour of audio, which is not known before the run,
so their cost is unknown.

Expected error of the prompt count against a real provider: exact vocabulary for OpenAI's
models; for Llama 3 models ``cl100k_base`` is a subset of the real vocabulary, so English counts
are within a few percent (slightly high for other languages), but the provider's template may
add a fixed preamble per request (Groq's Llama 3.1 template adds a knowledge-cutoff and date
line to the system message, about 20 tokens) that this count does not include.

Completion tokens are unknown before the run. Per request the range is:

- with ``max_completion_tokens`` (or ``max_tokens``): from ``min(typical, limit)`` to the limit;
- without: the model's typical value for both ends (`typical_completion_tokens`), and the
  request is counted in ``unbounded``, since nothing stops it from going higher.

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

from groq_batch._tokens import MESSAGE_OVERHEAD, count_chat_prompt, is_rough
from groq_batch.jsonl import AUDIO_URLS, BatchRequest
from groq_batch.pricing import ModelPrice, ProviderPricing, load_pricing
from groq_batch.validation import MAX_DEPTH, _depth_scan

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
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit
    return None


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


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

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Counts, token ranges, costs (None when unknown) and the price used.
        """
        saving_low = _diff(self.sync_cost_low, self.batch_cost_low)
        saving_high = _diff(self.sync_cost_high, self.batch_cost_high)
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
    """

    pricing: ProviderPricing
    models: dict[str, ModelEstimate] = field(default_factory=dict)
    unreadable_lines: int = 0
    rough: bool = False

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
            "rough": self.rough,
            "pricing": self.pricing.as_dict(),
            "models": [m.as_dict() for _, m in sorted(self.models.items())],
        }


def _read_lines(path: str | os.PathLike[str], skipped: list[int]) -> Iterator[Mapping[str, Any]]:
    """Yield each line that parses as a JSON object; count the others in ``skipped``."""
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            # The validator's depth rule first: a line nested past it would overflow the parser
            # (a RecursionError traceback), or the recursive walks below it.
            if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth_scan(
                raw.decode("utf-8", "replace"), MAX_DEPTH
            ):
                skipped[0] += 1
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                skipped[0] += 1
                continue
            if isinstance(value, dict):
                yield value
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
    lines: Iterable[Mapping[str, Any]]
    if isinstance(requests_or_path, str | os.PathLike):
        lines = _read_lines(requests_or_path, skipped)
    else:
        lines = (_as_line(item) for item in requests_or_path)
    discount = table.batch_discount or 0.0
    for line in lines:
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
        if line.get("url") in AUDIO_URLS:
            entry.audio_requests += 1
            continue
        entry.prompt_tokens += prompt_tokens(body, rough=rough)
        typical = typical_completion_tokens(key)
        limit = _limit_of(body)
        if limit is None:
            entry.unbounded += 1
            entry.completion_tokens_low += typical
            entry.completion_tokens_high += typical
        else:
            entry.completion_tokens_low += min(typical, limit)
            entry.completion_tokens_high += limit
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
            raise ValueError("a ResultSummary holds no model per result: pass model=...")
        entry = tally._entry(model)
        entry.billed_requests = source.succeeded
        entry.unbilled_requests = source.failed
        entry.prompt_tokens = source.prompt_tokens
        entry.completion_tokens = source.completion_tokens
        return tally.result()
    for result in source:
        tally.add(result)
    return tally.result()
