"""The rows the store reads and writes, as frozen values.

They are plain values: the worker, the HTTP handlers and the result writer pass them around
without touching the database. The per-line rows (`PendingRequest`, `ResultRow`, `StoredLine`)
are named tuples: a million-line batch makes several million of them, and a frozen dataclass
costs about five times as much to build (6% of the worker's time went to their ``__init__``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["BatchRow", "FileRow", "PendingRequest", "ResultRow", "StoredLine", "batch_from_row"]


@dataclass(frozen=True, slots=True)
class FileRow:
    """A stored file's metadata."""

    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str


@dataclass(frozen=True, slots=True)
class BatchRow:
    """A batch as stored; `errors` and `metadata` are decoded JSON."""

    seq: int
    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    status: str
    created_at: int
    deadline: float
    expires_at: int | None
    in_progress_at: int | None
    finalizing_at: int | None
    completed_at: int | None
    failed_at: int | None
    expired_at: int | None
    cancelling_at: int | None
    cancelled_at: int | None
    output_file_id: str | None
    error_file_id: str | None
    total: int
    completed: int
    failed: int
    errors: list[dict[str, Any]] | None
    metadata: dict[str, str] | None


class PendingRequest(NamedTuple):
    """One input line that has no result yet."""

    line: int
    custom_id: str
    body: str
    url: str | None = None


class ResultRow(NamedTuple):
    """What happened to one request: an HTTP response, or a non-HTTP error."""

    line: int
    id: str
    status_code: int | None = None
    request_id: str | None = None
    body: str | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the request got a 2xx response."""
        return (
            self.error_code is None
            and self.status_code is not None
            and (200 <= self.status_code < 300)
        )


class StoredLine(NamedTuple):
    """An input line joined to its result, for writing the output and error files."""

    line: int
    custom_id: str
    result: ResultRow | None


def batch_from_row(row: Sequence[Any]) -> BatchRow:
    """A `BatchRow` from a ``SELECT`` of `groq_batch_server.schema.BATCH_COLUMNS`."""
    values = list(row)
    values[-2] = json.loads(values[-2]) if values[-2] is not None else None
    values[-1] = json.loads(values[-1]) if values[-1] is not None else None
    return BatchRow(*values)
