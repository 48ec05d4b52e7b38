"""What an estimate and an actual cost share: figures per model, priced with one list, in dollars.

`ModelFigures` is one model's tokens and price (an estimate's range or a run's tally adds its
own counts); `PricedModels` is the report over all models with the price list it used.
`format_usd` shows dollars to people; `round_usd` keeps JSON free of float noise.

A cost that cannot be given because a model has no price is *unpriced*, one word everywhere:
``None`` in Python, ``null`` in JSON, ``unpriced`` in text, and the models are named in
``unpriced_models``. A total covers the priced models; with none priced it is unpriced too, not
$0, which would read as free.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, TypeVar, overload

from groq_batch.pricing import ModelPrice, ProviderPricing

__all__ = [
    "UNKNOWN_MODEL",
    "UNPRICED",
    "ModelCost",
    "ModelFigures",
    "PricedModels",
    "PricedTotal",
    "SummedCount",
    "format_usd",
    "round_usd",
    "round_usd_span",
    "saving",
    "usd_span",
]

UNPRICED = "unpriced"
"""How text shows a cost that cannot be given (Python's None, JSON's null)."""

UNKNOWN_MODEL = "(no model)"
"""The key of requests that name no model."""


def round_usd(value: float | None) -> float | None:
    """Dollars rounded for JSON (to a millionth), so a total does not show float noise.

    Args:
        value: Dollars, or None for unknown.

    Returns:
        The rounded value, or None.
    """
    return None if value is None else round(value, 6)


def round_usd_span(low: float | None, high: float | None) -> list[float | None] | None:
    """A range of dollars for JSON: ``[low, high]`` rounded, or None when it is unpriced.

    Args:
        low: The low end, or None.
        high: The high end, or None.

    Returns:
        The pair, or None when either end is None (a range of nothing is no range).
    """
    if low is None or high is None:
        return None
    return [round_usd(low), round_usd(high)]


def format_usd(value: float | None) -> str:
    """A cost in US dollars for people: rounded for display (the data keeps the exact float).

    Args:
        value: Dollars, or None when unpriced.

    Returns:
        ``$0.000011`` below a cent, ``$1.2345`` below $100, ``$1,234.56`` above; ``unpriced``.
    """
    if value is None:
        return UNPRICED
    if abs(value) < 0.01:
        return f"${value:.6f}"
    return f"${value:.4f}" if abs(value) < 100 else f"${value:,.2f}"


def usd_span(low: float | None, high: float | None) -> str:
    """A range of dollars for people: one figure when both ends agree.

    Args:
        low: The low end.
        high: The high end.

    Returns:
        ``$1.2000`` or ``$1.2000 - $2.4000``.
    """
    return format_usd(low) if low == high else f"{format_usd(low)} - {format_usd(high)}"


def saving(sync_cost: float | None, batch_cost: float | None) -> float | None:
    """What the batch saves against the synchronous API.

    Args:
        sync_cost: The synchronous-API cost, or None when unknown.
        batch_cost: The batch cost, or None when unknown.

    Returns:
        The difference, or None when either is unknown.
    """
    return None if sync_cost is None or batch_cost is None else sync_cost - batch_cost


@dataclass(repr=False)
class ModelFigures(ABC):
    """One model's tokens and price, as an estimate and an actual cost both count them.

    Attributes:
        model: The model id.
        prompt_tokens: Prompt tokens over its requests.
        audio_requests: Its transcriptions and translations (billed by the hour: unpriced).
        price: The model's prices, or None when the table does not list the model.
        discount: The batch discount applied.
    """

    model: str
    prompt_tokens: int = 0
    audio_requests: int = 0
    price: ModelPrice | None = None
    discount: float = 0.0

    def _figures(self) -> Iterable[tuple[str, object]]:
        """The model's headline figures, shown after its id in its repr."""
        return ()

    def __repr__(self) -> str:
        figures = "".join(f", {name}={value}" for name, value in self._figures())
        return f"{type(self).__name__}(model={self.model!r}{figures})"

    @property
    def priced(self) -> bool:
        """Whether a cost can be given: known prices and no audio (billed by the hour)."""
        return self.price is not None and self.price.known and not self.audio_requests

    def cost(self, completion_tokens: int, *, batch: bool = True) -> float | None:
        """What the prompt and some completion tokens cost, or None when the price is unknown.

        Args:
            completion_tokens: Completion tokens.
            batch: At batch prices (less `discount`); else at synchronous prices.

        Returns:
            US dollars, or None.
        """
        if not self.priced or self.price is None:
            return None
        discount = self.discount if batch else 0.0
        return self.price.cost(self.prompt_tokens, completion_tokens, discount)

    @abstractmethod
    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data; each kind of figures says what it holds.

        Returns:
            The figures.
        """


_Model = TypeVar("_Model", bound=ModelFigures)


@dataclass(repr=False)
class PricedModels(Generic[_Model]):
    """A report over models priced with one list: an estimate, or what a run cost.

    Attributes:
        pricing: The price list used.
        models: Per-model figures, by model id.
    """

    pricing: ProviderPricing
    models: dict[str, _Model] = field(default_factory=dict)

    def _figures(self) -> Iterable[tuple[str, object]]:
        """The report's headline figures, shown first in its repr."""
        return ()

    def __repr__(self) -> str:
        figures = "".join(f"{name}={value}, " for name, value in self._figures())
        return (
            f"{type(self).__name__}({figures}models={sorted(self.models)}, "
            f"pricing={self.pricing.provider!r} checked {self.pricing.checked})"
        )

    def _describe(self, counts: str, cost: str | None) -> str:
        """The report in words: ``counts: cost``, then the unpriced models by name.

        ``cost`` None (no model priced) reads ``counts: unpriced (models)``.
        """
        unpriced = ", ".join(self.unpriced_models)
        if cost is None:
            return f"{counts}: {UNPRICED} ({unpriced})"
        tail = f" ({UNPRICED}, left out of the total: {unpriced})" if unpriced else ""
        return f"{counts}: {cost}{tail}"

    def _counts(self, model: _Model) -> bool:
        """Whether a model's cost belongs in the totals (a run's: only if it billed anything)."""
        return True

    @property
    def unpriced_models(self) -> list[str]:
        """Models whose cost belongs in the totals but is unpriced (and so left out of them)."""
        return sorted(k for k, m in self.models.items() if self._counts(m) and not m.priced)

    def priced_total(self, name: str) -> float | None:
        """A cost summed over the priced models; None when every model it covers is unpriced.

        Args:
            name: The per-model cost (``batch_cost_high``, ``sync_cost``...).

        Returns:
            The sum, or None. No model at all (nothing billed) is a true 0.
        """
        counted = [m for m in self.models.values() if self._counts(m)]
        if counted and not any(m.priced for m in counted):
            return None
        return self.total(name)

    def count(self, name: str) -> int:
        """A count summed over the models.

        Args:
            name: The per-model count (``requests``, ``prompt_tokens``...).

        Returns:
            The sum.
        """
        return sum(int(getattr(m, name)) for m in self.models.values())

    def total(self, name: str) -> float:
        """A figure summed over the models (an unpriced one counts as 0).

        Args:
            name: The per-model attribute (``prompt_tokens``, ``batch_cost``...).

        Returns:
            The sum.
        """
        return sum(getattr(m, name) or 0.0 for m in self.models.values())

    def _totals(self) -> dict[str, Any]:
        """The report's own totals, first in its JSON."""
        return {}

    def _details(self) -> dict[str, Any]:
        """What else the report says, after the unpriced models in its JSON."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data.

        Returns:
            Totals (a cost None when unpriced), the unpriced models, the report's details, the
            pricing's provenance and the per-model entries.
        """
        return {
            **self._totals(),
            "currency": "USD",
            "unpriced_models": self.unpriced_models,
            **self._details(),
            "pricing": self.pricing.as_dict(),
            "models": self.model_entries(),
        }

    def model_entries(self) -> list[dict[str, Any]]:
        """The per-model entries of the report's JSON, by model id.

        Returns:
            Each model's `ModelFigures.as_dict`.
        """
        return [m.as_dict() for _, m in sorted(self.models.items())]


class _ReportFigure:
    """A read-only figure of a report, named as the per-model figure it sums."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __set__(self, report: object, value: object) -> NoReturn:
        raise AttributeError(f"{self.name} is computed from the models")


class SummedCount(_ReportFigure):
    """A report's count: its models' count of the same name, summed (`PricedModels.count`)."""

    @overload
    def __get__(self, report: None, owner: type) -> SummedCount: ...
    @overload
    def __get__(self, report: PricedModels[Any], owner: type) -> int: ...
    def __get__(self, report: PricedModels[Any] | None, owner: type) -> SummedCount | int:
        return self if report is None else report.count(self.name)


class PricedTotal(_ReportFigure):
    """A report's cost: its priced models' cost of the same name (`PricedModels.priced_total`)."""

    @overload
    def __get__(self, report: None, owner: type) -> PricedTotal: ...
    @overload
    def __get__(self, report: PricedModels[Any], owner: type) -> float | None: ...
    def __get__(self, report: PricedModels[Any] | None, owner: type) -> PricedTotal | float | None:
        return self if report is None else report.priced_total(self.name)


class ModelCost(_ReportFigure):
    """A model's cost of its prompt and some of its completion tokens (`ModelFigures.cost`)."""

    def __init__(self, completion_tokens: str, doc: str, *, batch: bool = True) -> None:
        super().__init__(doc)
        self.completion_tokens = completion_tokens
        self.batch = batch

    @overload
    def __get__(self, figures: None, owner: type) -> ModelCost: ...
    @overload
    def __get__(self, figures: ModelFigures, owner: type) -> float | None: ...
    def __get__(self, figures: ModelFigures | None, owner: type) -> ModelCost | float | None:
        if figures is None:
            return self
        return figures.cost(getattr(figures, self.completion_tokens), batch=self.batch)
