"""The upper bound of the estimate is a bound (issue 23, item 9).

It counts everything the provider bills: ``n`` choices (and ``best_of``), every prompt field of
every endpoint (chat ``messages``, completions ``prompt``, responses ``input`` and
``instructions``, embeddings ``input``); a line it cannot bound makes ``--max-cost`` refuse with
the reason; and ``--max-cost`` must be a finite, non-negative number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import groq_batch_cli as cli
from groq_batch.costs import estimate
from groq_batch.pricing import load_pricing
from groq_batch.tokens import count_tokens

MODEL = "llama-3.1-8b-instant"


def line(url: str, body: dict[str, Any], cid: str = "a") -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


def chat_line(**body: Any) -> dict[str, Any]:
    messages = [{"role": "user", "content": "hello world"}]
    return line("/v1/chat/completions", {"model": MODEL, "messages": messages, **body})


def test_n_choices_multiply_the_completion_bound() -> None:
    one = estimate([chat_line(max_tokens=1000)])
    many = estimate([chat_line(max_tokens=1000, n=128)])
    assert one.completion_tokens_high == 1000
    assert many.completion_tokens_high == 128 * 1000
    price = load_pricing("groq").price(MODEL)
    assert price is not None
    # The prompt is billed once; each of the 128 choices may run to the limit.
    expected = price.cost(one.prompt_tokens, 128 * 1000, 0.5)
    assert many.batch_cost_high == pytest.approx(expected)
    assert many.batch_cost_high > 100 * one.batch_cost_high - one.batch_cost_high


def test_every_prompt_field_of_every_endpoint_is_counted() -> None:
    text = "the quick brown fox jumps over the lazy dog " * 20_000
    tokens = count_tokens(text, "gpt-4o-mini")
    assert tokens > 150_000
    body = {"model": "gpt-4o-mini", "max_tokens": 10}
    completions = estimate([line("/v1/completions", {**body, "prompt": text})], "openai")
    assert completions.prompt_tokens >= tokens
    assert completions.batch_cost_high > 0.01
    # A list of prompts is a completion each: n of them for each prompt.
    several = estimate(
        [line("/v1/completions", {**body, "prompt": ["one two", "three four", "five"], "n": 2})],
        "openai",
    )
    assert several.completion_tokens_high == 3 * 2 * 10
    assert several.prompt_tokens >= 3
    best_of = estimate(
        [line("/v1/completions", {**body, "prompt": [[1, 2, 3], [4, 5]], "best_of": 4})],
        "openai",
    )
    assert best_of.prompt_tokens == 5
    assert best_of.completion_tokens_high == 2 * 4 * 10  # every best_of candidate is billed
    responses = estimate(
        [
            line(
                "/v1/responses",
                {
                    "model": "gpt-4o-mini",
                    "max_output_tokens": 10,
                    "instructions": "be brief",
                    "input": text,
                },
            )
        ],
        "openai",
    )
    assert responses.prompt_tokens >= tokens
    assert responses.completion_tokens_high == 10
    as_items = estimate(
        [
            line(
                "/v1/responses",
                {
                    "model": "gpt-4o-mini",
                    "max_output_tokens": 10,
                    "input": [{"role": "user", "content": [{"type": "input_text", "text": text}]}],
                },
            )
        ],
        "openai",
    )
    assert as_items.prompt_tokens >= tokens
    embeddings = estimate(
        [line("/v1/embeddings", {"model": "text-embedding-3-small", "input": [text, "x"]})],
        "openai",
    )
    assert embeddings.prompt_tokens >= tokens
    assert embeddings.completion_tokens_high == 0
    assert embeddings.unbounded == 0


def _write(path: Path, *lines: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


IMAGE_LINE = line(
    "/v1/chat/completions",
    {
        "model": MODEL,
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}
        ],
    },
    cid="img",
)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (chat_line(max_tokens=5, n="many"), "n is not a positive integer"),
        (IMAGE_LINE, "image_url part"),
        (line("/v1/chat/completions", {"model": MODEL, "max_tokens": 5}), "messages"),
        (line("/v1/unknown", {"model": MODEL, "max_tokens": 5}), "/v1/unknown"),
        (line("/v1/audio/transcriptions", {"model": "whisper-large-v3", "url": "x"}), "duration"),
    ],
    ids=["n-not-a-number", "image", "no-messages", "unknown-endpoint", "audio"],
)
def test_a_line_it_cannot_bound_is_listed_with_its_reason(
    entry: dict[str, Any], reason: str
) -> None:
    est = estimate([chat_line(max_tokens=5), entry])
    assert est.unboundable_lines == 1
    (listed,) = est.unboundable
    assert listed.startswith("line 2: ")
    assert reason in listed


def test_max_cost_refuses_a_line_it_cannot_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the validator accepts, with an image part the estimate cannot count as text."""
    monkeypatch.delenv("GROQ_BATCH_PROVIDER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    first = line("/v1/chat/completions", chat_line(max_tokens=5)["body"], cid="ok")
    path = _write(tmp_path / "in.jsonl", first, IMAGE_LINE)
    data = tmp_path / "data"
    assert cli.main(["validate", str(path)]) == 0
    capsys.readouterr()
    code = cli.main(["submit", str(path), "--local", "--data-dir", str(data), "--max-cost", "5"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--max-cost" in err
    assert "line 2" in err
    assert "image_url part" in err
    assert "nothing was uploaded" in err
    assert not data.exists()


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "-0.01", "NaN", "lots"])
def test_max_cost_must_be_a_finite_non_negative_number(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    path = _write(tmp_path / "in.jsonl", chat_line(max_tokens=5))
    with pytest.raises(SystemExit) as info:
        cli.main(
            ["submit", str(path), "--local", "--data-dir", str(tmp_path / "d"), "--max-cost", value]
        )
    assert info.value.code == 2
    assert "--max-cost" in capsys.readouterr().err
