"""Typed batch results, joined to their inputs, read as streams.

Groq writes successes to the output file and everything else to the error file, in no particular
order. A result is a success only when the line has a 2xx ``response`` and no ``error``; every
other line is a failure of one kind or another, and every input with no line at all is
``missing``. Nothing here holds a whole file: lines are parsed one at a time, bodies are typed
only when asked for, and inputs are looked up through an index of file offsets.

Result files are input like any other: each ``custom_id`` yields one result (the first line for
it wins; later ones are counted in ``JoinStats``, never yielded), a line that is not a result
line at all is counted and skipped, and an odd shape with a usable id becomes a typed
``batch_error`` row. Only ``GroqError`` subclasses are ever raised.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from groq_batch._errors import MalformedResultError
from groq_batch.jsonl import AUDIO_URLS, BatchRequest
from groq_batch.statuses import FAILED_OUTCOMES, Outcome
from groq_batch.validation import Problem, ValidationError, custom_id_hash, custom_id_of_line
from groq_batch_api.models import ChatCompletion

__all__ = [
    "FAILED_OUTCOMES",
    "BatchResult",
    "InputIndex",
    "JoinProblem",
    "JoinStats",
    "MalformedResultError",
    "Outcome",
    "ResultError",
    "ResultJoiner",
    "ResultSummary",
    "Transcription",
    "classify",
    "is_permanent_failure",
    "join_results",
]

logger = logging.getLogger("groq_batch.results")
_decode = json.JSONDecoder().decode


def _utf8_text(raw: bytes) -> str:
    """A UTF-8 line as text, a leading BOM dropped (as json.loads drops it from bytes)."""
    text = raw.decode()
    return text[1:] if text.startswith("\ufeff") else text


# Problems kept for the record; beyond this only the counts grow, so a corrupt file of any
# size costs constant memory.
MAX_KEPT_PROBLEMS = 100


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


def _text_of(value: Any) -> str:
    """Any JSON value as a bounded message, whatever its shape or depth."""
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
            self._request = _request_from_line(raw)
            self._request_line = None
        return self._request

    @request.setter
    def request(self, value: BatchRequest | None) -> None:
        self._request = value
        self._request_line = None

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
        if raw is not None and b"audio" not in raw and not _hides_ascii(raw):
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
            message=_text_of(error.get("message", "")),
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
    custom_id = raw_id if isinstance(raw_id, str) else _text_of(raw_id)
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
        result_error = ResultError(code=error_code, message=_text_of(error.get("message", "")))
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


def _parse_request(value: Any) -> BatchRequest | None:
    """A request from a parsed input line, or None when the line cannot be one."""
    if not isinstance(value, Mapping):
        return None
    custom_id, body = value.get("custom_id"), value.get("body")
    url, method = value.get("url", "/v1/chat/completions"), value.get("method", "POST")
    if not (
        isinstance(custom_id, str)
        and isinstance(body, Mapping)
        and isinstance(url, str)
        and isinstance(method, str)
    ):
        return None
    return BatchRequest.from_dict(value)


def _request_from_line(raw: bytes) -> BatchRequest | None:
    """A request from a raw input line, or None when the line cannot be one."""
    try:
        return _parse_request(json.loads(raw))
    except (ValueError, RecursionError):
        return None


# A line whose top-level object opens with a string ``custom_id``: the id is read from the
# raw bytes, without parsing the whole line. JSON whitespace only, and no raw control
# characters inside the string, as a JSON parser would insist.
_FIRST_ID = re.compile(
    rb'[ \t\r\n]*\{[ \t\r\n]*"custom_id"[ \t\r\n]*:[ \t\r\n]*"'
    rb'([^"\\\x00-\x1f]*(?:\\.[^"\\\x00-\x1f]*)*)"'
)
# A \u escape of a character between "@" and DEL (letters and "_" among them): such an escape
# could spell "custom_id" or "audio" where a search of the raw bytes would not see it.
_ESCAPED_ASCII = re.compile(rb"\\u00[4-7]")

# How an indexed line's id is read back: from its first key, or by parsing the line.
_FAST, _PARSED = 1, 2


def _hides_ascii(raw: bytes) -> bool:
    return b"\\u" in raw and _ESCAPED_ASCII.search(raw) is not None


def _decode_id(quoted: bytes) -> str | None:
    """The text of a JSON string's raw contents, or None when they are not valid."""
    try:
        if b"\\" not in quoted:
            return quoted.decode()
        value = json.loads(b'"' + quoted + b'"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _first_key_id(raw: bytes) -> str | None:
    """The ``custom_id`` of a line that opens with it, when the raw bytes tell it safely.

    Only a line with one ``"custom_id"`` in it qualifies: another one, nested or repeated,
    could be the one a parser would keep (JSON's last duplicate key wins).
    """
    match = _FIRST_ID.match(raw)
    if match is None or raw.count(b'"custom_id"') != 1 or _hides_ascii(raw):
        return None
    return _decode_id(match.group(1))


class InputIndex:
    """The custom ids of a batch input, in order, with a way to fetch each request.

    Built from a file, it holds no Python object per line: each line's offset, a 32-bit hash
    of its id and a byte of flags, in arrays, and an open-addressing table of line numbers
    keyed by the hash (about 20 bytes a line in all, whatever the line's size). A hash match
    is confirmed by reading the line back and comparing its id, so collisions cost a read,
    never a wrong answer. Lines with no string ``custom_id`` are skipped (a batch would have
    refused them; see ``from_path`` for a line that has one but is no request); when an id
    appears twice, the first line wins.
    """

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._requests: list[BatchRequest] = []
        self._handle: BinaryIO | None = None
        # File-backed: per line, its start (plus the file's end, last), its id's hash and how
        # its id is read back (0 when it is not indexed); and the hash table of line + 1.
        self._starts = array("q")
        self._hashes = array("I")
        self._kinds = bytearray()
        self._table = array("I", [0])

    @classmethod
    def from_requests(cls, requests: Iterable[BatchRequest | Mapping[str, Any]]) -> InputIndex:
        """Index requests held in memory.

        Args:
            requests: The requests, as ``BatchRequest`` objects or dicts.

        Returns:
            The index.

        Raises:
            ValidationError: A dict is not a request (no string ``custom_id`` or no ``body``).
        """
        index = cls()
        problems: list[Problem] = []
        for number, request in enumerate(requests, start=1):
            req = request if isinstance(request, BatchRequest) else _parse_request(request)
            if req is None:
                problems.append(
                    Problem(
                        number,
                        "custom_id",
                        "invalid_request",
                        "Not a request: it needs a string custom_id and an object body",
                    )
                )
                continue
            if req.custom_id not in index._positions:
                index._positions[req.custom_id] = len(index._requests)
                index._requests.append(req)
        if problems:
            raise ValidationError(problems, source="inputs")
        return index

    @classmethod
    def from_path(cls, path: str | os.PathLike[str]) -> InputIndex:
        """Index a JSONL input file by offsets, streaming it once.

        A line whose object opens with a string ``custom_id`` (and names ``custom_id`` nowhere
        else) is indexed from its raw bytes without being parsed; any other line is parsed
        whole and indexed when it is an object with a string ``custom_id``. So a line that
        opens with an id but is not a request (no ``body``, or broken after the id) is indexed
        all the same: it is listed by ``ids()``, met as ``missing``, and its request is None.

        Args:
            path: The input file; it stays open until ``close()``.

        Returns:
            The index.
        """
        index = cls()
        starts, hashes, kinds = index._starts, index._hashes, index._kinds
        offset = 0
        with open(path, "rb") as lines:
            for raw in lines:
                starts.append(offset)
                offset += len(raw)
                custom_id = _first_key_id(raw)
                kind = _FAST
                if custom_id is None:
                    custom_id = custom_id_of_line(raw)
                    kind = _PARSED
                if custom_id is None:
                    hashes.append(0)
                    kinds.append(0)
                else:
                    hashes.append(custom_id_hash(custom_id))
                    kinds.append(kind)
        starts.append(offset)
        # Unbuffered: each lookup reads one line at a random offset, never a buffer's worth.
        index._handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        index._build_table()
        return index

    def _build_table(self) -> None:
        """Fill the hash table, in input order so that the first line for an id wins."""
        kinds, hashes = self._kinds, self._hashes
        # At most two thirds full, so that a probe for an absent id ends soon.
        size = max(1, (len(kinds) - kinds.count(0)) * 3 // 2 + 1)
        table = array("I", [0]) * size
        for line, kind in enumerate(kinds):
            if not kind:
                continue
            digest = hashes[line]
            slot = digest % size
            while entry := table[slot]:
                if hashes[entry - 1] == digest and self._id_at(entry - 1) == self._id_at(line):
                    kinds[line] = 0  # a later line for an id already indexed
                    break
                slot = slot + 1 if slot + 1 < size else 0
            else:
                table[slot] = line + 1
        self._table = table

    def _read(self, line: int) -> bytes:
        assert self._handle is not None
        start = self._starts[line]
        self._handle.seek(start)
        return self._handle.read(self._starts[line + 1] - start)

    def _id_of(self, line: int, raw: bytes) -> str | None:
        if self._kinds[line] == _FAST:
            match = _FIRST_ID.match(raw)
            return _decode_id(match.group(1)) if match is not None else None
        return custom_id_of_line(raw)

    def _id_at(self, line: int) -> str | None:
        return self._id_of(line, self._read(line))

    def _find(self, custom_id: str) -> tuple[int, BatchRequest | bytes] | None:
        """One lookup: the id's entry number and its request (in memory) or raw line.

        None when the id is not indexed, or the file-backed index is closed.
        """
        if self._handle is None:
            position = self._positions.get(custom_id)
            return None if position is None else (position, self._requests[position])
        table, hashes = self._table, self._hashes
        size = len(table)
        digest = custom_id_hash(custom_id)
        slot = digest % size
        while entry := table[slot]:
            line = entry - 1
            if hashes[line] == digest:
                raw = self._read(line)
                if self._id_of(line, raw) == custom_id:
                    return line, raw
            slot = slot + 1 if slot + 1 < size else 0
        return None

    @property
    def closed(self) -> bool:
        """Whether this index was built from a file that ``close()`` has since closed."""
        # A file-backed index always holds its file's end offset, even for an empty file.
        return self._handle is None and len(self._starts) > 0

    @property
    def _size(self) -> int:
        """How many entry numbers ``_find`` may answer with."""
        return len(self._kinds) if self._handle is not None else len(self._requests)

    def _unseen(self, seen: bytearray) -> Iterator[tuple[str, BatchRequest | bytes]]:
        """Each entry not flagged in ``seen``, in input order, with its request or raw line."""
        for _, custom_id, source in self._unseen_entries(seen):
            yield custom_id, source

    def _unseen_entries(
        self, seen: bytearray, entries: range | None = None
    ) -> Iterator[tuple[int, str, BatchRequest | bytes]]:
        """Like ``_unseen``, with each entry's number first; only ``entries`` when given."""
        if self._handle is None:
            for position in entries if entries is not None else range(len(self._requests)):
                if position < len(self._requests) and not seen[position]:
                    request = self._requests[position]
                    yield position, request.custom_id, request
            return
        for line in entries if entries is not None else range(len(self._kinds)):
            if line >= len(self._kinds):
                return
            kind = self._kinds[line]
            if kind and not seen[line]:
                if self.closed:
                    return  # closed while iterating
                raw = self._read(line)
                custom_id = self._id_of(line, raw)
                if custom_id is not None:
                    yield line, custom_id, raw

    def ids(self) -> Iterator[str]:
        """Yield every custom id in input order (read back from the file when file-backed)."""
        for custom_id, _ in self._unseen(bytearray(self._size)):
            yield custom_id

    def get(self, custom_id: str) -> BatchRequest | None:
        """Return the request with this custom id, or None.

        Args:
            custom_id: The id.

        Returns:
            The request, read from disk for a file-backed index; None when the id is unknown,
            its line is not a request, or the file-backed index is closed.
        """
        found = self._find(custom_id)
        if found is None:
            return None
        source = found[1]
        return _request_from_line(source) if isinstance(source, bytes) else source

    def __contains__(self, custom_id: object) -> bool:
        return isinstance(custom_id, str) and self._find(custom_id) is not None

    def close(self) -> None:
        """Close the input file, if the index holds one; a closed index knows no ids."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._kinds = bytearray()

    def __enter__(self) -> InputIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class JoinProblem:
    """A result line that yielded no result.

    Attributes:
        line: The line's 1-based position in the stream fed to the joiner (output files first,
            then error files, as the job reads them).
        code: ``invalid_json``, ``not_an_object``, ``missing_custom_id``, ``invalid_custom_id``
            or ``duplicate_custom_id``.
        message: What is wrong.
        custom_id: The line's ``custom_id``, when it has a usable one.
    """

    line: int
    code: str
    message: str
    custom_id: str | None = None

    def __str__(self) -> str:
        return f"result line {self.line}: {self.message} [{self.code}]"


@dataclass(slots=True)
class JoinStats:
    """What the join met besides results: duplicates and lines it could not read.

    Attributes:
        lines: Non-blank lines fed.
        yielded: Results produced from lines (``missing`` ones not included).
        duplicates: Lines for a ``custom_id`` already seen; the first line won.
        malformed: Lines that are not a result line at all (not JSON, not an object, no string
            ``custom_id``).
        unknown: Results whose ``custom_id`` is not among the inputs (when they are known).
        problems: The first ``MAX_KEPT_PROBLEMS`` duplicates and malformed lines, in order.
    """

    lines: int = 0
    yielded: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown: int = 0
    problems: list[JoinProblem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether every line was a result line for a fresh ``custom_id``."""
        return not (self.duplicates or self.malformed)

    def _record(self, problem: JoinProblem) -> None:
        if problem.code == "duplicate_custom_id":
            self.duplicates += 1
        else:
            self.malformed += 1
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(problem)

    def __str__(self) -> str:
        return (
            f"{self.lines} result lines: {self.yielded} results, {self.duplicates} duplicate(s) "
            f"ignored, {self.malformed} malformed line(s) skipped"
        )


class ResultJoiner:
    """Joins result lines to inputs one line at a time, for sync and async readers alike.

    Feed it every output and error line, then take ``missing()`` for the inputs that had none.
    Each ``custom_id`` yields one result at most: the first line for it wins, and later lines
    for it are counted in ``stats`` and dropped. Lines that are not result lines are counted
    too, and skipped. Nothing fed to it raises.

    Attributes:
        inputs: The batch's inputs, if known.
        missing_outcome: The outcome given to inputs with no line.
        stats: Duplicates and malformed lines met so far.
    """

    def __init__(
        self, inputs: InputIndex | None = None, *, missing_outcome: Outcome = Outcome.MISSING
    ) -> None:
        self.inputs = inputs
        self.missing_outcome = missing_outcome
        self.stats = JoinStats()
        # Ids met that are not among the inputs (all ids, without inputs); those that are
        # among them are flagged by entry number, a byte each, not a set of strings.
        self._seen: set[str] = set()
        self._seen_entries = bytearray(inputs._size if inputs is not None else 0)

    def _problem(self, code: str, message: str, custom_id: str | None = None) -> None:
        self.stats._record(JoinProblem(self.stats.lines, code, message, custom_id))

    def feed(self, raw: bytes | str) -> BatchResult | None:
        """Classify one raw line and attach its request.

        Args:
            raw: The line, with or without its newline.

        Returns:
            The result, or None for a blank line, a line that is not a result line, and a
            later line for a ``custom_id`` already seen (see ``stats``).
        """
        if not raw.strip():
            return None
        self.stats.lines += 1
        try:
            # JSON Lines are UTF-8: decoding directly skips json.loads' guess at UTF-16/32,
            # a tenth of the cost of a line.
            value = _decode(_utf8_text(raw) if isinstance(raw, bytes) else raw)
        except (ValueError, RecursionError) as exc:
            # ValueError covers invalid UTF-8 too (UnicodeDecodeError is one).
            self._problem("invalid_json", f"Invalid JSON: {_text_of(str(exc))}")
            return None
        if not isinstance(value, dict):
            kind = "null" if value is None else type(value).__name__
            self._problem("not_an_object", f"Expected a JSON object, got {kind}")
            return None
        custom_id = value.get("custom_id")
        if custom_id is None:
            self._problem("missing_custom_id", "The line has no custom_id")
            return None
        if not isinstance(custom_id, str):
            self._problem("invalid_custom_id", f"custom_id is not a string: {_text_of(custom_id)}")
            return None
        found = self.inputs._find(custom_id) if self.inputs is not None else None
        if found is None:
            seen = custom_id in self._seen
            self._seen.add(custom_id)
        else:
            seen = bool(self._seen_entries[found[0]])
            self._seen_entries[found[0]] = 1
        if seen:
            self._problem(
                "duplicate_custom_id",
                f"custom_id {custom_id!r} already had a result; this line is ignored",
                custom_id,
            )
            return None
        result = classify(value)
        self.stats.yielded += 1
        if found is not None:
            _attach(result, found[1], found[0])
        elif self.inputs is not None:
            self.stats.unknown += 1
        return result

    def missing(self, entries: range | None = None) -> Iterator[BatchResult]:
        """Yield a result for every input that no line mentioned, in input order.

        Also logs, once, a warning with the duplicates and malformed lines met, if any.

        Args:
            entries: Only these input lines (from 0): one part of a split job.
        """
        if not self.stats.clean:
            logger.warning("%s", self.stats)
        if self.inputs is None:
            return
        for entry, custom_id, source in self.inputs._unseen_entries(self._seen_entries, entries):
            reason = {
                Outcome.EXPIRED: " (the batch expired before it ran)",
                Outcome.CANCELLED: " (the batch was cancelled before it ran)",
            }.get(self.missing_outcome, "")
            result = BatchResult(
                custom_id,
                self.missing_outcome,
                error=ResultError(
                    code=self.missing_outcome.value,
                    message="The request appears in neither the output nor the error file" + reason,
                ),
            )
            _attach(result, source, entry)
            yield result


def _attach(result: BatchResult, source: BatchRequest | bytes, entry: int) -> None:
    """Give a result its request (or the raw input line to parse it from when asked)."""
    result._entry = entry
    if isinstance(source, bytes):
        result._request_line = source
    else:
        result._request = source


def join_results(
    lines: Iterable[bytes | str],
    inputs: InputIndex | None = None,
    *,
    missing_outcome: Outcome = Outcome.MISSING,
    stats: JoinStats | None = None,
) -> Iterator[BatchResult]:
    """Stream results from output and error file lines, joined to their inputs.

    Args:
        lines: The raw lines of the output file, then of the error file.
        inputs: The batch's inputs. With them, each result carries its request, and every input
            that has no line is yielded last as ``missing``.
        missing_outcome: The outcome to give inputs with no line.
        stats: Filled in with the duplicates and malformed lines met, if given.

    Yields:
        One result per ``custom_id`` (the first line for it wins), then one per input with no
        line.
    """
    joiner = ResultJoiner(inputs, missing_outcome=missing_outcome)
    if stats is not None:
        joiner.stats = stats
    for raw in lines:
        result = joiner.feed(raw)
        if result is not None:
            yield result
    yield from joiner.missing()


def _token_count(value: Any) -> int | None:
    """A token count as an int, or None when the value is not a count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value.is_integer():
        return int(value)
    return None


@dataclass(slots=True)
class ResultSummary:
    """Counts per outcome and token usage, accumulated over results.

    Attributes:
        outcomes: How many results had each outcome.
        prompt_tokens: Prompt tokens over all responses.
        completion_tokens: Completion tokens over all responses.
        malformed_usage: Results whose ``usage`` held a count that is not a whole number; their
            counts are left out of the totals.
        duplicates: Result lines ignored as duplicates (from ``add_join_stats``).
        malformed_lines: Result lines skipped as malformed (from ``add_join_stats``).
    """

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    malformed_usage: int = 0
    duplicates: int = 0
    malformed_lines: int = 0

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
            counts = [_token_count(usage.get(k, 0)) for k in ("prompt_tokens", "completion_tokens")]
            if None in counts:
                self.malformed_usage += 1
            else:
                self.prompt_tokens += counts[0] or 0
                self.completion_tokens += counts[1] or 0
        return result

    def add_join_stats(self, stats: JoinStats) -> None:
        """Count the duplicates and malformed lines a join met.

        Args:
            stats: The joiner's ``stats``.
        """
        self.duplicates += stats.duplicates
        self.malformed_lines += stats.malformed

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data.

        Returns:
            Outcome counts (every outcome listed, zeros included), token totals, and the counts
            of what was skipped (``problems``).
        """
        return {
            "total": self.total,
            "outcomes": {o.value: self.outcomes[o] for o in Outcome},
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "problems": {
                "duplicate_lines": self.duplicates,
                "malformed_lines": self.malformed_lines,
                "malformed_usage": self.malformed_usage,
            },
        }
