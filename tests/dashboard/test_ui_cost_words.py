"""The dashboard says "unpriced" where the estimate and the CLI say it: one word for one fact."""

from __future__ import annotations

import json
from pathlib import Path

from groq_batch.cost_report import UNPRICED
from groq_batch_cli.ui.summary import estimate_text, money


def _requests(path: Path, model: str) -> Path:
    line = {
        "custom_id": "r1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": "hi"}]},
    }
    path.write_text(json.dumps(line) + "\n")
    return path


def test_an_input_whose_model_has_no_price_is_estimated_as_unpriced(tmp_path: Path) -> None:
    shown = estimate_text(str(_requests(tmp_path / "in.jsonl", "a-model-nobody-prices")))
    assert shown == UNPRICED


def test_a_priced_input_is_estimated_in_dollars(tmp_path: Path) -> None:
    shown = estimate_text(str(_requests(tmp_path / "in.jsonl", "llama-3.1-8b-instant")))
    assert shown.startswith("est. $"), shown


def test_a_cost_without_a_price_is_unpriced_and_a_tiny_one_keeps_its_fractions() -> None:
    assert money(None).split(" ")[0] == UNPRICED
    assert money(0.0000123) == "$0.000012"
