"""Typed results: one output or error line becomes one ``BatchResult``.

The outcome rule lives here (``classify``): a result is a success only when its line has a 2xx
``response`` and no ``error``; an ``error`` with an expiry or cancellation code is ``expired`` or
``cancelled``; any other error, and a line with neither, is a ``batch_error``; a non-2xx response
is a ``request_error``. Bodies are typed only when asked for, and a request joined from a
file-backed ``InputIndex`` is kept as its raw line until read. Matching lines to inputs is
``groq_batch.result_join``'s; ``groq_batch.results`` re-exports both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from groq_batch._errors import MalformedResultError
from groq_batch.input_index import hides_ascii, request_from_line
from groq_batch.jsonl import AUDIO_URLS, BatchRequest
from groq_batch.statuses import Outcome
from groq_batch_api.models import ChatCompletion

__all__ = [
    "BatchResult",
    "ResultError",
    "Transcription",
    "attach_input",
    "bounded_text",
    "classify",
    "is_permanent_failure",
]


# A request refused for what it is (an unknown model, a malformed body) fails the same way on a
# retry; a timeout (408), a conflict (409) or a rate limit (429) may not.
_PERMANENT_CODES = frozenset(
    {"model_not_found", "model_decommissioned", "invalid_request_error", "invalid_request"}
)
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


def is_permanent_failure(result: BatchResult) -> bool:
    """Whether a failed request would fail the same way if sent again.

    A ``request_error`` with a 4xx status (but 408, 409 and 429) or an error code such as
    ``model_not_found`` is the request's own fault: ``resubmit`` leaves it out by default.

    Args:
        result: A result.

    Returns:
        True for such a failure; False for any other outcome.
    """
    if result.outcome is not Outcome.REQUEST_ERROR:
        return False
    if result.error is not None and result.error.code in _PERMANENT_CODES:
        return True
    status = result.status_code
    return status is not None and 400 <= status < 500 and status not in _TRANSIENT_STATUSES


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


@dataclass(frozen=True, slots=True)
class Transcription:
    """The answer to a transcription or translation request.

    Attributes:
        text: The transcript (or, for a translation, the English text).
        task: ``transcribe`` or ``translate``, with ``verbose_json``.
        language: The language heard, with ``verbose_json``.
        duration: The audio's length in seconds, with ``verbose_json``.
        segments: The timed segments (``id``, ``start``, ``end``, ``text``, ...), with
            ``verbose_json``.
        words: The timed words, when ``timestamp_granularities`` asked for them.
        raw: The body as sent (a string for the ``text`` response format).
    """

    text: str
    task: str | None = None
    language: str | None = None
    duration: float | None = None
    segments: list[Mapping[str, Any]] | None = None
    words: list[Mapping[str, Any]] | None = None
    raw: Mapping[str, Any] | str | None = None

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | str) -> Transcription:
        """Build a transcription from a response body.

        Args:
            body: The body: ``{"text": ...}`` (``json``), the same with ``task``, ``language``,
                ``duration`` and ``segments`` (``verbose_json``), or the bare text (``text``).

        Returns:
            The transcription.

        Raises:
            MalformedResultError: The body has no text.
        """
        if isinstance(body, str):
            return cls(text=body, raw=body)
        text = body.get("text")
        if not isinstance(text, str):
            raise MalformedResultError("?", "a transcription body needs a string 'text'")
        duration = body.get("duration")
        return cls(
            text=text,
            task=_str_or_none(body.get("task")),
            language=_str_or_none(body.get("language")),
            duration=float(duration)
            if isinstance(duration, int | float) and not isinstance(duration, bool)
            else None,
            segments=_mappings(body.get("segments")),
            words=_mappings(body.get("words")),
            raw=body,
        )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _mappings(value: Any) -> list[Mapping[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, Mapping)]


def bounded_text(value: Any) -> str:
    """Any JSON value as a bounded message, whatever its shape or depth.

    Args:
        value: A value from a parsed line.

    Returns:
        The text: a string as is; anything else as JSON, cut to 500 characters.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 500 else text[:497] + "..."


def _is_audio_body(body: Any) -> bool:
    return isinstance(body, str) or (
        isinstance(body, Mapping) and "choices" not in body and isinstance(body.get("text"), str)
    )


@dataclass(slots=True, eq=False, init=False)
class BatchResult:
    """One request's result.

    Attributes:
        custom_id: The request's ``custom_id``.
        outcome: What became of it.
        status_code: The HTTP status the request got, when it ran.
        error: Why it failed, for every outcome but ``succeeded``.
        line: The parsed output or error line, or None for ``missing``.
    """

    custom_id: str
    outcome: Outcome
    status_code: int | None
    error: ResultError | None
    line: Mapping[str, Any] | None
    _request: BatchRequest | None = field(repr=False)
    # The input line as read from a file-backed index, parsed into ``_request`` on first
    # access: most readers never look at the request, and the parse is the costly part.
    _request_line: bytes | None = field(repr=False)
    _body: ChatCompletion | None = field(repr=False)
    # The request's line number in the joined inputs (from 0), when joined: a table writer
    # puts the row back in input order by it, without a map of ids.
    _entry: int | None = field(repr=False)

    def __init__(
        self,
        custom_id: str,
        outcome: Outcome,
        status_code: int | None = None,
        error: ResultError | None = None,
        line: Mapping[str, Any] | None = None,
        request: BatchRequest | None = None,
    ) -> None:
        """Make a result.

        Args:
            custom_id: The request's ``custom_id``.
            outcome: What became of it.
            status_code: The HTTP status the request got, when it ran.
            error: Why it failed.
            line: The parsed output or error line.
            request: The original request, when known.
        """
        self.custom_id = custom_id
        self.outcome = outcome
        self.status_code = status_code
        self.error = error
        self.line = line
        self._request = request
        self._request_line = None
        self._body = None
        self._entry = None

    @property
    def request(self) -> BatchRequest | None:
        """The original request, when the inputs are known and its line is a request.

        Read from a file-backed index, the input line is kept as bytes and parsed on first
        access; it needs no open file, so it works after the results have all been read.
        """
        raw = self._request_line
        if raw is not None:
            self._request = request_from_line(raw)
            self._request_line = None
        return self._request

    @request.setter
    def request(self, value: BatchRequest | None) -> None:
        self._request = value
        self._request_line = None

    @property
    def entry(self) -> int | None:
        """The request's line in the joined inputs (from 0), or None when not joined to them."""
        return self._entry

    @property
    def ok(self) -> bool:
        """Whether the request succeeded."""
        return self.outcome is Outcome.SUCCEEDED

    def _raw(self) -> Any:
        if self.line is None:
            return None
        response = self.line.get("response")
        return response.get("body") if isinstance(response, Mapping) else None

    @property
    def raw_body(self) -> Mapping[str, Any] | None:
        """The response body as sent, untyped, or None when the request got no JSON object."""
        body = self._raw()
        return body if isinstance(body, Mapping) else None

    @property
    def is_audio(self) -> bool:
        """Whether this is the result of a transcription or translation request.

        Known from the request when the inputs were given, else from the body's shape. An
        input line that never mentions ``audio`` (not even escaped) is taken for a chat
        request without parsing it, even if it is no valid request at all.
        """
        raw = self._request_line
        if raw is not None and b"audio" not in raw and not hides_ascii(raw):
            return False
        request = self.request
        if request is not None:
            return request.url in AUDIO_URLS
        return _is_audio_body(self._raw())

    @property
    def body(self) -> ChatCompletion | None:
        """The typed chat completion of a successful chat request, parsed on first access.

        None for a failed request and for audio results (see ``transcription``).

        Raises:
            MalformedResultError: The body is not a chat completion.
        """
        if self._body is None and self.outcome is Outcome.SUCCEEDED and not self.is_audio:
            raw = self.raw_body
            if raw is None:
                raise MalformedResultError(self.custom_id, "not a JSON object")
            try:
                self._body = ChatCompletion.from_dict(raw)
            except Exception as exc:
                # The generated parser fails in many ways on a foreign shape; each means the
                # same thing here, and none may escape as anything but our own error.
                raise MalformedResultError(self.custom_id, type(exc).__name__) from exc
        return self._body

    @property
    def transcription(self) -> Transcription | None:
        """The typed transcription of a successful audio request, or None.

        Raises:
            MalformedResultError: The body of an audio result has no text.
        """
        body = self._raw()
        if self.outcome is not Outcome.SUCCEEDED or not self.is_audio:
            return None
        if not isinstance(body, Mapping | str):
            raise MalformedResultError(self.custom_id, "no transcription body")
        try:
            return Transcription.from_body(body)
        except MalformedResultError as exc:
            raise MalformedResultError(self.custom_id, "no 'text' in the body") from exc

    @property
    def text(self) -> str | None:
        """What the model said: the first choice's content, or the transcript for audio."""
        if self.outcome is not Outcome.SUCCEEDED:
            return None
        body = self._raw()
        if isinstance(body, str):
            return body
        if not isinstance(body, Mapping):
            return None
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            content = body.get("text")
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
            code=_str_or_none(error.get("code")),
            message=bounded_text(error.get("message", "")),
            type=_str_or_none(error.get("type")),
        )
    return ResultError(code=None, message=f"HTTP {status_code}")


def classify(line: Mapping[str, Any]) -> BatchResult:
    """Turn one parsed output or error line into a result.

    Any shape is accepted: what the rule cannot read makes a ``batch_error``, never an
    exception.

    Args:
        line: The parsed line (``custom_id``, ``response``, ``error``).

    Returns:
        The result, its outcome decided by the rule in this module's docstring.
    """
    raw_id = line.get("custom_id", "")
    custom_id = raw_id if isinstance(raw_id, str) else bounded_text(raw_id)
    response = line.get("response")
    status_code: int | None = None
    body: Any = None
    # `type(x) is dict` first: parsed lines hold dicts, and the Mapping check is an ABC's,
    # several times slower, paid on every line.
    if type(response) is dict or (response is not None and isinstance(response, Mapping)):
        code = response.get("status_code")
        status_code = code if type(code) is int else None
        body = response.get("body")
    error = line.get("error")
    if error is not None and (type(error) is dict or isinstance(error, Mapping)):
        error_code = _str_or_none(error.get("code"))
        result_error = ResultError(code=error_code, message=bounded_text(error.get("message", "")))
        if error_code in _EXPIRED_CODES:
            outcome = Outcome.EXPIRED
        elif error_code in _CANCELLED_CODES:
            outcome = Outcome.CANCELLED
        else:
            outcome = Outcome.BATCH_ERROR
        return BatchResult(custom_id, outcome, status_code, result_error, line)
    if status_code is not None and 200 <= status_code < 300:
        return BatchResult(custom_id, Outcome.SUCCEEDED, status_code, None, line)
    if status_code is None:
        missing = ResultError(
            code="malformed_line", message="The line has neither a response nor an error"
        )
        return BatchResult(custom_id, Outcome.BATCH_ERROR, None, missing, line)
    return BatchResult(
        custom_id,
        Outcome.REQUEST_ERROR,
        status_code,
        _error_from_envelope(body, status_code),
        line,
    )


def attach_input(result: BatchResult, source: BatchRequest | bytes, entry: int) -> None:
    """Give a result its request, or the raw input line to parse it from when asked.

    Args:
        result: A result of the join.
        source: Its request (an in-memory index) or raw input line (a file-backed one).
        entry: The request's line in the joined inputs, from 0.
    """
    result._entry = entry
    if isinstance(source, bytes):
        result._request_line = source
    else:
        result._request = source
