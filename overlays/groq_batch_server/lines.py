"""From input lines to stored rows: parsing a validated input file, and outcomes to results.

The worker stores each input line as a request and each answer as a result row. Everything it
stores must be valid UTF-8 JSON text that SQLite and the output files can hold: a lone
surrogate in a body stays escaped, and a line whose body cannot be run gets an error row of its
own (a per-request 400, as Groq answers) instead of failing the batch.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from groq_batch.jsoncodec import ACCELERATED, decode_line, decoder
from groq_batch_server.execution import ExecRequest, Executor, Interrupted, Outcome
from groq_batch_server.ids import new_id
from groq_batch_server.judge import LineError
from groq_batch_server.rows import PendingRequest, ResultRow

__all__ = [
    "batch_error",
    "dumps",
    "execute_pending",
    "failed_row",
    "parse_lines",
    "refused_row",
    "result_row",
    "safe_text",
    "storable",
]


logger = logging.getLogger("groq_batch_server")

# A stored body is JSON the server wrote (or the line's own, already judged): msgspec reads it
# when it can, the standard library (as `json.loads`) whatever msgspec refuses.
_decode_body = decoder()


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


def _fast_encoder() -> Callable[[Any], bytes] | None:
    """The msgspec encoder when the ``fast`` extra is in (and not turned off), else None.

    It writes the same compact text as `_COMPACT` about seven times faster (a result body:
    1.8 us against 13.5 us), which was the largest single cost of storing a result. The text
    differs only in how some floats are spelled (``0.00002`` for ``2e-05``): the same numbers.
    """
    if not ACCELERATED:
        return None
    import msgspec

    return msgspec.json.Encoder().encode


_FAST_ENCODE = _fast_encoder()


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as it is (the form results are stored in)."""
    if _FAST_ENCODE is not None:
        try:
            return _FAST_ENCODE(value).decode()
        except (TypeError, ValueError, OverflowError):  # a lone surrogate, an odd type
            pass
    return _COMPACT.encode(value)


def storable(value: Any) -> str:
    """JSON text that SQLite and UTF-8 files can hold: lone surrogates stay escaped."""
    if _FAST_ENCODE is not None:
        try:
            # msgspec refuses a lone surrogate (UnicodeEncodeError, a ValueError), so text it
            # writes is always valid UTF-8.
            return _FAST_ENCODE(value).decode()
        except (TypeError, ValueError, OverflowError):
            pass
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


@functools.cache
def _line_decoder() -> Callable[[bytes], Any] | None:
    """Reads a line's ``custom_id``, ``body`` (as raw JSON text) and ``url``, with msgspec.

    Only a line whose ``custom_id`` is a string and whose JSON msgspec reads: anything else
    (a lone surrogate, which msgspec refuses, a byte-order mark, a non-string id) raises and
    takes the full reading, which knows what to do with it.
    """
    if not ACCELERATED:
        return None
    import msgspec

    parts = msgspec.defstruct(
        "Parts", [("custom_id", str), ("body", msgspec.Raw), ("url", Any, None)]
    )
    return msgspec.json.Decoder(parts).decode


def parse_lines(
    path: Path, refused: list[ResultRow], unusable: list[LineError]
) -> Iterator[tuple[int, str, str, str | None]]:
    """``(line, custom_id, body, url)`` for each line of a file that passed validation.

    A body that is not valid Unicode (a lone surrogate) is stored escaped, and its line gets a
    400 error row in `refused` instead of being run. A line the server cannot use at all (JSON
    nested too deeply to process, a ``custom_id`` that is not valid Unicode) goes to `unusable`.
    """
    fast = _line_decoder()
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if fast is not None:
                try:
                    parts = fast(raw)
                except (ValueError, RecursionError):  # msgspec refused it: the full reading
                    pass
                else:
                    # The body's own text, as the line spells it: never parsed into objects
                    # and written again, which cost about 10 us a line (msgspec: under 1).
                    url = parts.url
                    yield (number, parts.custom_id, bytes(parts.body).decode(),
                           url if isinstance(url, str) else None)  # fmt: skip
                    continue
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


def execute_pending(
    executor: Executor, pending: list[PendingRequest], stop: threading.Event
) -> list[ResultRow]:
    """Run stored requests; a request that makes the executor fail gets an error row of its own.

    The worker calls this in its own thread, and each line process
    (`groq_batch_server.line_processes`) calls it on its share of a chunk.

    Args:
        executor: What runs them.
        pending: The requests, in line order.
        stop: Set when the server is stopping.

    Returns:
        One result row per request, in the same order.

    Raises:
        Interrupted: `stop` was set before the requests finished.
    """
    results: dict[int, ResultRow] = {}
    parsed: list[tuple[PendingRequest, ExecRequest]] = []
    for p in pending:
        try:
            parsed.append((p, ExecRequest(p.custom_id, _decode_body(p.body), p.url)))
        except (ValueError, RecursionError) as exc:
            results[p.line] = failed_row(p.line, exc)
    try:
        outcomes = executor.run([r for _, r in parsed], stop)
        for (p, _), outcome in zip(parsed, outcomes, strict=True):
            results[p.line] = result_row(p.line, outcome)
    except Interrupted:
        raise
    except Exception:
        # Find the culprit: run the chunk's requests one by one.
        for p, request in parsed:
            try:
                results[p.line] = result_row(p.line, executor.run([request], stop)[0])
            except Interrupted:
                raise
            except Exception as exc:
                logger.warning("batch request %s (line %d) failed: %s: %s", p.custom_id,
                               p.line, type(exc).__name__, safe_text(str(exc)))  # fmt: skip
                results[p.line] = failed_row(p.line, exc)
    return [results[p.line] for p in pending]
