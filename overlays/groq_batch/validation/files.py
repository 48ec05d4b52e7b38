"""Validating a whole input: a file on disk, raw lines or requests, into one report.

``Validation`` runs the line checks (``groq_batch.validation.lines``) over every line, counts the
lines, bytes and the batches ``submit`` would split the input into, and applies what concerns the
whole input: the endpoint, the line and byte limits, an empty input, the unknown models.
"""

from __future__ import annotations

import difflib
import os
from array import array
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from groq_batch.jsonl import CHAT_COMPLETIONS, SUPPORTED_URLS, BatchRequest, as_requests, dump_line
from groq_batch.providers import DEFAULT_PROVIDER, PROVIDERS
from groq_batch.validation.ids import SeenIds, SeenIdsOnDisk, custom_id_of_line, duplicate_problem
from groq_batch.validation.jsontext import MAX_DEPTH, short
from groq_batch.validation.lines import LineChecker
from groq_batch.validation.report import Problem, ValidationReport

MAX_LINES = PROVIDERS[DEFAULT_PROVIDER].max_lines
"""The default provider's (Groq's) most lines per batch file, from its profile."""
MAX_BYTES = PROVIDERS[DEFAULT_PROVIDER].max_bytes
"""The default provider's (Groq's) largest batch file in bytes, from its profile."""

__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "Validation",
    "batch_endpoint",
    "validate",
    "validate_lines",
    "validate_path",
]


def batch_endpoint(urls: Collection[str]) -> str:
    """The batch endpoint for lines with these ``url`` values, when none is given.

    All lines on one url: that url. Lines on several (chat and audio mixed, which Groq's batch
    guide allows): ``/v1/chat/completions``, the endpoint the guide's "Mixed Batch" example
    creates its batch with. No line at all: ``/v1/chat/completions``.

    Args:
        urls: The distinct ``url`` values of the lines.

    Returns:
        The endpoint to create the batch with.
    """
    distinct = set(urls)
    return next(iter(distinct)) if len(distinct) == 1 else CHAT_COMPLETIONS


class Validation:
    """Accumulates one input's report line by line, then applies the file-level limits."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        require_messages: bool,
        max_lines: int,
        max_bytes: int,
        source: str,
        split: bool,
        urls: Collection[str],
        max_depth: int,
        known_models: Collection[str] | None,
        seen: SeenIds | None = None,
        endpoint_used: bool = False,
    ) -> None:
        self.report = ValidationReport(source=source)
        self.endpoint_used = endpoint_used
        self.checker = LineChecker(
            endpoint=endpoint,
            require_messages=require_messages,
            urls=urls,
            max_depth=max_depth,
            known_models=known_models,
            seen=seen or SeenIds(),
        )
        self.endpoint = endpoint
        self.urls = frozenset(urls)
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.split = split
        self.crossed_bytes_at: int | None = None
        # The part being filled, as ``submit`` would split: its lines and bytes so far.
        self.part_lines = 0
        self.part_bytes = 0

    def add_line(self, raw: bytes) -> None:
        """Count one raw line towards the limits and the parts, and check it."""
        report = self.report
        report.lines += 1
        report.bytes += len(raw)
        if self.crossed_bytes_at is None and report.bytes > self.max_bytes:
            self.crossed_bytes_at = report.lines
        stored = len(raw) if raw.endswith(b"\n") else len(raw) + 1
        if stored > self.max_bytes:
            report.problems.append(
                Problem(
                    report.lines,
                    None,
                    "line_too_large",
                    f"Line of {stored} bytes; a batch file may be at most {self.max_bytes} bytes",
                )
            )
        elif (
            self.part_lines == 0
            or self.part_lines >= self.max_lines
            or self.part_bytes + stored > self.max_bytes
        ):
            if self.part_lines:
                report.parts += 1
            self.part_lines, self.part_bytes = 1, stored
        else:
            self.part_lines += 1
            self.part_bytes += stored
        report.problems.extend(self.checker.check(report.lines, raw.rstrip(b"\r\n")))

    def add_unserialisable(self, exc: Exception) -> None:
        """Count a request that could not be written as a line, and say why."""
        self.report.lines += 1
        self.report.problems.append(
            Problem(self.report.lines, None, "not_serialisable", f"Not JSON-serialisable: {exc}")
        )

    def finish(self) -> ValidationReport:
        """Apply the rules over the whole input, and return the report."""
        report = self.report
        later = [duplicate_problem(*found) for found in self.checker.seen.later_duplicates()]
        if later:
            # Back in line order, each duplicate ahead of its line's other problems (custom_id
            # is the first field checked); a sort is stable, so the rest keep their order.
            report.problems = sorted(
                later + report.problems, key=lambda p: (p.line is None, p.line or 0)
            )
        used = list(self.checker.line_urls)
        if self.endpoint is None:
            report.endpoint = batch_endpoint(used)
        elif self.endpoint not in self.urls:
            report.problems.append(
                Problem(
                    None,
                    "endpoint",
                    "invalid_endpoint",
                    f"Unsupported endpoint {short(self.endpoint)}; supported: "
                    + ", ".join(sorted(self.urls)),
                )
            )
        else:
            report.endpoint = self.endpoint
            if self.endpoint_used and used and self.endpoint not in used:
                report.problems.append(
                    Problem(
                        None,
                        "endpoint",
                        "endpoint_unused",
                        f"The batch endpoint {self.endpoint} is the url of no line; the lines "
                        f"use {', '.join(used)}. Leave the endpoint out to follow the lines",
                    )
                )
        if report.lines == 0:
            report.problems.append(Problem(None, None, "empty_file", "The file has no requests"))
        if self.split:
            if report.parts > 1:
                report.warnings.append(
                    Problem(
                        None,
                        None,
                        "will_split",
                        f"{report.lines} lines, {report.bytes} bytes: more than one batch takes "
                        f"({self.max_lines} lines, {self.max_bytes} bytes), so it will be split "
                        f"into {report.parts} batches",
                    )
                )
        else:
            report.parts = 1
            if report.lines > self.max_lines:
                report.problems.append(
                    Problem(
                        None,
                        None,
                        "too_many_lines",
                        f"{report.lines} lines; a batch accepts at most {self.max_lines}",
                    )
                )
            if self.crossed_bytes_at is not None:
                report.problems.append(
                    Problem(
                        self.crossed_bytes_at,
                        None,
                        "file_too_large",
                        f"{report.bytes} bytes; a batch file may be at most {self.max_bytes} "
                        f"bytes, and line {self.crossed_bytes_at} crosses that limit",
                    )
                )
        known = sorted(self.checker.known_models or ())
        for model, line in self.checker.unknown_models.items():
            # A misspelling (llama-3.1-8b-instnat) fails only after the batch ran: name the
            # nearest known model, so that it is fixed before.
            close = difflib.get_close_matches(model, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "."
            report.warnings.append(
                Problem(
                    line,
                    "body.model",
                    "unknown_model",
                    f"Model {short(model)} is not in the known list (first used here){hint} "
                    "It is sent as it is",
                )
            )
        return report


def validate_lines(
    lines: Iterable[bytes],
    *,
    endpoint: str | None = None,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
    source: str = "requests",
    split: bool = False,
    urls: Collection[str] = SUPPORTED_URLS,
    max_depth: int = MAX_DEPTH,
    known_models: Collection[str] | None = None,
    endpoint_used: bool = False,
) -> ValidationReport:
    """Validate raw JSONL lines, streaming.

    Args:
        lines: The raw lines, each with or without its trailing newline.
        endpoint: The batch's endpoint; it must be one of ``urls`` and the ``url`` of at least
            one line. Lines may use any of ``urls``, mixed in one file, as Groq's batch guide
            does. None follows the lines (``batch_endpoint``); ``report.endpoint`` says which.
        require_messages: Whether request bodies must carry what their endpoint needs beyond
            ``model``: ``messages`` for chat, the audio's ``url`` for audio lines.
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.
        source: A name for the input, used in messages.
        split: Whether an input over ``max_lines``/``max_bytes`` will be split into several
            batches (as ``submit`` does): then it is a warning and ``report.parts`` counts the
            batches; otherwise the limits are problems, as for one uploaded file.
        urls: The endpoints a line may use.
        max_depth: The deepest nesting a line may have.
        known_models: Model names to check against. An unknown one is a warning, never a
            problem. None skips the check.
        endpoint_used: Whether a given ``endpoint`` must be the ``url`` of some line
            (``endpoint_unused`` otherwise). ``validate`` and ``submit`` ask for it; whether
            Groq itself refuses such a batch is not documented, so the local server does not.

    Returns:
        The report, with every problem found.
    """
    run = Validation(
        endpoint=endpoint,
        require_messages=require_messages,
        max_lines=max_lines,
        max_bytes=max_bytes,
        source=source,
        split=split,
        urls=urls,
        max_depth=max_depth,
        known_models=known_models,
        endpoint_used=endpoint_used,
    )
    for raw in lines:
        run.add_line(raw)
    return run.finish()


def validate_path(
    path: str | os.PathLike[str],
    *,
    endpoint: str | None = None,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
    split: bool = False,
    urls: Collection[str] = SUPPORTED_URLS,
    max_depth: int = MAX_DEPTH,
    known_models: Collection[str] | None = None,
    source: str | None = None,
    endpoint_used: bool = False,
) -> ValidationReport:
    """Validate a JSONL file on disk, streaming, in about 16 bytes of memory a line.

    Args:
        path: The file.
        endpoint: The batch's endpoint (see ``validate_lines``).
        require_messages: Whether bodies must carry ``messages`` (chat) or ``url`` (audio).
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.
        split: Whether oversized input will be split (a warning) or is one file (a problem).
        urls: The endpoints a line may use.
        max_depth: The deepest nesting a line may have.
        known_models: Model names to warn about when a line uses another.
        source: A name for the input, used in messages; the path when None.
        endpoint_used: Whether a given ``endpoint`` must be some line's ``url`` (see
            ``validate_lines``).

    Returns:
        The report, with every problem found.
    """
    # Where each line starts (and the file ends), so that the lines of ids that share a hash
    # can be read back once every line is checked.
    starts = array("q")
    with open(path, "rb") as lines, open(path, "rb", buffering=0) as again:

        def id_of_line(number: int) -> str | None:
            again.seek(starts[number - 1])
            return custom_id_of_line(again.read(starts[number] - starts[number - 1]))

        run = Validation(
            endpoint=endpoint,
            require_messages=require_messages,
            max_lines=max_lines,
            max_bytes=max_bytes,
            source=os.fspath(path) if source is None else source,
            split=split,
            urls=urls,
            max_depth=max_depth,
            known_models=known_models,
            seen=SeenIdsOnDisk(id_of_line),
            endpoint_used=endpoint_used,
        )
        offset = 0
        for raw in lines:
            starts.append(offset)
            offset += len(raw)
            run.add_line(raw)
        starts.append(offset)
        return run.finish()


def validate(
    source: str | os.PathLike[str] | Iterable[BatchRequest | Mapping[str, Any]],
    *,
    endpoint: str | None = None,
    require_messages: bool = True,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
    split: bool = True,
    urls: Collection[str] = SUPPORTED_URLS,
    max_depth: int = MAX_DEPTH,
    known_models: Collection[str] | None = None,
) -> ValidationReport:
    """Report everything Groq would reject in a batch input, and what would waste a batch.

    By default the input is judged as ``submit`` takes it: an input over one batch's limits is
    fine, with a ``will_split`` warning and ``report.parts`` saying how many batches it makes.

    Args:
        source: A path to a JSONL file, or requests (``BatchRequest`` objects or dicts).
        endpoint: The batch's endpoint; it must be the ``url`` of at least one line, and
            lines may use any of ``urls``. None (the default) follows the lines: see
            ``batch_endpoint``; ``report.endpoint`` says which it is.
        require_messages: Whether bodies must carry ``messages`` (chat) or ``url`` (audio).
        max_lines: The most lines one batch accepts.
        max_bytes: The largest file one batch accepts.
        split: Whether oversized input will be split (True, as ``submit`` does) or must fit
            one batch (False, as for a file uploaded by hand).
        urls: The endpoints a line may use.
        max_depth: The deepest nesting a line may have.
        known_models: Model names to warn about when a line uses another; never a problem.

    Returns:
        The report. Call ``raise_for_problems()`` on it to raise ``ValidationError`` instead.
    """
    options: dict[str, Any] = {
        "endpoint": endpoint,
        "require_messages": require_messages,
        "max_lines": max_lines,
        "max_bytes": max_bytes,
        "split": split,
        "urls": urls,
        "max_depth": max_depth,
        "known_models": known_models,
        "endpoint_used": True,
    }
    if isinstance(source, str | os.PathLike):
        return validate_path(source, **options)
    run = Validation(source="requests", **options)
    for request in as_requests(source):
        try:
            raw = dump_line(request)
        except (TypeError, ValueError) as exc:
            deep = (
                _deep_path(request, max_depth)
                if isinstance(exc.__cause__, RecursionError)
                else None
            )
            if deep is not None:
                run.report.lines += 1
                run.report.problems.append(run.checker.too_deep(run.report.lines, deep))
            else:
                run.add_unserialisable(exc)
            continue
        run.add_line(raw)
    return run.finish()


def _deep_path(request: BatchRequest | Mapping[str, Any], max_depth: int) -> list[str | int] | None:
    """The path to the first container nested deeper than ``max_depth`` in a request."""
    root: Any = request.to_dict() if isinstance(request, BatchRequest) else request
    stack: list[tuple[list[str | int], Any, int]] = [([], root, 1)]
    seen: set[int] = set()
    while stack:
        path, node, depth = stack.pop()
        if not isinstance(node, Mapping | list | tuple):
            continue
        if depth > max_depth:
            return path
        if id(node) in seen:
            continue  # a circular reference: not too deep, just not serialisable
        seen.add(id(node))
        items = node.items() if isinstance(node, Mapping) else enumerate(node)
        children = [
            ([*path, k if isinstance(k, int | str) else str(k)], v, depth + 1) for k, v in items
        ]
        stack.extend(reversed(children))
    return None
