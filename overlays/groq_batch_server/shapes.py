"""Response bodies built from stored rows through the generated models.

Every body the server sends is one of the generated models (`Batch`, `File`...), so it cannot
drift from ``spec/openapi.yaml``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from groq_batch_api.models import (
    Batch,
    BatchError,
    BatchErrors,
    BatchRequestCounts,
    BatchStatus,
    File,
    FilePurpose,
    Metadata,
)
from groq_batch_server.state import ServerState, server_state
from groq_batch_server.store import BatchRow, FileRow

__all__ = ["batch_model", "file_model", "json_response", "retrieval"]


# The Batch fields a row stores under the same name and in the wire's type (ids, the window and
# every timestamp), read from both definitions so a field added to the spec and the store is
# carried without a third list to update.
_CONVERTED = frozenset({"status", "errors", "metadata"})
_BATCH_AS_STORED = tuple(
    name
    for name in (f.name for f in attrs.fields(Batch))
    if name in {f.name for f in dataclasses.fields(BatchRow)} and name not in _CONVERTED
)


def file_model(row: FileRow) -> File:
    """The `File` body for a stored file; a purpose the spec does not name is kept as text."""
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


def batch_model(row: BatchRow) -> Batch:
    """The `Batch` body for a stored batch, its errors and counts as the spec nests them."""
    errors = (
        BatchErrors(object_="list", data=[BatchError.from_dict(e) for e in row.errors])
        if row.errors is not None
        else None
    )
    return Batch(
        object_="batch",
        status=BatchStatus(row.status),
        errors=errors,
        request_counts=BatchRequestCounts(
            total=row.total, completed=row.completed, failed=row.failed
        ),
        metadata=Metadata.from_dict(row.metadata) if row.metadata is not None else None,
        **{name: getattr(row, name) for name in _BATCH_AS_STORED},
    )


def json_response(model: Any) -> JSONResponse:
    """A 200 response whose body is a generated model.

    Args:
        model: A generated model (anything with ``to_dict``).

    Returns:
        The response.
    """
    return JSONResponse(model.to_dict())


_Row = TypeVar("_Row")


def retrieval(
    look_up: Callable[[ServerState, str], _Row], model: Callable[[_Row], Any], param: str
) -> Callable[[Request], Awaitable[Response]]:
    """The route that answers one stored object by the id in its path.

    Args:
        look_up: Finds the row, or raises the 404 (`ServerState.file`, `ServerState.batch`).
        model: Builds its body (`file_model`, `batch_model`).
        param: The path parameter that holds the id.

    Returns:
        The route.
    """

    async def retrieve(request: Request) -> Response:
        return json_response(model(look_up(server_state(request), request.path_params[param])))

    return retrieve
