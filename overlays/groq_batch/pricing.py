"""What each provider charges per token, as data: ``pricing.json`` beside this module.

The table holds, per provider, each model's price per million input and output tokens on the
synchronous API, the batch discount, the provider's pricing page and the date the numbers were
checked. A price the table does not know is ``None`` (shown as "unknown"): the estimate never
guesses one. Prices change; `ProviderPricing.source` says where to check them.

Example:
    >>> from groq_batch.pricing import load_pricing
    >>> groq = load_pricing("groq")
    >>> groq.batch_discount
    0.5
    >>> groq.price("llama-3.1-8b-instant").input_per_million
    0.05
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from groq_batch._errors import InvalidValueError

__all__ = [
    "STALE_AFTER_DAYS",
    "ModelPrice",
    "ProviderPricing",
    "load_pricing",
    "priced_providers",
]

_MILLION = 1_000_000

STALE_AFTER_DAYS = 180
"""Prices checked longer ago than this are said to be possibly out of date."""


@dataclass(frozen=True)
class ModelPrice:
    """One model's synchronous-API prices.

    Attributes:
        model: The model id.
        input_per_million: US dollars per million prompt tokens, or None when unknown.
        output_per_million: US dollars per million completion tokens, or None when unknown.
        note: Why a price is unknown, or anything else worth knowing about it.
        checked: The date the price was checked, when it differs from the provider's.
    """

    model: str
    input_per_million: float | None
    output_per_million: float | None
    note: str | None = None
    checked: str | None = None

    @property
    def known(self) -> bool:
        """Whether both prices are known."""
        return self.input_per_million is not None and self.output_per_million is not None

    def cost(self, prompt_tokens: int, completion_tokens: int, discount: float = 0.0) -> float:
        """The cost of some tokens at these prices, less a discount.

        Args:
            prompt_tokens: Input tokens.
            completion_tokens: Output tokens.
            discount: The fraction taken off (0.5 for half price).

        Returns:
            US dollars.

        Raises:
            ValueError: A price is unknown.
        """
        if self.input_per_million is None or self.output_per_million is None:
            raise InvalidValueError(f"the price of {self.model} is unknown")
        full = (
            prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million
        ) / _MILLION
        return full * (1.0 - discount)


@dataclass(frozen=True)
class ProviderPricing:
    """A provider's price list.

    Attributes:
        provider: The provider's name (``groq``, ``openai``).
        source: The provider's pricing page, or None when no prices are known.
        checked: The date the prices were checked (ISO 8601), or None.
        read_via: Which copy of the prices the table was written from.
        batch_discount: The fraction the batch API takes off synchronous prices, or None.
        batch_discount_source: Where the discount is stated.
        audio: How audio is billed, and whether that is known.
        models: The known models, by id.
    """

    provider: str
    source: str | None = None
    checked: str | None = None
    read_via: str | None = None
    batch_discount: float | None = None
    batch_discount_source: str | None = None
    audio: str | None = None
    models: Mapping[str, ModelPrice] = field(default_factory=dict)

    def __repr__(self) -> str:
        # The facts that say which prices these are; not every model's entry (25 of them).
        return (
            f"ProviderPricing(provider={self.provider!r}, source={self.source!r}, "
            f"checked={self.checked!r}, batch_discount={self.batch_discount!r}, "
            f"models={len(self.models)})"
        )

    def price(self, model: str | None) -> ModelPrice | None:
        """A model's prices, or None when the table does not list the model.

        Args:
            model: The model id, exactly as in a request body.

        Returns:
            The prices (which may themselves be unknown), or None.
        """
        if model is None:
            return None
        return self.models.get(model)

    def age_days(self, today: datetime.date | None = None) -> int | None:
        """How many days ago the prices were checked, or None when no date is known.

        Args:
            today: The date to count to; the local date when None.

        Returns:
            Whole days.
        """
        if not self.checked:
            return None
        try:
            checked = datetime.date.fromisoformat(self.checked)
        except ValueError:
            return None
        return ((today or datetime.date.today()) - checked).days

    def is_stale(self, today: datetime.date | None = None) -> bool:
        """Whether the prices were checked more than ``STALE_AFTER_DAYS`` (180) days ago.

        Args:
            today: The date to count to; the local date when None.

        Returns:
            True when they are that old; False when fresher or undated.
        """
        age = self.age_days(today)
        return age is not None and age > STALE_AFTER_DAYS

    def as_dict(self) -> dict[str, Any]:
        """The provenance of the table, JSON-ready (without the per-model prices).

        Returns:
            Provider, source, date checked (and how many days ago, and whether that is past
            ``STALE_AFTER_DAYS``), copy read and batch discount.
        """
        return {
            "provider": self.provider,
            "source": self.source,
            "checked": self.checked,
            "checked_days_ago": self.age_days(),
            "stale": self.is_stale(),
            "read_via": self.read_via,
            "batch_discount": self.batch_discount,
        }


@functools.cache
def _table() -> Mapping[str, Any]:
    text = resources.files("groq_batch").joinpath("pricing.json").read_text(encoding="utf-8")
    data: Mapping[str, Any] = json.loads(text)
    return data


def priced_providers() -> list[str]:
    """The providers the table has prices for.

    Returns:
        Their names, sorted.
    """
    return sorted(_table()["providers"])


@functools.cache
def load_pricing(provider: str = "groq") -> ProviderPricing:
    """Load a provider's price list from the package's ``pricing.json``.

    A provider the table does not know (a self-hosted ``openai-compatible`` gateway, say) gets
    an empty list: every model's cost is then unknown, which is the truth.

    Args:
        provider: ``groq``, ``openai``, or any other name.

    Returns:
        The price list.
    """
    entry = _table()["providers"].get(provider)
    if entry is None:
        return ProviderPricing(provider=provider)
    models = {
        model_id: ModelPrice(
            model=model_id,
            input_per_million=_price(prices.get("input")),
            output_per_million=_price(prices.get("output")),
            note=prices.get("note"),
            checked=prices.get("checked"),
        )
        for model_id, prices in entry["models"].items()
    }
    return ProviderPricing(
        provider=provider,
        source=entry.get("source"),
        checked=entry.get("checked"),
        read_via=entry.get("read_via"),
        batch_discount=entry.get("batch_discount"),
        batch_discount_source=entry.get("batch_discount_source"),
        audio=entry.get("audio"),
        models=models,
    )


def _price(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidValueError(f"pricing.json: not a price: {value!r}")
    return float(value)
