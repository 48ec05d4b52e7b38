"""Result lines are classified by the wire rule and joined to their inputs, streaming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch.jsonl import chat_request, write_jsonl
from groq_batch.results import InputIndex, Outcome, ResultSummary, classify, join_results

SUCCESS = {
    "id": "batch_req_out_01jpra5p4ve4v8k14zkqn6agjm",
    "custom_id": "request-2",
    "response": {
        "status_code": 200,
        "request_id": "req_01jpra5n2qef6s66k65v8sy51h",
        "body": {
            "id": "chatcmpl-f822c700",
            "object": "chat.completion",
            "created": 1742425217,
            "model": "llama-3.1-8b-instant",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Four."},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 55, "completion_tokens": 5, "total_tokens": 60},
            "x_groq": {"id": "req_01jpra5n2qef6s66k65v8sy51h"},
        },
    },
    "error": None,
}
# The real error-file line from groq-wire.md §5.3: a 400 with `response` filled in.
REQUEST_ERROR = {
    "id": "batch_req_out_01kd9xbwxjfsvrz95mc0dh0mph",
    "custom_id": "pr-9953",
    "response": {
        "status_code": 400,
        "body": {
            "error": {
                "message": "Failed to validate JSON. Please adjust your prompt.",
                "type": "invalid_request_error",
                "code": "json_validate_failed",
                "failed_generation": "",
            }
        },
    },
}
EXPIRED = {
    "id": "x",
    "custom_id": "late",
    "response": None,
    "error": {"code": "batch_expired", "message": "Window elapsed."},
}


def test_success_is_typed_lazily() -> None:
    result = classify(SUCCESS)
    assert result.outcome is Outcome.SUCCEEDED
    assert result.ok
    assert result.status_code == 200
    assert result.text == "Four."
    assert result.error is None
    body = result.body
    assert body is not None
    assert body.choices[0].message.content == "Four."
    assert body.model == "llama-3.1-8b-instant"


def test_request_error_keeps_envelope() -> None:
    result = classify(REQUEST_ERROR)
    assert result.outcome is Outcome.REQUEST_ERROR
    assert result.status_code == 400
    assert result.error is not None
    assert result.error.code == "json_validate_failed"
    assert result.error.type == "invalid_request_error"
    assert result.body is None
    assert result.text is None


@pytest.mark.parametrize(
    ("code", "outcome"),
    [
        ("batch_expired", Outcome.EXPIRED),
        ("batch_cancelled", Outcome.CANCELLED),
        ("server_error", Outcome.BATCH_ERROR),
    ],
)
def test_error_lines(code: str, outcome: Outcome) -> None:
    result = classify(dict(EXPIRED, error={"code": code, "message": "m"}))
    assert result.outcome is outcome
    assert result.error is not None
    assert result.error.code == code


def test_2xx_with_error_is_not_a_success() -> None:
    line = dict(SUCCESS, error={"code": "server_error", "message": "late failure"})
    assert classify(line).outcome is Outcome.BATCH_ERROR


def test_line_with_neither_is_a_batch_error() -> None:
    assert classify({"custom_id": "x"}).outcome is Outcome.BATCH_ERROR


def lines_of(*objs: dict[str, object]) -> list[bytes]:
    return [json.dumps(o).encode() + b"\n" for o in objs]


def test_join_with_file_inputs_finds_missing(tmp_path: Path) -> None:
    inputs = tmp_path / "in.jsonl"
    ids = ["request-2", "pr-9953", "late", "never"]
    write_jsonl(
        [chat_request(i, model="m", messages=[{"role": "user", "content": i}]) for i in ids],
        inputs,
    )
    with InputIndex.from_path(inputs) as index:
        results = list(join_results(lines_of(SUCCESS, REQUEST_ERROR, EXPIRED), index))
    assert [(r.custom_id, r.outcome) for r in results] == [
        ("request-2", Outcome.SUCCEEDED),
        ("pr-9953", Outcome.REQUEST_ERROR),
        ("late", Outcome.EXPIRED),
        ("never", Outcome.MISSING),
    ]
    for result in results:
        assert result.request is not None
        assert result.request.custom_id == result.custom_id
        assert result.request.body["messages"][0]["content"] == result.custom_id


def test_summary_counts_and_tokens() -> None:
    index = InputIndex.from_requests(
        [chat_request(i, model="m", messages=[]) for i in ("request-2", "pr-9953", "gone")]
    )
    summary = ResultSummary()
    for result in join_results(lines_of(SUCCESS, REQUEST_ERROR), index):
        summary.add(result)
    assert summary.as_dict() == {
        "total": 3,
        "outcomes": {
            "succeeded": 1,
            "request_error": 1,
            "batch_error": 0,
            "expired": 0,
            "cancelled": 0,
            "missing": 1,
        },
        "prompt_tokens": 55,
        "completion_tokens": 5,
        "total_tokens": 60,
    }


@given(
    ids=st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=40, unique=True),
    data=st.data(),
)
def test_join_yields_every_input_exactly_once(ids: list[str], data: st.DataObject) -> None:
    present = data.draw(st.lists(st.sampled_from(ids), unique=True))
    succeeded = (
        set(data.draw(st.lists(st.sampled_from(present), unique=True))) if present else set()
    )
    lines = [
        dict(SUCCESS, custom_id=i) if i in succeeded else dict(REQUEST_ERROR, custom_id=i)
        for i in present
    ]
    index = InputIndex.from_requests([chat_request(i, model="m", messages=[]) for i in ids])
    results = list(join_results(lines_of(*lines), index))
    assert sorted(r.custom_id for r in results) == sorted(ids)
    for result in results:
        expected = (
            Outcome.SUCCEEDED
            if result.custom_id in succeeded
            else Outcome.REQUEST_ERROR
            if result.custom_id in present
            else Outcome.MISSING
        )
        assert result.outcome is expected
