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
    custom_id_of_line,
    depth_scan,
    validate,
    validate_lines,
    validate_metadata,
    validate_path,
)
from groq_batch.validation.jsontext import short


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
    monkeypatch.setattr("groq_batch.validation.ids.custom_id_hash", lambda custom_id: 7)
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


# --------------------------------------------------------------------------------------------
# What a user reads: every problem's line, field, message and code, pinned (issue 24's mutation
# run found that only the codes were checked, so a wrong line number or an emptied message in a
# report passed every test).


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def _raw(custom_id: str, body: str) -> bytes:
    head = f'{{"custom_id": "{custom_id}", "method": "POST", "url": "/v1/chat/completions", '
    return (head + f'"body": {{"model": "m", "messages": [1], {body}}}}}\n').encode()


EVERY_LINE_PROBLEM = [
    b"\n",
    b'{"custom_id": "\xff"}\n',
    b'{"custom_id": "r",\n',
    b"null\n",
    *encode(
        {"method": "POST", "url": "/v1/chat/completions", "body": {"model": "m", "messages": [1]}},
        good("a"),
        good("a", method="GET"),
        {"custom_id": "b", "url": "/v1/chat/completions", "body": {"model": "m", "messages": [1]}},
        {"custom_id": "c", "method": "POST", "body": {"model": "m", "messages": [1]}},
        good("d", url="/v1/" + "x" * 80),
        {"custom_id": "e", "method": "POST", "url": "/v1/chat/completions"},
        good("f", body=[1]),
        good("g", body={"messages": [1]}),
        good("h", body={"model": 7, "messages": [1]}),
        good("i", body={"model": "m"}),
        good("j", body={"model": "m", "messages": {}}),
        good("k", url="/v1/audio/transcriptions", body={"model": "w"}),
        good(
            "l",
            url="/v1/audio/translations",
            body={
                "model": "w",
                "url": 3,
                "language": 1,
                "prompt": None,
                "response_format": "srt",
                "temperature": True,
                "timestamp_granularities": ["word", "line"],
            },
        ),
    ),
    _raw("m", '"t": NaN, "u": [-Infinity], "\\ud800k": "x\\udc00"'),
    _raw("n", f'"a": [0, {{"b": {_nested(300)}}}]'),
    _raw("o", f'"a": {_nested(300)}'),
]

EVERY_LINE_PROBLEM_REPORT = """\
requests: 28 problem(s) in 21 lines
  line 1: Blank line; every line must be a request [empty_line]
  line 2: Not valid UTF-8: invalid start byte [invalid_utf8]
  line 3: Invalid JSON at column 19: Expecting property name enclosed in double quotes \
[invalid_json]
  line 4: Expected a JSON object, got null [not_an_object]
  line 5, field custom_id: Missing required parameter: 'custom_id' [missing_custom_id]
  line 7, field custom_id: Duplicate custom_id 'a', first used on line 6 [duplicate_custom_id]
  line 7, field method: Invalid value: 'GET'. Supported values are: 'POST' [invalid_method]
  line 8, field method: Missing required parameter: 'method' [missing_method]
  line 9, field url: Missing required parameter: 'url' [missing_url]
  line 10, field url: Invalid value: '/v1/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.... \
Supported values are: /v1/audio/transcriptions, /v1/audio/translations, /v1/chat/completions \
[invalid_url]
  line 11, field body: Missing required parameter: 'body' [missing_body]
  line 12, field body: 'body' must be a JSON object [invalid_body]
  line 13, field body.model: Missing required parameter: 'body.model' [missing_model]
  line 14, field body.model: 'body.model' must be a non-empty string [invalid_model]
  line 15, field body.messages: Missing required parameter: 'body.messages' [missing_messages]
  line 16, field body.messages: 'body.messages' must be a non-empty array [invalid_messages]
  line 17, field body.url: Missing required parameter: 'body.url' (the audio's address) \
[missing_audio_url]
  line 18, field body.url: 'body.url' must be a non-empty string [invalid_audio_url]
  line 18, field body.language: 'body.language' must be a string [invalid_language]
  line 18, field body.response_format: Invalid value: 'srt'. Supported values are: json, text, \
verbose_json [invalid_response_format]
  line 18, field body.temperature: 'body.temperature' must be a number [invalid_temperature]
  line 18, field body.timestamp_granularities: 'body.timestamp_granularities' must be an array \
of 'word' and 'segment' [invalid_timestamp_granularities]
  line 19, field body.t: NaN is not a JSON number [non_finite_number]
  line 19, field body.u[0]: -Infinity is not a JSON number [non_finite_number]
  line 19, field body["\\ud800k"]: A key holds a lone surrogate [lone_surrogate]
  line 19, field body["\\ud800k"]: A string holds a lone UTF-16 surrogate, which has no UTF-8 \
form [lone_surrogate]
  line 20, field body.a[1].b[0][0][0][0]...: Nested more than 256 levels deep [too_deep]
  line 21, field body.a[0][0][0][0][0][0]...: Nested more than 256 levels deep [too_deep]
  warning: line 5, field body.model: Model 'm' is not in the known list (first used here). It \
is sent as it is [unknown_model]
  warning: line 17, field body.model: Model 'w' is not in the known list (first used here). It \
is sent as it is [unknown_model]"""


def test_every_line_problem_is_reported_with_its_line_field_and_message(tmp_path: Path) -> None:
    known = {"llama-3.1-8b-instant"}
    report = validate_lines(EVERY_LINE_PROBLEM, known_models=known)
    assert str(report) == EVERY_LINE_PROBLEM_REPORT
    # A file gives the same report, its duplicates found on disk.
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(EVERY_LINE_PROBLEM))
    from_file = validate_path(path, known_models=known, source="requests")
    assert str(from_file) == EVERY_LINE_PROBLEM_REPORT
    assert str(validate_path(path)).startswith(f"{path}: 28 problem(s) in 21 lines")


def test_an_integer_past_the_digit_limit_is_invalid_json_on_its_line() -> None:
    huge = b'{"custom_id": 1' + b"1" * 5000 + b"}\n"
    report = validate_lines([*encode(good("a")), huge])
    assert codes(report.problems) == [(2, None, "invalid_json")]
    assert report.problems[0].message.startswith("Invalid JSON: ")
    assert "digits" in report.problems[0].message


def test_a_values_problems_stop_at_ten_per_line() -> None:
    many = ", ".join(f'"n{i}": NaN' for i in range(12))
    report = validate_lines([_raw("a", many)])
    assert [p.field for p in report.problems] == [f"body.n{i}" for i in range(10)]


def test_a_too_deep_path_is_cut_after_eight_names() -> None:
    # The path to the too-deep container has max_depth names: eight are shown whole, a ninth
    # is cut to "...".
    line = _raw("a", f'"a": {_nested(300)}')
    eight = validate_lines([line], max_depth=8)
    assert [p.field for p in eight.problems] == ["body.a[0][0][0][0][0][0]"]
    nine = validate_lines([line], max_depth=9)
    assert [p.field for p in nine.problems] == ["body.a[0][0][0][0][0][0]..."]


@pytest.mark.parametrize(
    ("text", "max_depth", "path"),
    [
        ("[1, [2]]", 2, None),
        ("[1, [2]]", 1, [1]),
        ("[[0]]", 1, [0]),
        ("[0, 1, [2, [3]]]", 2, [2, 1]),
        ('{"a": 1, "b": {"c": [0, {"d": 1}]}}', 3, ["b", "c", 1]),
        ('{"a": [0, 1], "b": {"c": 1, "d": [[0]]}}', 3, ["b", "d", 0]),
        ('{"a,b": {"[": [{"x": 1}]}}', 3, ["a,b", "[", 0]),
        ('[{"a": [1]}, {"b": [[2]]}]', 3, [1, "b", 0]),
    ],
)
def test_depth_scan_names_the_path_to_the_first_too_deep_container(
    text: str, max_depth: int, path: list[str | int] | None
) -> None:
    assert depth_scan(text, max_depth) == path
    # The path leads, in the parsed value, to a container exactly max_depth levels down.
    if path:
        node: object = json.loads(text)
        for step in path:
            node = node[step]  # type: ignore[index]
        assert isinstance(node, list | dict)


def test_short_keeps_a_message_bounded() -> None:
    assert short("x" * 58) == "'" + "x" * 58 + "'"
    assert short("x" * 59) == "'" + "x" * 56 + "..."
    assert len(short("x" * 59)) == 60
    assert short("x" * 200, limit=10) == "'xxxxxx..."


def test_custom_id_of_line_reads_only_a_string_id() -> None:
    assert custom_id_of_line(b'{"custom_id": "a", "x": 1}\n') == "a"
    assert custom_id_of_line(b'{"custom_id": 5}\n') is None
    assert custom_id_of_line(b"[1, 2]\n") is None
    assert custom_id_of_line(b"not json\n") is None
    assert custom_id_of_line(b"  \n") is None


def test_a_files_duplicates_are_found_across_hash_groups_of_any_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two hashes: a group of two distinct ids, then a group holding a true duplicate. A scan
    # that stepped past a group's end would take the second group's first line into the first.
    hashes = {"a": 7, "b": 7, "c": 9, "d": 9}
    monkeypatch.setattr("groq_batch.validation.ids.custom_id_hash", lambda i: hashes[i])
    ids = ["a", "b", "c", "c", "d"]
    report = validate_path(_file_of(tmp_path, ids))
    assert _duplicates(report) == [(4, "Duplicate custom_id 'c', first used on line 3")]


FILE_LEVEL_LINES = encode(
    good("a"), good("b", body={"model": "llama-3.1-8b-instnat", "messages": [1]}), good("c")
)


def test_file_level_problems_are_reported_with_their_messages() -> None:
    report = validate_lines(
        FILE_LEVEL_LINES,
        max_lines=2,
        max_bytes=300,
        endpoint="/v1/audio/translations",
        endpoint_used=True,
        known_models={"llama-3.1-8b-instant"},
    )
    assert str(report) == (
        "requests: 3 problem(s) in 3 lines\n"
        "  file, field endpoint: The batch endpoint /v1/audio/translations is the url of no line; "
        "the lines use /v1/chat/completions. Leave the endpoint out to follow the lines "
        "[endpoint_unused]\n"
        "  file: 3 lines; a batch accepts at most 2 [too_many_lines]\n"
        "  line 3: 448 bytes; a batch file may be at most 300 bytes, and line 3 crosses that "
        "limit [file_too_large]\n"
        "  warning: line 2, field body.model: Model 'llama-3.1-8b-instnat' is not in the known "
        "list (first used here); did you mean 'llama-3.1-8b-instant'? It is sent as it is "
        "[unknown_model]"
    )
    assert report.endpoint == "/v1/audio/translations"
    unsupported = validate_lines(FILE_LEVEL_LINES, endpoint="/v1/embeddings")
    assert [str(p) for p in unsupported.problems] == [
        "file, field endpoint: Unsupported endpoint '/v1/embeddings'; supported: "
        "/v1/audio/transcriptions, /v1/audio/translations, /v1/chat/completions "
        "[invalid_endpoint]"
    ]
    # Without endpoint_used, a given endpoint no line uses is not a problem.
    assert validate_lines(FILE_LEVEL_LINES, endpoint="/v1/audio/translations").ok
    assert str(validate_lines([])) == (
        "requests: 1 problem(s) in 0 lines\n  file: The file has no requests [empty_file]"
    )


def test_a_split_input_says_how_many_batches_and_warns_only_beside_problems() -> None:
    fine = validate_lines(FILE_LEVEL_LINES, max_lines=2, max_bytes=300, split=True)
    assert str(fine) == "requests: 3 lines, 448 bytes, no problems; will be split into 2 batches"
    assert (fine.parts, fine.ok) == (2, True)
    one = validate_lines(FILE_LEVEL_LINES, split=True)
    assert str(one) == "requests: 3 lines, 448 bytes, no problems"
    bad = validate_lines([*FILE_LEVEL_LINES, b"\n"], max_lines=2, max_bytes=300, split=True)
    assert str(bad) == (
        "requests: 1 problem(s) in 4 lines\n"
        "  line 4: Blank line; every line must be a request [empty_line]\n"
        "  warning: file: 4 lines, 449 bytes: more than one batch takes (2 lines, 300 bytes), "
        "so it will be split into 2 batches [will_split]"
    )
    # Not split: one batch's limits hold, and parts stays 1.
    whole = validate_lines(FILE_LEVEL_LINES, max_lines=2, max_bytes=300)
    assert whole.parts == 1


def test_a_line_over_the_byte_limit_alone_is_named_with_its_size() -> None:
    line = encode(good("a", body={"model": "m", "messages": ["x" * 400]}))
    report = validate_lines(line, max_bytes=300)
    assert [str(p) for p in report.problems] == [
        "line 1: Line of 510 bytes; a batch file may be at most 300 bytes [line_too_large]",
        "line 1: 510 bytes; a batch file may be at most 300 bytes, and line 1 crosses that limit "
        "[file_too_large]",
    ]
    # A line of exactly the limit fits (its newline counted), and so does a last line without one.
    exact = validate_lines(line, max_bytes=510)
    assert exact.ok
    assert validate_lines([line[0].rstrip(b"\n")], max_bytes=510).ok


def test_metadata_problems_name_each_key_and_the_bound() -> None:
    problems = validate_metadata(
        {
            1: "v",
            "k": 2,
            "\ud800": "x",
            "v": "\udc00",
            "k" * 64: "v" * 512,
            "l" * 65: "w" * 513,
            "z": 3,
        }
    )
    long = "metadata." + "l" * 65
    assert problems == [
        Problem(None, 'metadata["1"]', "invalid_metadata_key", "Keys must be strings"),
        Problem(None, "metadata.k", "invalid_metadata_value", "Values must be strings"),
        Problem(None, 'metadata["\\ud800"]', "lone_surrogate", "The key holds a lone surrogate"),
        Problem(None, "metadata.v", "lone_surrogate", "The value holds a lone surrogate"),
        Problem(None, long, "metadata_key_too_long", "Key of 65 characters; at most 64"),
        Problem(None, long, "metadata_value_too_long", "Value of 513 characters; at most 512"),
        Problem(None, "metadata.z", "invalid_metadata_value", "Values must be strings"),
    ]
    assert validate_metadata(7) == [
        Problem(None, "metadata", "invalid_metadata", "Metadata must be a mapping")
    ]
    assert validate_metadata({f"k{i}": "v" for i in range(17)}) == [
        Problem(None, "metadata", "too_many_metadata_pairs", "17 pairs; at most 16 are allowed")
    ]


def test_metadata_limits_come_from_the_provider_profile() -> None:
    from groq_batch.providers import PROVIDERS

    for provider in PROVIDERS.values():
        limits = MetadataLimits.of(provider)
        assert (limits.max_pairs, limits.max_key_length, limits.max_value_length) == (
            provider.max_metadata_pairs,
            provider.max_metadata_key_chars,
            provider.max_metadata_value_chars,
        )
    tight = MetadataLimits(max_pairs=1, max_key_length=2, max_value_length=3)
    assert validate_metadata({"ab": "cde"}, tight) == []
    assert codes(validate_metadata({"abc": "cdef", "x": "y"}, tight)) == [
        (None, "metadata", "too_many_metadata_pairs"),
        (None, "metadata.abc", "metadata_key_too_long"),
        (None, "metadata.abc", "metadata_value_too_long"),
    ]


def test_the_validation_package_keeps_every_name_users_imported() -> None:
    # groq_batch.validation was one module (issue 24 split it): its names, and the ones other
    # modules read from it, are still there, as the objects of the modules they moved to.
    import importlib

    import groq_batch.validation as validation

    moved = {
        "files": [
            "MAX_BYTES",
            "MAX_LINES",
            "batch_endpoint",
            "validate",
            "validate_lines",
            "validate_path",
        ],
        "ids": ["custom_id_hash", "custom_id_of_line"],
        "jsontext": ["MAX_DEPTH", "depth_scan"],
        "lines": ["AUDIO_RESPONSE_FORMATS", "TIMESTAMP_GRANULARITIES"],
        "metadata": ["MetadataLimits", "validate_metadata"],
        "report": ["Problem", "ValidationError", "ValidationReport"],
    }
    for module, names in moved.items():
        home = importlib.import_module(f"groq_batch.validation.{module}")
        for name in names:
            assert name in validation.__all__
            assert getattr(validation, name) is getattr(home, name)


def test_a_file_is_judged_with_every_option_validate_was_given(tmp_path: Path) -> None:
    path = tmp_path / "three.jsonl"
    path.write_bytes(b"".join(FILE_LEVEL_LINES))
    report = validate(path, endpoint="/v1/audio/translations", max_lines=2, max_bytes=300)
    assert codes(report.problems) == [(None, "endpoint", "endpoint_unused")]
    assert [w.code for w in report.warnings] == ["will_split"]
    assert report.parts == 2
    # validate_path alone does not ask that a given endpoint be some line's url.
    assert validate_path(path, endpoint="/v1/audio/translations").ok
    refused = validate(path, endpoint="/v1/embeddings")
    assert codes(refused.problems) == [(None, "endpoint", "invalid_endpoint")]


def test_lone_surrogate_problems_also_stop_at_ten_per_line() -> None:
    strings = ", ".join(f'"s{i}": "\\ud800"' for i in range(12))
    keys = ", ".join(f'"\\udc00{i}": 1' for i in range(12))
    for many in (strings, keys):
        report = validate_lines([_raw("a", many)])
        assert len(report.problems) == 10
        assert {p.code for p in report.problems} == {"lone_surrogate"}


def test_depth_scan_names_what_it_can_in_text_that_is_not_json() -> None:
    # It runs before parsing, so it meets broken text too: a container where a key should be
    # is "?", a colon outside any container is passed over, an undecodable key is kept raw.
    assert depth_scan("{[[[]]]}", 2) == ["?", 0]
    assert depth_scan('"a": [[[]]]', 2) == [0, 0]
    assert depth_scan('{"a\\x": [[1]]}', 2) == ["a\\x", 0]


def test_an_unserialisable_request_is_named_on_its_line() -> None:
    unserialisable = good("b", body={"model": "m", "messages": [{1, 2}]})
    report = validate([good("a"), unserialisable, good("a")])
    # The requests after it are still checked.
    assert codes(report.problems) == [
        (2, None, "not_serialisable"),
        (3, "custom_id", "duplicate_custom_id"),
    ]
    assert report.problems[0].message.startswith("Not JSON-serialisable: ")
    assert "set" in report.problems[0].message


def test_a_files_report_keeps_line_order_follows_the_lines_and_names_every_url(
    tmp_path: Path,
) -> None:
    chat = good("a")
    audio = good("b", url="/v1/audio/translations", body={"model": "w", "url": AUDIO})
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join([*encode(chat, audio, good("a")), b"[1]\n"]))
    report = validate(path, endpoint="/v1/audio/transcriptions")
    # The duplicate, found after the last line, goes back in line order, file problems last.
    assert codes(report.problems) == [
        (3, "custom_id", "duplicate_custom_id"),
        (4, None, "not_an_object"),
        (None, "endpoint", "endpoint_unused"),
    ]
    assert report.problems[1].message == "Expected a JSON object, got list"
    assert report.problems[2].message.endswith(
        "the lines use /v1/chat/completions, /v1/audio/translations. Leave the endpoint out "
        "to follow the lines"
    )
    # Without an endpoint, the report says the one the lines lead to.
    assert validate([audio]).endpoint == "/v1/audio/translations"
    assert str(validate([good("")])).startswith("requests: 1 problem(s) in 1 lines")
