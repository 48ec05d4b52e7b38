"""The actual cost of a run, after it: the ``usage`` of every succeeded request, priced.

Failed, expired and cancelled requests are not billed (Groq's rule), so their tokens are left
out. `CostTally` counts one result at a time (the results writer feeds it as it writes);
`actual_cost` prices a whole run at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from groq_batch._errors import InvalidValueError
from groq_batch.cost_report import (
    UNKNOWN_MODEL,
    ModelCost,
    ModelFigures,
    PricedModels,
    PricedTotal,
    SummedCount,
    format_usd,
    round_usd,
    saving,
)
from groq_batch.pricing import ProviderPricing, load_pricing

if TYPE_CHECKING:
    from groq_batch.results import BatchResult, ResultSummary

__all__ = ["ActualCost", "CostTally", "ModelActual", "actual_cost"]


@dataclass(repr=False)
class ModelActual(ModelFigures):
    """What the succeeded requests to one model used and cost.

    Attributes:
        model: The model id.
        prompt_tokens: Prompt tokens of the billed requests, from ``usage``.
        audio_requests: Billed audio requests (billed by the hour: unpriced).
        price: The model's prices, or None when the table does not list the model.
        discount: The batch discount applied.
        billed_requests: Succeeded requests (the ones billed).
        unbilled_requests: Requests that did not succeed (not billed).
        completion_tokens: Completion tokens of the billed requests, from ``usage``.
    """

    billed_requests: int = 0
    unbilled_requests: int = 0
    completion_tokens: int = 0

    def _figures(self) -> Iterable[tuple[str, object]]:
        yield "billed_requests", self.billed_requests
        yield "batch_cost", format_usd(self.batch_cost)

    # None when the model is unpriced.
    batch_cost = ModelCost("completion_tokens", "US dollars at batch prices.")
    sync_cost = ModelCost(
        "completion_tokens",
        "What the same tokens would have cost at synchronous prices.",
        batch=False,
    )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Counts, tokens and costs (None when unpriced).
        """
        return {
            "model": self.model,
            "billed_requests": self.billed_requests,
            "unbilled_requests": self.unbilled_requests,
            "audio_requests": self.audio_requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "batch_cost": round_usd(self.batch_cost),
            "sync_cost": round_usd(self.sync_cost),
            "saving": round_usd(saving(self.sync_cost, self.batch_cost)),
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
        key = model or UNKNOWN_MODEL
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


@dataclass(repr=False)
class ActualCost(PricedModels[ModelActual]):
    """What a finished run cost, per model and in total (priced models only).

    Attributes:
        pricing: The price list used.
        models: Per-model totals, by model id.
    """

    def _figures(self) -> Iterable[tuple[str, object]]:
        yield "billed_requests", self.billed_requests
        yield "batch_cost", format_usd(self.batch_cost)
        yield "saving", format_usd(self.saving)

    def __str__(self) -> str:
        batch = self.batch_cost
        return self._describe(
            f"{self.billed_requests} billed request(s), {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion tokens",
            None
            if batch is None
            else f"{format_usd(batch)} at {self.pricing.provider} batch prices "
            f"(saving {format_usd(self.saving)})",
        )

    billed_requests = SummedCount("Succeeded (billed) requests.")
    prompt_tokens = SummedCount("Billed prompt tokens.")
    completion_tokens = SummedCount("Billed completion tokens.")

    def _counts(self, model: ModelActual) -> bool:
        # A model that billed nothing costs a true $0 whether or not it has a price.
        return model.billed_requests > 0

    # Totals over the priced models only; None when no billed model is priced.
    batch_cost = PricedTotal("US dollars at batch prices.")
    sync_cost = PricedTotal("What the same tokens would have cost at synchronous prices.")

    @property
    def saving(self) -> float | None:
        """Synchronous minus batch cost (None when unpriced)."""
        return saving(self.sync_cost, self.batch_cost)

    def _totals(self) -> dict[str, Any]:
        return {
            "billed_requests": self.billed_requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "batch_cost": round_usd(self.batch_cost),
            "sync_cost": round_usd(self.sync_cost),
            "saving": round_usd(self.saving),
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
