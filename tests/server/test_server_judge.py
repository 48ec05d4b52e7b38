"""The server is an independent judge of batch input: it agrees with the client's validator.

The server checks each line against the spec's ``BatchRequestLine`` schema (its own copy,
written by ``generator/regenerate.py``) plus its own checks, and never imports
``groq_batch.validation`` (an import-linter contract holds that). Here the whole bad-input
corpus and every good file go through both, and through a running server, and must get the
same verdict, the same failing lines and the same codes. The client is compared as the server
runs: one uploaded file, no splitting, a body's ``messages`` or audio ``url`` left to the
endpoint (``require_messages=False``); the client's stricter default refuses those too, which
`CLIENT_ONLY` names.
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groq_batch.validation import MAX_DEPTH, validate_path
from groq_batch_server import LocalServer, ServerConfig
from groq_batch_server import judge as judge_module
from groq_batch_server.catalog import load_catalog
from groq_batch_server.judge import (
    MAX_DEPTH as SERVER_MAX_DEPTH,
)
from groq_batch_server.judge import (
    SCHEMA_PATH,
    LineError,
    judge_path,
    request_line_schema,
)
from tests.server_support import Api

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "jobs" / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"
MANIFEST: dict[str, dict[str, Any]] = json.loads((BAD / "manifest.json").read_text())
CHAT = "/v1/chat/completions"
AUDIO = "/v1/audio/transcriptions"
# What only the client's default (`require_messages=True`) refuses: the endpoint's own needs.
CLIENT_ONLY = frozenset(
    {"missing_messages", "invalid_messages", "missing_audio_url", "invalid_audio_url"}
)
CORPUS = sorted(BAD.glob("*.jsonl")) + sorted(GOOD.glob("*.jsonl"))
Found = list[tuple[int | None, str | None, str]]


def _endpoint(path: Path) -> str:
    return str(MANIFEST.get(path.name, {}).get("endpoint", CHAT))


def _server_rules(path: Path) -> list[LineError]:
    defaults = ServerConfig()
    return judge_path(
        path,
        endpoint=_endpoint(path),
        endpoints=load_catalog().batch_endpoints,
        max_lines=defaults.max_lines,
        max_bytes=defaults.max_upload_bytes,
    )


def _client(path: Path) -> Found:
    report = validate_path(path, endpoint=_endpoint(path), require_messages=False)
    return [(p.line, p.field, p.code) for p in report.problems]


def _server(errors: list[LineError]) -> Found:
    return [(e.line, e.param, e.code) for e in errors]


def _refused_by_server(path: Path) -> bool:
    if path.parent == GOOD:
        return False
    return any(code not in CLIENT_ONLY for _, _, code in MANIFEST[path.name]["problems"])


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_client_and_server_judge_every_corpus_file_alike(path: Path) -> None:
    server = _server_rules(path)
    assert bool(server) == _refused_by_server(path)
    assert _server(server) == _client(path)
    for error in server:
        assert error.message
        error.message.encode("utf-8")  # printable whatever the line held


def test_a_running_server_refuses_the_corpus_as_the_client_does(local_server: LocalServer) -> None:
    # One upload and batch per file, all created first, so the worker judges them back to back.
    api = Api(local_server.base_url)
    try:
        batches: dict[Path, str | None] = {}
        verdicts: dict[Path, Found] = {}
        for path in CORPUS:
            file_id = api.upload(path.read_bytes(), filename=path.name)["id"]
            body = {"input_file_id": file_id, "endpoint": _endpoint(path),
                    "completion_window": "24h"}  # fmt: skip
            response = api.http.post("/batches", json=body)
            if response.status_code == 422:  # the batch's endpoint is refused at creation
                error = response.json()["error"]
                verdicts[path] = [(None, error["param"], error["code"])]
                continue
            assert response.status_code == 200, response.text
            batches[path] = response.json()["id"]
        for path, batch_id in batches.items():
            assert batch_id is not None
            batch = api.wait(batch_id, until=_judged, timeout=60)
            errors = (batch.get("errors") or {}).get("data") or []
            verdicts[path] = [(e["line"], e["param"], e["code"]) for e in errors]
        for path in CORPUS:
            assert verdicts[path] == _client(path), path.name
    finally:
        api.close()


def _judged(batch: dict[str, Any]) -> bool:
    return batch["status"] != "validating"


# ------------------------------------------------------------------- beyond the corpus
_VALUES = st.sampled_from(
    [None, "", "x", "POST", "post", 0, 1.5, True, [], ["word"], ["segment", "bogus"], {},
     {"a": 1}, CHAT, AUDIO, "/v1/embeddings", "json", "srt", "en", "\ud800"]
)  # fmt: skip
_FIELDS = st.sampled_from(
    [("custom_id",), ("method",), ("url",), ("body",), ("body", "model"), ("body", "language"),
     ("body", "prompt"), ("body", "response_format"), ("body", "temperature"),
     ("body", "timestamp_granularities"), ("body", "url"), ("body", "messages")]
)  # fmt: skip
_DROP = object()


@st.composite
def _lines(draw: st.DrawFn) -> bytes:
    """A request line with up to three fields changed or dropped, sometimes cut short."""
    url = draw(st.sampled_from([CHAT, AUDIO, "/v1/audio/translations"]))
    line: dict[str, Any] = {"custom_id": f"id-{draw(st.integers(0, 2))}", "method": "POST",
                            "url": url, "body": {"model": "m"}}  # fmt: skip
    for field in draw(st.lists(_FIELDS, max_size=3)):
        value = draw(st.one_of(st.just(_DROP), _VALUES))
        parent: Any = line if len(field) == 1 else line.get("body")
        if isinstance(parent, dict):
            if value is _DROP:
                parent.pop(field[-1], None)
            else:
                parent[field[-1]] = json.loads(json.dumps(value))  # a fresh copy
    raw = json.dumps(line).encode()
    if draw(st.integers(0, 9)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(_lines(), min_size=1, max_size=4))
def test_client_and_server_agree_on_generated_lines(lines: list[bytes]) -> None:
    # A file, as the server reads one: the client's in-memory `validate_lines` orders a line's
    # duplicate id after its unstorable values, its file reader (like the server) before them.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        assert _server(_server_rules(path)) == _client(path)


@pytest.mark.parametrize("option", ["language", "prompt", "response_format", "temperature",
                                    "timestamp_granularities"])  # fmt: skip
def test_a_null_audio_option_counts_as_absent(tmp_path: Path, option: str) -> None:
    # The one disagreement the comparison found: the server's first schema refused these.
    body = {"model": "whisper-large-v3", "url": "https://x/a.wav", option: None}
    line = {"custom_id": "a", "method": "POST", "url": AUDIO, "body": body}
    path = tmp_path / "audio.jsonl"
    path.write_text(json.dumps(line) + "\n")
    assert _server_rules(path) == []
    assert _client(path) == []


def test_every_field_at_fault_is_named_in_the_specs_order(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"body": {"model": 5, "x": NaN}, "method": "GET", "custom_id": ""}\n')
    assert _server(_server_rules(path)) == [
        (1, "body.x", "non_finite_number"),
        (1, "custom_id", "invalid_custom_id"),
        (1, "method", "invalid_method"),
        (1, "url", "missing_url"),
        (1, "body.model", "invalid_model"),
    ]
    messages = [e.message for e in _server_rules(path)]
    assert "Invalid value: 'GET'. Supported values are: 'POST'" in messages
    assert "Missing required parameter: 'url'" in messages


def test_ids_that_share_a_hash_are_not_taken_for_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server keeps 16 bytes a line, not the ids: equal hashes are read back and compared.
    monkeypatch.setattr(judge_module, "_id_hash", lambda _: 7)
    path = tmp_path / "ids.jsonl"
    line = '{"custom_id":"%s","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}'
    path.write_text("\r\n".join(line % i for i in ("a", "b", "c", "a", "b")))  # no last newline
    assert _server(_server_rules(path)) == [
        (4, "custom_id", "duplicate_custom_id"),
        (5, "custom_id", "duplicate_custom_id"),
    ]
    assert "first used on line 2" in _server_rules(path)[1].message


def test_nesting_limit_is_the_clients(tmp_path: Path) -> None:
    assert SERVER_MAX_DEPTH == MAX_DEPTH
    path = tmp_path / "deep.jsonl"
    # The line and its body are two levels; the arrays under `x` make up the rest.
    for arrays, refused in ((MAX_DEPTH - 2, False), (MAX_DEPTH - 1, True)):
        content = "[" * arrays + "]" * arrays
        path.write_text('{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
                        f'"body":{{"model":"m","x":{content}}}}}\n')  # fmt: skip
        assert bool(_client(path)) == refused
        assert _server(_server_rules(path)) == _client(path)


# ------------------------------------------------------------- one source: the spec
def _regenerate() -> Any:
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "generator/regenerate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_servers_schema_is_the_specs_request_line() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == _regenerate().request_line_schema()
    jsonschema.Draft202012Validator.check_schema(request_line_schema())


def test_the_compiled_validator_agrees_with_the_reference_one() -> None:
    # jsonschema-rs judges for speed; jsonschema (the reference implementation) checks it on
    # every corpus line that parses, plus the lines the schema's own edges are about.
    compiled = jsonschema_rs.validator_for(request_line_schema())
    reference = jsonschema.Draft202012Validator(request_line_schema())
    values: list[Any] = []
    for path in CORPUS:
        for raw in path.read_bytes().splitlines():
            try:
                values.append(json.loads(raw, parse_constant=lambda _: 0.0))
            except (ValueError, RecursionError):  # not JSON, or too deep for any reader
                continue
    audio = {"custom_id": "a", "method": "POST", "url": AUDIO, "body": {"model": "w"}}
    values += [{**audio, "body": {"model": "w", "temperature": True}}, {**audio, "url": CHAT}]
    assert len(values) > 100
    for value in values:
        assert compiled.is_valid(value) == reference.is_valid(value), value


def test_the_server_package_carries_its_schema() -> None:
    # The wheel ships the package, not spec/: the schema must sit inside the package.
    import groq_batch_server

    assert SCHEMA_PATH.parent == Path(groq_batch_server.__file__).parent
