"""Result lines are classified by the wire rule and joined to their inputs, streaming."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch import input_index as index_module
from groq_batch._errors import GroqError
from groq_batch.jsonl import chat_request, transcription_request, translation_request, write_jsonl
from groq_batch.result_lines import bounded_text
from groq_batch.results import (
    BatchResult,
    InputIndex,
    JoinStats,
    MalformedResultError,
    Outcome,
    ResultError,
    ResultJoiner,
    ResultSummary,
    Transcription,
    classify,
    join_results,
)
from groq_batch.validation import ValidationError

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
        "problems": {"duplicate_lines": 0, "malformed_lines": 0, "malformed_usage": 0},
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


def test_duplicates_first_row_wins_and_later_ones_are_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    index = InputIndex.from_requests(
        [chat_request(i, model="m", messages=[]) for i in ("request-2", "pr-9953", "gone")]
    )
    later_success = dict(SUCCESS, custom_id="pr-9953")
    stats = JoinStats()
    lines = lines_of(SUCCESS, REQUEST_ERROR, SUCCESS, later_success, REQUEST_ERROR)
    results = list(join_results(lines, index, stats=stats))
    assert [(r.custom_id, r.outcome) for r in results] == [
        ("request-2", Outcome.SUCCEEDED),
        ("pr-9953", Outcome.REQUEST_ERROR),
        ("gone", Outcome.MISSING),
    ]
    assert (stats.lines, stats.yielded, stats.duplicates, stats.malformed) == (5, 2, 3, 0)
    assert [(p.line, p.code, p.custom_id) for p in stats.problems] == [
        (3, "duplicate_custom_id", "request-2"),
        (4, "duplicate_custom_id", "pr-9953"),
        (5, "duplicate_custom_id", "pr-9953"),
    ]
    assert "3 duplicate(s) ignored" in caplog.text
    summary = ResultSummary()
    for result in results:
        summary.add(result)
    summary.add_join_stats(stats)
    assert summary.as_dict()["problems"]["duplicate_lines"] == 3
    assert summary.prompt_tokens == 55  # the duplicate success was not counted twice


MALFORMED: list[tuple[bytes, str]] = [
    (b"{not json", "invalid_json"),
    (b"\xff\xfe", "invalid_json"),
    (b"[]", "not_an_object"),
    (b"null", "not_an_object"),
    (b"42", "not_an_object"),
    (b'"text"', "not_an_object"),
    (b'{"response": {"status_code": 200}}', "missing_custom_id"),
    (b'{"custom_id": 7, "response": {"status_code": 200}}', "invalid_custom_id"),
    (b'{"custom_id": ["a"]}', "invalid_custom_id"),
    (b"[" * 100_000 + b"]" * 100_000, "not_an_object"),
]


@pytest.mark.parametrize(("raw", "code"), MALFORMED)
def test_malformed_lines_are_counted_and_the_stream_goes_on(raw: bytes, code: str) -> None:
    index = InputIndex.from_requests(
        [chat_request(i, model="m", messages=[]) for i in ("request-2", "pr-9953")]
    )
    stats = JoinStats()
    lines = [lines_of(SUCCESS)[0], raw + b"\n", lines_of(REQUEST_ERROR)[0]]
    results = list(join_results(lines, index, stats=stats))
    assert [r.outcome for r in results] == [Outcome.SUCCEEDED, Outcome.REQUEST_ERROR]
    assert stats.malformed == 1
    [problem] = stats.problems
    assert problem.line == 2
    # A line nested past the parser's limit is invalid JSON to it; either way it is counted.
    assert problem.code == code or (code == "not_an_object" and problem.code == "invalid_json")


def test_a_result_line_with_a_utf8_bom_joins_as_json_loads_would_read_it() -> None:
    # An output file saved by an editor may open with a BOM; json.loads drops it from bytes.
    [line] = lines_of(SUCCESS)[:1]
    [with_bom] = join_results([b"\xef\xbb\xbf" + line])
    [plain] = join_results([line])
    assert (with_bom.custom_id, with_bom.outcome) == (plain.custom_id, Outcome.SUCCEEDED)


@pytest.mark.parametrize(
    "line",
    [
        {"custom_id": "a", "response": [], "error": None},
        {"custom_id": "a", "response": {"status_code": "200", "body": {}}},
        {"custom_id": "a", "response": {"status_code": True}},
        {"custom_id": "a", "error": {"code": ["x"], "message": {"deep": [1]}}},
        {"custom_id": "a", "error": "boom"},
        {"custom_id": "a", "response": {"status_code": 500, "body": {"error": {"code": 5}}}},
        {"custom_id": "a", "response": {"status_code": 200, "body": []}},
        {"custom_id": "a", "response": {"status_code": 200, "body": {"choices": "x"}}},
    ],
)
def test_odd_shapes_become_typed_rows(line: dict[str, object]) -> None:
    [result] = list(join_results(lines_of(line)))
    assert result.custom_id == "a"
    assert isinstance(result.outcome, Outcome)
    if not result.ok:
        assert result.error is not None
        assert result.error.code is None or isinstance(result.error.code, str)
        assert isinstance(result.error.message, str)
    # Reading a row never raises anything but our own errors.
    for attribute in ("text", "usage", "raw_body", "body", "transcription"):
        with contextlib.suppress(GroqError):
            getattr(result, attribute)


def test_malformed_success_body_raises_our_error() -> None:
    line = dict(SUCCESS, response={"status_code": 200, "body": {"choices": "x", "id": 1}})
    result = classify(line)
    assert result.ok
    with pytest.raises(MalformedResultError, match="request-2"):
        _ = result.body
    assert result.text is None


@pytest.mark.parametrize(
    "usage",
    [
        {"prompt_tokens": "many", "completion_tokens": 1},
        {"prompt_tokens": [1], "completion_tokens": 1},
        {"prompt_tokens": float("nan"), "completion_tokens": 1},
        {"prompt_tokens": float("inf"), "completion_tokens": 1},
        {"prompt_tokens": True, "completion_tokens": 1},
        {"prompt_tokens": -3, "completion_tokens": 1},
        {"prompt_tokens": 1.5, "completion_tokens": 1},
    ],
)
def test_non_numeric_usage_is_counted_not_raised(usage: dict[str, object]) -> None:
    body = dict(SUCCESS["response"]["body"], usage=usage)  # type: ignore[call-overload]
    line = dict(SUCCESS, response={"status_code": 200, "body": body})
    summary = ResultSummary()
    summary.add(classify(line))
    summary.add(classify(SUCCESS))
    assert (summary.prompt_tokens, summary.completion_tokens) == (55, 5)
    assert summary.malformed_usage == 1
    assert summary.as_dict()["problems"]["malformed_usage"] == 1


def test_input_index_skips_lines_that_cannot_be_requests(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    good = json.dumps(chat_request("ok", model="m", messages=[]).to_dict()).encode()
    path.write_bytes(b"\n".join([b"{oops", b"[]", b'{"custom_id": "nobody"}', good, b""]))
    with InputIndex.from_path(path) as index:
        assert list(index.ids()) == ["nobody", "ok"]
        assert index.get("nobody") is None  # no body: not a request
        request = index.get("ok")
        assert request is not None
        assert request.custom_id == "ok"
        results = list(join_results([], index))
    assert [(r.custom_id, r.outcome) for r in results] == [
        ("nobody", Outcome.MISSING),
        ("ok", Outcome.MISSING),
    ]
    with pytest.raises(ValidationError) as info:
        InputIndex.from_requests([{"custom_id": 1, "body": {}}])
    assert [(p.line, p.field) for p in info.value.problems] == [(1, "custom_id")]


def test_joiner_counts_results_for_unknown_ids() -> None:
    joiner = ResultJoiner(InputIndex.from_requests([chat_request("a", model="m", messages=[])]))
    assert joiner.feed(json.dumps(dict(SUCCESS, custom_id="stranger"))) is not None
    assert joiner.stats.unknown == 1
    assert [r.custom_id for r in joiner.missing()] == ["a"]


AUDIO = "https://example.com/test01_20s.wav"
VERBOSE = {
    "task": "transcribe",
    "language": "English",
    "duration": 20.5,
    "text": " Hello from the batch.",
    "segments": [{"id": 0, "start": 0.0, "end": 2.1, "text": " Hello from the batch."}],
    "x_groq": {"id": "req_01"},
}


@pytest.mark.parametrize(
    ("body", "text", "language"),
    [
        (
            {"text": " Hello from the batch.", "x_groq": {"id": "req_01"}},
            " Hello from the batch.",
            None,
        ),
        (VERBOSE, " Hello from the batch.", "English"),
        (" Hello from the batch.", " Hello from the batch.", None),
    ],
    ids=["json", "verbose_json", "text"],
)
def test_audio_results_are_typed(body: object, text: str, language: str | None) -> None:
    inputs = [
        transcription_request("t", model="whisper-large-v3", url=AUDIO),
        translation_request("tr", model="whisper-large-v3", url=AUDIO),
    ]
    lines = [
        {"id": "x", "custom_id": cid, "response": {"status_code": 200, "body": body}, "error": None}
        for cid in ("t", "tr")
    ]
    for index in (InputIndex.from_requests(inputs), None):
        results = list(join_results(lines_of(*lines), index))
        assert [r.custom_id for r in results] == ["t", "tr"]
        for result in results:
            assert result.ok
            assert result.is_audio
            assert result.text == text
            assert result.body is None  # not a chat completion
            transcription = result.transcription
            assert transcription is not None
            assert transcription.text == text
            assert transcription.language == language
            if body is VERBOSE:
                assert transcription.duration == 20.5
                assert transcription.segments is not None
                assert transcription.segments[0]["end"] == 2.1


def test_chat_results_have_no_transcription() -> None:
    result = classify(SUCCESS)
    assert not result.is_audio
    assert result.transcription is None


# ------------------------------------------------------------------ file-backed index


def _request_line(custom_id: str, content: str = "hi") -> bytes:
    request = chat_request(custom_id, model="m", messages=[{"role": "user", "content": content}])
    return json.dumps(request.to_dict()).encode()


def _index_of(tmp_path: Path, *lines: bytes) -> InputIndex:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return InputIndex.from_path(path)


def test_request_is_parsed_on_access_and_outlives_the_index(tmp_path: Path) -> None:
    with _index_of(tmp_path, _request_line("a", "first"), _request_line("b", "second")) as index:
        results = list(join_results(lines_of(dict(SUCCESS, custom_id="a")), index))
        # Nothing parsed yet: each result holds only its input line's bytes.
        assert all(r._request is None and r._request_line is not None for r in results)
        assert not results[0].is_audio  # told from the raw line, still without parsing it
        assert results[0]._request is None
    assert [r.custom_id for r in results] == ["a", "b"]
    assert [r.outcome for r in results] == [Outcome.SUCCEEDED, Outcome.MISSING]
    request = results[1].request
    assert request is not None
    assert request.body["messages"][0]["content"] == "second"
    assert results[1].request is request  # parsed once, then kept
    first = results[0].request
    assert first is not None
    assert first.custom_id == "a"


def test_request_stays_settable_and_constructible() -> None:
    request = chat_request("a", model="m", messages=[])
    result = BatchResult("a", Outcome.SUCCEEDED, 200, request=request)
    assert result.request is request
    result.request = None
    assert result.request is None
    assert "request" not in repr(result)


def test_audio_results_from_a_file_index_know_their_url(tmp_path: Path) -> None:
    audio = json.dumps(transcription_request("t", model="w", url=AUDIO).to_dict()).encode()
    body = {"text": " Hello from the batch."}
    line: dict[str, object] = {
        "custom_id": "t",
        "response": {"status_code": 200, "body": body},
        "error": None,
    }
    with _index_of(tmp_path, audio) as index:
        [result] = list(join_results(lines_of(line), index))
    assert result.is_audio
    assert result.body is None
    assert result.transcription is not None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"custom_id": "plain", "body": {}}', "plain"),
        (b'  {"custom_id":"caf\\u00e9 \\"q\\" \\\\ \\/","body":{}}', 'café "q" \\ /'),
        ('{"custom_id": "naïve", "body": {}}'.encode(), "naïve"),
        # Another "custom_id" anywhere: the raw bytes cannot tell which one a parser keeps.
        (b'{"custom_id": "outer", "body": {"custom_id": "inner"}}', None),
        (b'{"custom_id": "first", "custom_id": "second", "body": {}}', None),
        (b'{"custom_id": "a", "custom\\u005fid": "b", "body": {}}', None),
        (b'{"body": {}, "custom_id": "late"}', None),
        (b'{"custom_id": 7, "body": {}}', None),
        (b'{"custom_id": "tab\there", "body": {}}', None),  # a raw control character
        (b'{"custom_id": "bad \\x escape", "body": {}}', None),
        (b'[{"custom_id": "in a list"}]', None),
    ],
)
def test_first_key_id_reads_only_what_it_can_tell(line: bytes, expected: str | None) -> None:
    assert index_module.first_key_id(line) == expected


def test_file_index_reads_ids_as_a_parser_would(tmp_path: Path) -> None:
    lines = [
        b'{"custom_id": "outer", "body": {"custom_id": "inner"}}',
        b'{"custom_id": "first", "custom_id": "second", "body": {}}',
        b'{"custom_id": "a", "custom\\u005fid": "b", "body": {}}',
        b'{"body": {"n": 1}, "custom_id": "late"}',
        b'{"custom_id":"caf\\u00e9 \\"q\\"","body":{}}',
        b'{"custom_id": "tab\there", "body": {}}',
        b'{"custom_id": 7, "body": {}}',
    ]
    with _index_of(tmp_path, *lines) as index:
        assert list(index.ids()) == ["outer", "second", "b", "late", 'café "q"']
        for hidden in ("inner", "first", "a", "tab\there"):
            assert hidden not in index
        late = index.get("late")
        assert late is not None
        assert late.body == {"n": 1}
        assert index.get("second") is not None
        results = list(join_results(lines_of(dict(SUCCESS, custom_id="inner")), index))
    assert [r.custom_id for r in results] == ["inner", "outer", "second", "b", "late", 'café "q"']
    assert results[0].request is None  # "inner" is no input: it is counted as unknown


def test_a_line_that_opens_with_an_id_is_indexed_even_if_broken_after(tmp_path: Path) -> None:
    # The fast path reads the id without parsing the rest; such a line (which a batch would
    # refuse) is indexed, comes out as missing, and has no request.
    with _index_of(tmp_path, b'{"custom_id": "cut", "body": {"mod', _request_line("ok")) as index:
        assert list(index.ids()) == ["cut", "ok"]
        assert "cut" in index
        assert index.get("cut") is None
        results = list(join_results([], index))
    assert [(r.custom_id, r.outcome) for r in results] == [
        ("cut", Outcome.MISSING),
        ("ok", Outcome.MISSING),
    ]
    assert results[0].request is None
    assert results[1].request is not None


Row = tuple[str, Outcome, Mapping[str, Any] | None]


def _join_everything(tmp_path: Path) -> tuple[list[Row], JoinStats]:
    inputs = [_request_line(f"id-{i}", f"text {i}") for i in range(40)]
    inputs.insert(5, _request_line("id-3", "a later copy"))  # the first line for an id wins
    inputs.insert(9, b'{"body": {}, "custom_id": "id-parsed"}')
    outputs: list[dict[str, object]] = [dict(SUCCESS, custom_id=f"id-{i}") for i in range(0, 40, 3)]
    outputs += [dict(SUCCESS, custom_id="id-0"), dict(SUCCESS, custom_id="stranger")]
    outputs += [dict(SUCCESS, custom_id="stranger"), dict(SUCCESS, custom_id="id-parsed")]
    stats = JoinStats()
    with _index_of(tmp_path, *inputs) as index:
        results = list(join_results(lines_of(*outputs), index, stats=stats))
    rows = [
        (r.custom_id, r.outcome, r.request.body if r.request is not None else None) for r in results
    ]
    return rows, stats


def test_file_index_joins_the_same_when_every_hash_collides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, expected_stats = _join_everything(tmp_path)
    monkeypatch.setattr(index_module, "custom_id_hash", lambda custom_id: 7)
    rows, stats = _join_everything(tmp_path)
    assert rows == expected
    assert (stats.yielded, stats.duplicates, stats.unknown) == (16, 2, 1)
    assert stats == expected_stats
    by_id = {row[0]: row for row in rows}
    assert len(rows) == len(by_id) == 42  # 40 + "id-parsed" + "stranger"
    assert by_id["id-3"][2] == {
        "model": "m",
        "messages": [{"role": "user", "content": "text 3"}],
    }
    assert by_id["stranger"][2] is None
    assert by_id["id-1"][1] is Outcome.MISSING


def test_closed_file_index_knows_no_ids(tmp_path: Path) -> None:
    index = _index_of(tmp_path, _request_line("a"))
    assert "a" in index
    assert 1 not in index
    assert not index.closed
    index.close()
    assert index.closed
    assert not InputIndex.from_requests([]).closed
    assert "a" not in index
    assert index.get("a") is None
    assert list(index.ids()) == []


# ----------------------------------------------------- mutation testing (RELIABILITY.md)
# Each test below kills mutants that survived `nox -s mutants` over the results modules.


def _succeeded(custom_id: str, usage: dict[str, Any]) -> BatchResult:
    body = {"choices": [{"message": {"content": "hi"}}], "usage": usage}
    return classify({"custom_id": custom_id, "response": {"status_code": 200, "body": body}})


def test_summary_adds_up_over_results_and_only_whole_counts_from_zero_count() -> None:
    summary = ResultSummary()
    summary.add(_succeeded("a", {"prompt_tokens": 0, "completion_tokens": 4}))
    summary.add(_succeeded("b", {"prompt_tokens": 3.0}))  # no completion count: zero
    summary.add(_succeeded("c", {"prompt_tokens": 2, "completion_tokens": 0.0}))
    summary.add(_succeeded("d", {"prompt_tokens": -1, "completion_tokens": 1}))
    summary.add(_succeeded("e", {"prompt_tokens": 1.5, "completion_tokens": 1}))
    assert summary.outcomes == {Outcome.SUCCEEDED: 5}
    assert (summary.prompt_tokens, summary.completion_tokens) == (5, 4)
    assert summary.malformed_usage == 2
    first, second = JoinStats(duplicates=1, malformed=2), JoinStats(duplicates=2, malformed=1)
    summary.add_join_stats(first)
    summary.add_join_stats(second)
    assert (summary.duplicates, summary.malformed_lines) == (3, 3)


def test_join_stats_count_every_bad_line_but_keep_only_the_first_hundred() -> None:
    stats = JoinStats()
    lines = [b"not json"] * 105 + [b'{"custom_id": "a", "response": {"status_code": 200}}']
    assert [r.custom_id for r in join_results(lines, stats=stats)] == ["a"]
    assert (stats.malformed, stats.duplicates, len(stats.problems)) == (105, 0, 100)
    assert str(stats.problems[-1]).startswith("result line 100: Invalid JSON")


def test_join_results_gives_inputs_with_no_line_the_outcome_asked_for() -> None:
    inputs = InputIndex.from_requests([chat_request("a", model="m", messages=[])])
    (result,) = join_results([], inputs, missing_outcome=Outcome.EXPIRED)
    assert result.outcome is Outcome.EXPIRED
    assert result.error is not None
    assert "expired" in result.error.message


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        (Outcome.MISSING, ""),
        (Outcome.EXPIRED, " (the batch expired before it ran)"),
        (Outcome.CANCELLED, " (the batch was cancelled before it ran)"),
    ],
)
def test_an_input_no_line_answered_says_exactly_why_with_its_outcome_as_code(
    outcome: Outcome, reason: str
) -> None:
    inputs = InputIndex.from_requests([chat_request("a", model="m", messages=[])])
    (result,) = join_results([], inputs, missing_outcome=outcome)
    assert result.outcome is outcome
    assert result.error is not None
    assert result.error.code == outcome.value
    assert result.error.message == (
        "The request appears in neither the output nor the error file" + reason
    )


def test_a_chat_body_with_a_text_key_is_still_a_chat_answer() -> None:
    body = {"choices": [{"message": {"content": "hi"}}], "text": "not a transcript"}
    result = classify({"custom_id": "a", "response": {"status_code": 200, "body": body}})
    assert not result.is_audio
    assert result.transcription is None
    assert result.text == "hi"


def test_input_dicts_are_requests_only_with_string_url_and_method() -> None:
    good = {"custom_id": "ok", "body": {"model": "m", "messages": []}}
    with pytest.raises(ValidationError) as caught:
        InputIndex.from_requests(
            [{**good, "custom_id": "u", "url": 5}, good, {**good, "custom_id": "v", "method": 5}]
        )
    assert caught.value.source == "inputs"
    message = "Not a request: it needs a string custom_id and an object body"
    assert [(p.line, p.field, p.code, p.message) for p in caught.value.problems] == [
        (1, "custom_id", "invalid_request", message),
        (3, "custom_id", "invalid_request", message),
    ]
    request = InputIndex.from_requests([good]).get("ok")
    assert request is not None
    assert (request.url, request.method) == ("/v1/chat/completions", "POST")


def test_transcription_bodies_keep_every_field_and_refuse_a_body_without_text() -> None:
    assert Transcription.from_body("plain") == Transcription(text="plain", raw="plain")
    body = {
        "text": "hello",
        "task": "transcribe",
        "language": "en",
        "duration": 2,
        "segments": [{"id": 0}, "junk"],
        "words": [{"word": "hello"}, 3],
    }
    assert Transcription.from_body(body) == Transcription(
        text="hello",
        task="transcribe",
        language="en",
        duration=2.0,
        segments=[{"id": 0}],
        words=[{"word": "hello"}],
        raw=body,
    )
    with pytest.raises(MalformedResultError) as caught:
        Transcription.from_body({"task": "transcribe"})
    assert caught.value.custom_id == "?"
    assert "a transcription body needs a string 'text'" in str(caught.value)


def test_messages_from_a_line_are_text_of_at_most_500_characters() -> None:
    assert bounded_text(None) == ""
    assert bounded_text("as is") == "as is"
    assert bounded_text({"é": [1]}) == '{"\\u00e9": [1]}'
    assert bounded_text({1, 2}) == "<set>"
    exact = "x" * 496  # 500 characters once quoted as JSON
    assert bounded_text([exact]) == json.dumps([exact])
    assert bounded_text([exact + "y"]) == json.dumps([exact + "y"])[:497] + "..."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"error": {"code": "c", "message": "m", "type": "t"}}, ResultError("c", "m", "t")),
        ({"error": {"code": "c"}}, ResultError("c", "", None)),
        ({"error": {"message": ["m"]}}, ResultError(None, '["m"]', None)),
        ({"error": "flat"}, ResultError(None, "HTTP 400")),
        ({"detail": "x"}, ResultError(None, "HTTP 400")),
        (["not", "an", "object"], ResultError(None, "HTTP 400")),
        ("text", ResultError(None, "HTTP 400")),
    ],
)
def test_a_request_error_reads_groqs_envelope_or_names_the_status(
    body: Any, expected: ResultError
) -> None:
    result = classify({"custom_id": "a", "response": {"status_code": 400, "body": body}})
    assert result.outcome is Outcome.REQUEST_ERROR
    assert result.error == expected


def test_each_line_that_is_no_result_line_is_recorded_with_what_is_wrong() -> None:
    stats = JoinStats()
    lines = [
        b"{broken",
        b"null",
        b"[1]",
        b'{"response": {}}',
        b'{"custom_id": 7}',
        b'{"custom_id": "a", "response": {"status_code": 200}}',
        b'{"custom_id": "a", "response": {"status_code": 200}}',
    ]
    assert len(list(join_results(lines, stats=stats))) == 1
    assert [(p.line, p.code, p.message, p.custom_id) for p in stats.problems] == [
        (
            1,
            "invalid_json",
            "Invalid JSON: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
            None,
        ),
        (2, "not_an_object", "Expected a JSON object, got null", None),
        (3, "not_an_object", "Expected a JSON object, got list", None),
        (4, "missing_custom_id", "The line has no custom_id", None),
        (5, "invalid_custom_id", "custom_id is not a string: 7", None),
        (7, "duplicate_custom_id", "custom_id 'a' already had a result; this line is ignored", "a"),
    ]


def test_a_part_of_a_split_job_gets_missing_rows_of_its_own_lines_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inputs = InputIndex.from_requests(
        [chat_request(custom_id, model="m", messages=[]) for custom_id in "abcd"]
    )
    joiner = ResultJoiner(inputs)
    for line in (b'{"custom_id": "x", "error": {}}', b'{"custom_id": "y", "error": {}}', b"["):
        joiner.feed(line)
    assert joiner.stats.unknown == 2
    with caplog.at_level("WARNING", logger="groq_batch.results"):
        assert [r.custom_id for r in joiner.missing(range(1, 3))] == ["b", "c"]
    assert [r.getMessage() for r in caplog.records] == [str(joiner.stats)]


def test_a_file_index_of_one_or_two_lines_answers_an_absent_id(tmp_path: Path) -> None:
    # Its hash table must keep a free slot, or a probe for an absent id would never end.
    for count in (1, 2):
        lines = [_request_line(f"id-{i}") for i in range(count)]
        with _index_of(tmp_path, *lines) as index:
            assert index.get("absent") is None
            assert "absent" not in index
            assert index.get(f"id-{count - 1}") is not None
