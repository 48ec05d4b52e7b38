"""The local server's models, batch endpoints and rate limits, read from ``models.json``.

One data file says which models exist, which batch endpoints each serves, and whether batches
may use it; the echo executor, batch creation and the rate-limit headers all read it from here.
It imports only the standard library, so the command line can use it without Starlette.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = [
    "AUDIO_TRANSCRIPTIONS",
    "AUDIO_TRANSLATIONS",
    "CHAT_COMPLETIONS",
    "Catalog",
    "ModelInfo",
    "RateLimits",
    "load_catalog",
    "parse_catalog",
]

CHAT_COMPLETIONS = "/v1/chat/completions"
AUDIO_TRANSCRIPTIONS = "/v1/audio/transcriptions"
AUDIO_TRANSLATIONS = "/v1/audio/translations"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model the server knows.

    Attributes:
        id: The model id, as requests name it.
        owned_by: Who publishes it.
        active: False for a retired model that is still answered, so old examples run.
        context_window: Its context length in tokens, or None if not known.
        endpoints: The batch endpoints it serves (``/v1/chat/completions``, ...).
        batch: Whether batches may use it.
    """

    id: str
    owned_by: str
    active: bool
    context_window: int | None
    endpoints: frozenset[str]
    batch: bool


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The limits the server reports in its ``x-ratelimit-*`` headers (not enforced).

    Attributes:
        requests_per_day: ``x-ratelimit-limit-requests``.
        tokens_per_minute: ``x-ratelimit-limit-tokens``.
    """

    requests_per_day: int
    tokens_per_minute: int


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything ``models.json`` says.

    Attributes:
        models: The models, by id, in file order.
        batch_endpoints: The endpoints a batch (and each of its lines) may use.
        rate_limits: The limits reported in rate-limit headers.
    """

    models: Mapping[str, ModelInfo]
    batch_endpoints: frozenset[str]
    rate_limits: RateLimits

    def batch_models(self) -> frozenset[str]:
        """The ids of the models batches may use.

        Returns:
            The ids.
        """
        return frozenset(m.id for m in self.models.values() if m.batch)


def _model(raw: Mapping[str, Any]) -> ModelInfo:
    return ModelInfo(
        id=str(raw["id"]),
        owned_by=str(raw.get("owned_by", "")),
        active=bool(raw.get("active", True)),
        context_window=raw.get("context_window"),
        endpoints=frozenset(raw.get("endpoints", ())),
        batch=bool(raw.get("batch", False)),
    )


def parse_catalog(data: Mapping[str, Any]) -> Catalog:
    """Build a catalog from the parsed contents of a ``models.json``.

    Args:
        data: The parsed file.

    Returns:
        The catalog.

    Raises:
        ValueError: A model serves an endpoint that is not a batch endpoint, or an id repeats.
    """
    endpoints = frozenset(data["batch_endpoints"])
    models: dict[str, ModelInfo] = {}
    for raw in data["models"]:
        model = _model(raw)
        if model.id in models:
            raise ValueError(f"model {model.id!r} is listed twice")
        if not model.endpoints <= endpoints:
            extra = sorted(model.endpoints - endpoints)
            raise ValueError(f"model {model.id!r} serves unknown endpoints {extra}")
        models[model.id] = model
    limits = data["rate_limits"]
    return Catalog(
        models=models,
        batch_endpoints=endpoints,
        rate_limits=RateLimits(
            requests_per_day=int(limits["requests_per_day"]),
            tokens_per_minute=int(limits["tokens_per_minute"]),
        ),
    )


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with the package (read once).

    Returns:
        The catalog.
    """
    text = resources.files("groq_batch_server").joinpath("models.json").read_text(encoding="utf-8")
    return parse_catalog(json.loads(text))
