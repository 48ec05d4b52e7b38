"""The batch lifecycle on the local server, as Groq documents it (groq-wire.md sections 4-6)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from groq_batch_api.models import BatchRequestOutput
from groq_batch_server import LocalServer
from groq_batch_server.executors import ExecRequest, Executor, Outcome
from tests.server_support import Api, request_line

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml").read_text())
_REGISTRY = Registry().with_resource("urn:spec", DRAFT202012.create_resource(SPEC))


def spec_validator(name: str) -> Draft202012Validator:
    """A JSON Schema validator for one of the spec's component schemas."""
    return Draft202012Validator(
        {"$ref": f"urn:spec#/components/schemas/{name}"}, registry=_REGISTRY
    )


OUTPUT_LINE = spec_validator("BatchRequestOutput")
COMPLETION = spec_validator("ChatCompletion")
ERROR_RESPONSE = spec_validator("ErrorResponse")


@pytest.fixture
def api(local_server: LocalServer) -> Iterator[Api]:
    client = Api(local_server.base_url)
    yield client
    client.close()


@pytest.fixture
def slow_api(make_local_server: Callable[..., LocalServer]) -> Iterator[Api]:
    """A server whose requests take 10 ms each, committed 5 at a time: progress is visible."""
    server = make_local_server(request_latency=0.01, chunk_size=5)
    client = Api(server.base_url)
    yield client
    client.close()


# ---------------------------------------------------------------------------------- normal run
def test_normal_run_moves_counts_and_timestamps(slow_api: Api) -> None:
    batch = slow_api.submit([request_line(i) for i in range(40)])
    assert batch["status"] == "validating"
    assert batch["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert batch["expires_at"] - batch["created_at"] == 86400
    for name in ("in_progress_at", "finalizing_at", "completed_at", "output_file_id"):
        assert batch[name] is None

    seen_counts: set[int] = set()

    def observe(b: dict[str, Any]) -> bool:
        if b["status"] == "in_progress":
            assert b["request_counts"]["total"] == 40
            seen_counts.add(b["request_counts"]["completed"])
        return b["status"] == "completed"

    done = slow_api.wait(batch["id"], observe)
    # Progress was visible between the start and the end, not only at the end.
    assert len(seen_counts - {0, 40}) >= 2
    assert done["request_counts"] == {"total": 40, "completed": 40, "failed": 0}
    assert done["created_at"] <= done["in_progress_at"] <= done["finalizing_at"]
    assert done["finalizing_at"] <= done["completed_at"]
    for name in ("failed_at", "expired_at", "cancelling_at", "cancelled_at", "error_file_id"):
        assert done[name] is None
    assert done["errors"] is None


def test_output_file_uses_groqs_line_format(api: Api) -> None:
    inputs = [request_line(i) for i in range(6)]
    batch = api.wait(api.submit(inputs)["id"])
    info = api.http.get(f"/files/{batch['output_file_id']}").json()
    assert info["purpose"] == "batch_output"
    assert info["filename"] == f"{batch['id']}_output.jsonl"
    raw = api.content(batch["output_file_id"])
    assert info["bytes"] == len(raw)
    assert raw.endswith(b"\n")
    lines = [json.loads(line) for line in raw.splitlines()]
    assert [line["custom_id"] for line in lines] == [f"request-{i}" for i in range(6)]
    for line in lines:
        OUTPUT_LINE.validate(line)
        BatchRequestOutput.from_dict(line)
        assert list(line) == ["id", "custom_id", "response", "error"]
        assert line["id"].startswith("batch_req_out_")
        assert line["error"] is None
        response = line["response"]
        assert response["status_code"] == 200
        assert response["request_id"].startswith("req_")
        body = response["body"]
        COMPLETION.validate(body)
        assert body["object"] == "chat.completion"
        assert body["model"] == "llama-3.1-8b-instant"
        assert body["service_tier"] == "batch"
        assert body["x_groq"]["id"] == response["request_id"]
        usage = body["usage"]
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        assert usage["prompt_tokens"] > 0
        assert usage["completion_tokens"] > 0
        assert body["choices"][0]["finish_reason"] == "stop"
    assert lines[3]["response"]["body"]["choices"][0]["message"]["content"] == (
        "Echo: Question number 3?"
    )
    assert len({line["id"] for line in lines}) == 6


def test_per_request_failures_go_to_the_error_file_with_the_response(api: Api) -> None:
    inputs = [
        request_line(0),
        request_line(1, model="no-such-model"),
        {**request_line(2), "body": {"model": "llama-3.1-8b-instant"}},  # no messages
        request_line(3),
    ]
    batch = api.wait(api.submit(inputs)["id"])
    assert batch["status"] == "completed"
    assert batch["request_counts"] == {"total": 4, "completed": 2, "failed": 2}
    assert [line["custom_id"] for line in api.lines(batch["output_file_id"])] == [
        "request-0",
        "request-3",
    ]
    errors = {line["custom_id"]: line for line in api.lines(batch["error_file_id"])}
    assert set(errors) == {"request-1", "request-2"}
    for line in errors.values():
        OUTPUT_LINE.validate(line)
        ERROR_RESPONSE.validate(line["response"]["body"])
        assert line["error"] is None
    missing_model = errors["request-1"]["response"]
    assert missing_model["status_code"] == 404
    assert missing_model["body"] == {
        "error": {
            "message": "The model `no-such-model` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "code": "model_not_found",
        }
    }
    assert errors["request-2"]["response"]["status_code"] == 400
    info = api.http.get(f"/files/{batch['error_file_id']}").json()
    assert (info["purpose"], info["filename"]) == ("batch_output", f"{batch['id']}_error.jsonl")


def test_echo_is_deterministic_and_honours_max_tokens(api: Api) -> None:
    long = "one two three four five six seven eight nine ten"
    inputs = [
        request_line(0, content=long),
        {
            **request_line(1, content=long),
            "body": {**request_line(1, content=long)["body"], "max_tokens": 3},
        },
    ]
    first = api.lines(api.wait(api.submit(inputs)["id"])["output_file_id"])
    second = api.lines(api.wait(api.submit(inputs)["id"])["output_file_id"])
    for a, b in zip(first, second, strict=True):
        body_a, body_b = a["response"]["body"], b["response"]["body"]
        assert body_a["choices"] == body_b["choices"]
        assert body_a["usage"] == body_b["usage"]
        assert body_a["id"] == body_b["id"]
    truncated = first[1]["response"]["body"]
    assert truncated["choices"][0]["finish_reason"] == "length"
    assert truncated["usage"]["completion_tokens"] == 3
    assert truncated["choices"][0]["message"]["content"] == "Echo: one"


# ---------------------------------------------------------------------------- validation failure
def _line(**changes: Any) -> str:
    line = request_line(2)
    for key, value in changes.items():
        if value is _DROP:
            del line[key]
        else:
            line[key] = value
    return json.dumps(line)


_DROP = object()


@pytest.mark.parametrize(
    ("bad_line", "code", "param"),
    [
        pytest.param(
            '{"custom_id": "request-2", "method": "POST",', "invalid_json", None, id="json"
        ),
        pytest.param(_line(custom_id=_DROP), "missing_custom_id", "custom_id", id="no-custom-id"),
        pytest.param(_line(custom_id="request-0"), "duplicate_custom_id", "custom_id", id="dup"),
        pytest.param(_line(method="GET"), "invalid_method", "method", id="method"),
        pytest.param(_line(url="/v1/embeddings"), "invalid_url", "url", id="url"),
        pytest.param(
            _line(body={"messages": [{"role": "user", "content": "hi"}]}),
            "missing_model",
            "body.model",
            id="no-model",
        ),
    ],
)
def test_validation_failure_lists_each_problem(
    api: Api, bad_line: str, code: str, param: str | None
) -> None:
    lines: list[Any] = [request_line(0), request_line(1), bad_line, request_line(3)]
    batch = api.wait(api.submit(lines)["id"])
    assert batch["status"] == "failed"
    assert batch["failed_at"] is not None
    assert batch["in_progress_at"] is None
    assert batch["output_file_id"] is None
    assert batch["error_file_id"] is None
    assert batch["errors"]["object"] == "list"
    [error] = batch["errors"]["data"]
    assert (error["code"], error["param"], error["line"]) == (code, param, 3)
    assert error["message"]


def test_more_than_50000_lines_fails_validation(api: Api) -> None:
    line = b'{"custom_id":"%d","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}\n'
    content = b"".join(line % i for i in range(50_001))
    batch = api.create(api.upload(content)["id"])
    failed = api.wait(batch["id"], timeout=60)
    assert failed["status"] == "failed"
    assert [e["code"] for e in failed["errors"]["data"]] == ["too_many_lines"]
    assert failed["errors"]["data"][0]["line"] is None


# ------------------------------------------------------------------------------------- cancel
class _Gate:
    """Wraps the worker's executor: once `free` requests have run, the next call waits.

    While it waits (until `release`), the batch can only be in ``in_progress`` or
    ``cancelling``, so the test decides the state, not the scheduler.
    """

    def __init__(self, inner: Executor, free: int) -> None:
        self.inner = inner
        self.free = free
        self.passed = 0
        self.held = threading.Event()
        self.release = threading.Event()

    def run(self, requests: Sequence[ExecRequest], stop: threading.Event) -> list[Outcome]:
        if self.passed >= self.free:
            self.held.set()
            while not (self.release.wait(0.05) or stop.is_set()):
                pass
        self.passed += len(requests)
        return self.inner.run(requests, stop)

    def close(self) -> None:
        self.inner.close()


def test_cancel_keeps_finished_results_and_lists_the_rest(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(chunk_size=5)
    gate = _Gate(server.worker.executor, free=10)
    server.worker.executor = gate
    slow_api = Api(server.base_url)
    inputs = [request_line(i) for i in range(200)]
    batch = slow_api.submit(inputs)
    assert gate.held.wait(20), "the worker never got past ten requests"
    cancelling = slow_api.http.post(f"/batches/{batch['id']}/cancel")
    assert cancelling.status_code == 200
    assert cancelling.json()["status"] == "cancelling"
    assert cancelling.json()["cancelling_at"] is not None
    # Cancel is idempotent: a retried cancel, arriving while the batch is certainly still
    # cancelling, gets the batch, not an error.
    again = slow_api.http.post(f"/batches/{batch['id']}/cancel")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "cancelling"
    assert again.json()["cancelling_at"] == cancelling.json()["cancelling_at"]
    gate.release.set()

    done = slow_api.wait(batch["id"])
    assert done["status"] == "cancelled"
    assert done["cancelled_at"] >= done["cancelling_at"]
    assert done["completed_at"] is None
    outputs = slow_api.lines(done["output_file_id"])
    errors = slow_api.lines(done["error_file_id"])
    # The free requests, and the held ones, which finished after the cancel.
    assert len(outputs) == done["request_counts"]["completed"] == gate.passed > 10
    for line in errors:
        OUTPUT_LINE.validate(line)
        assert line["response"] is None
        assert line["error"]["code"] == "batch_cancelled"
    ids = [line["custom_id"] for line in outputs + errors]
    assert sorted(ids) == sorted(line["custom_id"] for line in inputs)
    slow_api.close()


def test_cancel_errors(api: Api) -> None:
    done = api.wait(api.submit([request_line(0)])["id"])
    conflict = api.http.post(f"/batches/{done['id']}/cancel")
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "batch_not_cancellable"
    missing = api.http.post("/batches/batch_nope/cancel")
    assert missing.status_code == 404
    assert missing.json()["error"]["type"] == "invalid_request_error"


# ------------------------------------------------------------------------------------- expiry
def test_expiry_keeps_partial_output_and_lists_unprocessed(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # 24h at 86400x lasts one second; 300 requests at 10 ms each need three.
    server = make_local_server(time_scale=86400, request_latency=0.01, chunk_size=5)
    api = Api(server.base_url)
    inputs = [request_line(i) for i in range(300)]
    batch = api.submit(inputs)
    assert batch["expires_at"] - batch["created_at"] == 1
    done = api.wait(batch["id"], timeout=30)
    assert done["status"] == "expired"
    assert done["expired_at"] is not None
    assert done["completed_at"] is None
    outputs = api.lines(done["output_file_id"])
    errors = api.lines(done["error_file_id"])
    assert 0 < len(outputs) == done["request_counts"]["completed"] < 300
    assert {line["error"]["code"] for line in errors} == {"batch_expired"}
    assert all(line["response"] is None for line in errors)
    ids = [line["custom_id"] for line in outputs + errors]
    assert sorted(ids) == sorted(line["custom_id"] for line in inputs)
    api.close()
