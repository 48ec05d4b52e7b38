"""The bad-input corpus is refused line by line; inputs Groq accepts are never refused.

``tests/data/bad/manifest.json`` names, for each bad file, every problem the validator must
report (line, field, code) and the endpoint to validate against when it is not chat. Every
file in ``tests/data/good/`` is a shape Groq's batch API accepts (from its guide and API
reference) and must pass with no problem.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from groq_batch import Groq
from groq_batch.validation import (
    MAX_LINES,
    ValidationError,
    validate,
    validate_path,
)
from groq_batch_cli import EXIT_OK, EXIT_USAGE
from groq_batch_server import LocalServer

DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"
MANIFEST: dict[str, dict[str, Any]] = json.loads((BAD / "manifest.json").read_text())
CHAT = "/v1/chat/completions"
SCRIPT = Path(sys.executable).parent / "groq-batch"
# Body-content checks only the client makes (the server lets the request fail on its own).
CLIENT_ONLY = frozenset(
    {"missing_messages", "invalid_messages", "missing_audio_url", "invalid_audio_url"}
)

# A spread of kinds: JSON, id, nesting, NaN, surrogate, audio and a line after a good one.
SAMPLE = [
    "invalid-json-truncated.jsonl",
    "custom-id-empty.jsonl",
    "deep-nesting-1000-objects.jsonl",
    "nan-temperature.jsonl",
    "lone-surrogate-content.jsonl",
    "mixed-audio-line-without-url.jsonl",
    "model-missing.jsonl",
    "unsupported-endpoint.jsonl",
]


def expected(name: str) -> list[tuple[int | None, str | None, str]]:
    return [(line, field, code) for line, field, code in MANIFEST[name]["problems"]]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"GROQ_API_KEY", "GROQ_BASE_URL"}}
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_corpus_is_complete() -> None:
    files = {p.name for p in BAD.glob("*.jsonl")}
    assert files == set(MANIFEST), "every bad file has a manifest entry and the reverse"
    assert len(files) >= 50
    assert len(list(GOOD.glob("*.jsonl"))) >= 15
    assert set(SAMPLE) <= files


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bad_file_is_refused_naming_line_and_field(name: str) -> None:
    path = BAD / name
    # No endpoint in the manifest: the batch endpoint follows the lines, as submit does.
    endpoint = MANIFEST[name].get("endpoint")
    report = validate(path, endpoint=endpoint)
    assert [(p.line, p.field, p.code) for p in report.problems] == expected(name)
    # The one-file mode the server's own judge mirrors (no splitting, lenient about body
    # content) refuses the rest with the same first problem; tests/server/test_server_judge.py
    # holds the server to the same verdict.
    server = validate_path(path, endpoint=endpoint, require_messages=False)
    if report.problems[0].code not in CLIENT_ONLY:
        assert (server.problems[0].line, server.problems[0].code) == (
            report.problems[0].line,
            report.problems[0].code,
        )
    with pytest.raises(ValidationError) as info:
        report.raise_for_problems()
    message = str(info.value)
    message.encode("utf-8")  # printable whatever the file held
    first = report.problems[0]
    if first.line is not None:
        assert f"line {first.line}" in message
    if first.field is not None:
        assert f"field {first.field}" in message


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.jsonl")))
def test_good_file_is_accepted(name: str) -> None:
    report = validate(GOOD / name)
    assert report.problems == []
    assert report.parts == 1
    assert validate_path(GOOD / name, require_messages=False).ok
    assert validate(GOOD / name, known_models={"llama-3.1-8b-instant"}).ok  # warns at most


def test_cli_validate_exits_2_for_bad_files() -> None:
    # Each run costs an interpreter start: two kinds, one of them the old RecursionError crash.
    for name in ("invalid-json-truncated.jsonl", "deep-nesting-1000-objects.jsonl"):
        proc = run_cli("validate", str(BAD / name))
        assert proc.returncode == EXIT_USAGE, (name, proc.stdout, proc.stderr)
        line, field, code = expected(name)[0]
        assert f"line {line}" in proc.stdout
        if field is not None:  # invalid JSON is a problem of the whole line
            assert f"field {field}" in proc.stdout
        assert f"[{code}]" in proc.stdout
        assert "Traceback" not in proc.stderr


@pytest.fixture
def client(local_server: LocalServer) -> Iterator[Groq]:
    with Groq(api_key="test-key", base_url=local_server.base_url) as c:
        yield c


def test_submit_of_bad_files_stores_nothing(client: Groq) -> None:
    for name in SAMPLE:
        endpoint = MANIFEST[name].get("endpoint")
        with pytest.raises(ValidationError) as info:
            client.batches.submit(BAD / name, endpoint=endpoint)
        assert [(p.line, p.field, p.code) for p in info.value.problems] == expected(name)
    assert client.files.list().data == []
    assert client.batches.list().data == []


def test_deep_nesting_in_memory_stores_nothing(client: Groq) -> None:
    body: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    node = body
    for _ in range(1_000):
        node["x"] = node = {}
    bad = [
        {"custom_id": "a", "method": "POST", "url": CHAT, "body": body},
        {"custom_id": "b", "method": "POST", "url": CHAT, "body": {**body, "x": float("nan")}},
    ]
    with pytest.raises(ValidationError):
        client.batches.submit(bad)
    assert client.files.list().data == []


def _write_lines(path: Path, count: int) -> None:
    line = (
        '{"custom_id":"r-%d","method":"POST","url":"/v1/chat/completions",'
        '"body":{"model":"llama-3.1-8b-instant","messages":[{"role":"user","content":"Q %d"}]}}\n'
    )
    with path.open("w") as fh:
        fh.writelines(line % (i, i) for i in range(count))


def test_exactly_50000_lines_is_one_batch(tmp_path: Path) -> None:
    path = tmp_path / "max.jsonl"
    _write_lines(path, MAX_LINES)
    report = validate(path)
    assert report.ok
    assert (report.lines, report.parts, report.warnings) == (MAX_LINES, 1, [])


def test_60000_lines_will_be_split_and_validate_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    _write_lines(path, 60_000)
    report = validate(path)
    assert report.ok
    assert report.parts == 2
    assert [w.code for w in report.warnings] == ["will_split"]
    proc = run_cli("validate", str(path))
    assert proc.returncode == EXIT_OK, proc.stdout + proc.stderr
    assert "will be split into 2 batches" in proc.stdout


@pytest.mark.parametrize(
    ("name", "field", "code"),
    [
        ("lone-surrogate-content.jsonl", "body.messages[0].content", "lone_surrogate"),
        ("deep-nesting-1000-objects.jsonl", "body.x.x.x.x.x.x.x...", "too_deep"),
        ("nan-temperature.jsonl", "body.temperature", "non_finite_number"),
    ],
)
def test_poison_uploaded_past_the_client_fails_validation_on_the_server(
    client: Groq, name: str, field: str, code: str
) -> None:
    """A poison line sent by another client fails its batch with a line error; the next runs.

    The server's validating stage uses this module, so what the client refuses never reaches
    the server's store either (issue 9's stalled worker).
    """
    uploaded = client.files.create(file=(name, (BAD / name).read_bytes()), purpose="batch")
    poisoned = client.batches.create(
        input_file_id=uploaded.id, endpoint=CHAT, completion_window="24h"
    )
    job = client.batches.submit(GOOD / "guide-example.jsonl")
    [failed] = client.batches.wait(client.batches.job(poisoned.id), poll_interval=0.05, timeout=60)
    assert status(failed) == "failed"
    assert failed.errors is not None
    errors = failed.errors.to_dict()["data"]
    assert [(e["line"], e["param"], e["code"]) for e in errors] == [(2, field, code)]
    [done] = client.batches.wait(job, poll_interval=0.05, timeout=60)
    assert status(done) == "completed"


def status(batch: Any) -> str:
    return str(getattr(batch.status, "value", batch.status))


def test_mixed_batch_goes_through_validate_submit_wait_and_results(client: Groq) -> None:
    """Groq's "Mixed Batch": chat, transcription and translation lines in one file."""
    path = GOOD / "mixed-batch.jsonl"
    assert validate(path).ok
    job = client.batches.submit(path)
    [batch] = client.batches.wait(job, poll_interval=0.05, timeout=60)
    assert status(batch) == "completed"
    results = list(client.batches.results(job, inputs=path))
    ids = [json.loads(line)["custom_id"] for line in path.read_text().splitlines()]
    assert sorted(r.custom_id for r in results) == sorted(ids)
    for result in results:
        assert result.request is not None
        if result.request.url == CHAT:
            assert result.ok
            assert isinstance(result.text, str)
            assert result.transcription is None
        else:
            assert result.is_audio
            # A server that knows whisper models answers with a transcript; one that does not
            # yet refuses the model per line. Either way the row is typed and comes once.
            if result.ok:
                assert isinstance(result.text, str)
                assert result.transcription is not None
                assert result.transcription.text == result.text
                assert result.body is None
            else:
                assert result.error is not None
