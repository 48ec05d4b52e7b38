"""The validator finds every problem Groq would reject, each with its line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from groq_batch.jsonl import BatchRequest, chat_request, write_jsonl
from groq_batch.validation import (
    Problem,
    ValidationError,
    validate,
    validate_lines,
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
    assert codes(report.problems) == [
        (None, None, "too_many_lines"),
        (None, None, "file_too_large"),
    ]
    assert validate_lines(lines, max_lines=5, max_bytes=sum(map(len, lines))).ok


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
