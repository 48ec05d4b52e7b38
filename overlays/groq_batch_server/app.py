"""The HTTP side: routes, auth, Groq's error envelope, streaming uploads and ranged downloads.

Every body the server sends is built from the generated models (`Batch`, `File`, `BatchList`,
`ErrorResponse`...), so it cannot drift from ``spec/openapi.yaml``.

Status codes, following Groq's error page:

- 400: the request cannot be read (bad JSON, a missing or mistyped field, a bad query value);
- 401: the API key is missing or wrong (only when the server runs with one);
- 404: no such file, batch or route;
- 408: an upload that sent nothing for ``upload_timeout`` seconds (its temp file is deleted);
- 409: the batch cannot be cancelled in its current state;
- 413: an upload over the size limit, refused before anything is stored;
- 416: a ``Range`` that starts past the end of the file;
- 422: a well-formed request whose values are not acceptable (an unsupported endpoint, a
  completion window outside 24h-7d, an input file that is not a batch input);
- 429, 498, 5xx: from fault injection (`faults.py`), or 500 for a bug.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groq_batch_api.models import (
    Batch,
    BatchError,
    BatchErrors,
    BatchList,
    BatchListPaging,
    BatchRequestCounts,
    BatchStatus,
    File,
    FileDeleted,
    FileList,
    FilePurpose,
    Metadata,
)
from groq_batch_server.catalog import load_catalog
from groq_batch_server.config import ServerConfig
from groq_batch_server.errors import HTTPProblem, error_response
from groq_batch_server.faults import FaultMiddleware, FaultSet
from groq_batch_server.ids import new_id
from groq_batch_server.loopback import LoopbackOnly, is_loopback_host
from groq_batch_server.ratelimit import RateLimitHeaders
from groq_batch_server.store import BatchRow, FileRow, Store
from groq_batch_server.worker import CancelConflictError, Worker, request_cancel

__all__ = ["SUPPORTED_ENDPOINTS", "ServerState", "build_app", "parse_window"]

logger = logging.getLogger("groq_batch_server")

PREFIX = "/openai/v1"
# The same API again under OpenAI's standard base path, so a client configured with
# ``http://HOST:PORT/v1`` works too.
PREFIXES = (PREFIX, "/v1")
# The batch endpoints come from the model catalog (models.json), with the models.
SUPPORTED_ENDPOINTS = load_catalog().batch_endpoints
MIN_WINDOW = 24 * 3600
MAX_WINDOW = 7 * 24 * 3600
MAX_IDS = 200
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
# Multipart framing (boundaries, part headers, the purpose field) on top of the file itself.
MULTIPART_SLACK = 64 * 1024
DOWNLOAD_CHUNK = 256 * 1024
_WINDOW = re.compile(r"^([0-9]+)([hd])$")


class Activity:
    """When the server last served a request, for ``idle_exit``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last = time.monotonic()

    def begin(self) -> None:
        """A request started."""
        with self._lock:
            self._in_flight += 1
            self._last = time.monotonic()

    def end(self) -> None:
        """A request ended."""
        with self._lock:
            self._in_flight -= 1
            self._last = time.monotonic()

    def touch(self) -> None:
        """Something happened that counts as activity (a batch still running)."""
        with self._lock:
            self._last = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last activity; 0 while a request is being served."""
        with self._lock:
            return 0.0 if self._in_flight else time.monotonic() - self._last


@dataclass
class ServerState:
    """What the routes share: the configuration, the store, the worker and the fault rules."""

    config: ServerConfig
    data_dir: Path
    store: Store
    worker: Worker
    faults: FaultSet
    activity: Activity = field(default_factory=Activity)


def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.groq
    return state


# ------------------------------------------------------------------------------------- shapes
def _file_model(row: FileRow) -> File:
    purpose: FilePurpose | str
    try:
        purpose = FilePurpose(row.purpose)
    except ValueError:
        purpose = row.purpose
    return File(
        id=row.id,
        object_="file",
        bytes_=row.bytes,
        created_at=row.created_at,
        filename=row.filename,
        purpose=purpose,
    )


def _batch_model(row: BatchRow) -> Batch:
    errors = (
        BatchErrors(object_="list", data=[BatchError.from_dict(e) for e in row.errors])
        if row.errors is not None
        else None
    )
    return Batch(
        id=row.id,
        object_="batch",
        endpoint=row.endpoint,
        input_file_id=row.input_file_id,
        completion_window=row.completion_window,
        status=BatchStatus(row.status),
        created_at=row.created_at,
        errors=errors,
        output_file_id=row.output_file_id,
        error_file_id=row.error_file_id,
        in_progress_at=row.in_progress_at,
        expires_at=row.expires_at,
        finalizing_at=row.finalizing_at,
        completed_at=row.completed_at,
        failed_at=row.failed_at,
        expired_at=row.expired_at,
        cancelling_at=row.cancelling_at,
        cancelled_at=row.cancelled_at,
        request_counts=BatchRequestCounts(
            total=row.total, completed=row.completed, failed=row.failed
        ),
        metadata=Metadata.from_dict(row.metadata) if row.metadata is not None else None,
    )


def _json(model: Any) -> JSONResponse:
    return JSONResponse(model.to_dict())


def parse_window(window: str) -> int:
    """Turn a completion window (``24h``, ``7d``) into seconds.

    Args:
        window: The window.

    Returns:
        Its length in seconds.

    Raises:
        HTTPProblem: 400 if it is not ``<number>h`` or ``<number>d``, 422 if it is outside 24h-7d.
    """
    match = _WINDOW.match(window)
    if match is None:
        raise HTTPProblem(
            400,
            f"Invalid completion_window {window!r}: use hours or days, for example '24h' or '7d'",
            code="invalid_completion_window",
            param="completion_window",
        )
    seconds = int(match.group(1)) * (3600 if match.group(2) == "h" else 86400)
    if not MIN_WINDOW <= seconds <= MAX_WINDOW:
        raise HTTPProblem(
            422,
            f"Invalid completion_window {window!r}: durations from 24h to 7d are supported",
            code="invalid_completion_window",
            param="completion_window",
        )
    return seconds


# -------------------------------------------------------------------------------------- files
class _MultipartUpload:
    """Streams a multipart upload: the file part to a temp file, small fields to memory."""

    max_field = 4096

    def __init__(self, store: Store, limit: int) -> None:
        self.limit = limit
        self.fd, self.tmp = store.new_temp_file()
        self.file_bytes = 0
        self.too_large = False
        self.filename: str | None = None
        self.fields: dict[str, bytes] = {}
        self.saw_file = False
        # Set only by the closing boundary: a body cut short before it is not a whole upload.
        self.ended = False
        self._name = ""
        self._is_file = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._value = bytearray()

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value_cb,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        }

    def _end(self) -> None:
        self.ended = True

    def _part_begin(self) -> None:
        self._disposition = b""
        self._name = ""
        self._is_file = False
        self._value = bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_cb(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        # Only the first part named `file` is the upload; anything else is a small field.
        self._is_file = self._name == "file" and not self.saw_file
        if self._is_file:
            self.saw_file = True
            self.filename = options.get(b"filename", b"upload.jsonl").decode("utf-8", "replace")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            size = end - start
            self.file_bytes += size
            if self.file_bytes > self.limit:
                # Keep reading (so the client can hear the answer) but store nothing more.
                self.too_large = True
            elif size:
                os.write(self.fd, data[start:end])
        elif len(self._value) < self.max_field:
            self._value += data[start:end]

    def _part_end(self) -> None:
        if not self._is_file and self._name:
            self.fields.setdefault(self._name, bytes(self._value[: self.max_field]))

    def finish(self) -> None:
        os.fsync(self.fd)
        os.close(self.fd)
        self.fd = -1

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self.tmp.unlink(missing_ok=True)


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    """The request body, failing with 408 if the client sends nothing for `upload_timeout`.

    Without this, a client that stops half-way holds its connection and temp file forever.
    """
    timeout = _state(request).config.upload_timeout
    stream = request.stream()
    while True:
        try:
            chunk = await asyncio.wait_for(anext(stream), timeout)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise HTTPProblem(
                408,
                f"Request Timeout: the upload sent nothing for {timeout:g} seconds",
                code="request_timeout",
                # The rest of the body will never be read, so the connection cannot be reused.
                headers={"connection": "close"},
            ) from None
        yield chunk


async def _drain(request: Request) -> None:
    async for _ in _chunks(request):
        pass


def _too_large(limit: int) -> HTTPProblem:
    return HTTPProblem(
        413,
        f"Request Entity Too Large: the file exceeds the maximum of {limit} bytes",
        code="request_too_large",
        param="file",
    )


async def upload_file(request: Request) -> Response:
    """``POST /openai/v1/files``: store an uploaded file, streaming it to disk.

    Args:
        request: The request.

    Returns:
        The stored `File`.

    Raises:
        HTTPProblem: 400 for a malformed form, 413 for a file over the limit.
    """
    state = _state(request)
    limit = state.config.max_upload_bytes
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        await _drain(request)
        raise HTTPProblem(400, "Expected a multipart/form-data body with a boundary", param="file")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        # Refuse before storing a byte. The body is still read (and thrown away), because a
        # client that is busy writing would otherwise see a broken pipe instead of the 413.
        await _drain(request)
        raise _too_large(limit)
    upload = _MultipartUpload(state.store, limit)
    try:
        parser = MultipartParser(boundary, upload.callbacks())
        # python-multipart's parse errors derive from ValueError. After one, the rest of the
        # body is still read, so the client hears the 400 rather than a broken pipe.
        malformed: ValueError | None = None
        async for chunk in _chunks(request):
            if malformed is None:
                try:
                    parser.write(chunk)
                except ValueError as exc:
                    malformed = exc
        if malformed is None:
            try:
                parser.finalize()
            except ValueError as exc:
                malformed = exc
        if malformed is None and not upload.ended:
            malformed = ValueError("the body ends before the closing boundary")
        if malformed is not None:
            raise HTTPProblem(400, f"Malformed multipart body: {malformed}", param="file")
        if upload.too_large:
            raise _too_large(limit)
        if not upload.saw_file:
            raise HTTPProblem(400, "Missing required parameter: 'file'", param="file")
        purpose = upload.fields.get("purpose")
        if purpose is None:
            raise HTTPProblem(400, "Missing required parameter: 'purpose'", param="purpose")
        if purpose.decode("utf-8", "replace") != "batch":
            raise HTTPProblem(
                400,
                f"Invalid value for purpose: {purpose.decode('utf-8', 'replace')!r}. "
                "Supported values are: 'batch'",
                code="invalid_purpose",
                param="purpose",
            )
        upload.finish()
        file_id = new_id("file")
        size = state.store.adopt_blob(upload.tmp, file_id)
        row = FileRow(
            id=file_id,
            bytes=size,
            created_at=int(time.time()),
            filename=upload.filename or "upload.jsonl",
            purpose="batch",
        )
        with state.store.transaction() as conn:
            state.store.insert_file(conn, row)
    finally:
        upload.discard()
    return _json(_file_model(row))


def _file_or_404(state: ServerState, file_id: str) -> FileRow:
    row = state.store.get_file(file_id)
    if row is None:
        raise HTTPProblem(404, f"File {file_id} not found", code="file_not_found", param="file_id")
    return row


async def list_files(request: Request) -> Response:
    """``GET /openai/v1/files``: every file, newest first.

    Groq documents no parameters here and returns everything. The OpenAI SDK, though, pages
    through files with ``after``/``limit`` until ``has_more`` is false, so those are honoured
    (with ``purpose`` as a filter) and the page carries ``has_more``/``first_id``/``last_id`` as
    extra fields, which the spec's open `FileList` allows.

    Args:
        request: The request.

    Returns:
        A `FileList`.

    Raises:
        HTTPProblem: 400 for a bad ``limit`` or an unknown ``after`` id.
    """
    query = request.query_params
    rows = _state(request).store.list_files()
    purpose = query.get("purpose")
    if purpose is not None:
        rows = [r for r in rows if r.purpose == purpose]
    after = query.get("after")
    if after is not None:
        position = next((i for i, r in enumerate(rows) if r.id == after), None)
        if position is None:
            raise HTTPProblem(400, f"No file {after!r} to page after", param="after")
        rows = rows[position + 1 :]
    has_more = False
    if query.get("limit") is not None:
        limit = _parse_limit(query.get("limit"), maximum=10_000)
        has_more = len(rows) > limit
        rows = rows[:limit]
    page = FileList(object_="list", data=[_file_model(r) for r in rows])
    page.additional_properties.update(
        {
            "first_id": rows[0].id if rows else None,
            "last_id": rows[-1].id if rows else None,
            "has_more": has_more,
        }
    )
    return _json(page)


async def retrieve_file(request: Request) -> Response:
    """``GET /openai/v1/files/{file_id}``.

    Args:
        request: The request.

    Returns:
        The `File`.
    """
    return _json(_file_model(_file_or_404(_state(request), request.path_params["file_id"])))


async def delete_file(request: Request) -> Response:
    """``DELETE /openai/v1/files/{file_id}``.

    Args:
        request: The request.

    Returns:
        A `FileDeleted` receipt.

    Raises:
        HTTPProblem: 404 for an unknown file.
    """
    file_id = request.path_params["file_id"]
    if not _state(request).store.delete_file(file_id):
        raise HTTPProblem(404, f"File {file_id} not found", code="file_not_found", param="file_id")
    return _json(FileDeleted(id=file_id, object_="file", deleted=True))


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Resolve a ``Range`` header against a file's size.

    Only single byte ranges are honoured (``bytes=N-``, ``bytes=N-M``, ``bytes=-S``). A header
    that is malformed or asks for several ranges is ignored, as RFC 9110 allows, and the whole
    file is sent.

    Args:
        header: The header's value, or None.
        size: The file's size.

    Returns:
        The inclusive ``(first, last)`` byte positions, or None for the whole file.

    Raises:
        HTTPProblem: 416 if the range starts at or past the end of the file.
    """
    if header is None:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first_text, last_text = match.groups()
    if first_text == "":
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(size - suffix, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise _unsatisfiable(size)
    return first, min(last, size - 1)


def _unsatisfiable(size: int) -> HTTPProblem:
    return HTTPProblem(
        416,
        f"Requested range not satisfiable: the file has {size} bytes",
        code="range_not_satisfiable",
        headers={"content-range": f"bytes */{size}"},
    )


async def _read_range(path: Path, first: int, last: int) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = fh.read(min(DOWNLOAD_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def _attachment(filename: str) -> str:
    """A Content-Disposition safe for any filename: an ASCII fallback plus RFC 5987 UTF-8."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def download_file(request: Request) -> Response:
    """``GET /openai/v1/files/{file_id}/content``: the bytes, streamed, honouring ``Range``.

    Args:
        request: The request.

    Returns:
        200 with the whole file, or 206 with the requested range.
    """
    state = _state(request)
    row = _file_or_404(state, request.path_params["file_id"])
    path = state.store.blob_path(row.id)
    size = path.stat().st_size
    headers = {
        "accept-ranges": "bytes",
        "content-disposition": _attachment(row.filename),
        "etag": f'"{row.id}-{size}"',
    }
    span = parse_range(request.headers.get("range"), size)
    status = 200
    first, last = 0, size - 1
    if span is not None:
        first, last = span
        status = 206
        headers["content-range"] = f"bytes {first}-{last}/{size}"
    headers["content-length"] = str(last - first + 1)
    return StreamingResponse(
        _read_range(path, first, last),
        status_code=status,
        headers=headers,
        media_type="application/octet-stream",
    )


# ------------------------------------------------------------------------------------ batches
def _require_str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None:
        raise HTTPProblem(400, f"Missing required parameter: '{name}'", param=name)
    if not isinstance(value, str):
        raise HTTPProblem(400, f"Invalid type for '{name}': expected a string", param=name)
    return value


def _json_body(raw: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object of valid Unicode."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise HTTPProblem(400, f"The request body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise HTTPProblem(400, "The request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise HTTPProblem(400, "The request body must be a JSON object")
    try:
        # A lone surrogate (a \ud800 escape without its pair) parses, but cannot be stored.
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise HTTPProblem(
            400, "The request body holds a lone surrogate, which is not valid Unicode"
        ) from None
    except RecursionError:
        raise HTTPProblem(400, "The request body is nested too deeply") from None
    return body


def _check_metadata(metadata: Any, config: ServerConfig) -> dict[str, str] | None:
    """Metadata within OpenAI's documented bounds (configurable), or a 400 naming the limit."""
    if metadata is None:
        return None
    if not (
        isinstance(metadata, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())
    ):
        raise HTTPProblem(400, "'metadata' must be an object of string values", param="metadata")
    if len(metadata) > config.max_metadata_pairs:
        raise HTTPProblem(
            400,
            f"Invalid 'metadata': {len(metadata)} pairs, more than the maximum of "
            f"{config.max_metadata_pairs}",
            code="invalid_metadata",
            param="metadata",
        )
    for key, value in metadata.items():
        if len(key) > config.max_metadata_key_chars:
            raise HTTPProblem(
                400,
                f"Invalid 'metadata': key {key[:20]!r}... has {len(key)} characters, more than "
                f"the maximum of {config.max_metadata_key_chars}",
                code="invalid_metadata",
                param="metadata",
            )
        if len(value) > config.max_metadata_value_chars:
            raise HTTPProblem(
                400,
                f"Invalid 'metadata': the value of {key!r} has {len(value)} characters, more "
                f"than the maximum of {config.max_metadata_value_chars}",
                code="invalid_metadata",
                param=f"metadata.{key}",
            )
    return metadata


async def create_batch(request: Request) -> Response:
    """``POST /openai/v1/batches``: create a batch in ``validating``.

    Args:
        request: The request.

    Returns:
        The new `Batch`.

    Raises:
        HTTPProblem: 400, 404 or 422 for an unacceptable request.
    """
    state = _state(request)
    body = _json_body(await request.body())
    input_file_id = _require_str(body, "input_file_id")
    endpoint = _require_str(body, "endpoint")
    window = _require_str(body, "completion_window")
    metadata = _check_metadata(body.get("metadata"), state.config)
    window_seconds = parse_window(window)
    if endpoint not in SUPPORTED_ENDPOINTS:
        raise HTTPProblem(
            422,
            f"Invalid value for endpoint: {endpoint!r}. "
            f"Supported values are: {', '.join(sorted(SUPPORTED_ENDPOINTS))}",
            code="invalid_endpoint",
            param="endpoint",
        )
    file = state.store.get_file(input_file_id)
    if file is None:
        raise HTTPProblem(
            404, f"File {input_file_id} not found", code="file_not_found", param="input_file_id"
        )
    if file.purpose != "batch":
        raise HTTPProblem(
            422,
            f"File {input_file_id} has purpose {file.purpose!r}; a batch input needs 'batch'",
            code="invalid_input_file",
            param="input_file_id",
        )
    now = time.time()
    created_at = int(now)
    real_window = window_seconds / state.config.time_scale
    row = BatchRow(
        seq=0,
        id=new_id("batch"),
        endpoint=endpoint,
        input_file_id=input_file_id,
        completion_window=window,
        status="validating",
        created_at=created_at,
        deadline=now + real_window,
        expires_at=created_at + max(round(real_window), 1),
        in_progress_at=None,
        finalizing_at=None,
        completed_at=None,
        failed_at=None,
        expired_at=None,
        cancelling_at=None,
        cancelled_at=None,
        output_file_id=None,
        error_file_id=None,
        total=0,
        completed=0,
        failed=0,
        errors=None,
        metadata=metadata,
    )
    state.store.insert_batch(row)
    # Answer with the batch as created (validating, counts at 0), as Groq does; re-reading it
    # could show the worker's progress on a small batch already.
    response = _json(_batch_model(row))
    state.worker.wake()
    return response


def _batch_or_404(state: ServerState, batch_id: str) -> BatchRow:
    row = state.store.get_batch(batch_id)
    if row is None:
        raise HTTPProblem(
            404, f"Batch {batch_id} not found", code="batch_not_found", param="batch_id"
        )
    return row


def _encode_cursor(batch_id: str) -> str:
    raw = json.dumps({"after": batch_id}, separators=(",", ":")).encode()
    return "cursor_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        if not cursor.startswith("cursor_"):
            raise ValueError(cursor)
        text = cursor.removeprefix("cursor_")
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        after = data["after"]
        if not isinstance(after, str):
            raise TypeError(after)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise HTTPProblem(400, "Invalid cursor", code="invalid_cursor", param="cursor") from exc
    return after


def _parse_limit(value: str | None, maximum: int = MAX_LIMIT) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= maximum:
        raise HTTPProblem(
            400, f"Invalid limit {value!r}: use an integer from 1 to {maximum}", param="limit"
        )
    return limit


async def list_batches(request: Request) -> Response:
    """``GET /openai/v1/batches``: newest first, paginated both ways, or by id.

    ``after``/``limit`` give OpenAI's ``first_id``/``last_id``/``has_more``; ``cursor`` follows
    Groq's ``paging.next_cursor``. Every page carries both, so either style works. Repeated
    ``id`` parameters (or comma-separated ids, as the official SDK sends lists) fetch those
    batches instead.

    Args:
        request: The request.

    Returns:
        A `BatchList`.

    Raises:
        HTTPProblem: 400 for a bad limit, cursor, ``after`` id, or too many ids.
    """
    state = _state(request)
    query = request.query_params
    # Every parameter is checked, even the ones a request by id does not use, so a bad value is
    # always a 400 rather than sometimes silently ignored.
    limit = _parse_limit(query.get("limit"))
    cursor = query.get("cursor")
    after = _decode_cursor(cursor) if cursor is not None else query.get("after")
    before_seq = None
    if after is not None:
        anchor = state.store.get_batch(after)
        if anchor is None:
            param = "cursor" if cursor is not None else "after"
            raise HTTPProblem(400, f"No batch {after!r} to page after", param=param)
        before_seq = anchor.seq
    raw_ids = query.getlist("id")
    ids = [part for value in raw_ids for part in value.split(",") if part]
    if max(len(raw_ids), len(ids)) > MAX_IDS:
        raise HTTPProblem(400, f"Too many ids: at most {MAX_IDS} batches per request", param="id")
    if ids:
        rows = state.store.batches_by_id(ids)
        has_more = False
    else:
        rows = state.store.list_batches(before_seq=before_seq, limit=limit + 1)
        has_more = len(rows) > limit
        rows = rows[:limit]
    first_id = rows[0].id if rows else None
    last_id = rows[-1].id if rows else None
    page = BatchList(
        object_="list",
        data=[_batch_model(r) for r in rows],
        first_id=first_id,
        last_id=last_id,
        has_more=has_more,
        paging=BatchListPaging(
            next_cursor=_encode_cursor(last_id) if has_more and last_id else None
        ),
    )
    return _json(page)


async def retrieve_batch(request: Request) -> Response:
    """``GET /openai/v1/batches/{batch_id}``.

    Args:
        request: The request.

    Returns:
        The `Batch`.
    """
    return _json(_batch_model(_batch_or_404(_state(request), request.path_params["batch_id"])))


async def cancel_batch(request: Request) -> Response:
    """``POST /openai/v1/batches/{batch_id}/cancel``: move to ``cancelling``.

    Args:
        request: The request.

    Returns:
        The `Batch`, usually in ``cancelling``.

    Raises:
        HTTPProblem: 404 for an unknown batch, 409 for one past cancelling.
    """
    state = _state(request)
    batch_id = request.path_params["batch_id"]
    try:
        row = request_cancel(state.store, batch_id)
    except CancelConflictError as exc:
        raise HTTPProblem(409, str(exc), code="batch_not_cancellable", param="batch_id") from exc
    if row is None:
        raise HTTPProblem(
            404, f"Batch {batch_id} not found", code="batch_not_found", param="batch_id"
        )
    state.worker.wake()
    return _json(_batch_model(row))


# ------------------------------------------------------------------------------------- daemon
DAEMON_PATH = "/_groq_batch/daemon"


async def daemon_status(request: Request) -> Response:
    """``GET /_groq_batch/daemon``: who this server is, so ``--local`` can trust its record.

    Args:
        request: The request.

    Returns:
        ``{"pid", "version", "data_dir", "unfinished", "idle_exit"}``.
    """
    from groq_batch_server.daemon import version

    state = _state(request)
    return JSONResponse(
        {
            "pid": os.getpid(),
            "version": version(),
            "data_dir": str(state.data_dir),
            "unfinished": len(state.store.active_batch_ids()),
            "idle_exit": state.config.idle_exit,
        }
    )


# ------------------------------------------------------------------------------------ plumbing
async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPProblem)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = f"Unknown request URL: {request.method} {request.url.path}."
        return error_response(404, message, code="unknown_url")
    if exc.status_code == 405:
        message = f"Method {request.method} is not allowed for {request.url.path}."
        return error_response(405, message, code="method_not_allowed", headers=exc.headers)
    return error_response(exc.status_code, str(exc.detail))


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client hung up mid-request (an upload it gave up on): nobody is listening, and the
    # handler's cleanup already ran, so answer quietly with nginx's "client closed" status.
    return Response(status_code=499)


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error in %s %s", request.method, request.url.path)
    return error_response(500, "Internal Server Error", code="internal_server_error")


class _AuthAndRequestId:
    """Checks the bearer key (when configured) and tags every response with ``x-request-id``."""

    def __init__(
        self, app: ASGIApp, api_key: str | None, activity: Activity, drain_timeout: float
    ) -> None:
        self.app = app
        self.expected = f"Bearer {api_key}".encode() if api_key else None
        self.activity = activity
        self.drain_timeout = drain_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == DAEMON_PATH:  # a probe is not activity: it must not delay idle exit
            await self._serve(scope, receive, send)
            return
        self.activity.begin()
        try:
            await self._serve(scope, receive, send)
        finally:
            self.activity.end()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_id("req").encode()

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message["headers"], (b"x-request-id", request_id)],
                }
            await send(message)

        if self.expected is not None:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                # The body is read before answering, since a client still sending it would see
                # a reset instead of the 401; but only while it keeps coming, as for uploads.
                drained = await self._drain(receive)
                response = error_response(
                    401,
                    "Invalid API Key" if given else "Missing API key: send Authorization: Bearer",
                    code="invalid_api_key",
                    headers=None if drained else {"connection": "close"},
                )
                await response(scope, receive, tagged_send)
                return
        await self.app(scope, receive, tagged_send)

    async def _drain(self, receive: Receive) -> bool:
        """Read the request body away; False if the client sent nothing for `drain_timeout`."""
        while True:
            try:
                message = await asyncio.wait_for(receive(), self.drain_timeout)
            except TimeoutError:
                return False
            if not message.get("more_body", False):
                return True


def build_app(state: ServerState) -> ASGIApp:
    """Build the ASGI application for a server.

    The worker starts with the application (ASGI lifespan) and stops with it.

    Args:
        state: The configuration, store, worker and fault rules.

    Returns:
        The application: rate-limit headers around fault injection around auth around the
        Starlette routes.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.worker.start()
        try:
            yield
        finally:
            state.worker.stop()
            state.store.close()

    routes = [
        route
        for prefix in PREFIXES
        for route in (
            Route(f"{prefix}/files", upload_file, methods=["POST"]),
            Route(f"{prefix}/files", list_files, methods=["GET"]),
            Route(f"{prefix}/files/{{file_id}}", retrieve_file, methods=["GET"]),
            Route(f"{prefix}/files/{{file_id}}", delete_file, methods=["DELETE"]),
            Route(f"{prefix}/files/{{file_id}}/content", download_file, methods=["GET"]),
            Route(f"{prefix}/batches", create_batch, methods=["POST"]),
            Route(f"{prefix}/batches", list_batches, methods=["GET"]),
            Route(f"{prefix}/batches/{{batch_id}}", retrieve_batch, methods=["GET"]),
            Route(f"{prefix}/batches/{{batch_id}}/cancel", cancel_batch, methods=["POST"]),
        )
    ]
    routes.append(Route(DAEMON_PATH, daemon_status, methods=["GET"]))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            HTTPProblem: _api_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _server_error,
        },
    )
    app.state.groq = state
    # Rate-limit headers go outermost, so injected faults (a 429) carry them too; their
    # `send` keeps uvicorn's transport reachable for the fault middleware's dropped connections.
    served: ASGIApp = RateLimitHeaders(
        FaultMiddleware(
            _AuthAndRequestId(
                app, state.config.api_key, state.activity, state.config.upload_timeout
            ),
            state.faults,
        ),
        load_catalog().rate_limits,
    )
    if is_loopback_host(state.config.host):
        # Out of the network's reach, but not of a browser's: refuse rebound names and other
        # sites' pages before anything else looks at the request.
        served = LoopbackOnly(served)
    return served
