"""`groq-batch estimate` of models without a price says so, never ``$0.000000``."""

from __future__ import annotations

from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.jsonl import chat_request, write_jsonl
from tests.cli_support import MODEL, isolated_home, main

__all__ = ["isolated_home"]


def _requests(tmp_path: Path, *models: str) -> Path:
    path = tmp_path / "in.jsonl"
    write_jsonl(
        [
            chat_request(
                f"r{i}", model=model, messages=[{"role": "user", "content": "hi"}], max_tokens=10
            )
            for i, model in enumerate(models)
        ],
        path,
    )
    return path


def _total_row(out: str) -> str:
    (row,) = [line for line in out.splitlines() if line.startswith("total")]
    return row


def test_an_estimate_with_every_model_unpriced_says_unpriced_not_zero_dollars(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _requests(tmp_path, "my-own-model", "another-own-model")
    code, out, err = main(capsys, "estimate", str(source))
    assert code == cli.EXIT_OK, err
    total = _total_row(out)
    assert "unpriced" in total
    assert "$" not in total


def test_an_estimate_with_some_models_priced_totals_those(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _requests(tmp_path, MODEL, "my-own-model")
    code, out, err = main(capsys, "estimate", str(source))
    assert code == cli.EXIT_OK, err
    total = _total_row(out)
    assert "$" in total
    assert "unpriced" not in total
    assert "cost unknown for my-own-model (left out of total)" in out
