"""Executors: the offline echo model, and forwarding to an OpenAI-compatible upstream."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from groq_batch.server import LocalServer
from groq_batch.server.executors import EchoExecutor, ExecRequest, UpstreamExecutor
from tests.server_support import Api, request_line

NEVER = threading.Event()


def _chat(content: Any, **body: Any) -> ExecRequest:
    return ExecRequest(
        "c1",
        {
            "model": "llama-3.1-8b-instant",
            "messages": [{"role": "user", "content": content}],
            **body,
        },
    )


# ------------------------------------------------------------------------------------ echo
def test_echo_counts_tokens_and_reads_content_parts() -> None:
    echo = EchoExecutor()
    parts = [{"type": "text", "text": "Hello"}, {"type": "image_url", "image_url": {}}]
    [outcome] = echo.run([_chat(parts)], NEVER)
    assert outcome.status_code == 200
    assert outcome.body is not None
    message = outcome.body["choices"][0]["message"]
    assert message == {"role": "assistant", "content": "Echo: Hello"}
    # "Hello" is 1 token plus 4 of framing; the reply "Echo", ":", "Hello" is 3.
    assert outcome.body["usage"]["prompt_tokens"] == 5
    assert outcome.body["usage"]["completion_tokens"] == 3


def test_echo_honours_max_completion_tokens() -> None:
    [outcome] = EchoExecutor().run([_chat("a b c d e f", max_completion_tokens=4)], NEVER)
    assert outcome.body is not None
    assert outcome.body["choices"][0]["finish_reason"] == "length"
    assert outcome.body["choices"][0]["message"]["content"] == "Echo: a b"


def test_echo_accepts_configured_models_and_rejects_others() -> None:
    echo = EchoExecutor(models=["my/model"])
    ok, unknown = echo.run(
        [
            ExecRequest("a", {"model": "my/model", "messages": [{"role": "user", "content": "x"}]}),
            ExecRequest("b", {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}),
        ],
        NEVER,
    )
    assert ok.status_code == 200
    assert unknown.status_code == 404


def test_echo_latency_is_interruptible() -> None:
    stop = threading.Event()
    stop.set()
    from groq_batch.server.executors import Interrupted

    with pytest.raises(Interrupted):
        EchoExecutor(latency=10).run([_chat("x")], stop)


# -------------------------------------------------------------------------------- upstream
class Upstream:
    """A tiny threaded chat-completions server whose answers a test scripts."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                with upstream.lock:
                    upstream.received.append((body, self.headers.get("authorization")))
                    upstream.in_flight += 1
                    upstream.max_in_flight = max(upstream.max_in_flight, upstream.in_flight)
                    status, payload, headers = (
                        upstream.script.pop(0) if upstream.script else (200, _completion(body), {})
                    )
                time.sleep(upstream.delay)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
                with upstream.lock:
                    upstream.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _completion(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-upstream",
        "object": "chat.completion",
        "created": 1,
        "model": body["model"],
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


def test_upstream_forwards_bodies_with_the_key(upstream: Upstream) -> None:
    executor = UpstreamExecutor(upstream.url, api_key="sk-up", max_retries=0)
    request = _chat("hello", temperature=0.2, seed=7)
    [outcome] = executor.run([request], NEVER)
    executor.close()
    assert outcome.status_code == 200
    assert outcome.body == _completion(dict(request.body))
    assert outcome.request_id is not None
    assert upstream.received == [(dict(request.body), "Bearer sk-up")]


def test_upstream_retries_429_and_5xx_then_succeeds(upstream: Upstream) -> None:
    upstream.script = [
        (429, {"error": {"message": "slow down", "type": "requests"}}, {"retry-after": "0"}),
        (503, {"error": {"message": "busy", "type": "api_error"}}, {"retry-after-ms": "1"}),
    ]
    executor = UpstreamExecutor(upstream.url, max_retries=2)
    [outcome] = executor.run([_chat("x")], NEVER)
    executor.close()
    assert outcome.status_code == 200
    assert len(upstream.received) == 3


def test_upstream_keeps_final_failures_per_request(upstream: Upstream) -> None:
    bad = {"error": {"message": "bad prompt", "type": "invalid_request_error"}}
    busy = {"error": {"message": "busy", "type": "api_error"}}
    upstream.script = [(400, bad, {}), *[(503, busy, {"retry-after": "0"})] * 2]
    executor = UpstreamExecutor(upstream.url, max_retries=1, concurrency=1)
    first, second = executor.run([_chat("a"), _chat("b")], NEVER)
    executor.close()
    assert (first.status_code, first.body) == (400, bad)  # not retried
    assert (second.status_code, second.body) == (503, busy)  # retried once, then kept
    assert len(upstream.received) == 3


def test_upstream_unreachable_is_a_non_http_error() -> None:
    executor = UpstreamExecutor("http://127.0.0.1:9/v1", max_retries=0, timeout=2)
    [outcome] = executor.run([_chat("x")], NEVER)
    executor.close()
    assert outcome.status_code is None
    assert outcome.error_code == "upstream_unavailable"


def test_upstream_concurrency_is_bounded(upstream: Upstream) -> None:
    upstream.delay = 0.05
    executor = UpstreamExecutor(upstream.url, concurrency=3, max_retries=0)
    outcomes = executor.run([_chat(str(i)) for i in range(12)], NEVER)
    executor.close()
    assert [o.status_code for o in outcomes] == [200] * 12
    assert upstream.max_in_flight == 3


def test_batch_through_an_upstream_end_to_end(
    upstream: Upstream, make_local_server: Callable[..., LocalServer]
) -> None:
    upstream.script = [(200, {**_completion({"model": "m"}), "id": "first"}, {})]
    server = make_local_server(
        executor="openai-compatible",
        upstream_url=upstream.url,
        upstream_key="sk-up",
        upstream_max_retries=0,
    )
    api = Api(server.base_url)
    batch = api.wait(
        api.submit([request_line(i, model="any-upstream-model") for i in range(4)])["id"]
    )
    assert batch["status"] == "completed"
    outputs = api.lines(batch["output_file_id"])
    assert [line["custom_id"] for line in outputs] == [f"request-{i}" for i in range(4)]
    # Each upstream answer is kept as it came, including the scripted one.
    assert sorted(line["response"]["body"]["id"] for line in outputs) == [
        "chatcmpl-upstream",
        "chatcmpl-upstream",
        "chatcmpl-upstream",
        "first",
    ]
    assert {auth for _, auth in upstream.received} == {"Bearer sk-up"}
    api.close()
