"""Executors: the offline echo model, and forwarding to an OpenAI-compatible upstream."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from groq_batch.tokens import count_chat_prompt, count_tokens, is_rough
from groq_batch_server import LocalServer
from groq_batch_server.__main__ import build_parser
from groq_batch_server.catalog import load_catalog, parse_catalog
from groq_batch_server.executors import EchoExecutor, ExecRequest, Outcome, UpstreamExecutor
from tests.server.test_server_structured import SCHEMAS, _validator
from tests.server_support import Api, jsonl, request_line

CHAT = "/v1/chat/completions"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
TRANSLATIONS = "/v1/audio/translations"

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
    from groq_batch_server.executors import Interrupted

    with pytest.raises(Interrupted):
        EchoExecutor(latency=10).run([_chat("x")], stop)


def _body(outcome: Outcome) -> dict[str, Any]:
    assert outcome.status_code == 200, outcome.body
    assert outcome.body is not None
    return dict(outcome.body)


def _usage_is_consistent(body: Mapping[str, Any]) -> None:
    usage = body["usage"]
    assert usage["prompt_tokens"] > 0
    assert usage["prompt_tokens"] + usage["completion_tokens"] == usage["total_tokens"]
    assert usage["total_time"] == pytest.approx(usage["prompt_time"] + usage["completion_time"])


def _schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


def test_echo_json_object_mode_answers_a_json_object() -> None:
    [outcome] = EchoExecutor().run(
        [_chat("List two colours", response_format={"type": "json_object"})], NEVER
    )
    body = _body(outcome)
    content = json.loads(body["choices"][0]["message"]["content"])
    assert content == {"echo": "List two colours"}
    assert body["choices"][0]["finish_reason"] == "stop"
    _usage_is_consistent(body)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_echo_json_schema_mode_answers_a_valid_instance(name: str) -> None:
    schema = SCHEMAS[name]
    validator = _validator(schema)
    requests = [
        ExecRequest(
            f"row-{i}",
            {
                "model": "openai/gpt-oss-20b",
                "messages": [{"role": "user", "content": f"Extract record {i}"}],
                "response_format": _schema_format(schema),
            },
        )
        for i in range(5)
    ]
    for outcome in EchoExecutor().run(requests, NEVER):
        body = _body(outcome)
        content = body["choices"][0]["message"]["content"]
        assert list(validator.iter_errors(json.loads(content))) == []
        # Completion tokens are the tokens of the JSON actually sent.
        assert body["usage"]["completion_tokens"] == count_tokens(content, "openai/gpt-oss-20b")
        _usage_is_consistent(body)


def test_echo_json_schema_that_cannot_be_met_fails_like_groq() -> None:
    impossible = {"type": "integer", "minimum": 5, "maximum": 1}
    [outcome] = EchoExecutor().run([_chat("x", response_format=_schema_format(impossible))], NEVER)
    assert outcome.status_code == 400
    assert outcome.body is not None
    assert outcome.body["error"]["code"] == "json_validate_failed"


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
BOOKING = {
    "type": "function",
    "function": {"name": "book", "parameters": SCHEMAS["refs and defs (Pydantic style)"]},
}


@pytest.mark.parametrize(
    ("tool_choice", "called"),
    [
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "book"}}, "book"),
        ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
    ],
)
def test_echo_calls_the_required_or_named_tool(tool_choice: Any, called: str) -> None:
    request = _chat("Weather in Paris?", tools=[WEATHER, BOOKING], tool_choice=tool_choice)
    [outcome] = EchoExecutor().run([request], NEVER)
    body = _body(outcome)
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == called
    parameters = {"get_weather": WEATHER, "book": BOOKING}[called]["function"]["parameters"]
    arguments = json.loads(call["function"]["arguments"])
    assert list(_validator(parameters).iter_errors(arguments)) == []
    _usage_is_consistent(body)
    # The tools' definitions count as prompt, as they do on Groq.
    [plain] = EchoExecutor().run([_chat("Weather in Paris?")], NEVER)
    assert body["usage"]["prompt_tokens"] > _body(plain)["usage"]["prompt_tokens"]


def test_echo_answers_text_when_tool_choice_is_auto_or_none() -> None:
    for choice in ("auto", "none", None):
        extra = {} if choice is None else {"tool_choice": choice}
        [outcome] = EchoExecutor().run([_chat("hi", tools=[WEATHER], **extra)], NEVER)
        message = _body(outcome)["choices"][0]["message"]
        assert message["content"] == "Echo: hi"
        assert "tool_calls" not in message


@pytest.mark.parametrize(
    ("tools", "tool_choice"),
    [
        ([WEATHER], {"type": "function", "function": {"name": "nope"}}),
        (None, "required"),
        ([WEATHER], "sometimes"),
    ],
)
def test_echo_refuses_bad_tool_choices(tools: Any, tool_choice: Any) -> None:
    extra = {"tools": tools} if tools is not None else {}
    [outcome] = EchoExecutor().run([_chat("x", tool_choice=tool_choice, **extra)], NEVER)
    assert outcome.status_code == 400


def test_echo_is_deterministic_per_request_and_varies_across_rows() -> None:
    body = {
        "model": "llama-3.3-70b-versatile",
        "messages": [{"role": "user", "content": "Extract"}],
        "response_format": _schema_format(SCHEMAS["refs and defs (Pydantic style)"]),
    }
    echo = EchoExecutor()
    first, again, other = echo.run(
        [ExecRequest("a", body), ExecRequest("a", body), ExecRequest("b", body)], NEVER
    )

    def stable(outcome: Outcome) -> tuple[Any, ...]:
        b = _body(outcome)
        return b["id"], b["choices"], b["usage"], b["x_groq"]["seed"]

    assert stable(first) == stable(again)
    assert _body(first)["choices"] != _body(other)["choices"]


def test_echo_usage_comes_from_a_real_tokenizer() -> None:
    text = "Tokenizers split words like 'antidisestablishmentarianism' into pieces."
    assert not is_rough()
    [outcome] = EchoExecutor().run([_chat(text)], NEVER)
    usage = _body(outcome)["usage"]
    assert usage["prompt_tokens"] == count_tokens(text) + 4
    assert usage["completion_tokens"] == count_tokens(f"Echo: {text}")
    # Neither a word count nor characters / 4 gives that number.
    assert usage["prompt_tokens"] - 4 != len(text.split())
    assert usage["prompt_tokens"] - 4 != count_tokens(text, rough=True)


def test_echo_max_tokens_cuts_structured_content_too() -> None:
    schema = SCHEMAS["string formats"]
    [outcome] = EchoExecutor().run(
        [_chat("x", response_format=_schema_format(schema), max_tokens=5)], NEVER
    )
    body = _body(outcome)
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 5


# ---------------------------------------------------------------------------------- audio
AUDIO_URL = "https://example.com/audio/test01_20s.wav"


def _audio(url: str | None, endpoint: str = TRANSCRIPTIONS, **body: Any) -> ExecRequest:
    return ExecRequest("a1", {"model": "whisper-large-v3", "url": AUDIO_URL, **body}, url)


def test_echo_transcribes_with_the_json_shape() -> None:
    [outcome] = EchoExecutor().run([_audio(TRANSCRIPTIONS, language="en")], NEVER)
    body = _body(outcome)
    assert set(body) == {"text", "x_groq"}
    assert "test01_20s.wav" in body["text"]
    assert body["x_groq"]["id"] == outcome.request_id


def test_echo_verbose_json_has_segments_and_words() -> None:
    request = _audio(
        TRANSCRIPTIONS,
        language="es",
        response_format="verbose_json",
        timestamp_granularities=["segment", "word"],
    )
    [outcome] = EchoExecutor().run([request], NEVER)
    body = _body(outcome)
    assert body["task"] == "transcribe"
    assert body["language"] == "spanish"
    assert body["duration"] > 0
    segments = body["segments"]
    assert [s["id"] for s in segments] == list(range(len(segments)))
    assert "".join(s["text"] for s in segments) == body["text"]
    assert all(s["start"] < s["end"] <= body["duration"] for s in segments)
    assert [w["word"] for w in body["words"]][:4] == ["This", "is", "the", "echo"]


def test_echo_translates_to_english_and_depends_only_on_the_url() -> None:
    echo = EchoExecutor()
    translated, again, other = echo.run(
        [
            _audio(TRANSLATIONS, response_format="verbose_json", language="fr"),
            _audio(TRANSLATIONS, response_format="verbose_json", prompt="ignored", temperature=0),
            ExecRequest(
                "a3",
                {"model": "whisper-large-v3", "url": AUDIO_URL + "?v=2"},
                TRANSLATIONS,
            ),
        ],
        NEVER,
    )
    body = _body(translated)
    assert (body["task"], body["language"]) == ("translate", "english")
    assert body["text"] == _body(again)["text"]
    assert body["text"] != _body(other)["text"]


def test_echo_tells_an_audio_body_without_a_url() -> None:
    [outcome] = EchoExecutor().run([_audio(None)], NEVER)
    assert "text" in _body(outcome)


@pytest.mark.parametrize(
    ("request_", "status"),
    [
        (ExecRequest("x", {"model": "whisper-large-v3", "messages": [{"role": "user"}]}), 400),
        (
            ExecRequest("x", {"model": "llama-3.1-8b-instant", "url": AUDIO_URL}, TRANSCRIPTIONS),
            400,
        ),
        (
            ExecRequest("x", {"model": "whisper-large-v3-turbo", "url": AUDIO_URL}, TRANSLATIONS),
            400,
        ),
        (ExecRequest("x", {"model": "whisper-large-v3"}, TRANSCRIPTIONS), 400),
        (
            ExecRequest(
                "x",
                {"model": "whisper-large-v3", "url": AUDIO_URL, "response_format": "srt"},
                TRANSCRIPTIONS,
            ),
            400,
        ),
        (ExecRequest("x", {"model": "whisper-huge", "url": AUDIO_URL}, TRANSCRIPTIONS), 404),
        (ExecRequest("x", {"model": "playai-tts", "url": AUDIO_URL}, TRANSCRIPTIONS), 404),
    ],
)
def test_echo_refuses_what_groq_refuses(request_: ExecRequest, status: int) -> None:
    [outcome] = EchoExecutor().run([request_], NEVER)
    assert outcome.status_code == status, outcome.body


def test_echo_any_model_wildcard() -> None:
    [outcome] = EchoExecutor(models=["*"]).run(
        [ExecRequest("x", {"model": "made/up", "messages": [{"role": "user", "content": "x"}]})],
        NEVER,
    )
    assert _body(outcome)["model"] == "made/up"


def test_audio_batch_end_to_end(make_local_server: Callable[..., LocalServer]) -> None:
    server = make_local_server()
    api = Api(server.base_url)
    lines = [
        {
            "custom_id": f"clip-{i}",
            "method": "POST",
            "url": TRANSCRIPTIONS,
            "body": {
                "model": "whisper-large-v3-turbo",
                "url": f"https://example.com/clip{i}.wav",
                "response_format": "verbose_json",
            },
        }
        for i in range(3)
    ]
    batch = api.wait(api.submit(lines, endpoint=TRANSCRIPTIONS)["id"])
    assert batch["status"] == "completed", batch
    assert batch["endpoint"] == TRANSCRIPTIONS
    outputs = {line["custom_id"]: line for line in api.lines(batch["output_file_id"])}
    assert sorted(outputs) == ["clip-0", "clip-1", "clip-2"]
    for i, line in enumerate(sorted(outputs)):
        body = outputs[line]["response"]["body"]
        assert f"clip{i}.wav" in body["text"]
        assert body["segments"]
    api.close()


def test_mixed_batch_end_to_end(make_local_server: Callable[..., LocalServer]) -> None:
    server = make_local_server()
    api = Api(server.base_url)
    audio = {"model": "whisper-large-v3", "url": AUDIO_URL, "response_format": "verbose_json"}
    lines = [
        request_line(0),
        {"custom_id": "t", "method": "POST", "url": TRANSCRIPTIONS, "body": audio},
        {"custom_id": "tr", "method": "POST", "url": TRANSLATIONS, "body": audio},
    ]
    batch = api.wait(api.submit(lines)["id"])
    assert batch["status"] == "completed", batch
    outputs = {
        line["custom_id"]: line["response"]["body"] for line in api.lines(batch["output_file_id"])
    }
    assert outputs["request-0"]["choices"][0]["message"]["content"].startswith("Echo: ")
    # Each line runs against its own endpoint, whatever the batch's endpoint says.
    assert outputs["t"]["task"] == "transcribe"
    assert (outputs["tr"]["task"], outputs["tr"]["language"]) == ("translate", "english")
    api.close()


def test_batch_create_accepts_the_three_endpoints(local_server: LocalServer) -> None:
    api = Api(local_server.base_url)
    file = api.upload(jsonl([request_line(0)]))
    for endpoint in (CHAT, TRANSCRIPTIONS, TRANSLATIONS):
        assert api.create(file["id"], endpoint=endpoint)["endpoint"] == endpoint
    refused = api.http.post(
        "/batches",
        json={
            "input_file_id": file["id"],
            "endpoint": "/v1/embeddings",
            "completion_window": "24h",
        },
    )
    assert refused.status_code == 422
    api.close()


# -------------------------------------------------------------------------------- upstream
class Upstream:
    """A tiny threaded chat-completions server whose answers a test scripts."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.paths: list[tuple[str, str, bytes]] = []
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["content-length"]))
                upstream.paths.append((self.path, self.headers.get("content-type", ""), raw))
                if not self.headers.get("content-type", "").startswith("application/json"):
                    body = {"model": "whisper-large-v3"}
                else:
                    body = json.loads(raw)
                with upstream.lock:
                    upstream.received.append((body, self.headers.get("authorization")))
                    upstream.in_flight += 1
                    upstream.max_in_flight = max(upstream.max_in_flight, upstream.in_flight)
                    status, payload, headers = (
                        upstream.script.pop(0) if upstream.script else (200, _completion(body), {})
                    )
                time.sleep(upstream.delay)
                # Done before the answer is sent: the client may have it (and start its next
                # request) before this thread runs again, which would count one request twice.
                with upstream.lock:
                    upstream.in_flight -= 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

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


def test_upstream_posts_audio_lines_as_forms(upstream: Upstream) -> None:
    executor = UpstreamExecutor(upstream.url, max_retries=0)
    audio = {
        "model": "whisper-large-v3",
        "url": AUDIO_URL,
        "language": "fr",
        "temperature": 0,
        "timestamp_granularities": ["word", "segment"],
    }
    outcomes = executor.run(
        [
            _chat("hi"),
            ExecRequest("t", audio, TRANSCRIPTIONS),
            ExecRequest("tr", audio, TRANSLATIONS),
        ],
        NEVER,
    )
    executor.close()
    assert [o.status_code for o in outcomes] == [200, 200, 200]
    paths = sorted((path, kind.split(";")[0]) for path, kind, _ in upstream.paths)
    assert paths == [
        ("/v1/audio/transcriptions", "multipart/form-data"),
        ("/v1/audio/translations", "multipart/form-data"),
        ("/v1/chat/completions", "application/json"),
    ]
    form = next(raw for path, _, raw in upstream.paths if path.endswith("transcriptions"))
    for field, value in [
        ("url", AUDIO_URL),
        ("language", "fr"),
        ("temperature", "0"),
        ("timestamp_granularities[]", "word"),
        ("timestamp_granularities[]", "segment"),
    ]:
        assert f'name="{field}"\r\n\r\n{value}\r\n'.encode() in form


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


# -------------------------------------------------------------------------------- catalog
def test_catalog_is_the_one_model_list() -> None:
    catalog = load_catalog()
    assert catalog.batch_endpoints == {CHAT, TRANSCRIPTIONS, TRANSLATIONS}
    assert {"whisper-large-v3", "whisper-large-v3-turbo"} <= catalog.batch_models()
    assert "playai-tts" in catalog.models
    assert "playai-tts" not in catalog.batch_models()
    assert EchoExecutor().models == catalog.batch_models()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"models": [{"id": "m", "endpoints": ["/v1/embeddings"]}]}, "unknown endpoints"),
        ({"models": [{"id": "m"}, {"id": "m"}]}, "listed twice"),
    ],
)
def test_catalog_refuses_inconsistent_data(data: dict[str, Any], message: str) -> None:
    base = {
        "batch_endpoints": [CHAT],
        "rate_limits": {"requests_per_day": 1, "tokens_per_minute": 1},
    }
    with pytest.raises(ValueError, match=message):
        parse_catalog({**base, **data})


def test_any_model_flag_reaches_the_echo_executor(
    make_local_server: Callable[..., LocalServer],
) -> None:
    args = build_parser().parse_args(["--any-model", "--model", "mine"])
    assert args.any_model
    server = make_local_server(models=("*",))
    api = Api(server.base_url)
    batch = api.wait(api.submit([request_line(0, model="someone/else")])["id"])
    [line] = api.lines(batch["output_file_id"])
    assert line["response"]["body"]["model"] == "someone/else"
    api.close()


def test_echo_prompt_usage_on_the_example_file_is_count_chat_prompt() -> None:
    # What a cost estimator built on groq_batch.tokens will predict for examples/questions.jsonl
    # is exactly what the local server then reports.
    path = Path(__file__).parents[2] / "examples" / "questions.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    outcomes = EchoExecutor().run([ExecRequest(x["custom_id"], x["body"]) for x in lines], NEVER)
    reported = [_body(o)["usage"]["prompt_tokens"] for o in outcomes]
    predicted = [count_chat_prompt(x["body"]["messages"], x["body"]["model"]) for x in lines]
    assert reported == predicted
