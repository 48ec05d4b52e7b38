"""From input lines to stored rows: parsing a validated input file, and outcomes to results.

The worker stores each input line as a request and each answer as a result row. Everything it
stores must be valid UTF-8 JSON text that SQLite and the output files can hold: a lone
surrogate in a body stays escaped, and a line whose body cannot be run gets an error row of its
own (a per-request 400, as Groq answers) instead of failing the batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from groq_batch.jsoncodec import decode_line
from groq_batch_server.execution import Outcome
from groq_batch_server.ids import new_id
from groq_batch_server.judge import LineError
from groq_batch_server.rows import ResultRow

__all__ = [
    "batch_error",
    "dumps",
    "failed_row",
    "parse_lines",
    "refused_row",
    "result_row",
    "safe_text",
    "storable",
]


def batch_error(problem: LineError) -> dict[str, Any]:
    """One entry of a failed batch's ``errors``, safe to store and send.

    Args:
        problem: A problem the judge found.

    Returns:
        The entry, as Groq reports it (``code``, ``message``, ``param``, ``line``).
    """
    return {
        "code": problem.code,
        "message": safe_text(problem.message),
        "param": problem.param,
        "line": problem.line,
    }


# Made once: `json.dumps` with options builds a new encoder on every call, which cost a tenth
# of the time spent encoding each result (several encodes per request). Encoders keep no state
# between calls, so threads can share them.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_COMPACT_ASCII = json.JSONEncoder(separators=(",", ":"))


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as it is (the form results are stored in)."""
    return _COMPACT.encode(value)


def storable(value: Any) -> str:
    """JSON text that SQLite and UTF-8 files can hold: lone surrogates stay escaped."""
    text = _COMPACT.encode(value)
    try:
        text.encode()
    except UnicodeEncodeError:
        return _COMPACT_ASCII.encode(value)
    return text


def safe_text(text: str) -> str:
    """Text with any lone surrogate spelled out, so it can be stored, logged and sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def result_row(line: int, outcome: Outcome) -> ResultRow:
    """The result row to store for what the executor answered to one line."""
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        status_code=outcome.status_code,
        request_id=safe_text(outcome.request_id) if outcome.request_id is not None else None,
        body=storable(outcome.body) if outcome.body is not None else None,
        error_code=safe_text(outcome.error_code) if outcome.error_code is not None else None,
        error_message=(
            safe_text(outcome.error_message) if outcome.error_message is not None else None
        ),
    )


def failed_row(line: int, exc: BaseException) -> ResultRow:
    """The error row of a request the server could not run at all."""
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        error_code="server_error",
        error_message=f"The server could not run this request ({type(exc).__name__})",
    )


def refused_row(line: int, message: str) -> ResultRow:
    """A per-request 400, as Groq answers a request body it cannot accept."""
    body = {"error": {"message": message, "type": "invalid_request_error",
                      "code": "invalid_unicode"}}  # fmt: skip
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        status_code=400,
        request_id=new_id("req"),
        body=dumps(body),
    )


def parse_lines(
    path: Path, refused: list[ResultRow], unusable: list[LineError]
) -> Iterator[tuple[int, str, str, str | None]]:
    """``(line, custom_id, body, url)`` for each line of a file that passed validation.

    A body that is not valid Unicode (a lone surrogate) is stored escaped, and its line gets a
    400 error row in `refused` instead of being run. A line the server cannot use at all (JSON
    nested too deeply to process, a ``custom_id`` that is not valid Unicode) goes to `unusable`.
    """
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                value = decode_line(raw)
                body = dumps(value["body"])
            except RecursionError:
                unusable.append(
                    LineError(number, "body", "nesting_too_deep",
                            f"Line {number}: the JSON is nested too deeply to process")
                )  # fmt: skip
                continue
            custom_id = value["custom_id"]
            if safe_text(custom_id) != custom_id:
                unusable.append(
                    LineError(number, "custom_id", "invalid_unicode",
                            f"Line {number}: custom_id holds a lone surrogate, "
                            "which is not valid Unicode")
                )  # fmt: skip
                continue
            try:
                body.encode()
            except UnicodeEncodeError:
                body = json.dumps(value["body"], separators=(",", ":"))
                refused.append(
                    refused_row(
                        number,
                        f"Line {number}: the request body holds a lone surrogate "
                        "(a \\ud800-\\udfff escape without its pair), which is not valid Unicode",
                    )
                )
            url = value.get("url")
            yield number, value["custom_id"], body, url if isinstance(url, str) else None
