"""The price table: well-formed, sourced, honest about what it does not know."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

from groq_batch.pricing import ModelPrice, load_pricing, priced_providers
from groq_batch_server.catalog import load_catalog


def test_both_providers_are_priced_with_source_date_and_discount() -> None:
    assert {"groq", "openai"} <= set(priced_providers())
    for name in ("groq", "openai"):
        table = load_pricing(name)
        assert table.source is not None
        assert table.source.startswith("https://")
        assert table.checked is not None
        dt.date.fromisoformat(table.checked)
        assert table.read_via
        assert table.batch_discount == 0.5
        assert table.batch_discount_source
    assert load_pricing("groq").source == "https://groq.com/pricing/"


def test_known_prices_read_from_the_sources() -> None:
    groq = load_pricing("groq")
    assert (
        groq.price("llama-3.1-8b-instant").input_per_million,
        groq.price("llama-3.1-8b-instant").output_per_million,
    ) == (0.05, 0.08)
    big = groq.price("llama-3.3-70b-versatile")
    assert big is not None
    assert (big.input_per_million, big.output_per_million) == (0.59, 0.79)
    mini = load_pricing("openai").price("gpt-4o-mini")
    assert mini is not None
    assert (mini.input_per_million, mini.output_per_million) == (0.15, 0.6)


def test_every_unknown_price_is_null_with_a_reason_never_a_guess() -> None:
    raw = json.loads(resources.files("groq_batch").joinpath("pricing.json").read_text())
    for provider in raw["providers"].values():
        for model, entry in provider["models"].items():
            for side in ("input", "output"):
                value = entry[side]
                assert value is None or (isinstance(value, int | float) and value >= 0), model
            if entry["input"] is None or entry["output"] is None:
                assert "unknown" in entry.get("note", ""), model


def test_every_batch_model_of_the_catalog_is_in_the_groq_table() -> None:
    """A model the local server runs in batches is either priced or listed as unknown."""
    groq = load_pricing("groq")
    missing = sorted(m for m in load_catalog().batch_models() if groq.price(m) is None)
    assert missing == []


def test_whisper_is_unknown_because_audio_is_billed_by_the_hour() -> None:
    price = load_pricing("groq").price("whisper-large-v3")
    assert price is not None
    assert not price.known


def test_cost_arithmetic_and_discount() -> None:
    price = ModelPrice("m", input_per_million=0.05, output_per_million=0.08)
    assert price.cost(1_000_000, 1_000_000) == pytest.approx(0.13)
    assert price.cost(1_000_000, 1_000_000, discount=0.5) == pytest.approx(0.065)
    assert price.cost(2_000, 500) == pytest.approx((2_000 * 0.05 + 500 * 0.08) / 1e6)
    with pytest.raises(ValueError, match="unknown"):
        ModelPrice("x", None, 0.1).cost(1, 1)


def test_a_provider_without_a_table_prices_nothing() -> None:
    table = load_pricing("openai-compatible")
    assert table.models == {}
    assert table.price("llama-3.1-8b-instant") is None
    assert table.batch_discount is None


def test_prices_older_than_180_days_are_said_to_be_stale(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import groq_batch_cli as cli
    from groq_batch.pricing import STALE_AFTER_DAYS
    from tests.cli_support import EXAMPLE

    groq = load_pricing("groq")
    checked = dt.date.fromisoformat(groq.checked or "")
    assert not groq.is_stale(checked + dt.timedelta(days=STALE_AFTER_DAYS))
    assert groq.is_stale(checked + dt.timedelta(days=STALE_AFTER_DAYS + 1))
    # The shipped table was checked 2025-08-12: the estimate says so, in words and in JSON.
    example = str(EXAMPLE)
    assert cli.main(["estimate", example]) == 0
    assert "days ago, and may have changed" in capsys.readouterr().out
    assert cli.main(["estimate", example, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pricing"]["stale"] is True
