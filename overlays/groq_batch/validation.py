"""Find everything Groq would reject in a batch input file, before anything is uploaded.

The same rules serve the client (``groq_batch.validate``, which ``submit`` runs first) and the
local server's validating stage, so the two can never disagree about what a valid line is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from groq_batch._errors import GroqError
from groq_batch.jsonl import CHAT_COMPLETIONS, BatchRequest, dump_line

MAX_LINES = 50_000
MAX_BYTES = 100 * 1024 * 1024

__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "Problem",
    "ValidationError",
    "ValidationReport",
    "validate",
    "validate_lines",
    "validate_path",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a batch input.

    Attributes:
        line: The 1-based line at fault, or None for a problem with the whole file.
        field: The field at fault (``custom_id``, ``body.model``, ...), or None.
        code: A machine-readable code, for example ``duplicate_custom_id``.
        message: What is wrong, for a person.
    """

    line: int | None
    field: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message} [{self.code}]"


@dataclass(slots=True)
class ValidationReport:
    """The outcome of validating one input.

    Attributes:
        problems: Every problem found, in line order; file-level problems last.
        lines: How many lines the input has.
        bytes: The input's size in bytes, as it would be uploaded.
        source: A name for the input, used in messages.
    """

    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    bytes: int = 0
    source: str = "requests"

    @property
    def ok(self) -> bool:
        """Whether the input has no problem."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise if the input has any problem.

        Raises:
            ValidationError: With every problem found.
        """
        if self.problems:
            raise ValidationError(self.problems, source=self.source)

    def __str__(self) -> str:
        if self.ok:
            return f"{self.source}: {self.lines} lines, {self.bytes} bytes, no problems"
        head = f"{self.source}: {len(self.problems)} problem(s) in {self.lines} lines"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


class ValidationError(GroqError, ValueError):
    """A batch input that Groq would reject; nothing was uploaded.

    Attributes:
        problems: Every problem found, each naming its line and field.
        source: A name for the input.
    """

    def __init__(self, problems: list[Problem], *, source: str = "requests") -> None:
        self.problems = problems
        self.source = source
        shown = "; ".join(str(p) for p in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"{source}: {len(problems)} problem(s): {shown}{more}")


class _LineChecker:
    """Checks lines one at a time, remembering what cross-line rules need."""

    def __init__(self, *, endpoint: str, require_messages: bool) -> None:
        self.endpoint = endpoint
        self.require_messages = require_messages
        self.seen: dict[str, int] = {}

    def check(self, number: int, raw: bytes) -> Iterator[Problem]:
        if not raw.strip():
            yield Problem(number, None, "empty_line", "Blank line; every line must be a request")
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Problem(number, None, "invalid_utf8", f"Not valid UTF-8: {exc.reason}")
            return
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield Problem(number, None, "invalid_json", f"Invalid JSON: {exc}")
            return
        if not isinstance(value, dict):
            kind = type(value).__name__
            yield Problem(number, None, "not_an_object", f"Expected a JSON object, got {kind}")
            return
        yield from self._check_object(number, value)

    def _check_object(self, number: int, line: Mapping[str, Any]) -> Iterator[Problem]:
        custom_id = line.get("custom_id")
        if custom_id is None:
            yield Problem(
                number, "custom_id", "missing_custom_id", "Missing required parameter: 'custom_id'"
            )
        elif not isinstance(custom_id, str) or not custom_id:
            yield Problem(
                number, "custom_id", "invalid_custom_id", "'custom_id' must be a non-empty string"
            )
        elif custom_id in self.seen:
            yield Problem(
                number,
                "custom_id",
                "duplicate_custom_id",
                f"Duplicate custom_id {custom_id!r}, first used on line {self.seen[custom_id]}",
            )
        else:
            self.seen[custom_id] = number

        method = line.get("method")
        if method is None:
            yield Problem(
                number, "method", "missing_method", "Missing required parameter: 'method'"
            )
        elif method != "POST":
            yield Problem(
                number,
                "method",
                "invalid_method",
                f"Invalid value: {method!r}. Supported values are: 'POST'",
            )

        url = line.get("url")
        if url is None:
            yield Problem(number, "url", "missing_url", "Missing required parameter: 'url'")
        elif url != self.endpoint:
            yield Problem(
                number,
                "url",
                "invalid_url",
                f"Invalid value: {url!r}. The batch's endpoint is {self.endpoint!r}",
            )

        body = line.get("body")
        if body is None:
            yield Problem(number, "body", "missing_body", "Missing required parameter: 'body'")
            return
        if not isinstance(body, dict):
            yield Problem(number, "body", "invalid_body", "'body' must be a JSON object")
            return
        model = body.get("model")
        if not isinstance(model, str) or not model:
            code = "missing_model" if model is None else "invalid_model"
            yield Problem(number, "body.model", code, "'body.model' must be a non-empty string")
        if self.require_messages and url in (None, CHAT_COMPLETIONS):
            messages = body.get("messages")
            if messages is None:
                yield Problem(
                    number,
                    "body.messages",
                    "missing_messages",
                    "Missing required parameter: 'body.messages'",
                )
            elif not isinstance(messages, list) or not messages:
                yield Problem(
                    number,
                    "body.messages",
                    "invalid_messages",
                    "'body.messages' must be a non-empty array",
                )


class _Validation:
    """Accumulates one input's report line by line, then applies the file-level limits."""

    def __init__(
        self, *, endpoint: str, require_messages: bool, max_lines: int, max_bytes: int, source: str
    ) -> None:
        self.report = ValidationReport(source=source)
        self.checker = _LineChecker(endpoint=endpoint, require_messages=require_messages)
        self.max_lines = max_lines
        self.max_bytes = max_bytes

    def add_line(self, raw: bytes) -> None:
        report = self.report
        report.lines += 1
        report.bytes += len(raw)
        report.problems.extend(self.checker.check(report.lines, raw.rstrip(b"\r\n")))

    def add_unserialisable(self, exc: Exception) -> None:
        self.report.lines += 1
        self.report.problems.append(
            Problem(self.report.lines, None, "not_serialisable", f"Not JSON-serialisable: {exc}")
        )

    def finish(self) -> ValidationReport:
        report = self.report
        if report.lines == 0:
            report.problems.append(Problem(None, None, "empty_file", "The file has no requests"))
        if report.lines > self.max_lines:
            report.problems.append(
                Problem(
                    None,
                    None,
                    "too_many_lines",
                    f"{report.lines} lines; a batch accepts at most {self.max_lines}",
                )
            )
        if report.bytes > self.max_bytes:
            report.problems.append(
                Problem(
                    None,
                    None,
                    "file_too_large",
                    f"{report.bytes} bytes; a batch file may be at most {self.max_bytes} bytes",
                )
            )
        return report


def validate_lines(
    lines: Iterable[bytes],
    *,
    endpoint: str = CHAT_COMPLETIONS,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
    source: str = "requests",
) -> ValidationReport:
    """Validate raw JSONL lines, streaming.

    Args:
        lines: The raw lines, each with or without its trailing newline.
        endpoint: The batch's endpoint; every line's ``url`` must equal it.
        require_messages: Whether chat lines must carry ``body.messages``.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.
        source: A name for the input, used in messages.

    Returns:
        The report, with every problem found.
    """
    run = _Validation(
        endpoint=endpoint,
        require_messages=require_messages,
        max_lines=max_lines,
        max_bytes=max_bytes,
        source=source,
    )
    for raw in lines:
        run.add_line(raw)
    return run.finish()


def validate_path(
    path: str | os.PathLike[str],
    *,
    endpoint: str = CHAT_COMPLETIONS,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
) -> ValidationReport:
    """Validate a JSONL file on disk, in constant memory (beyond the set of custom ids).

    Args:
        path: The file.
        endpoint: The batch's endpoint; every line's ``url`` must equal it.
        require_messages: Whether chat lines must carry ``body.messages``.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.

    Returns:
        The report, with every problem found.
    """
    with open(path, "rb") as fh:
        return validate_lines(
            fh,
            endpoint=endpoint,
            require_messages=require_messages,
            max_lines=max_lines,
            max_bytes=max_bytes,
            source=os.fspath(path),
        )


def validate(
    source: str | os.PathLike[str] | Iterable[BatchRequest | Mapping[str, Any]],
    *,
    endpoint: str = CHAT_COMPLETIONS,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
) -> ValidationReport:
    """Report everything Groq would reject in a batch input, and what would waste a batch.

    Args:
        source: A path to a JSONL file, or requests (``BatchRequest`` objects or dicts).
        endpoint: The batch's endpoint; every line's ``url`` must equal it.
        require_messages: Whether chat lines must carry ``body.messages``.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.

    Returns:
        The report. Call ``raise_for_problems()`` on it to raise ``ValidationError`` instead.
    """
    if isinstance(source, str | os.PathLike):
        return validate_path(
            source,
            endpoint=endpoint,
            require_messages=require_messages,
            max_lines=max_lines,
            max_bytes=max_bytes,
        )
    run = _Validation(
        endpoint=endpoint,
        require_messages=require_messages,
        max_lines=max_lines,
        max_bytes=max_bytes,
        source="requests",
    )
    for request in source:
        try:
            raw = dump_line(request)
        except (TypeError, ValueError) as exc:
            run.add_unserialisable(exc)
            continue
        run.add_line(raw)
    return run.finish()
