"""Typed batch results, joined to their inputs, read as streams.

Groq writes successes to the output file and everything else to the error file, in no particular
order. A result is a success only when the line has a 2xx ``response`` and no ``error``; every
other line is a failure of one kind or another, and every input with no line at all is
``missing``. Nothing here holds a whole file: lines are parsed one at a time, bodies are typed
only when asked for, and inputs are looked up through an index of file offsets.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, BinaryIO

from groq_batch.jsonl import BatchRequest
from groq_batch_api.models import ChatCompletion

__all__ = [
    "BatchResult",
    "InputIndex",
    "Outcome",
    "ResultError",
    "ResultJoiner",
    "ResultSummary",
    "classify",
    "join_results",
]


class Outcome(StrEnum):
    """What became of one request."""

    SUCCEEDED = "succeeded"
    """A 2xx response with a body."""
    REQUEST_ERROR = "request_error"
    """The request ran and got a non-2xx response (its body holds the error)."""
    BATCH_ERROR = "batch_error"
    """The line carries an ``error`` that is not about expiry or cancellation."""
    EXPIRED = "expired"
    """The batch's window ran out before the request ran."""
    CANCELLED = "cancelled"
    """The batch was cancelled before the request ran."""
    MISSING = "missing"
    """The input appears in neither the output nor the error file."""


FAILED_OUTCOMES = frozenset(Outcome) - {Outcome.SUCCEEDED}

# Error codes Groq (and OpenAI, whose format Groq follows) use for lines that never ran.
_EXPIRED_CODES = frozenset({"batch_expired", "expired", "request_expired"})
_CANCELLED_CODES = frozenset({"batch_cancelled", "cancelled", "request_cancelled"})


@dataclass(frozen=True, slots=True)
class ResultError:
    """Why a request did not succeed.

    Attributes:
        code: A machine-readable code (``json_validate_failed``, ``batch_expired``, ...), if any.
        message: What happened.
        type: The error's category from Groq's envelope (``invalid_request_error``), if any.
    """

    code: str | None
    message: str
    type: str | None = None


@dataclass(slots=True, eq=False)
class BatchResult:
    """One request's result.

    Attributes:
        custom_id: The request's ``custom_id``.
        outcome: What became of it.
        status_code: The HTTP status the request got, when it ran.
        error: Why it failed, for every outcome but ``succeeded``.
        line: The parsed output or error line, or None for ``missing``.
        request: The original request, when the inputs are known.
    """

    custom_id: str
    outcome: Outcome
    status_code: int | None = None
    error: ResultError | None = None
    line: Mapping[str, Any] | None = None
    request: BatchRequest | None = None
    _body: ChatCompletion | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.outcome is Outcome.SUCCEEDED

    @property
    def raw_body(self) -> Mapping[str, Any] | None:
        """The response body as sent, untyped, or None when the request got no response."""
        if self.line is None:
            return None
        response = self.line.get("response")
        if not isinstance(response, Mapping):
            return None
        body = response.get("body")
        return body if isinstance(body, Mapping) else None

    @property
    def body(self) -> ChatCompletion | None:
        """The typed chat completion of a successful request, parsed on first access."""
        if self._body is None and self.outcome is Outcome.SUCCEEDED:
            raw = self.raw_body
            if raw is not None:
                self._body = ChatCompletion.from_dict(raw)
        return self._body

    @property
    def text(self) -> str | None:
        """The first choice's message content, the usual answer to "what did it say"."""
        raw = self.raw_body if self.outcome is Outcome.SUCCEEDED else None
        try:
            content = raw["choices"][0]["message"]["content"]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
        return content if isinstance(content, str) else None

    @property
    def usage(self) -> Mapping[str, Any] | None:
        """The ``usage`` block of the response body, when there is one."""
        raw = self.raw_body
        usage = raw.get("usage") if raw is not None else None
        return usage if isinstance(usage, Mapping) else None


def _error_from_envelope(body: Any, status_code: int) -> ResultError:
    error = body.get("error") if isinstance(body, Mapping) else None
    if isinstance(error, Mapping):
        return ResultError(
            code=error.get("code"),
            message=str(error.get("message", "")),
            type=error.get("type"),
        )
    return ResultError(code=None, message=f"HTTP {status_code}")


def classify(line: Mapping[str, Any]) -> BatchResult:
    """Turn one parsed output or error line into a result.

    Args:
        line: The parsed line (``custom_id``, ``response``, ``error``).

    Returns:
        The result, its outcome decided by the rule in this module's docstring.
    """
    custom_id = str(line.get("custom_id", ""))
    response = line.get("response")
    status_code: int | None = None
    body: Any = None
    if isinstance(response, Mapping):
        code = response.get("status_code")
        status_code = code if isinstance(code, int) else None
        body = response.get("body")
    error = line.get("error")
    if isinstance(error, Mapping):
        code = error.get("code")
        result_error = ResultError(code=code, message=str(error.get("message", "")))
        if code in _EXPIRED_CODES:
            outcome = Outcome.EXPIRED
        elif code in _CANCELLED_CODES:
            outcome = Outcome.CANCELLED
        else:
            outcome = Outcome.BATCH_ERROR
        return BatchResult(custom_id, outcome, status_code, result_error, line)
    if status_code is not None and 200 <= status_code < 300:
        return BatchResult(custom_id, Outcome.SUCCEEDED, status_code, None, line)
    if status_code is None:
        missing = ResultError(code=None, message="The line has neither a response nor an error")
        return BatchResult(custom_id, Outcome.BATCH_ERROR, None, missing, line)
    return BatchResult(
        custom_id,
        Outcome.REQUEST_ERROR,
        status_code,
        _error_from_envelope(body, status_code),
        line,
    )


class InputIndex:
    """The custom ids of a batch input, in order, with a way to fetch each request.

    Built from a file, it keeps only each line's offset, so an input of any size costs memory
    in proportion to its line count (at most 50,000 per batch), never to its bytes.
    """

    def __init__(self) -> None:
        self._offsets: dict[str, tuple[int, int]] = {}
        self._requests: dict[str, BatchRequest] = {}
        self._handle: BinaryIO | None = None

    @classmethod
    def from_requests(cls, requests: Iterable[BatchRequest | Mapping[str, Any]]) -> InputIndex:
        """Index requests held in memory.

        Args:
            requests: The requests, as ``BatchRequest`` objects or dicts.

        Returns:
            The index.
        """
        index = cls()
        for request in requests:
            req = request if isinstance(request, BatchRequest) else BatchRequest.from_dict(request)
            index._requests[req.custom_id] = req
        return index

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> InputIndex:
        """Index a JSONL input file by offsets, streaming it once.

        Args:
            path: The input file; it stays open until ``close()``.

        Returns:
            The index.
        """
        index = cls()
        handle = open(path, "rb")  # noqa: SIM115 - kept open for lookups until close()
        offset = 0
        for raw in handle:
            if raw.strip():
                custom_id = json.loads(raw).get("custom_id")
                if isinstance(custom_id, str):
                    index._offsets.setdefault(custom_id, (offset, len(raw)))
            offset += len(raw)
        index._handle = handle
        return index

    def ids(self) -> Iterator[str]:
        """Yield every custom id in input order."""
        yield from self._requests or self._offsets

    def get(self, custom_id: str) -> BatchRequest | None:
        """Return the request with this custom id, or None.

        Args:
            custom_id: The id.

        Returns:
            The request, read from disk for a file-backed index.
        """
        if custom_id in self._requests:
            return self._requests[custom_id]
        where = self._offsets.get(custom_id)
        if where is None or self._handle is None:
            return None
        self._handle.seek(where[0])
        return BatchRequest.from_dict(json.loads(self._handle.read(where[1])))

    def close(self) -> None:
        """Close the input file, if the index holds one."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> InputIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ResultJoiner:
    """Joins result lines to inputs one line at a time, for sync and async readers alike.

    Feed it every output and error line, then take ``missing()`` for the inputs that had none.
    """

    def __init__(
        self, inputs: InputIndex | None = None, *, missing_outcome: Outcome = Outcome.MISSING
    ) -> None:
        self.inputs = inputs
        self.missing_outcome = missing_outcome
        self._seen: set[str] = set()

    def feed(self, raw: bytes | str) -> BatchResult | None:
        """Classify one raw line and attach its request.

        Args:
            raw: The line, with or without its newline.

        Returns:
            The result, or None for a blank line.
        """
        if not raw.strip():
            return None
        result = classify(json.loads(raw))
        self._seen.add(result.custom_id)
        if self.inputs is not None:
            result.request = self.inputs.get(result.custom_id)
        return result

    def missing(self) -> Iterator[BatchResult]:
        """Yield a result for every input that no line mentioned, in input order."""
        if self.inputs is None:
            return
        for custom_id in self.inputs.ids():
            if custom_id not in self._seen:
                yield BatchResult(
                    custom_id,
                    self.missing_outcome,
                    error=ResultError(
                        code="missing",
                        message="The request appears in neither the output nor the error file",
                    ),
                    request=self.inputs.get(custom_id),
                )


def join_results(
    lines: Iterable[bytes | str],
    inputs: InputIndex | None = None,
    *,
    missing_outcome: Outcome = Outcome.MISSING,
) -> Iterator[BatchResult]:
    """Stream results from output and error file lines, joined to their inputs.

    Args:
        lines: The raw lines of the output file, then of the error file.
        inputs: The batch's inputs. With them, each result carries its request, and every input
            that has no line is yielded last as ``missing``.
        missing_outcome: The outcome to give inputs with no line.

    Yields:
        One result per line, then one per input with no line.
    """
    joiner = ResultJoiner(inputs, missing_outcome=missing_outcome)
    for raw in lines:
        result = joiner.feed(raw)
        if result is not None:
            yield result
    yield from joiner.missing()


@dataclass(slots=True)
class ResultSummary:
    """Counts per outcome and token usage, accumulated over results.

    Attributes:
        outcomes: How many results had each outcome.
        prompt_tokens: Prompt tokens over all responses.
        completion_tokens: Completion tokens over all responses.
    """

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total(self) -> int:
        """How many results were counted."""
        return sum(self.outcomes.values())

    @property
    def succeeded(self) -> int:
        """How many requests succeeded."""
        return self.outcomes[Outcome.SUCCEEDED]

    @property
    def failed(self) -> int:
        """How many requests did not succeed, whatever the reason."""
        return self.total - self.succeeded

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def add(self, result: BatchResult) -> BatchResult:
        """Count one result.

        Args:
            result: The result.

        Returns:
            The same result, so that ``summary.add`` can sit inside a loop or a ``map``.
        """
        self.outcomes[result.outcome] += 1
        usage = result.usage
        if usage is not None:
            self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
            self.completion_tokens += int(usage.get("completion_tokens") or 0)
        return result

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data.

        Returns:
            Outcome counts (every outcome listed, zeros included) and token totals.
        """
        return {
            "total": self.total,
            "outcomes": {o.value: self.outcomes[o] for o in Outcome},
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
        }
