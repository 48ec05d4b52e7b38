"""Batch request lines: a typed builder, and a streaming JSONL writer and reader."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groq_batch._errors import InvalidValueError

CHAT_COMPLETIONS = "/v1/chat/completions"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
TRANSLATIONS = "/v1/audio/translations"
AUDIO_URLS = frozenset({TRANSCRIPTIONS, TRANSLATIONS})
SUPPORTED_URLS = frozenset({CHAT_COMPLETIONS, *AUDIO_URLS})
"""The endpoints a Groq batch line may use; one file may mix them (Groq's "Mixed Batch")."""

__all__ = [
    "AUDIO_URLS",
    "CHAT_COMPLETIONS",
    "SUPPORTED_URLS",
    "TRANSCRIPTIONS",
    "TRANSLATIONS",
    "BatchRequest",
    "chat_request",
    "dump_line",
    "iter_jsonl",
    "transcription_request",
    "translation_request",
    "write_jsonl",
]


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """One line of a batch input file.

    Attributes:
        custom_id: The caller's id for the request, unique within a batch.
        body: The request body, as for the synchronous endpoint.
        url: The endpoint the line runs against.
        method: Always ``POST`` for Groq.
    """

    custom_id: str
    body: Mapping[str, Any]
    url: str = CHAT_COMPLETIONS
    method: str = "POST"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the line as a JSON-ready dict.

        Returns:
            ``{"custom_id", "method", "url", "body"}`` plus any extra keys.
        """
        line: dict[str, Any] = {
            "custom_id": self.custom_id,
            "method": self.method,
            "url": self.url,
            "body": dict(self.body),
        }
        line.update(self.extra)
        return line

    @classmethod
    def from_dict(cls, line: Mapping[str, Any]) -> BatchRequest:
        """Build a request from a parsed JSONL line.

        Args:
            line: The parsed line; it must hold ``custom_id`` and ``body``.

        Returns:
            The request. Keys beyond the four standard ones are kept in ``extra``.
        """
        known = {"custom_id", "method", "url", "body"}
        return cls(
            custom_id=line["custom_id"],
            body=line["body"],
            url=line.get("url", CHAT_COMPLETIONS),
            method=line.get("method", "POST"),
            extra={k: v for k, v in line.items() if k not in known},
        )


def chat_request(
    custom_id: str,
    *,
    model: str,
    messages: Iterable[Mapping[str, Any]],
    url: str = CHAT_COMPLETIONS,
    **params: Any,
) -> BatchRequest:
    """Build a chat-completions request line.

    Args:
        custom_id: The caller's id for the request, unique within a batch.
        model: The model, for example ``llama-3.1-8b-instant``.
        messages: The conversation, as chat-completions messages.
        url: The endpoint; the default is chat completions.
        **params: Other chat-completions parameters (``max_tokens``, ``temperature``, ...).
            Parameters set to None are left out, because Groq rejects explicit nulls in some
            fields.

    Returns:
        The request line.
    """
    body: dict[str, Any] = {"model": model, "messages": [dict(m) for m in messages]}
    body.update({k: v for k, v in params.items() if v is not None})
    return BatchRequest(custom_id=custom_id, body=body, url=url)


def _audio_request(
    endpoint: str,
    custom_id: str,
    model: str,
    url: str,
    params: Mapping[str, Any],
) -> BatchRequest:
    body: dict[str, Any] = {"model": model, "url": url}
    body.update({k: v for k, v in params.items() if v is not None})
    return BatchRequest(custom_id=custom_id, body=body, url=endpoint)


def transcription_request(
    custom_id: str,
    *,
    model: str,
    url: str,
    language: str | None = None,
    prompt: str | None = None,
    response_format: str | None = None,
    temperature: float | None = None,
    timestamp_granularities: Iterable[str] | None = None,
    **params: Any,
) -> BatchRequest:
    """Build an audio-transcription request line (``/v1/audio/transcriptions``).

    Args:
        custom_id: The caller's id for the request, unique within a batch.
        model: A speech model, for example ``whisper-large-v3``.
        url: The address of the audio (a batch line cannot carry the file itself). Unlike
            ``chat_request``'s ``url``, this is the body's ``url`` field, as in Groq's API.
        language: The audio's language as ISO-639-1 (``en``), if known.
        prompt: Text to guide the model's style or spelling.
        response_format: ``json`` (the default), ``verbose_json`` or ``text``.
        temperature: Sampling temperature, 0 to 1.
        timestamp_granularities: ``["segment"]``, ``["word"]`` or both (with ``verbose_json``).
        **params: Any other body fields. Parameters set to None are left out.

    Returns:
        The request line.
    """
    return _audio_request(
        TRANSCRIPTIONS,
        custom_id,
        model,
        url,
        {
            "language": language,
            "prompt": prompt,
            "response_format": response_format,
            "temperature": temperature,
            "timestamp_granularities": None
            if timestamp_granularities is None
            else list(timestamp_granularities),
            **params,
        },
    )


def translation_request(
    custom_id: str,
    *,
    model: str,
    url: str,
    prompt: str | None = None,
    response_format: str | None = None,
    temperature: float | None = None,
    **params: Any,
) -> BatchRequest:
    """Build an audio-translation (into English) request line (``/v1/audio/translations``).

    Args:
        custom_id: The caller's id for the request, unique within a batch.
        model: A speech model that translates, for example ``whisper-large-v3``.
        url: The address of the audio (the body's ``url`` field, as in Groq's API).
        prompt: Text, in English, to guide the model's style.
        response_format: ``json`` (the default), ``verbose_json`` or ``text``.
        temperature: Sampling temperature, 0 to 1.
        **params: Any other body fields (``language``, ...). Parameters set to None are left
            out.

    Returns:
        The request line.
    """
    return _audio_request(
        TRANSLATIONS,
        custom_id,
        model,
        url,
        {
            "prompt": prompt,
            "response_format": response_format,
            "temperature": temperature,
            **params,
        },
    )


_BATCH_COLUMNS = frozenset({"custom_id", "method", "url", "body"})


def as_requests(source: Any) -> Iterable[Any]:
    """The requests in an in-memory input, which may also be a table (pyarrow, pandas, polars).

    A table whose columns are a batch line's (``custom_id``, ``method``, ``url``, ``body``)
    gives one line per row. A table of plain records needs to say how its rows become prompts:
    ``groq_batch.tables.prompt_table(table, prompt=..., model=...)``, which this refuses with
    that hint. Anything else (requests, dicts, a ``PromptTable``) is returned as it is.

    Args:
        source: Requests, or a table.

    Returns:
        Something to iterate for the requests.

    Raises:
        ValidationError: A table of plain records.
    """
    module = type(source).__module__.split(".")[0]
    if module not in ("pyarrow", "pandas", "polars"):
        requests: Iterable[Any] = source
        return requests
    from groq_batch.tables import read_table
    from groq_batch.validation import Problem, ValidationError

    table = read_table(source)
    if not _BATCH_COLUMNS.issubset(table.column_names):
        raise ValidationError(
            [
                Problem(
                    None,
                    None,
                    "table_of_prompts",
                    "A table of prompts (columns: "
                    + ", ".join(table.column_names)
                    + "): say how its rows become requests with "
                    "groq_batch.tables.prompt_table(table, prompt=COLUMN, model=MODEL)",
                )
            ],
            source="table",
        )
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def dump_line(request: BatchRequest | Mapping[str, Any]) -> bytes:
    """Serialise one request as a JSONL line, newline included.

    The line is written as it is, even when it holds what validation refuses (``NaN``, a lone
    surrogate), so that the validator can name the line and the field at fault.

    Args:
        request: A ``BatchRequest`` or an already-shaped dict.

    Returns:
        The UTF-8 bytes of the line.

    Raises:
        TypeError: The request holds a value JSON has no form for.
        ValueError: The request is nested too deeply to serialise, or holds a circular
            reference.
    """
    data = request.to_dict() if isinstance(request, BatchRequest) else request
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except RecursionError as exc:
        raise InvalidValueError("nested too deeply to serialise") from exc
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form; escaped, the line stays valid text and the
        # validator can point at the field that holds it.
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode() + b"\n"


def write_jsonl(
    requests: Iterable[BatchRequest | Mapping[str, Any]], path: str | os.PathLike[str]
) -> int:
    """Write requests to a JSONL file atomically, streaming.

    The lines go to a temporary file beside ``path``, which replaces ``path`` only once every
    line is written and synced, so a failure never leaves a half-written file behind.

    Args:
        requests: The requests, consumed lazily.
        path: Where to write.

    Returns:
        The number of lines written.
    """
    target = Path(path)
    count = 0
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for request in requests:
                fh.write(dump_line(request))
                count += 1
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Read a JSONL file lazily, one parsed object per non-blank line.

    Args:
        path: The file.

    Yields:
        Each line's parsed JSON object.

    Raises:
        ValueError: A line is not JSON or not an object; the message names the line.
    """
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except ValueError as exc:
                raise InvalidValueError(
                    f"{os.fspath(path)}, line {number}: invalid JSON: {exc}"
                ) from exc
            if not isinstance(value, dict):
                raise InvalidValueError(f"{os.fspath(path)}, line {number}: not a JSON object")
            yield value
