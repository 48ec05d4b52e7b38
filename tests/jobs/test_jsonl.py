"""Request lines: the builder, the atomic writer and the streaming reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch.jsonl import BatchRequest, chat_request, iter_jsonl, write_jsonl


def test_chat_request_shape_drops_nulls() -> None:
    request = chat_request(
        "q-1",
        model="llama-3.1-8b-instant",
        messages=[{"role": "user", "content": "What is 2+2?"}],
        max_tokens=50,
        temperature=None,
    )
    assert request.to_dict() == {
        "custom_id": "q-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "llama-3.1-8b-instant",
            "messages": [{"role": "user", "content": "What is 2+2?"}],
            "max_tokens": 50,
        },
    }


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    requests = [
        chat_request(f"r{i}", model="m", messages=[{"role": "user", "content": "é"}])
        for i in range(100)
    ]
    assert write_jsonl(requests, path) == 100
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    assert "é".encode() in raw
    back = [BatchRequest.from_dict(line) for line in iter_jsonl(path)]
    assert back == requests


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"previous\n")

    def requests():  # type: ignore[no-untyped-def]
        yield chat_request("a", model="m", messages=[])
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_jsonl(requests(), path)
    assert path.read_bytes() == b"previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_reader_names_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{oops\n')
    lines = iter_jsonl(path)
    assert next(lines) == {"a": 1}
    with pytest.raises(ValueError, match="line 3"):
        next(lines)


@given(st.dictionaries(st.text(), st.text() | st.integers() | st.booleans(), max_size=5))
def test_extra_keys_round_trip(extra: dict[str, object]) -> None:
    extra = {k: v for k, v in extra.items() if k not in {"custom_id", "method", "url", "body"}}
    request = BatchRequest("x", {"model": "m"}, extra=extra)
    line = json.loads(json.dumps(request.to_dict()))
    assert BatchRequest.from_dict(line) == request


def test_audio_builders_shape_and_drop_nulls() -> None:
    from groq_batch.jsonl import transcription_request, translation_request

    audio = "https://example.com/test01_20s.wav"
    transcription = transcription_request(
        "job-1",
        model="whisper-large-v3",
        url=audio,
        language="en",
        response_format="verbose_json",
        timestamp_granularities=("segment",),
        prompt=None,
    )
    # The line of Groq's batch guide, field for field.
    assert transcription.to_dict() == {
        "custom_id": "job-1",
        "method": "POST",
        "url": "/v1/audio/transcriptions",
        "body": {
            "model": "whisper-large-v3",
            "url": audio,
            "language": "en",
            "response_format": "verbose_json",
            "timestamp_granularities": ["segment"],
        },
    }
    translation = translation_request(
        "job-2", model="whisper-large-v3", url=audio, temperature=0.2, language="fr"
    )
    assert translation.to_dict() == {
        "custom_id": "job-2",
        "method": "POST",
        "url": "/v1/audio/translations",
        "body": {"model": "whisper-large-v3", "url": audio, "temperature": 0.2, "language": "fr"},
    }


def test_dump_line_keeps_what_validation_must_name() -> None:
    from groq_batch.jsonl import dump_line

    # A lone surrogate has no UTF-8 form: the line is escaped instead of failing.
    assert dump_line({"custom_id": "\ud800"}) == b'{"custom_id":"\\ud800"}\n'
    assert dump_line({"t": float("nan")}) == b'{"t":NaN}\n'
    deep: dict[str, object] = {}
    node = deep
    for _ in range(5_000):
        node["x"] = node = {}
    with pytest.raises(ValueError, match="nested too deeply"):
        dump_line(deep)
