"""The cost estimate before a run, and the actual cost after it.

The honest test runs ``examples/questions.jsonl`` through the local server, whose echo model
reports ``usage`` counted with the same BPE, and compares the estimated prompt tokens with the
usage it reports. Both sides count message text plus four tokens of framing per message, so
the documented band is tight: the ratio estimate/reported must lie within [0.95, 1.05]. (It
measures that the estimate counts what is sent, not how close cl100k_base is to a real Llama
tokenizer; `groq_batch.estimate` documents that expected error.)
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import groq_batch_cli as cli
from groq_batch import Groq
from groq_batch.costs import (
    DEFAULT_TYPICAL_COMPLETION_TOKENS,
    MESSAGE_OVERHEAD,
    REASONING_TYPICAL_COMPLETION_TOKENS,
    CostTally,
    actual_cost,
    estimate,
    prompt_tokens,
)
from groq_batch.jsonl import chat_request, iter_jsonl, transcription_request
from groq_batch.pricing import load_pricing
from groq_batch.results import ResultSummary
from groq_batch.tokens import count_tokens, is_rough

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "questions.jsonl"
SCRIPT = Path(sys.executable).parent / "groq-batch"
BAND = (0.95, 1.05)


def chat(cid: str, model: str = "llama-3.1-8b-instant", **body: Any) -> dict[str, Any]:
    return chat_request(
        cid, model=model, messages=[{"role": "user", "content": "hello world"}], **body
    ).to_dict()


# ------------------------------------------------------------------------------- counting
def test_prompt_counts_message_text_plus_template_framing() -> None:
    assert not is_rough()  # the dev install has the real tokenizer
    body = {
        "model": "llama-3.1-8b-instant",
        "messages": [{"role": "user", "content": "hello world"}],
    }
    # "hello world" is two cl100k_base tokens.
    assert prompt_tokens(body) == 2 + MESSAGE_OVERHEAD
    parts = {
        "model": "llama-3.1-8b-instant",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "hello world"}]},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    }
    tools_json = json.dumps(parts["tools"], sort_keys=True)
    expected = (
        count_tokens("Be brief.")
        + count_tokens("hello world")
        + count_tokens(tools_json)
        + 2 * MESSAGE_OVERHEAD
    )
    assert prompt_tokens(parts) == expected


def test_rough_counts_are_marked_rough() -> None:
    est = estimate([chat("a", max_tokens=10)], rough=True)
    assert est.rough
    assert est.prompt_tokens == math.ceil(len("hello world") / 4) + MESSAGE_OVERHEAD
    assert not estimate([chat("a", max_tokens=10)]).rough


# ------------------------------------------------------------------------ completion range
def test_completion_range_from_limits_and_typical_values() -> None:
    est = estimate(
        [
            chat("limit-low", max_tokens=100),
            chat("limit-high", max_completion_tokens=4000, max_tokens=5),
            chat("none"),
            chat("reasoning", model="openai/gpt-oss-20b"),
        ]
    )
    small = est.models["llama-3.1-8b-instant"]
    assert small.completion_tokens_low == 100 + DEFAULT_TYPICAL_COMPLETION_TOKENS * 2
    assert small.completion_tokens_high == 100 + 4000 + DEFAULT_TYPICAL_COMPLETION_TOKENS
    assert small.unbounded == 1
    reasoning = est.models["openai/gpt-oss-20b"]
    assert reasoning.completion_tokens_low == reasoning.completion_tokens_high
    assert reasoning.completion_tokens_high == REASONING_TYPICAL_COMPLETION_TOKENS
    assert est.unbounded == 2


# ------------------------------------------------------------------------------- costs
def test_costs_per_model_and_total_at_batch_prices_with_the_saving() -> None:
    est = estimate([chat("a", max_tokens=1000), chat("b", model="llama-3.3-70b-versatile")])
    groq = load_pricing("groq")
    for model, entry in est.models.items():
        price = groq.price(model)
        assert price is not None
        high = price.cost(entry.prompt_tokens, entry.completion_tokens_high)
        assert entry.sync_cost_high == pytest.approx(high)
        assert entry.batch_cost_high == pytest.approx(high / 2)
    assert est.batch_cost_high == pytest.approx(
        sum(m.batch_cost_high or 0 for m in est.models.values())
    )
    data = est.as_dict()
    assert data["saving"][1] == pytest.approx(est.sync_cost_high - est.batch_cost_high, abs=1e-6)
    assert data["unpriced_models"] == []
    assert json.loads(json.dumps(data)) == data


def test_unknown_models_and_audio_are_unknown_cost_not_zero() -> None:
    audio = transcription_request("t", model="whisper-large-v3", url="https://x/a.mp3").to_dict()
    est = estimate([chat("a", max_tokens=10), chat("b", model="no-such-model"), audio])
    assert est.unpriced_models == ["no-such-model", "whisper-large-v3"]
    whisper = est.models["whisper-large-v3"]
    assert (whisper.audio_requests, whisper.prompt_tokens, whisper.batch_cost_high) == (1, 0, None)
    assert est.models["no-such-model"].batch_cost_low is None
    only_known = est.models["llama-3.1-8b-instant"].batch_cost_high
    assert est.batch_cost_high == pytest.approx(only_known)
    # A provider without prices prices nothing.
    assert estimate([chat("a")], provider="openai-compatible").unpriced_models == [
        "llama-3.1-8b-instant"
    ]


def test_a_file_is_read_line_by_line_and_bad_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(chat(f"r{i}", max_tokens=50)) for i in range(3)]
    path.write_text("\n".join([lines[0], "{not json", lines[1], "[1]", "", lines[2]]) + "\n")
    est = estimate(path)
    assert (est.requests, est.unreadable_lines) == (3, 2)


def _write(path: Path, n: int) -> Path:
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps(chat(f"r{i}", max_tokens=20)) + "\n")
    return path


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    small, large = _write(tmp_path / "s.jsonl", 1_000), _write(tmp_path / "l.jsonl", 10_000)
    estimate(small)  # load the tokenizer and the tables before measuring

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            assert estimate(path).requests > 0
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # Ten times the lines, well under twice the memory: nothing grows with the file.
    assert peak(large) < 2 * peak(small)


# ------------------------------------------------------------------------------- actual
def test_only_succeeded_requests_are_billed() -> None:
    tally = CostTally.for_provider("groq")
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}
    tally.add_usage("llama-3.1-8b-instant", usage, succeeded=True)
    tally.add_usage("llama-3.1-8b-instant", usage, succeeded=False)
    cost = tally.result()
    entry = cost.models["llama-3.1-8b-instant"]
    assert (entry.billed_requests, entry.unbilled_requests) == (1, 1)
    assert cost.prompt_tokens == 1_000_000
    assert cost.sync_cost == pytest.approx(0.13)
    assert cost.batch_cost == pytest.approx(0.065)
    assert cost.saving == pytest.approx(0.065)


def test_actual_cost_of_a_result_summary_needs_its_model() -> None:
    summary = ResultSummary(prompt_tokens=2_000_000, completion_tokens=1_000_000)
    with pytest.raises(ValueError, match="model"):
        actual_cost(summary)
    cost = actual_cost(summary, model="llama-3.3-70b-versatile")
    assert cost.batch_cost == pytest.approx((2 * 0.59 + 0.79) / 2)


# --------------------------------------------------------------------- against the server
@pytest.fixture
def client(local_server: LocalServer) -> Iterator[Groq]:
    with Groq(api_key="test-key", base_url=local_server.base_url) as c:
        yield c


def test_estimate_matches_the_usage_the_server_reports(client: Groq) -> None:
    """The honest test: estimated prompt tokens against the server's usage, per model."""
    est = estimate(EXAMPLE)
    job = client.batches.submit(EXAMPLE)
    client.batches.wait(job, poll_interval=0.05)
    results = list(client.batches.results(job, inputs=EXAMPLE))
    reported: dict[str, int] = {}
    for result in results:
        assert result.ok
        assert result.usage is not None
        assert result.request is not None
        model = result.request.body["model"]
        reported[model] = reported.get(model, 0) + result.usage["prompt_tokens"]
    assert set(reported) == set(est.models)
    for model, tokens in reported.items():
        ratio = est.models[model].prompt_tokens / tokens
        assert BAND[0] <= ratio <= BAND[1], (model, ratio)
    total_ratio = est.prompt_tokens / sum(reported.values())
    assert BAND[0] <= total_ratio <= BAND[1]
    # The completions fall inside the estimated range's upper bound (max_tokens is set).
    cost = actual_cost(results)
    assert cost.billed_requests == est.requests == len(results)
    assert cost.completion_tokens <= est.completion_tokens_high
    assert 0 < cost.batch_cost <= est.batch_cost_high
    assert cost.saving == pytest.approx(cost.batch_cost)  # 50% off: the saving is as much again


# ---------------------------------------------------------------------------------- CLI
def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    for name in ("GROQ_API_KEY", "GROQ_BASE_URL", "GROQ_BATCH_PROVIDER"):
        full_env.pop(name, None)
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def test_cli_estimate_prints_per_model_tokens_and_dollars(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_BATCH_PROVIDER", raising=False)
    assert cli.main(["estimate", str(EXAMPLE)]) == 0
    text = capsys.readouterr().out
    assert "llama-3.1-8b-instant" in text
    assert "llama-3.3-70b-versatile" in text
    assert "$" in text
    assert "groq.com/pricing" in text
    assert cli.main(["estimate", str(EXAMPLE), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(
        json.dumps(estimate(EXAMPLE).as_dict())
    )
    assert cli.main(["estimate", str(EXAMPLE), "--json", "--provider", "openai"]) == 0
    openai = json.loads(capsys.readouterr().out)
    assert openai["unpriced_models"] == ["llama-3.1-8b-instant", "llama-3.3-70b-versatile"]


def test_max_cost_refuses_before_anything_starts_or_uploads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_BATCH_PROVIDER", raising=False)
    data = tmp_path / "data"
    for command in (("run", "-o", str(tmp_path / "out.jsonl")), ("submit",)):
        limit = ["--local", "--data-dir", str(data), "--max-cost", "0.0001"]
        code = cli.main([command[0], str(EXAMPLE), *command[1:], *limit])
        assert code == 2
        err = capsys.readouterr().err
        assert "exceeds --max-cost" in err
        assert "nothing was uploaded" in err
        # The refusal comes before the local server starts: it never made its data dir.
        assert not data.exists()
    # A model without a price cannot be held to a limit either.
    path = tmp_path / "unknown.jsonl"
    path.write_text(json.dumps(chat("a", model="groq/compound", max_tokens=5)) + "\n")
    assert (
        cli.main(["submit", str(path), "--local", "--data-dir", str(data), "--max-cost", "5"]) == 2
    )
    assert "groq/compound is unpriced" in capsys.readouterr().err
    # Nor can a request without max_tokens: its typical length is not a bound.
    path.write_text(json.dumps(chat("a")) + "\n")
    assert (
        cli.main(["submit", str(path), "--local", "--data-dir", str(data), "--max-cost", "5"]) == 2
    )
    assert "no upper bound" in capsys.readouterr().err
    assert not data.exists()


def test_run_prints_the_estimate_then_the_actual_cost(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        "run",
        str(EXAMPLE),
        "--local",
        "--data-dir",
        str(tmp_path / "d"),
        "-o",
        str(out),
        "--max-cost",
        "1",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["event"] for e in events] == ["estimate", "submitted", "finished"]
    assert events[0]["prompt_tokens"] > 0
    cost = events[-1]["cost"]
    assert cost["billed_requests"] == 115
    rows = list(iter_jsonl(out))
    assert cost["prompt_tokens"] == sum(r["usage"]["prompt_tokens"] for r in rows)
    assert cost["batch_cost"] > 0
    assert cost["saving"] == pytest.approx(cost["batch_cost"], abs=1e-6)


def test_reprs_are_short_and_money_is_rounded_for_display_only() -> None:
    from groq_batch.costs import CostTally, actual_cost

    est = estimate([chat(f"r{i}", max_tokens=7) for i in range(3)])
    tally = CostTally.for_provider("groq")
    tally.add_usage(
        "llama-3.1-8b-instant", {"prompt_tokens": 200, "completion_tokens": 160}, succeeded=True
    )
    cost = tally.result()
    for shown in (repr(est), str(est), repr(cost), str(cost), repr(est.pricing)):
        assert len(shown) < 300, shown
        assert "e-0" not in shown, shown
        assert "genai-prices" not in shown  # the table's provenance text stays in the data
    assert "$0.000011" in str(cost)
    # The data keeps the exact figure.
    assert cost.batch_cost == (200 * 0.05 + 160 * 0.08) / 1_000_000 * 0.5
    assert actual_cost([], model="llama-3.1-8b-instant").billed_requests == 0
