"""Parse responses into the generated models, and normalise the shapes Groq sends two ways.

The generated `from_dict` methods trust the types they are given (they `cast`), so the checks here
make sure a response the spec does not describe raises `APIResponseValidationError` instead of
leaking a half-typed object, when the client is strict (`_strict_response_validation=True`). By
default, as in the official SDK, a response that does not fit is kept as it came: missing
required fields are None and types go unchecked; only a body that is not a JSON object, or one
the model cannot be built from at all, raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import attrs
import httpx

from groq_batch._errors import APIResponseValidationError
from groq_batch._http import STRICT_EXTENSION
from groq_batch_api.models import (
    Batch,
    BatchError,
    BatchErrors,
    BatchList,
    BatchListPaging,
    BatchRequestCounts,
    File,
    FileDeleted,
    FileList,
    Metadata,
)
from groq_batch_api.types import Unset

__all__ = [
    "normalize_batch",
    "parse_batch",
    "parse_batch_list",
    "parse_file",
    "parse_file_deleted",
    "parse_file_list",
]

_M = TypeVar("_M")

# Batch fields the spec leaves optional (the generated model defaults them to UNSET), read from
# the model so the spec stays the one list: absent on the wire becomes None, so
# `print(batch.completed_at)` shows None as it does with Groq's SDK.
_OPTIONAL: Final = tuple(f.name for f in attrs.fields(Batch) if isinstance(f.default, Unset))
_OPTIONAL_TIMESTAMPS: Final = tuple(name for name in _OPTIONAL if name.endswith("_at"))
_OPTIONAL_IDS: Final = tuple(name for name in _OPTIONAL if name.endswith("_file_id"))


class _Invalid(Exception):
    """A parsed field has a type the spec does not allow."""


def _require(value: object, kinds: type | tuple[type, ...], what: str) -> None:
    # bool is an int subclass, but a JSON `true` is never a valid count or timestamp.
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise _Invalid(f"{what} is {value!r}")
    if not isinstance(value, kinds):
        raise _Invalid(f"{what} is {value!r}")


def _optional(value: object, kinds: type | tuple[type, ...], what: str) -> Any:
    """The value with UNSET turned into None, after checking its type."""
    if value is None or isinstance(value, Unset):
        return None
    _require(value, kinds, what)
    return value


def _errors(value: object) -> BatchErrors | None:
    if value is None or isinstance(value, Unset):
        return None
    if isinstance(value, BatchErrors):
        items: list[Any] = value.data
    elif isinstance(value, list):
        # Groq's batch guide shows a bare array; the spec and SDK show `{object, data}`.
        items = value
        value = BatchErrors(data=list(value), object_="list")
    else:
        raise _Invalid(f"errors is {value!r}")
    for item in items:
        _require(item, BatchError, "errors.data item")
        _require(item.code, str, "errors.data.code")
        _require(item.message, str, "errors.data.message")
        item.param = _optional(item.param, str, "errors.data.param")
        item.line = _optional(item.line, int, "errors.data.line")
    return value


def normalize_batch(batch: Batch) -> Batch:
    """Check a parsed batch and normalise it in place to the seed's shape.

    - `errors` becomes `BatchErrors` whether the wire sent `{object, data}` or a bare array.
    - Optional fields that were absent become None.
    - Required fields must have the spec's types. An unknown `status` stays a plain string and
      unknown fields stay in `additional_properties`: neither is an error.

    Args:
        batch: The batch from `Batch.from_dict`.

    Returns:
        The same batch.

    Raises:
        _Invalid: When a field has a type the spec does not allow.
    """
    for name in ("id", "endpoint", "input_file_id", "completion_window", "status"):
        _require(getattr(batch, name), str, name)
    _require(batch.created_at, int, "created_at")
    batch.errors = _errors(batch.errors)
    for name in _OPTIONAL_TIMESTAMPS:
        setattr(batch, name, _optional(getattr(batch, name), int, name))
    for name in _OPTIONAL_IDS:
        setattr(batch, name, _optional(getattr(batch, name), str, name))
    counts = _optional(batch.request_counts, BatchRequestCounts, "request_counts")
    if counts is not None:
        for name in ("total", "completed", "failed"):
            _require(getattr(counts, name), int, f"request_counts.{name}")
    batch.request_counts = counts
    batch.metadata = _optional(batch.metadata, Metadata, "metadata")
    return batch


def _check_batch_list(page: BatchList) -> BatchList:
    _require(page.data, list, "data")
    for batch in page.data:
        normalize_batch(batch)
    page.first_id = _optional(page.first_id, str, "first_id")
    page.last_id = _optional(page.last_id, str, "last_id")
    if not isinstance(page.has_more, Unset):
        _require(page.has_more, bool, "has_more")
    paging = _optional(page.paging, BatchListPaging, "paging")
    if paging is not None:
        paging.next_cursor = _optional(paging.next_cursor, str, "paging.next_cursor")
    page.paging = paging
    return page


def _check_file(file: File) -> File:
    for name in ("id", "filename", "purpose"):
        _require(getattr(file, name), str, name)
    _require(file.bytes, int, "bytes")
    _require(file.created_at, int, "created_at")
    return file


def _check_file_list(files: FileList) -> FileList:
    _require(files.data, list, "data")
    for file in files.data:
        _check_file(file)
    return files


def _check_file_deleted(receipt: FileDeleted) -> FileDeleted:
    _require(receipt.id, str, "id")
    _require(receipt.deleted, bool, "deleted")
    return receipt


def _parse(
    response: httpx.Response,
    from_dict: Callable[[Mapping[str, Any]], _M],
    check: Callable[[_M], _M],
) -> _M:
    """Decode JSON, build the generated model and check it; any failure is a validation error."""
    try:
        data: object = response.json()
    except ValueError as exc:
        raise APIResponseValidationError(
            response, response.text, message="The API returned a body that is not JSON."
        ) from exc
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            response, data, message="The API returned JSON that is not an object."
        )
    try:
        return check(from_dict(data))
    except (KeyError, TypeError, ValueError, AttributeError, _Invalid) as exc:
        if not _is_strict(response):
            kept = _lenient(from_dict, data)
            if kept is not None:
                return kept
        detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise APIResponseValidationError(
            response,
            data,
            message=f"The API returned a response the spec does not describe: {detail}",
        ) from exc


def _is_strict(response: httpx.Response) -> bool:
    """Whether the client that sent this response's request asked for strict validation."""
    try:
        request = response.request
    except RuntimeError:  # a response built by hand, without a request: be strict
        return True
    return bool(request.extensions.get(STRICT_EXTENSION, True))


def _lenient(from_dict: Callable[[Mapping[str, Any]], _M], data: dict[str, Any]) -> _M | None:
    """The SDK's lenient parse: keep what came, missing required fields as None, types unchecked.

    Returns None when even that cannot build the model (a nested object of the wrong shape).
    """
    model = getattr(from_dict, "__self__", None)
    required: list[str] = []
    if model is not None:
        names = {attr: wire for wire, attr in getattr(model, "_WIRE_NAMES", {}).items()}
        required = [
            names.get(f.name, f.name)
            for f in attrs.fields(model)
            if f.default is attrs.NOTHING and f.init
        ]
    try:
        return from_dict({**dict.fromkeys(required), **data})
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def parse_batch(response: httpx.Response) -> Batch:
    """Parse and normalise a `Batch` response."""
    return _parse(response, Batch.from_dict, normalize_batch)


def parse_batch_list(response: httpx.Response) -> BatchList:
    """Parse a page of batches, normalising each."""
    return _parse(response, BatchList.from_dict, _check_batch_list)


def parse_file(response: httpx.Response) -> File:
    """Parse a `File` response."""
    return _parse(response, File.from_dict, _check_file)


def parse_file_list(response: httpx.Response) -> FileList:
    """Parse a list of files."""
    return _parse(response, FileList.from_dict, _check_file_list)


def parse_file_deleted(response: httpx.Response) -> FileDeleted:
    """Parse a deletion receipt."""
    return _parse(response, FileDeleted.from_dict, _check_file_deleted)
