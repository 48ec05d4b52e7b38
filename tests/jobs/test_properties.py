"""Properties over arbitrary input: the validator and the results join never fail foreignly.

- The validator, fed any bytes, any JSON (NaN, lone surrogates, deep nesting included) or any
  Python objects, returns a report and raises nothing; a poison value in an otherwise valid
  line is always reported on that line.
- The results join, fed any interleaving, partition, duplication and corruption of output and
  error lines, yields every input ``custom_id`` exactly once (the first line for it wins) and
  lets only ``GroqError`` escape, from the stream or from reading a row.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groq_batch import input_index as index_module
from groq_batch._errors import GroqError
from groq_batch.jsonl import chat_request, transcription_request, write_jsonl
from groq_batch.results import (
    BatchResult,
    InputIndex,
    JoinStats,
    ResultSummary,
    classify,
    join_results,
)
from groq_batch.validation import ValidationReport, validate, validate_lines

# Examples per property, chosen to keep this file near 20 s of CPU: the join is the one that
# guards the most (row loss and doubling), so it gets the most.
JOIN_EXAMPLES = 300
VALIDATOR_EXAMPLES = 200


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


# Text that includes lone surrogates, which JSON can escape but UTF-8 cannot carry.
any_text = st.text(alphabet=st.characters(codec=None), max_size=12) | st.sampled_from(
    ["", "\ud800", "a\udc00b", "\u2028", "x" * 40]
)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=10,
)


def wrap(value: Any, depth: int) -> Any:
    """``value`` nested ``depth`` levels inside lists and objects, built without recursion."""
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


def line_text(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


def valid_line(custom_id: str) -> dict[str, Any]:
    return chat_request(
        custom_id, model="llama-3.1-8b-instant", messages=[{"role": "user", "content": "q"}]
    ).to_dict()


near_valid = st.fixed_dictionaries(
    {},
    optional={
        "custom_id": any_text | json_value,
        "method": st.sampled_from(["POST", "GET"]) | json_value,
        "url": st.sampled_from(
            ["/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations", "/x"]
        )
        | json_value,
        "body": st.fixed_dictionaries(
            {},
            optional={
                "model": any_text | json_value,
                "messages": json_value,
                "url": json_value,
                "response_format": json_value,
                "temperature": json_value,
                "timestamp_granularities": json_value,
                "language": json_value,
                "prompt": json_value,
            },
        )
        | json_value,
    },
)
raw_line = (
    st.binary(max_size=120)
    | json_value.map(line_text)
    | near_valid.map(line_text)
    | st.tuples(json_value, st.integers(min_value=0, max_value=600)).map(
        lambda pair: line_text(wrap(pair[0], pair[1]))
    )
    | st.integers(min_value=1, max_value=20_000).map(lambda n: b"[" * n + b"]" * n)
) | st.sampled_from([b"", b"\r\n", b"   ", b"NaN", b"-Infinity", b'{"a": NaN}'])


def check_report(report: ValidationReport, lines: int) -> None:
    assert report.lines == lines
    assert report.parts >= 1
    for problem in report.problems + report.warnings:
        assert problem.line is None or 1 <= problem.line <= lines
        assert isinstance(problem.code, str)
        str(problem).encode("utf-8")  # every message is printable


@examples(VALIDATOR_EXAMPLES)
@given(st.lists(raw_line, max_size=8), st.sampled_from([256, 10**6]))
def test_validator_never_raises_on_any_bytes(lines: list[bytes], max_depth: int) -> None:
    # With no practical depth limit, the parser's own recursion limit is what stops a deep line.
    report = validate_lines([line + b"\n" for line in lines], max_depth=max_depth)
    check_report(report, len(lines))
    assert validate_lines(lines, require_messages=False, split=True).lines == len(lines)


@examples(VALIDATOR_EXAMPLES)
@given(st.lists(json_value | near_valid, max_size=5))
def test_validator_never_raises_on_any_objects(requests: list[Any]) -> None:
    extras: list[Any] = [{"custom_id": "s", "body": {1, 2}}, {"custom_id": b"bytes"}]
    report = validate([*requests, *extras])
    check_report(report, len(requests) + len(extras))
    assert not report.ok


POISON = {
    "nan": (float("nan"), "non_finite_number"),
    "inf": (float("inf"), "non_finite_number"),
    "surrogate": ("x\ud800", "lone_surrogate"),
}


@examples(VALIDATOR_EXAMPLES)
@given(
    ids=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=6, unique=True),
    poison=st.sampled_from(sorted(POISON)),
    where=st.sampled_from(["temperature", "messages", "metadata", "deep"]),
    data=st.data(),
)
def test_poison_in_a_valid_line_is_always_named(
    ids: list[str], poison: str, where: str, data: st.DataObject
) -> None:
    lines = [valid_line(i) for i in ids]
    target = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
    value, code = POISON[poison]
    body = lines[target]["body"]
    path = {
        "temperature": "body.temperature",
        "messages": "body.messages[0].content",
        "metadata": "body.metadata.tag",
        "deep": "body.extra.x[0].x[0].x",
    }[where]
    if where == "temperature":
        body["temperature"] = value
    elif where == "messages":
        body["messages"][0]["content"] = value
    elif where == "metadata":
        body["metadata"] = {"tag": value}
    else:
        body["extra"] = {"x": [{"x": [{"x": value}]}]}
    report = validate(lines)
    assert [(p.line, p.field, p.code) for p in report.problems] == [(target + 1, path, code)]


# ------------------------------------------------------------------------------ results join
def success(custom_id: str, usage: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": custom_id}}],
        "usage": usage if usage is not None else {"prompt_tokens": 3, "completion_tokens": 2},
    }
    return {
        "id": "batch_req_out_1",
        "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": "req_1", "body": body},
        "error": None,
    }


def row(kind: str, custom_id: str) -> dict[str, Any]:
    if kind == "success":
        return success(custom_id)
    if kind == "bad_usage":
        return success(custom_id, usage={"prompt_tokens": "many", "completion_tokens": [1]})
    if kind == "request_error":
        return {
            "id": "x",
            "custom_id": custom_id,
            "response": {"status_code": 400, "body": {"error": {"message": "no", "code": "c"}}},
        }
    if kind == "expired":
        return {
            "id": "x",
            "custom_id": custom_id,
            "response": None,
            "error": {"code": "batch_expired", "message": "late"},
        }
    if kind == "audio":
        body = {"text": "said", "segments": "not a list"}
        return {"custom_id": custom_id, "response": {"status_code": 200, "body": body}}
    # Odd shapes that still carry an id: they must come out as a typed row.
    return {"custom_id": custom_id, "response": [], "error": {"code": 1, "message": [None]}}


KINDS = ["success", "bad_usage", "request_error", "expired", "audio", "odd"]
CORRUPT = st.sampled_from(
    [
        b"{oops",
        b"[]",
        b"null",
        b"7",
        b'"s"',
        b"{}",
        b'{"custom_id": 5}',
        b'{"custom_id": null, "response": {}}',
        b"\xff\xfe\xfd",
        b"[" * 3000 + b"]" * 3000,
    ]
) | st.binary(max_size=40).filter(lambda b: not b.strip().startswith(b"{"))

# Ids include the empty string: an empty custom_id is still an id to join on.
result_ids = st.lists(st.text(max_size=6) | st.just(""), min_size=0, max_size=20, unique=True)


@examples(JOIN_EXAMPLES)
@given(
    ids=result_ids,
    strangers=st.lists(st.text(min_size=7, max_size=9), max_size=3, unique=True),
    data=st.data(),
)
def test_join_yields_every_input_once_whatever_the_files_hold(
    tmp_path_factory: Any, ids: list[str], strangers: list[str], data: st.DataObject
) -> None:
    lines: list[bytes] = []
    for custom_id in ids + strangers:
        copies = data.draw(st.integers(min_value=0, max_value=3), label=f"copies of {custom_id!r}")
        for _ in range(copies):
            kind = data.draw(st.sampled_from(KINDS))
            lines.append(json.dumps(row(kind, custom_id)).encode())
    lines += data.draw(st.lists(CORRUPT, max_size=5), label="corrupt")
    order = data.draw(st.permutations(lines), label="interleaving")
    # Partition into output and error files, as the job reads them: file after file, with the
    # line endings each file happens to use.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=3)))
    files = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    stream: list[bytes | str] = []
    for chunk in files:
        ending = data.draw(st.sampled_from([b"\n", b"\r\n", b""]))
        stream += [line + ending for line in chunk]
        stream.append(b"\n")  # a blank separator line, as the job writes between files
    if data.draw(st.booleans(), label="str lines"):
        stream = [line.decode("utf-8", "replace") for line in stream]

    requests = [chat_request(i, model="m", messages=[]) for i in ids]
    if ids and data.draw(st.booleans(), label="file-backed inputs"):
        path = Path(tmp_path_factory.mktemp("in")) / "in.jsonl"
        write_jsonl([*requests[:1], transcription_request("audio", model="w", url="u")], path)
        with path.open("ab") as fh:
            fh.write(b"{broken\n")
        write_jsonl(requests, path)
        index = InputIndex.from_path(path)
    else:
        index = InputIndex.from_requests(requests)

    stats = JoinStats()
    summary = ResultSummary()
    results: list[BatchResult] = []
    try:
        for result in join_results(stream, index, stats=stats):
            results.append(summary.add(result))
            for attribute in ("text", "usage", "raw_body", "body", "transcription", "is_audio"):
                with contextlib.suppress(GroqError):
                    getattr(result, attribute)
    finally:
        index.close()
    summary.add_join_stats(stats)

    counts = Counter(r.custom_id for r in results)
    assert all(n == 1 for n in counts.values()), "no custom_id comes out twice"
    assert set(ids) <= set(counts), "every input comes out"
    # The first line for each id wins.
    first: dict[str, dict[str, Any]] = {}
    for line in order:
        value = _parse_row(line)
        if value is not None:
            first.setdefault(value["custom_id"], value)
    for result in results:
        if result.custom_id in first:
            assert result.outcome is classify(first[result.custom_id]).outcome
        else:
            assert result.custom_id in ids
            assert result.outcome.value == "missing"
    id_lines = sum(1 for line in order if _parse_row(line) is not None)
    assert stats.duplicates == id_lines - len(first)
    assert stats.yielded == len(first)
    assert summary.total == len(results)
    assert summary.prompt_tokens >= 0
    assert math.isfinite(summary.total_tokens)


def _parse_row(line: bytes) -> dict[str, Any] | None:
    """The test's own reading of a line: an object with a string ``custom_id``, or None."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and isinstance(value.get("custom_id"), str):
        return value
    return None


id_line_value = st.fixed_dictionaries(
    {"custom_id": any_text | json_leaf},
    optional={"body": json_value, "url": any_text, "method": any_text},
)


@examples(VALIDATOR_EXAMPLES)
@given(
    value=id_line_value,
    nested=st.booleans(),
    ascii_only=st.booleans(),
    compact=st.booleans(),
    indent=st.sampled_from(["", " ", "\t", "\r\n "]),
)
def test_fast_id_agrees_with_a_parser(
    value: dict[str, Any], nested: bool, ascii_only: bool, compact: bool, indent: str
) -> None:
    """Whenever the index reads an id from the raw bytes, a JSON parser reads the same one."""
    if nested:
        value = {**value, "body": {"custom_id": "nested", "inner": value.get("body")}}
    try:
        text = json.dumps(
            value, ensure_ascii=ascii_only, separators=(",", ":") if compact else None
        )
        raw = (indent + text).encode("utf-8", "surrogatepass")
    except ValueError:
        return
    fast = index_module.first_key_id(raw)
    if fast is not None:
        parsed = json.loads(raw)
        assert fast == parsed["custom_id"]
    # Repeat the key by hand: the last one is the one a parser keeps, so the fast path abstains.
    repeated = raw.replace(b"{", b'{"custom_id": "shadow",', 1)
    assert index_module.first_key_id(repeated) is None
