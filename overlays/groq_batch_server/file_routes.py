"""The Files routes: streaming uploads, listing, retrieval, deletion and ranged downloads.

An upload over the limit is refused (413) before anything is stored, and a download honours a
single ``Range`` (206, or 416 past the end) so an interrupted client can resume. Each route
takes Starlette's `Request`; its docstring names the method and path it serves.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from groq_batch_api.models import FileDeleted, FileList
from groq_batch_server.errors import HTTPProblem
from groq_batch_server.ids import new_id
from groq_batch_server.multipart import MultipartUpload, body_chunks, drain_body, too_large
from groq_batch_server.paging import cut_page, parse_limit
from groq_batch_server.shapes import file_model, json_response, retrieval
from groq_batch_server.state import ServerState, not_found, server_state
from groq_batch_server.store import FileRow

__all__ = [
    "delete_file",
    "download_file",
    "list_files",
    "parse_range",
    "retrieve_file",
    "upload_file",
]

# Multipart framing (boundaries, part headers, the purpose field) on top of the file itself.
MULTIPART_SLACK = 64 * 1024
DOWNLOAD_CHUNK = 256 * 1024


async def upload_file(request: Request) -> Response:
    """``POST /openai/v1/files``: store an uploaded file, streaming it to disk.

    Returns:
        The stored `File`.

    Raises:
        HTTPProblem: 400 for a malformed form, 413 for a file over the limit.
    """
    state = server_state(request)
    limit = state.config.max_upload_bytes
    content_type = request.headers.get("content-type", "")
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        await drain_body(request)
        raise HTTPProblem(400, "Expected a multipart/form-data body with a boundary", param="file")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        # Refuse before storing a byte. The body is still read (and thrown away), because a
        # client that is busy writing would otherwise see a broken pipe instead of the 413.
        await drain_body(request)
        raise too_large(limit)
    upload = MultipartUpload(state.store, limit)
    try:
        parser = MultipartParser(boundary, upload.callbacks())
        # python-multipart's parse errors derive from ValueError. After one, the rest of the
        # body is still read, so the client hears the 400 rather than a broken pipe.
        malformed: ValueError | None = None
        async for chunk in body_chunks(request):
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
            raise too_large(limit)
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
    return json_response(file_model(row))


async def list_files(request: Request) -> Response:
    """``GET /openai/v1/files``: every file, newest first.

    Groq documents no parameters here and returns everything. The OpenAI SDK, though, pages
    through files with ``after``/``limit`` until ``has_more`` is false, so those are honoured
    (with ``purpose`` as a filter) and the page carries ``has_more``/``first_id``/``last_id`` as
    extra fields, which the spec's open `FileList` allows.

    Returns:
        A `FileList`.

    Raises:
        HTTPProblem: 400 for a bad ``limit`` or an unknown ``after`` id.
    """
    query = request.query_params
    rows = server_state(request).store.list_files()
    purpose = query.get("purpose")
    if purpose is not None:
        rows = [r for r in rows if r.purpose == purpose]
    after = query.get("after")
    if after is not None:
        position = next((i for i, r in enumerate(rows) if r.id == after), None)
        if position is None:
            raise HTTPProblem(400, f"No file {after!r} to page after", param="after")
        rows = rows[position + 1 :]
    given = query.get("limit")
    rows, marks = cut_page(rows, None if given is None else parse_limit(given, maximum=10_000))
    page = FileList(object_="list", data=[file_model(r) for r in rows])
    page.additional_properties.update(dataclasses.asdict(marks))
    return json_response(page)


# ``GET /openai/v1/files/{file_id}``: the `File`, or 404.
retrieve_file = retrieval(ServerState.file, file_model, "file_id")


async def delete_file(request: Request) -> Response:
    """``DELETE /openai/v1/files/{file_id}``.

    Returns:
        A `FileDeleted` receipt.

    Raises:
        HTTPProblem: 404 for an unknown file.
    """
    file_id = request.path_params["file_id"]
    if not server_state(request).store.delete_file(file_id):
        raise not_found("file", file_id, "file_id")
    return json_response(FileDeleted(id=file_id, object_="file", deleted=True))


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

    Returns:
        200 with the whole file, or 206 with the requested range.
    """
    state = server_state(request)
    row = state.file(request.path_params["file_id"])
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
