r"""Find everything Groq would reject in a batch input file, before anything is uploaded.

These rules serve the client (``groq_batch.validate``, which ``submit`` runs first). The local
server judges lines by its own reading of the spec (``groq_batch_server.judge``), never by these
rules, so a bug here shows as a disagreement; a test holds the two to one verdict on the corpus.

Beyond Groq's own rules, a line is refused when it holds something no JSON store keeps: ``NaN``
or ``Infinity`` (not JSON at all), a lone UTF-16 surrogate escape (``"\ud800"``, which has no
UTF-8 form), or nesting deeper than ``MAX_DEPTH`` (which overflows recursive parsers). Each of
these is named by its line and its field. A model name is never refused for being unknown: with
``known_models`` the report only warns about it, because Groq adds models faster than any list
here can follow.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from groq_batch._errors import ValidationError
from groq_batch.jsonl import (
    AUDIO_URLS,
    CHAT_COMPLETIONS,
    SUPPORTED_URLS,
    BatchRequest,
    as_requests,
    dump_line,
)
from groq_batch.providers import DEFAULT_PROVIDER, PROVIDERS, Provider

MAX_LINES = PROVIDERS[DEFAULT_PROVIDER].max_lines
"""The default provider's (Groq's) most lines per batch file, from its profile."""
MAX_BYTES = PROVIDERS[DEFAULT_PROVIDER].max_bytes
"""The default provider's (Groq's) largest batch file in bytes, from its profile."""
MAX_DEPTH = 256
"""The deepest nesting of arrays and objects a line may have, the line itself being level 1.

Python's recursive JSON parser and encoder give up near 1,000 levels, fewer when the stack is
already deep, so a line nested that far could be accepted here and then break whatever reads it
next. Real request bodies (JSON schemas included) stay far below this.
"""

AUDIO_RESPONSE_FORMATS = frozenset({"json", "text", "verbose_json"})
TIMESTAMP_GRANULARITIES = frozenset({"word", "segment"})

__all__ = [
    "AUDIO_RESPONSE_FORMATS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_LINES",
    "MetadataLimits",
    "Problem",
    "ValidationError",
    "ValidationReport",
    "custom_id_hash",
    "custom_id_of_line",
    "depth_scan",
    "validate",
    "validate_lines",
    "validate_metadata",
    "validate_path",
]

# Only a line holding one of these escapes can decode to a lone surrogate; raw UTF-8 cannot
# carry one (it fails as invalid UTF-8 first), so other lines skip the search for them.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# The tokens that matter for nesting: strings (skipped whole), brackets, colons and commas.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]', re.DOTALL)
_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# Enough problems per line to show the pattern, without flooding the report.
_MAX_PROBLEMS_PER_SCAN = 10


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a batch input (or, in ``ValidationReport.warnings``, worth a look).

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
        warnings: Things that are not errors but worth saying (the input will be split, a
            model is not in ``known_models``). They never make the report fail.
        lines: How many lines the input has.
        bytes: The input's size in bytes, as it would be uploaded.
        parts: How many batches ``submit`` would make of the input (1 when it fits one).
        source: A name for the input, used in messages.
        endpoint: The batch's endpoint: the one given, or the one the lines' ``url`` values
            lead to (see ``batch_endpoint``).
    """

    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    bytes: int = 0
    source: str = "requests"
    warnings: list[Problem] = field(default_factory=list)
    parts: int = 1
    endpoint: str = CHAT_COMPLETIONS

    @property
    def ok(self) -> bool:
        """Whether the input has no problem (warnings do not count)."""
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
            head = f"{self.source}: {self.lines} lines, {self.bytes} bytes, no problems"
            if self.parts > 1:
                head += f"; will be split into {self.parts} batches"
            lines = [head]
        else:
            head = f"{self.source}: {len(self.problems)} problem(s) in {self.lines} lines"
            lines = [head, *(f"  {p}" for p in self.problems)]
        lines += [f"  warning: {w}" for w in self.warnings if w.code != "will_split" or not self.ok]
        return "\n".join(lines)


# ------------------------------------------------------------------------------- metadata
@dataclass(frozen=True, slots=True)
class MetadataLimits:
    """How much metadata one batch may carry.

    The defaults are the default provider's profile (`groq_batch.providers`): Groq documents no
    bound, so the profile holds OpenAI's documented ones (16 pairs, 64-character keys,
    512-character values), which keeps a job portable between the two.

    Attributes:
        max_pairs: The most key/value pairs.
        max_key_length: The longest key, in characters.
        max_value_length: The longest value, in characters.
    """

    max_pairs: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_pairs
    max_key_length: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_key_chars
    max_value_length: int = PROVIDERS[DEFAULT_PROVIDER].max_metadata_value_chars

    @classmethod
    def of(cls, provider: Provider) -> MetadataLimits:
        """The bounds of a provider's profile.

        Args:
            provider: The profile.

        Returns:
            Its metadata bounds (the package's own keys included in ``max_pairs``).
        """
        return cls(
            provider.max_metadata_pairs,
            provider.max_metadata_key_chars,
            provider.max_metadata_value_chars,
        )


def validate_metadata(metadata: object, limits: MetadataLimits | None = None) -> list[Problem]:
    """Check a batch's metadata before anything is uploaded.

    Args:
        metadata: The metadata as it will be sent (include any keys the library adds), or
            None for none.
        limits: The bounds; ``MetadataLimits()`` (OpenAI's) when None.

    Returns:
        Every problem found, each with ``field`` set to ``metadata`` or ``metadata.<key>``;
        empty when the metadata is fine.
    """
    limits = limits or MetadataLimits()
    if metadata is None:
        return []
    if not isinstance(metadata, Mapping):
        return [Problem(None, "metadata", "invalid_metadata", "Metadata must be a mapping")]
    problems = []
    if len(metadata) > limits.max_pairs:
        problems.append(
            Problem(
                None,
                "metadata",
                "too_many_metadata_pairs",
                f"{len(metadata)} pairs; at most {limits.max_pairs} are allowed",
            )
        )
    for key, value in metadata.items():
        name = _field_name(["metadata", key if isinstance(key, str) else _short(key)])
        if not isinstance(key, str):
            problems.append(Problem(None, name, "invalid_metadata_key", "Keys must be strings"))
            continue
        if not isinstance(value, str):
            problems.append(Problem(None, name, "invalid_metadata_value", "Values must be strings"))
            continue
        for text, what in ((key, "key"), (value, "value")):
            if _has_lone_surrogate(text):
                problems.append(
                    Problem(None, name, "lone_surrogate", f"The {what} holds a lone surrogate")
                )
        if len(key) > limits.max_key_length:
            problems.append(
                Problem(
                    None,
                    name,
                    "metadata_key_too_long",
                    f"Key of {len(key)} characters; at most {limits.max_key_length}",
                )
            )
        if len(value) > limits.max_value_length:
            problems.append(
                Problem(
                    None,
                    name,
                    "metadata_value_too_long",
                    f"Value of {len(value)} characters; at most {limits.max_value_length}",
                )
            )
    return problems


# ---------------------------------------------------------------------------------- lines
class _NonFinite:
    """Stands in for ``NaN``/``Infinity`` while parsing, so the walk can name the field."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def _short(value: object, limit: int = 60) -> str:
    """A bounded, ASCII-safe rendering of any value for a message."""
    try:
        text = ascii(value)
    except (RecursionError, ValueError):  # pragma: no cover - bounded depth makes this rare
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _has_lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _field_name(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            # Keys with dots, spaces or lone surrogates: quoted, and always printable.
            out += f"[{json.dumps(part)}]"
    return out


def depth_scan(text: str, max_depth: int) -> list[str | int] | None:
    """The path to the first container nested deeper than ``max_depth``, or None.

    Runs on the text, before parsing, so a line too deep for the parser is never parsed (the
    validator and the estimate both use it).

    Args:
        text: One JSON line, as text.
        max_depth: The deepest nesting allowed, the line itself being level 1.

    Returns:
        The keys and indexes down to the too-deep container, or None when the line is fine.
    """
    # One frame per open container: its kind, and where in it the scan is (key or index).
    frames: list[list[Any]] = []
    last_string: str | None = None
    for match in _STRUCTURE.finditer(text):
        symbol = match.group()
        if symbol in ("[", "{"):
            if len(frames) + 1 > max_depth:
                return [label if label is not None else "?" for _, label in frames]
            frames.append([symbol, 0 if symbol == "[" else None])
        elif symbol in ("]", "}"):
            if frames:
                frames.pop()
        elif symbol == ":":
            if frames and frames[-1][0] == "{":
                frames[-1][1] = last_string
        elif symbol == ",":
            if frames and frames[-1][0] == "[":
                frames[-1][1] += 1
        else:
            last_string = _decode_key(symbol)
    return None


def _decode_key(token: str) -> str:
    try:
        key = json.loads(token)
    except ValueError:
        return token.strip('"')
    return key if isinstance(key, str) else token


def custom_id_of_line(raw: bytes) -> str | None:
    """The ``custom_id`` of a raw line, by parsing all of it; None when it has no string one.

    Args:
        raw: The line, as bytes.

    Returns:
        The id, or None for a line that is not an object with a string ``custom_id``.
    """
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    custom_id = value.get("custom_id") if isinstance(value, dict) else None
    return custom_id if isinstance(custom_id, str) else None


def custom_id_hash(custom_id: str) -> int:
    """The 32-bit hash the validator and the results join index custom ids by.

    Python's string hash, salted per process: it only ever indexes ids within one run. A test
    swaps it (in the module that calls it) to force collisions.

    Args:
        custom_id: The id.

    Returns:
        An unsigned 32-bit integer.
    """
    return hash(custom_id) & 0xFFFFFFFF


class _SeenIds:
    """The custom ids met so far and the line each was first used on, kept exactly."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def first_use(self, custom_id: str, number: int) -> int | None:
        """The line ``custom_id`` was first used on, or None (and ``number`` is recorded)."""
        first = self._first.get(custom_id)
        if first is None:
            self._first[custom_id] = number
        return first

    def later_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Duplicates ``first_use`` could not answer at once: none here."""
        return iter(())


class _SeenIdsOnDisk(_SeenIds):
    """The same, for a file, without a Python object per line, the duplicates found at the end.

    Each line's id hash and line number go into one 64-bit array slot (8 bytes a line, where a
    dict of ids costs about 150); sorting it at the end brings equal hashes together, and only
    those lines' ids are read back from the file, so two ids sharing a hash are never taken for
    a duplicate.
    """

    def __init__(self, id_of_line: Callable[[int], str | None]) -> None:
        self._id_of_line = id_of_line
        # Partitioned by the hash's top byte, so that the sort at the end, which needs a
        # Python int per entry, only ever holds one partition's worth of them.
        self._keys = [array("Q") for _ in range(256)]

    def first_use(self, custom_id: str, number: int) -> int | None:
        digest = custom_id_hash(custom_id)
        self._keys[digest >> 24].append(digest << 32 | number)
        return None

    def later_duplicates(self) -> Iterator[tuple[int, str, int]]:
        """Each line whose id an earlier line used: (line, id, first line)."""
        for partition in self._keys:
            keys = sorted(partition)
            start = 0
            while start < len(keys):
                end = start + 1
                while end < len(keys) and keys[end] >> 32 == keys[start] >> 32:
                    end += 1
                if end - start > 1:
                    yield from self._confirmed(keys[start:end])
                start = end

    def _confirmed(self, keys: list[int]) -> Iterator[tuple[int, str, int]]:
        """The true duplicates among lines whose ids share a hash, read back from the file."""
        first: dict[str, int] = {}
        # Sorted by hash, then line: the first line met for an id is its first use.
        for key in keys:
            number = key & 0xFFFFFFFF
            custom_id = self._id_of_line(number)
            if custom_id is None:
                continue
            if custom_id in first:
                yield number, custom_id, first[custom_id]
            else:
                first[custom_id] = number


def _duplicate(number: int, custom_id: str, first: int) -> Problem:
    return Problem(
        number,
        "custom_id",
        "duplicate_custom_id",
        f"Duplicate custom_id {_short(custom_id)}, first used on line {first}",
    )


class _LineChecker:
    """Checks lines one at a time, remembering what cross-line rules need."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        require_messages: bool,
        urls: Collection[str],
        max_depth: int,
        known_models: Collection[str] | None,
        seen: _SeenIds,
    ) -> None:
        self.endpoint = endpoint
        # Each supported url the lines use, with the first line using it.
        self.line_urls: dict[str, int] = {}
        self.require_messages = require_messages
        self.urls = frozenset(urls)
        self.max_depth = max_depth
        self.known_models = None if known_models is None else frozenset(known_models)
        self.seen = seen
        self.unknown_models: dict[str, int] = {}
        self._non_finite = False
        # One decoder for all lines: json.loads with options builds a new one per call.
        self._decoder = json.JSONDecoder(parse_constant=self._parse_constant)

    def _parse_constant(self, name: str) -> _NonFinite:
        self._non_finite = True
        return _NonFinite(name)

    def check(self, number: int, raw: bytes) -> Iterator[Problem]:
        if not raw.strip():
            yield Problem(number, None, "empty_line", "Blank line; every line must be a request")
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Problem(number, None, "invalid_utf8", f"Not valid UTF-8: {exc.reason}")
            return
        # Counting brackets is cheap and rules out deep nesting for nearly every line.
        if text.count("[") + text.count("{") > self.max_depth:
            deep = depth_scan(text, self.max_depth)
            if deep is not None:
                yield self._too_deep(number, deep)
                return
        self._non_finite = False
        try:
            value = self._decoder.decode(text)
        except RecursionError:
            yield self._too_deep(number, [])
            return
        except json.JSONDecodeError as exc:
            # The decoder's own "line 1" would be the line's, not the file's: give the column.
            yield Problem(
                number, None, "invalid_json", f"Invalid JSON at column {exc.colno}: {exc.msg}"
            )
            return
        except ValueError as exc:  # for example an integer over Python's digit limit
            yield Problem(number, None, "invalid_json", f"Invalid JSON: {exc}")
            return
        if not isinstance(value, dict):
            kind = "null" if value is None else type(value).__name__
            yield Problem(number, None, "not_an_object", f"Expected a JSON object, got {kind}")
            return
        if self._non_finite or _SURROGATE_ESCAPE.search(text):
            yield from self._scan_values(number, value)
        yield from self._check_object(number, value)

    def _too_deep(self, number: int, path: list[str | int]) -> Problem:
        shown = path[:8]
        name = _field_name(shown) + ("..." if len(path) > len(shown) else "")
        return Problem(
            number,
            name or None,
            "too_deep",
            f"Nested more than {self.max_depth} levels deep",
        )

    def _scan_values(self, number: int, value: Any) -> Iterator[Problem]:
        """Name every NaN/Infinity and every lone surrogate in a parsed line, in order."""
        found = 0
        stack: list[tuple[tuple[str | int, ...], Any, bool]] = [((), value, False)]
        while stack and found < _MAX_PROBLEMS_PER_SCAN:
            path, node, bad_key = stack.pop()
            if bad_key:
                found += 1
                yield Problem(
                    number, _field_name(path), "lone_surrogate", "A key holds a lone surrogate"
                )
            if isinstance(node, dict):
                children = [((*path, k), v, _has_lone_surrogate(k)) for k, v in node.items()]
                stack.extend(reversed(children))
            elif isinstance(node, list):
                stack.extend(reversed([((*path, i), v, False) for i, v in enumerate(node)]))
            elif isinstance(node, _NonFinite):
                found += 1
                yield Problem(
                    number,
                    _field_name(path) or None,
                    "non_finite_number",
                    f"{node.name} is not a JSON number",
                )
            elif isinstance(node, str) and _has_lone_surrogate(node):
                found += 1
                yield Problem(
                    number,
                    _field_name(path) or None,
                    "lone_surrogate",
                    "A string holds a lone UTF-16 surrogate, which has no UTF-8 form",
                )

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
        elif (first := self.seen.first_use(custom_id, number)) is not None:
            yield _duplicate(number, custom_id, first)

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
                f"Invalid value: {_short(method)}. Supported values are: 'POST'",
            )

        url = line.get("url")
        if url is None:
            yield Problem(number, "url", "missing_url", "Missing required parameter: 'url'")
        elif not isinstance(url, str) or url not in self.urls:
            supported = ", ".join(sorted(self.urls))
            yield Problem(
                number,
                "url",
                "invalid_url",
                f"Invalid value: {_short(url)}. Supported values are: {supported}",
            )
        else:
            self.line_urls.setdefault(url, number)

        body = line.get("body")
        if body is None:
            yield Problem(number, "body", "missing_body", "Missing required parameter: 'body'")
            return
        if not isinstance(body, dict):
            yield Problem(number, "body", "invalid_body", "'body' must be a JSON object")
            return
        model = body.get("model")
        if model is None:
            yield Problem(
                number, "body.model", "missing_model", "Missing required parameter: 'body.model'"
            )
        elif not isinstance(model, str) or not model:
            yield Problem(
                number, "body.model", "invalid_model", "'body.model' must be a non-empty string"
            )
        elif self.known_models is not None and model not in self.known_models:
            self.unknown_models.setdefault(model, number)
        if not isinstance(url, str):
            return
        if url in AUDIO_URLS:
            yield from self._check_audio(number, body)
        elif url == CHAT_COMPLETIONS and self.require_messages:
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

    def _check_audio(self, number: int, body: Mapping[str, Any]) -> Iterator[Problem]:
        """A transcription or translation body: the audio's ``url``, and the known options."""
        if self.require_messages:
            audio = body.get("url")
            if audio is None:
                yield Problem(
                    number,
                    "body.url",
                    "missing_audio_url",
                    "Missing required parameter: 'body.url' (the audio's address)",
                )
            elif not isinstance(audio, str) or not audio:
                yield Problem(
                    number, "body.url", "invalid_audio_url", "'body.url' must be a non-empty string"
                )
        for name in ("language", "prompt"):
            value = body.get(name)
            if value is not None and not isinstance(value, str):
                yield Problem(
                    number, f"body.{name}", f"invalid_{name}", f"'body.{name}' must be a string"
                )
        response_format = body.get("response_format")
        if response_format is not None and (
            not isinstance(response_format, str) or response_format not in AUDIO_RESPONSE_FORMATS
        ):
            yield Problem(
                number,
                "body.response_format",
                "invalid_response_format",
                f"Invalid value: {_short(response_format)}. Supported values are: "
                + ", ".join(sorted(AUDIO_RESPONSE_FORMATS)),
            )
        temperature = body.get("temperature")
        if temperature is not None and (
            isinstance(temperature, bool) or not isinstance(temperature, int | float | _NonFinite)
        ):
            yield Problem(
                number,
                "body.temperature",
                "invalid_temperature",
                "'body.temperature' must be a number",
            )
        granularities = body.get("timestamp_granularities")
        if granularities is not None and (
            not isinstance(granularities, list)
            or not all(isinstance(g, str) and g in TIMESTAMP_GRANULARITIES for g in granularities)
        ):
            yield Problem(
                number,
                "body.timestamp_granularities",
                "invalid_timestamp_granularities",
                "'body.timestamp_granularities' must be an array of 'word' and 'segment'",
            )


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


class _Validation:
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
        seen: _SeenIds | None = None,
        endpoint_used: bool = False,
    ) -> None:
        self.report = ValidationReport(source=source)
        self.endpoint_used = endpoint_used
        self.checker = _LineChecker(
            endpoint=endpoint,
            require_messages=require_messages,
            urls=urls,
            max_depth=max_depth,
            known_models=known_models,
            seen=seen or _SeenIds(),
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
        self.report.lines += 1
        self.report.problems.append(
            Problem(self.report.lines, None, "not_serialisable", f"Not JSON-serialisable: {exc}")
        )

    def finish(self) -> ValidationReport:
        report = self.report
        later = [_duplicate(*found) for found in self.checker.seen.later_duplicates()]
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
                    f"Unsupported endpoint {_short(self.endpoint)}; supported: "
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
                    f"Model {_short(model)} is not in the known list (first used here){hint} "
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
    run = _Validation(
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

        run = _Validation(
            endpoint=endpoint,
            require_messages=require_messages,
            max_lines=max_lines,
            max_bytes=max_bytes,
            source=os.fspath(path) if source is None else source,
            split=split,
            urls=urls,
            max_depth=max_depth,
            known_models=known_models,
            seen=_SeenIdsOnDisk(id_of_line),
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
    run = _Validation(source="requests", **options)
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
                run.report.problems.append(run.checker._too_deep(run.report.lines, deep))
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
