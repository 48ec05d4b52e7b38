"""The validator finds every problem Groq would reject, each with its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch._errors import GroqError
from groq_batch.jsonl import (
    BatchRequest,
    chat_request,
    transcription_request,
    translation_request,
    write_jsonl,
)
from groq_batch.sharding import plan_shards
from groq_batch.validation import (
    MetadataLimits,
    Problem,
    ValidationError,
    ValidationReport,
    validate,
    validate_lines,
    validate_metadata,
    validate_path,
)


def good(custom_id: str = "r1", **overrides: object) -> dict[str, object]:
    line: dict[str, object] = {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "llama-3.1-8b-instant", "messages": [{"role": "user", "content": "hi"}]},
    }
    line.update(overrides)
    return line


def encode(*lines: object) -> list[bytes]:
    return [json.dumps(line).encode() + b"\n" for line in lines]


def codes(problems: list[Problem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.field, p.code) for p in problems]


def test_valid_file_has_no_problem(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    n = write_jsonl([chat_request(f"r{i}", model="m", messages=[]) for i in range(3)], path)
    assert n == 3
    # Empty messages would waste a batch: every line is reported.
    report = validate(path)
    assert codes(report.problems) == [(i, "body.messages", "invalid_messages") for i in (1, 2, 3)]
    requests = [
        chat_request(f"r{i}", model="m", messages=[{"role": "user", "content": "x"}])
        for i in range(3)
    ]
    write_jsonl(requests, path)
    report = validate(path)
    assert report.ok
    assert report.lines == 3
    assert report.bytes == path.stat().st_size


BAD_CORPUS: list[tuple[str, list[bytes], list[tuple[int | None, str | None, str]]]] = [
    ("invalid json", [b'{"custom_id": "r1",\n'], [(1, None, "invalid_json")]),
    ("invalid utf-8", [b'{"custom_id": "\xff"}\n'], [(1, None, "invalid_utf8")]),
    ("not an object", [b"[1, 2]\n"], [(1, None, "not_an_object")]),
    ("blank line", [*encode(good("a")), b"\n", *encode(good("b"))], [(2, None, "empty_line")]),
    (
        "missing custom_id",
        encode({k: v for k, v in good().items() if k != "custom_id"}),
        [(1, "custom_id", "missing_custom_id")],
    ),
    ("numeric custom_id", encode(good(custom_id=7)), [(1, "custom_id", "invalid_custom_id")]),
    (
        "duplicate custom_id",
        encode(good("a"), good("b"), good("a")),
        [(3, "custom_id", "duplicate_custom_id")],
    ),
    ("GET method", encode(good(method="GET")), [(1, "method", "invalid_method")]),
    ("other url", encode(good(url="/v1/embeddings")), [(1, "url", "invalid_url")]),
    ("body not object", encode(good(body="hello")), [(1, "body", "invalid_body")]),
    (
        "missing body",
        encode({"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}),
        [(1, "body", "missing_body")],
    ),
    (
        "body without model",
        encode(good(body={"messages": [{"role": "user", "content": "x"}]})),
        [(1, "body.model", "missing_model")],
    ),
    (
        "body without messages",
        encode(good(body={"model": "m"})),
        [(1, "body.messages", "missing_messages")],
    ),
    ("empty file", [], [(None, None, "empty_file")]),
]


@pytest.mark.parametrize(
    ("lines", "expected"), [pytest.param(lines, e, id=n) for n, lines, e in BAD_CORPUS]
)
def test_bad_corpus(tmp_path: Path, lines: list[bytes], expected: list[tuple[object, ...]]) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(lines))
    report = validate_path(path)
    assert codes(report.problems) == expected
    with pytest.raises(ValidationError) as info:
        report.raise_for_problems()
    assert info.value.problems == report.problems
    assert str(path) in str(info.value)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    lines = encode(good("a"), good("a", method="GET"), good("c", url="/x", body={"model": "m"}))
    path.write_bytes(b"".join([*lines, b"not json\n"]))
    report = validate(path)
    assert codes(report.problems) == [
        (2, "custom_id", "duplicate_custom_id"),
        (2, "method", "invalid_method"),
        (3, "url", "invalid_url"),
        (4, None, "invalid_json"),
    ]
    assert "line 2, field method" in str(report)


def test_line_and_size_limits() -> None:
    lines = encode(*(good(f"r{i}") for i in range(5)))
    report = validate_lines(lines, max_lines=4, max_bytes=sum(map(len, lines)) - 1)
    # The size problem names the line that crossed the limit: the last one here.
    assert codes(report.problems) == [
        (None, None, "too_many_lines"),
        (5, None, "file_too_large"),
    ]
    assert "line 5 crosses" in report.problems[1].message
    assert validate_lines(lines, max_lines=5, max_bytes=sum(map(len, lines))).ok
    crossing = validate_lines(lines, max_bytes=sum(map(len, lines[:2])) + 1)
    assert codes(crossing.problems) == [(3, None, "file_too_large")]


def test_server_rules_do_not_require_messages() -> None:
    report = validate_lines(encode(good(body={"model": "m"})), require_messages=False)
    assert report.ok


def test_validate_requests_in_memory() -> None:
    requests = [
        BatchRequest("a", {"model": "m", "messages": [{"role": "user", "content": "x"}]}),
        {
            "custom_id": "a",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"x": object()},
        },
    ]
    report = validate(requests)
    assert codes(report.problems) == [(2, None, "not_serialisable")]


@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1),
        min_size=1,
        max_size=30,
    )
)
def test_duplicates_are_found_exactly(ids: list[str]) -> None:
    requests = [
        chat_request(i, model="m", messages=[{"role": "user", "content": "q"}]) for i in ids
    ]
    report = validate(requests)
    duplicates = [p.line for p in report.problems if p.code == "duplicate_custom_id"]
    expected = [n for n, i in enumerate(ids, start=1) if i in ids[: n - 1]]
    assert duplicates == expected
    assert report.lines == len(ids)
    assert len(report.problems) == len(expected)


def _file_of(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "ids.jsonl"
    path.write_text("".join(json.dumps(good(i)) + "\n" for i in ids))
    return path


def _duplicates(report: ValidationReport) -> list[tuple[int | None, str]]:
    return [(p.line, p.message) for p in report.problems if p.code == "duplicate_custom_id"]


def test_a_files_duplicates_are_found_exactly_and_reported_in_line_order(tmp_path: Path) -> None:
    # A file's duplicates are found after its last line; the in-memory check is the oracle.
    ids = [f"id-{n}" for n in range(5_000)]
    ids[4_000] = ids[3]  # a duplicate of an early line
    ids[4_999] = "id-4998"  # of the line just before
    ids.append("id-3")  # a second duplicate of the same first line
    report = validate_path(_file_of(tmp_path, ids))
    assert _duplicates(report) == _duplicates(validate([good(i) for i in ids]))
    assert [line for line, _ in _duplicates(report)] == [4_001, 5_000, 5_001]
    assert all(m.endswith(f"first used on line {n}") for (_, m), n in
               zip(_duplicates(report), [4, 4_999, 4], strict=True))  # fmt: skip


def test_ids_sharing_a_hash_are_not_taken_for_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every id filed under one hash: only the ids read back from the file decide.
    monkeypatch.setattr("groq_batch.validation.custom_id_hash", lambda custom_id: 7)
    ids = ["a", "b", "c", "b", "d", "a", "e\u00e9"]
    report = validate_path(_file_of(tmp_path, ids))
    assert [line for line, _ in _duplicates(report)] == [4, 6]
    assert _duplicates(report) == _duplicates(validate([good(i) for i in ids]))
    assert report.lines == len(ids)


def nested(levels: int) -> dict[str, object]:
    """A body whose ``x`` field is ``levels`` objects deep, built without recursion."""
    body: dict[str, object] = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    node = body
    for _ in range(levels):
        child: dict[str, object] = {}
        node["x"] = child
        node = child
    return body


@pytest.mark.parametrize("levels", [300, 1_000, 100_000])
def test_deep_nesting_is_a_line_problem_not_a_crash(tmp_path: Path, levels: int) -> None:
    lines = [good("a"), good("b", body=nested(1)), "deep"]
    raw = json.dumps(good("c", body={"model": "m", "messages": []}))
    deep_body = '{"model":"m","x":' + '{"x":' * levels + "1" + "}" * levels + "}"
    raw = raw.replace('{"model": "m", "messages": []}', deep_body)
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b"".join([*encode(*lines[:2]), raw.encode(), b"\n"]))
    report = validate(path)
    [problem] = report.problems
    assert (problem.line, problem.code) == (3, "too_deep")
    assert problem.field is not None
    assert problem.field.startswith("body.x.x.x")
    with pytest.raises(ValidationError):
        report.raise_for_problems()


def test_deep_nesting_in_memory_names_the_field() -> None:
    for levels in (300, 5_000):  # under and over the interpreter's recursion limit
        report = validate([good("a"), good("b", body=nested(levels))])
        assert codes(report.problems) == [(2, "body.x.x.x.x.x.x.x...", "too_deep")]


def test_nesting_below_the_limit_is_fine() -> None:
    assert validate([good("a", body=nested(200))]).ok


@pytest.mark.parametrize(
    ("constant", "name"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")]
)
def test_non_finite_numbers_are_refused_in_files(tmp_path: Path, constant: str, name: str) -> None:
    raw = json.dumps(good("b", body={"model": "m", "messages": [], "temperature": 0.5}))
    raw = raw.replace("0.5", constant).replace('"messages": []', '"messages": [1]')
    path = tmp_path / "nan.jsonl"
    path.write_bytes(b"".join([*encode(good("a")), raw.encode(), b"\n"]))
    report = validate(path)
    assert codes(report.problems) == [(2, "body.temperature", "non_finite_number")]
    assert name in report.problems[0].message


def test_non_finite_numbers_are_refused_in_memory() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "top_p": float("inf"),
        "tools": [{"function": {"parameters": {"minimum": float("-inf")}}}],
    }
    report = validate([good("a", body=body), BatchRequest("b", {**body, "seed": float("nan")})])
    assert codes(report.problems) == [
        (1, "body.top_p", "non_finite_number"),
        (1, "body.tools[0].function.parameters.minimum", "non_finite_number"),
        (2, "body.top_p", "non_finite_number"),
        (2, "body.tools[0].function.parameters.minimum", "non_finite_number"),
        (2, "body.seed", "non_finite_number"),
    ]


def test_lone_surrogates_are_refused_with_their_field(tmp_path: Path) -> None:
    path = tmp_path / "surrogate.jsonl"
    content = json.dumps(good("a")).replace('"content": "hi"', '"content": "x\\ud800y"')
    custom_id = json.dumps(good("\udc00"))
    pair = json.dumps(good("b")).replace('"content": "hi"', '"content": "\\ud83d\\ude00"')
    path.write_bytes("\n".join([content, custom_id, pair, ""]).encode())
    report = validate(path)
    assert codes(report.problems) == [
        (1, "body.messages[0].content", "lone_surrogate"),
        (2, "custom_id", "lone_surrogate"),
    ]
    # Every message is printable: a lone surrogate never reaches a terminal.
    str(report).encode("utf-8")
    in_memory = validate([good("k", body={"model": "m", "messages": [1], "\ud800": "v"})])
    assert codes(in_memory.problems) == [(1, 'body["\\ud800"]', "lone_surrogate")]
    str(in_memory).encode("utf-8")


def test_empty_custom_id_is_refused() -> None:
    report = validate([good(""), good("b")])
    assert codes(report.problems) == [(1, "custom_id", "invalid_custom_id")]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"messages": [{"role": "user", "content": "x"}]}, "missing_model"),
        ({"model": None, "messages": [{"role": "user", "content": "x"}]}, "missing_model"),
        ({"model": "", "messages": [{"role": "user", "content": "x"}]}, "invalid_model"),
        ({"model": 7, "messages": [{"role": "user", "content": "x"}]}, "invalid_model"),
        ({"model": ["m"], "messages": [{"role": "user", "content": "x"}]}, "invalid_model"),
    ],
)
def test_missing_and_invalid_model_are_told_apart(body: dict[str, object], code: str) -> None:
    report = validate([good("a", body=body)])
    assert codes(report.problems) == [(1, "body.model", code)]


def test_line_too_large_is_named() -> None:
    small, big = encode(good("a"), good("b", body={"model": "m", "messages": ["x" * 500]}))
    for split in (True, False):
        report = validate_lines([small, big, small], max_bytes=300, split=split)
        assert (2, None, "line_too_large") in codes(report.problems)
        assert "line_too_large" not in {p.code for p in report.problems if p.line != 2}


def test_oversized_input_is_split_not_refused(tmp_path: Path) -> None:
    requests = [good(f"r{i}") for i in range(10)]
    report = validate(requests, max_lines=4)
    assert report.ok
    assert report.parts == 3
    assert [w.code for w in report.warnings] == ["will_split"]
    assert "will be split into 3 batches" in str(report)
    # As one uploaded file (the server's view), the same input is refused.
    path = tmp_path / "ten.jsonl"
    write_jsonl(requests, path)
    assert codes(validate_path(path, max_lines=4).problems) == [(None, None, "too_many_lines")]
    assert not validate(path, max_lines=4, split=False).ok


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=40),
    max_lines=st.integers(min_value=1, max_value=8),
    max_bytes=st.integers(min_value=200, max_value=900),
)
def test_parts_match_how_submit_splits(sizes: list[int], max_lines: int, max_bytes: int) -> None:
    requests = [
        good(f"r{i}", body={"model": "m", "messages": ["x" * n]}) for i, n in enumerate(sizes)
    ]
    report = validate(requests, max_lines=max_lines, max_bytes=max_bytes)
    if not report.ok:
        assert {p.code for p in report.problems} == {"line_too_large"}
        return
    plan = plan_shards(
        requests, endpoint="/v1/chat/completions", max_lines=max_lines, max_bytes=max_bytes
    )
    try:
        assert report.parts == len(plan.shards)
    finally:
        plan.cleanup()


def test_unknown_model_is_a_warning_never_a_problem() -> None:
    requests = [good("a"), good("b", body={"model": "brand-new", "messages": [1]}), good("c")]
    report = validate(requests, known_models={"llama-3.1-8b-instant"})
    assert report.ok
    assert codes(report.warnings) == [(2, "body.model", "unknown_model")]
    assert "brand-new" in str(report)
    assert validate(requests).warnings == []


def test_unsupported_endpoint_is_refused_before_upload() -> None:
    report = validate([good("a")], endpoint="/v1/embeddings")
    assert codes(report.problems) == [(None, "endpoint", "invalid_endpoint")]


AUDIO = "https://example.com/audio/test01_20s.wav"


def test_audio_and_mixed_lines_are_valid() -> None:
    requests: list[BatchRequest | dict[str, object]] = [
        chat_request(
            "chat", model="llama-3.1-8b-instant", messages=[{"role": "user", "content": "x"}]
        ),
        transcription_request(
            "t1",
            model="whisper-large-v3",
            url=AUDIO,
            language="en",
            response_format="verbose_json",
            timestamp_granularities=["segment", "word"],
            temperature=0,
            prompt="names: Groq",
        ),
        transcription_request(
            "t2", model="whisper-large-v3-turbo", url=AUDIO, response_format="text"
        ),
        translation_request("tr", model="whisper-large-v3", url=AUDIO, response_format="json"),
    ]
    for endpoint in ("/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations"):
        assert validate(requests, endpoint=endpoint).ok


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"model": "whisper-large-v3"}, [(1, "body.url", "missing_audio_url")]),
        ({"model": "whisper-large-v3", "url": ""}, [(1, "body.url", "invalid_audio_url")]),
        ({"url": AUDIO}, [(1, "body.model", "missing_model")]),
        (
            {"model": "w", "url": AUDIO, "response_format": "srt"},
            [(1, "body.response_format", "invalid_response_format")],
        ),
        (
            {"model": "w", "url": AUDIO, "timestamp_granularities": "word"},
            [(1, "body.timestamp_granularities", "invalid_timestamp_granularities")],
        ),
        ({"model": "w", "url": AUDIO, "language": 1}, [(1, "body.language", "invalid_language")]),
        ({"model": "w", "url": AUDIO, "prompt": [1]}, [(1, "body.prompt", "invalid_prompt")]),
        (
            {"model": "w", "url": AUDIO, "temperature": "hot"},
            [(1, "body.temperature", "invalid_temperature")],
        ),
    ],
)
@pytest.mark.parametrize("url", ["/v1/audio/transcriptions", "/v1/audio/translations"])
def test_audio_line_problems(url: str, body: dict[str, object], expected: list[object]) -> None:
    assert codes(validate([good("a", url=url, body=body)]).problems) == expected


def test_server_rules_do_not_require_the_audio_url() -> None:
    line = good("a", url="/v1/audio/translations", body={"model": "whisper-large-v3"})
    assert validate_lines(encode(line), require_messages=False).ok


def test_metadata_limits() -> None:
    assert validate_metadata(None) == []
    assert validate_metadata({f"k{i}": "v" for i in range(16)}) == []
    too_many = validate_metadata({f"k{i}": "v" for i in range(17)})
    assert codes(too_many) == [(None, "metadata", "too_many_metadata_pairs")]
    long_key, long_value = "k" * 65, "v" * 513
    problems = validate_metadata({long_key: "v", "ok": long_value, "n": 1, "a b": "v"})
    assert codes(problems) == [
        (None, f"metadata.{long_key}", "metadata_key_too_long"),
        (None, "metadata.ok", "metadata_value_too_long"),
        (None, "metadata.n", "invalid_metadata_value"),
    ]
    loose = MetadataLimits(max_pairs=32, max_key_length=100, max_value_length=1000)
    assert validate_metadata({long_key: long_value}, loose) == []
    assert codes(validate_metadata(["not", "a", "mapping"])) == [
        (None, "metadata", "invalid_metadata")
    ]
    assert issubclass(ValidationError, GroqError)
