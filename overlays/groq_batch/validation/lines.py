"""The checks of one request line: JSON, an object, and the fields Groq requires of it.

``LineChecker`` takes lines one at a time and remembers what rules across lines need (the ids
seen, the urls used, the unknown models); the file-level limits and the report are
``groq_batch.validation.files``'.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from groq_batch.jsoncodec import decoder
from groq_batch.jsonl import AUDIO_URLS, CHAT_COMPLETIONS
from groq_batch.validation.ids import SeenIds, duplicate_problem
from groq_batch.validation.jsontext import (
    SURROGATE_ESCAPE,
    NonFinite,
    depth_scan,
    field_name,
    has_lone_surrogate,
    short,
)
from groq_batch.validation.report import Problem

AUDIO_RESPONSE_FORMATS = frozenset({"json", "text", "verbose_json"})
TIMESTAMP_GRANULARITIES = frozenset({"word", "segment"})

__all__ = ["AUDIO_RESPONSE_FORMATS", "TIMESTAMP_GRANULARITIES", "LineChecker", "required"]

# Enough problems per line to show the pattern, without flooding the report.
_MAX_PROBLEMS_PER_SCAN = 10


def required(
    number: int, value: object, name: str, code: str, kind: type = str, hint: str = ""
) -> Problem | None:
    """The problem of a required field that is missing, or not a non-empty string (or array).

    Args:
        number: The line.
        value: The field's value, None when it is absent.
        name: The field, as the problem names it (``body.model``).
        code: The problem code's stem: ``missing_<code>`` or ``invalid_<code>``.
        kind: What the value must be: ``str`` or ``list``.
        hint: Said after the name when the field is missing.

    Returns:
        The problem, or None when the value is fine.
    """
    if value is None:
        return Problem(
            number, name, f"missing_{code}", f"Missing required parameter: '{name}'{hint}"
        )
    if not isinstance(value, kind) or not value:
        what = "string" if kind is str else "array"
        return Problem(number, name, f"invalid_{code}", f"'{name}' must be a non-empty {what}")
    return None


class LineChecker:
    """Checks lines one at a time, remembering what cross-line rules need."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        require_messages: bool,
        urls: Collection[str],
        max_depth: int,
        known_models: Collection[str] | None,
        seen: SeenIds,
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
        # One decoder for all lines (json.loads with options builds a new one per call);
        # msgspec parses first when the fast extra is in; whatever it refuses (NaN, a lone
        # surrogate, bad JSON) gets this decoder's own verdict and message.
        self._decode = decoder(json.JSONDecoder(parse_constant=self._parse_constant).decode)

    def _parse_constant(self, name: str) -> NonFinite:
        self._non_finite = True
        return NonFinite(name)

    def check(self, number: int, raw: bytes) -> Iterator[Problem]:
        """Every problem of line ``number`` (without its newline), in field order."""
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
                yield self.too_deep(number, deep)
                return
        self._non_finite = False
        try:
            value = self._decode(text)
        except RecursionError:
            yield self.too_deep(number, [])
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
        if self._non_finite or SURROGATE_ESCAPE.search(text):
            yield from self._scan_values(number, value)
        yield from self._check_object(number, value)

    def too_deep(self, number: int, path: list[str | int]) -> Problem:
        """The problem of line ``number`` nesting too deep, at ``path``."""
        shown = path[:8]
        name = field_name(shown) + ("..." if len(path) > len(shown) else "")
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
                    number, field_name(path), "lone_surrogate", "A key holds a lone surrogate"
                )
            if isinstance(node, dict):
                children = [((*path, k), v, has_lone_surrogate(k)) for k, v in node.items()]
                stack.extend(reversed(children))
            elif isinstance(node, list):
                stack.extend(reversed([((*path, i), v, False) for i, v in enumerate(node)]))
            elif isinstance(node, NonFinite):
                found += 1
                yield Problem(
                    number,
                    field_name(path) or None,
                    "non_finite_number",
                    f"{node.name} is not a JSON number",
                )
            elif isinstance(node, str) and has_lone_surrogate(node):
                found += 1
                yield Problem(
                    number,
                    field_name(path) or None,
                    "lone_surrogate",
                    "A string holds a lone UTF-16 surrogate, which has no UTF-8 form",
                )

    def _check_object(self, number: int, line: Mapping[str, Any]) -> Iterator[Problem]:
        # Any: once ``required`` finds no problem, it is a non-empty string.
        custom_id: Any = line.get("custom_id")
        if (problem := required(number, custom_id, "custom_id", "custom_id")) is not None:
            yield problem
        elif (first := self.seen.first_use(custom_id, number)) is not None:
            yield duplicate_problem(number, custom_id, first)

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
                f"Invalid value: {short(method)}. Supported values are: 'POST'",
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
                f"Invalid value: {short(url)}. Supported values are: {supported}",
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
        model: Any = body.get("model")
        if (problem := required(number, model, "body.model", "model")) is not None:
            yield problem
        elif self.known_models is not None and model not in self.known_models:
            self.unknown_models.setdefault(model, number)
        if not isinstance(url, str):
            return
        if url in AUDIO_URLS:
            yield from self._check_audio(number, body)
        elif url == CHAT_COMPLETIONS and self.require_messages:
            messages = body.get("messages")
            if (
                problem := required(number, messages, "body.messages", "messages", list)
            ) is not None:
                yield problem

    def _check_audio(self, number: int, body: Mapping[str, Any]) -> Iterator[Problem]:
        """A transcription or translation body: the audio's ``url``, and the known options."""
        if self.require_messages:
            audio = body.get("url")
            if (
                problem := required(
                    number, audio, "body.url", "audio_url", hint=" (the audio's address)"
                )
            ) is not None:
                yield problem
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
                f"Invalid value: {short(response_format)}. Supported values are: "
                + ", ".join(sorted(AUDIO_RESPONSE_FORMATS)),
            )
        temperature = body.get("temperature")
        if temperature is not None and (
            isinstance(temperature, bool) or not isinstance(temperature, int | float | NonFinite)
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
