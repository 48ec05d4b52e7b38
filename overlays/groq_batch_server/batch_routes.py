"""The Batches routes: creation (with its checks), listing both ways, retrieval and cancelling.

A batch is created in ``validating`` and handed to the worker; the routes never run it. Each
route takes Starlette's `Request`; its docstring names the method and path it serves.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from groq_batch_api.models import BatchList, BatchListPaging
from groq_batch_server.catalog import load_catalog
from groq_batch_server.config import ServerConfig
from groq_batch_server.errors import HTTPProblem
from groq_batch_server.ids import new_id
from groq_batch_server.paging import cut_page, decode_cursor, encode_cursor, parse_limit
from groq_batch_server.shapes import batch_model, json_response, retrieval
from groq_batch_server.state import ServerState, not_found, server_state
from groq_batch_server.store import BatchRow
from groq_batch_server.worker import CancelConflictError, request_cancel

__all__ = [
    "SUPPORTED_ENDPOINTS",
    "cancel_batch",
    "create_batch",
    "list_batches",
    "parse_window",
    "retrieve_batch",
]

# The batch endpoints come from the model catalog (models.json), with the models.
SUPPORTED_ENDPOINTS = load_catalog().batch_endpoints
MIN_WINDOW = 24 * 3600
MAX_WINDOW = 7 * 24 * 3600
MAX_IDS = 200
_WINDOW = re.compile(r"^([0-9]+)([hd])$")


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
        raise _over(f"{len(metadata)} pairs", config.max_metadata_pairs, "metadata")
    for key, value in metadata.items():
        if len(key) > config.max_metadata_key_chars:
            raise _over(
                f"key {key[:20]!r}... has {len(key)} characters",
                config.max_metadata_key_chars,
                "metadata",
            )
        if len(value) > config.max_metadata_value_chars:
            raise _over(
                f"the value of {key!r} has {len(value)} characters",
                config.max_metadata_value_chars,
                f"metadata.{key}",
            )
    return metadata


def _over(what: str, maximum: int, param: str) -> HTTPProblem:
    """The 400 for metadata past one of its bounds."""
    return HTTPProblem(
        400,
        f"Invalid 'metadata': {what}, more than the maximum of {maximum}",
        code="invalid_metadata",
        param=param,
    )


async def create_batch(request: Request) -> Response:
    """``POST /openai/v1/batches``: create a batch in ``validating``.

    Returns:
        The new `Batch`.

    Raises:
        HTTPProblem: 400, 404 or 422 for an unacceptable request.
    """
    state = server_state(request)
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
    file = state.file(input_file_id, param="input_file_id")
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
    response = json_response(batch_model(row))
    state.worker.wake()
    return response


async def list_batches(request: Request) -> Response:
    """``GET /openai/v1/batches``: newest first, paginated both ways, or by id.

    ``after``/``limit`` give OpenAI's ``first_id``/``last_id``/``has_more``; ``cursor`` follows
    Groq's ``paging.next_cursor``. Every page carries both, so either style works. Repeated
    ``id`` parameters (or comma-separated ids, as the official SDK sends lists) fetch those
    batches instead.

    Returns:
        A `BatchList`.

    Raises:
        HTTPProblem: 400 for a bad limit, cursor, ``after`` id, or too many ids.
    """
    state = server_state(request)
    query = request.query_params
    # Every parameter is checked, even the ones a request by id does not use, so a bad value is
    # always a 400 rather than sometimes silently ignored.
    limit = parse_limit(query.get("limit"))
    cursor = query.get("cursor")
    after = decode_cursor(cursor) if cursor is not None else query.get("after")
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
        rows, marks = cut_page(state.store.batches_by_id(ids), None)
    else:
        rows, marks = cut_page(
            state.store.list_batches(before_seq=before_seq, limit=limit + 1), limit
        )
    last_id = marks.last_id
    page = BatchList(
        object_="list",
        data=[batch_model(r) for r in rows],
        first_id=marks.first_id,
        last_id=last_id,
        has_more=marks.has_more,
        paging=BatchListPaging(
            next_cursor=encode_cursor(last_id) if marks.has_more and last_id else None
        ),
    )
    return json_response(page)


# ``GET /openai/v1/batches/{batch_id}``: the `Batch`, or 404.
retrieve_batch = retrieval(ServerState.batch, batch_model, "batch_id")


async def cancel_batch(request: Request) -> Response:
    """``POST /openai/v1/batches/{batch_id}/cancel``: move to ``cancelling``.

    Returns:
        The `Batch`, usually in ``cancelling``.

    Raises:
        HTTPProblem: 404 for an unknown batch, 409 for one past cancelling.
    """
    state = server_state(request)
    batch_id = request.path_params["batch_id"]
    try:
        row = request_cancel(state.store, batch_id)
    except CancelConflictError as exc:
        raise HTTPProblem(409, str(exc), code="batch_not_cancellable", param="batch_id") from exc
    if row is None:
        raise not_found("batch", batch_id, "batch_id")
    state.worker.wake()
    return json_response(batch_model(row))
