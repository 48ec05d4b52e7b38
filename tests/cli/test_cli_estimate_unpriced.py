"""`groq-batch estimate` of models without a price says so, never ``$0.000000``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.costs import CostTally, estimate
from groq_batch.jsonl import chat_request, transcription_request, write_jsonl
from groq_batch.pricing import load_pricing
from groq_batch_server import LocalServer
from tests.cli_support import FAST, MODEL, isolated_home, main

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
    assert "note: unpriced (left out of the total): my-own-model" in out


def _row(out: str, name: str) -> str:
    (row,) = [line for line in out.splitlines() if line.startswith(name)]
    return row


def test_a_model_without_a_price_reads_unpriced_in_its_row_the_total_and_the_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One fact, one word: the per-model row used to say `unknown` and the note `cost unknown`
    # where the total said `unpriced`, and the JSON and Python say `unpriced_models`.
    source = _requests(tmp_path, "my-own-model")
    code, out, err = main(capsys, "estimate", str(source))
    assert code == cli.EXIT_OK, err
    assert "unknown" not in out
    assert _row(out, "my-own-model").count("unpriced") == 2  # batch cost and saving
    assert _row(out, "total").count("unpriced") == 2
    assert "note: unpriced (left out of the total): my-own-model" in out


def test_estimate_json_gives_no_cost_when_no_model_is_priced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `batch_cost: [0.0, 0.0]` read as a free batch; with nothing priced there is no figure.
    source = _requests(tmp_path, "my-own-model", "another-own-model")
    code, out, err = main(capsys, "estimate", str(source), "--json")
    assert code == cli.EXIT_OK, err
    data = json.loads(out)
    assert (data["batch_cost"], data["sync_cost"], data["saving"]) == (None, None, None)
    assert data["unpriced_models"] == ["another-own-model", "my-own-model"]
    # Each model's entry says it the same way as the total: no figure, not a range of nothing.
    for entry in data["models"]:
        assert (entry["batch_cost"], entry["sync_cost"], entry["saving"]) == (None, None, None)


def test_estimate_json_totals_the_priced_models_and_names_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _requests(tmp_path, MODEL, "my-own-model")
    code, out, err = main(capsys, "estimate", str(source), "--json")
    assert code == cli.EXIT_OK, err
    data = json.loads(out)
    low, high = data["batch_cost"]
    assert 0 < low <= high
    assert data["unpriced_models"] == ["my-own-model"]
    entries = {entry["model"]: entry for entry in data["models"]}
    assert entries[MODEL]["batch_cost"] == [low, high]
    assert entries["my-own-model"]["batch_cost"] is None


def test_the_python_estimate_has_no_cost_when_no_model_is_priced(tmp_path: Path) -> None:
    # The API behind the JSON: None, as each unpriced model's own figures already were.
    est = estimate(_requests(tmp_path, "my-own-model"))
    assert est.unpriced_models == ["my-own-model"]
    costs = (est.batch_cost_low, est.batch_cost_high, est.sync_cost_low, est.sync_cost_high)
    assert costs == (None, None, None, None)
    assert (est.saving_low, est.saving_high) == (None, None)
    assert str(est) == f"1 request(s), {est.prompt_tokens} prompt tokens: unpriced (my-own-model)"
    priced = estimate(_requests(tmp_path, MODEL))
    batch, sync = priced.batch_cost_high, priced.sync_cost_high
    assert batch is not None
    assert sync is not None
    assert batch > 0
    assert priced.saving_high == pytest.approx(sync - batch)


def test_the_actual_cost_of_unpriced_answers_is_no_cost_not_zero() -> None:
    tally = CostTally(pricing=load_pricing("groq"))
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    tally.add_usage("my-own-model", usage, succeeded=True)
    cost = tally.result()
    assert (cost.batch_cost, cost.sync_cost, cost.saving) == (None, None, None)
    data = cost.as_dict()
    assert (data["batch_cost"], data["saving"]) == (None, None)
    assert data["unpriced_models"] == ["my-own-model"]
    assert "unpriced" in str(cost)
    assert "unknown" not in str(cost)
    # Nothing billed is a true $0, not an unpriced one.
    assert CostTally(pricing=load_pricing("groq")).result().batch_cost == 0.0


def test_max_cost_refuses_an_unpriced_model_in_the_same_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _requests(tmp_path, "my-own-model")
    out_path = tmp_path / "out.jsonl"
    # Nothing listens on port 9: the refusal comes before any connection.
    connection = ("--base-url", "http://127.0.0.1:9", "--api-key", "gsk_test_key")
    code, _, err = main(
        capsys, "run", str(source), "-o", str(out_path), "--max-cost", "5", *connection
    )
    assert code == cli.EXIT_USAGE
    assert "--max-cost: my-own-model is unpriced" in err
    assert "nothing was uploaded" in err


def test_a_run_of_an_unpriced_model_says_unpriced_in_its_summary(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Audio has no price in the price file: its row in the summary must say so in one word.
    source = tmp_path / "audio.jsonl"
    write_jsonl(
        [transcription_request("a", model="whisper-large-v3", url="https://x/a.wav")], source
    )
    code, stdout, err = main(
        capsys, "run", str(source), "-o", str(tmp_path / "out.jsonl"), *FAST,
        "--api-key", "k", "--base-url", local_server.base_url,
    )  # fmt: skip
    assert code == cli.EXIT_OK, err
    summary = stdout[stdout.index("results written") :]
    (row,) = [line for line in summary.splitlines() if "whisper-large-v3" in line]
    assert row.split()[0] == "unpriced"
    assert "unknown" not in summary
