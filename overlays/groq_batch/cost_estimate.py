"""The estimate of a batch's cost before it runs: each request's bound, summed per model.

`estimate` reads a JSONL file one line at a time (memory stays flat), bounds each request with
`groq_batch.cost_bound`, and prices the totals with the provider's list (`groq_batch.pricing`).
`groq_batch.costs` describes the rules and their expected error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from groq_batch.cost_bound import (
    Unboundable,
    as_line,
    completion_limit,
    read_request_lines,
    request_bill,
    typical_completion_tokens,
)
from groq_batch.cost_report import (
    UNKNOWN_MODEL,
    ModelCost,
    ModelFigures,
    PricedModels,
    PricedTotal,
    SummedCount,
    round_usd_span,
    saving,
    usd_span,
)
from groq_batch.jsonl import AUDIO_URLS, BatchRequest, as_requests
from groq_batch.pricing import ProviderPricing, load_pricing
from groq_batch.tokens import is_rough

__all__ = ["Estimate", "ModelEstimate", "estimate"]

# At most this many reasons are kept (each with its line); the count covers them all.
_REASONS_KEPT = 10


@dataclass(repr=False)
class ModelEstimate(ModelFigures):
    """The estimate for the requests to one model.

    Attributes:
        model: The model id.
        prompt_tokens: Prompt tokens over all requests.
        audio_requests: How many of them are transcriptions or translations (no prompt tokens).
        price: The model's prices, or None when the table does not list the model.
        discount: The batch discount applied.
        requests: How many requests.
        completion_tokens_low: The low end of the completion-token range.
        completion_tokens_high: The high end; a bound only when ``unbounded`` is 0.
        unbounded: Requests that set no completion limit (counted at the typical value).
    """

    requests: int = 0
    completion_tokens_low: int = 0
    completion_tokens_high: int = 0
    unbounded: int = 0

    def _figures(self) -> Iterable[tuple[str, object]]:
        yield "requests", self.requests
        yield "batch_cost", usd_span(self.batch_cost_low, self.batch_cost_high)

    # None when the model is unpriced.
    batch_cost_low = ModelCost("completion_tokens_low", "US dollars at batch prices, low end.")
    batch_cost_high = ModelCost("completion_tokens_high", "US dollars at batch prices, high end.")
    sync_cost_low = ModelCost(
        "completion_tokens_low", "The same requests at synchronous prices, low end.", batch=False
    )
    sync_cost_high = ModelCost(
        "completion_tokens_high", "The same requests at synchronous prices, high end.", batch=False
    )

    @property
    def saving_low(self) -> float | None:
        """What the batch saves against the synchronous API, low end (None when unpriced)."""
        return saving(self.sync_cost_low, self.batch_cost_low)

    @property
    def saving_high(self) -> float | None:
        """What the batch saves against the synchronous API, high end (None when unpriced)."""
        return saving(self.sync_cost_high, self.batch_cost_high)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Counts, token ranges, costs (``[low, high]``, or None when unpriced) and the price.
        """
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
            "batch_cost": round_usd_span(self.batch_cost_low, self.batch_cost_high),
            "sync_cost": round_usd_span(self.sync_cost_low, self.sync_cost_high),
            "saving": round_usd_span(self.saving_low, self.saving_high),
        }


@dataclass(repr=False)
class Estimate(PricedModels[ModelEstimate]):
    """What a batch file will cost, per model and in total.

    Totals of cost cover the priced models only; ``unpriced_models`` lists the others. With no
    model priced the totals are None (``null`` in JSON, ``unpriced`` in text), never $0.

    Attributes:
        pricing: The price list used.
        models: Per-model estimates, by model id.
        unreadable_lines: Lines that are not a JSON request (left out; ``validate`` names them).
        rough: True when tokens were counted by the character rule, not a tokenizer.
        unboundable_lines: Lines whose cost the estimate cannot bound (see ``unboundable``).
        unboundable: Why, as ``line N: reason``, for the first few such lines.
    """

    unreadable_lines: int = 0
    rough: bool = False
    unboundable_lines: int = 0
    unboundable: list[str] = field(default_factory=list)

    def _cannot_bound(self, line: int, reason: str) -> None:
        self.unboundable_lines += 1
        if len(self.unboundable) < _REASONS_KEPT:
            self.unboundable.append(f"line {line}: {reason}")

    def _figures(self) -> Iterable[tuple[str, object]]:
        yield "requests", self.requests
        yield "batch_cost", usd_span(self.batch_cost_low, self.batch_cost_high)

    def __str__(self) -> str:
        low, high = self.batch_cost_low, self.batch_cost_high
        return self._describe(
            f"{self.requests} request(s), {self.prompt_tokens} prompt tokens",
            None
            if low is None
            else f"{usd_span(low, high)} at {self.pricing.provider} batch prices",
        )

    requests = SummedCount("How many requests.")
    prompt_tokens = SummedCount("Prompt tokens over all requests.")
    completion_tokens_low = SummedCount("The low end of the completion-token range.")
    completion_tokens_high = SummedCount("The high end of the completion-token range.")
    unbounded = SummedCount("Requests without a completion limit, counted at a typical length.")
    # Totals over the priced models only; None when no model is priced (never a $0 that reads free).
    batch_cost_low = PricedTotal("US dollars at batch prices, low end.")
    batch_cost_high = PricedTotal("US dollars at batch prices, high end.")
    sync_cost_low = PricedTotal("The same requests at synchronous prices, low end.")
    sync_cost_high = PricedTotal("The same requests at synchronous prices, high end.")

    saving_low = PricedTotal("What the batch saves against synchronous prices, low end.")
    saving_high = PricedTotal("What the batch saves against synchronous prices, high end.")

    def _totals(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": [self.completion_tokens_low, self.completion_tokens_high],
            "unbounded_requests": self.unbounded,
            "batch_cost": round_usd_span(self.batch_cost_low, self.batch_cost_high),
            "sync_cost": round_usd_span(self.sync_cost_low, self.sync_cost_high),
            "saving": round_usd_span(self.saving_low, self.saving_high),
        }

    def _details(self) -> dict[str, Any]:
        return {
            "unreadable_lines": self.unreadable_lines,
            "unboundable_lines": self.unboundable_lines,
            "unboundable": list(self.unboundable),
            "rough": self.rough,
        }


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
        lines = read_request_lines(requests_or_path, skipped)
    else:
        lines = enumerate((as_line(item) for item in as_requests(requests_or_path)), 1)
    discount = table.batch_discount or 0.0
    for number, line in lines:
        body = line.get("body")
        if not isinstance(body, Mapping):
            skipped[0] += 1
            continue
        model = body.get("model")
        key = model if isinstance(model, str) else UNKNOWN_MODEL
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
            bill = request_bill(url, body, model if isinstance(model, str) else None, rough)
        except Unboundable as exc:
            result._cannot_bound(number, str(exc))
            continue
        entry.prompt_tokens += bill.prompt
        if not bill.outputs:
            continue
        typical = typical_completion_tokens(key)
        limit = completion_limit(body)
        if limit is None:
            entry.unbounded += 1
            entry.completion_tokens_low += typical * bill.outputs
            entry.completion_tokens_high += typical * bill.outputs
        else:
            entry.completion_tokens_low += min(typical, limit) * bill.outputs
            entry.completion_tokens_high += limit * bill.outputs
    result.unreadable_lines = skipped[0]
    return result
