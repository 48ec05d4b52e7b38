"""Pages: the ``limit`` both lists take, OpenAI's page marks, and Groq's ``cursor`` for batches.

A cursor is ``cursor_`` plus unpadded URL-safe base64 of ``{"after": <batch id>}``; anything
else given as a cursor is a 400, never a silently empty page.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Protocol, TypeVar

from groq_batch_server.errors import HTTPProblem

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "PageMarks",
    "cut_page",
    "decode_cursor",
    "encode_cursor",
    "parse_limit",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_Row = TypeVar("_Row", bound=_Identified)


@dataclass(frozen=True)
class PageMarks:
    """OpenAI's marks on a page of a list: its first and last ids, and whether more follow."""

    first_id: str | None
    last_id: str | None
    has_more: bool


def cut_page(rows: list[_Row], limit: int | None) -> tuple[list[_Row], PageMarks]:
    """The first `limit` rows, and the marks of that page.

    Args:
        rows: The candidates, in page order; fetch one more than `limit` to learn ``has_more``.
        limit: The page size, or None for every row.

    Returns:
        The page and its marks.
    """
    has_more = limit is not None and len(rows) > limit
    page = rows[:limit] if limit is not None else rows
    first_id = page[0].id if page else None
    last_id = page[-1].id if page else None
    return page, PageMarks(first_id=first_id, last_id=last_id, has_more=has_more)


def encode_cursor(batch_id: str) -> str:
    """The cursor of the page after `batch_id`.

    Args:
        batch_id: The last batch on the current page.

    Returns:
        The cursor.
    """
    raw = json.dumps({"after": batch_id}, separators=(",", ":")).encode()
    return "cursor_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The batch id a cursor pages after.

    Args:
        cursor: A cursor from `encode_cursor`.

    Returns:
        The batch id.

    Raises:
        HTTPProblem: 400 for anything `encode_cursor` could not have made.
    """
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


def parse_limit(value: str | None, maximum: int = MAX_LIMIT) -> int:
    """A page size from the ``limit`` query parameter.

    Args:
        value: The parameter, or None when absent.
        maximum: The largest page allowed.

    Returns:
        The page size (`DEFAULT_LIMIT` when absent).

    Raises:
        HTTPProblem: 400 for a value that is not an integer from 1 to `maximum`.
    """
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
