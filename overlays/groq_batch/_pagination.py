"""Lazy pages over both of Groq's pagination styles.

A page holds one response's items and cursor information, and a way to fetch the next page.
Iterating a page yields its items and then, fetching on demand, the items of every later page. The
next page is found by `paging.next_cursor` (Groq's style) or `has_more` + `last_id` (OpenAI's
`after` style), whichever the server sent. Two guards keep a misbehaving server from looping the
client forever: an empty page ends the walk even if it claims more, and so does a cursor that was
already followed.

This module holds the page's fields and the decisions; fetching is written once, async, in
`_async/pagination.py`, and `_sync/pagination.py` is generated from it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from groq_batch import _flavours
from groq_batch_api.models import BatchListPaging

if TYPE_CHECKING:
    from groq_batch._async.pagination import AsyncPage as AsyncPage
    from groq_batch._sync.pagination import SyncPage as SyncPage

__all__ = ["AsyncPaginator", "BasePage", "Cursor", "next_page_params", "page_fields"]

log = logging.getLogger("groq_batch")


class HasId(Protocol):
    """What a page's items have: an id (the cursor a next page starts after)."""

    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=HasId)
Cursor = tuple[str, str]
"""A followed cursor: ("after", id) or ("cursor", token)."""


def next_page_params(
    *,
    item_ids: list[str],
    has_more: bool | None,
    last_id: str | None,
    next_cursor: str | None,
    seen: frozenset[Cursor],
) -> dict[str, str] | None:
    """The query that fetches the page after this one, or None when this is the last page.

    Args:
        item_ids: The ids of this page's items, in order.
        has_more: The page's `has_more`, or None when absent.
        last_id: The page's `last_id`, or None when absent.
        next_cursor: The page's `paging.next_cursor`, or None.
        seen: The cursors already followed to reach this page.

    Returns:
        `{"cursor": ...}` or `{"after": ...}`, or None.
    """
    if not item_ids:
        if has_more or next_cursor:
            log.warning("The API sent an empty page that claims more; stopping pagination.")
        return None
    cursor: Cursor | None = None
    if next_cursor:
        cursor = ("cursor", next_cursor)
    elif has_more:
        cursor = ("after", last_id or item_ids[-1])
    if cursor is None:
        return None
    if cursor in seen:
        log.warning("The API sent a cursor it already sent (%s=%s); stopping.", *cursor)
        return None
    return {cursor[0]: cursor[1]}


class BasePage(Generic[ItemT]):
    """The base of `SyncPage` and `AsyncPage`: a page's fields, as `BatchListResponse` has them."""

    object: str
    data: list[ItemT]
    first_id: str | None
    last_id: str | None
    has_more: bool
    paging: BatchListPaging | None

    def __init__(
        self,
        *,
        data: list[ItemT],
        first_id: str | None,
        last_id: str | None,
        has_more: bool | None,
        paging: BatchListPaging | None,
        seen: frozenset[Cursor],
        object: str = "list",
    ) -> None:
        self.object = object
        self.data = data
        self.first_id = first_id
        self.last_id = last_id
        cursor = paging.next_cursor if paging is not None else None
        self.next_cursor: str | None = cursor if isinstance(cursor, str) else None
        # Groq's cursor style sends no `has_more`: a next cursor is what "more" means there.
        self.has_more = bool(has_more) if has_more is not None else self.next_cursor is not None
        self.paging = paging
        self._seen = seen

    def next_page_params(self) -> dict[str, str] | None:
        """The query for the next page, or None on the last page.

        Returns:
            `{"cursor": ...}` or `{"after": ...}`, or None.
        """
        return next_page_params(
            item_ids=[item.id for item in self.data],
            has_more=self.has_more,
            last_id=self.last_id,
            next_cursor=self.next_cursor,
            seen=self._seen,
        )

    def has_next_page(self) -> bool:
        """Whether another page can be fetched.

        Returns:
            True when the server said there is more and the guards allow following it.
        """
        return self.next_page_params() is not None

    def _next_seen(self, params: dict[str, str]) -> frozenset[Cursor]:
        return self._seen | frozenset(params.items())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(data=<{len(self.data)} items>, first_id={self.first_id!r}, "
            f"last_id={self.last_id!r}, has_more={self.has_more!r}, "
            f"next_cursor={self.next_cursor!r})"
        )


def page_fields(page: Any, seen: frozenset[Cursor]) -> dict[str, Any]:
    """A page's fields from a parsed list response (`BatchList` or `FileList`).

    Args:
        page: The generated list model.
        seen: The cursors followed to reach it.

    Returns:
        Keyword arguments for a page.
    """
    has_more = page.has_more
    return {
        "data": page.data,
        "first_id": page.first_id or None,
        "last_id": page.last_id or None,
        "has_more": has_more if isinstance(has_more, bool) else None,
        "paging": getattr(page, "paging", None) or None,
        "seen": seen,
    }


class AsyncPaginator(Generic[ItemT]):
    """What an async `list()` returns: `await` it for the first page, or `async for` over it.

    `async for item in client.batches.list()` walks every item of every page without an
    `await`, as openai-python's `AsyncPaginator` does; `page = await client.batches.list()`
    still returns the first page. Nothing is fetched until either happens.
    """

    def __init__(self, fetch_first: Callable[[], Awaitable[AsyncPage[ItemT]]]) -> None:
        self._fetch_first = fetch_first

    def __await__(self) -> Generator[Any, None, AsyncPage[ItemT]]:
        return self._fetch_first().__await__()

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        page = await self._fetch_first()
        async for item in page:
            yield item


__getattr__ = _flavours.lazy_exports(
    __name__,
    {"AsyncPage": "groq_batch._async.pagination", "SyncPage": "groq_batch._sync.pagination"},
)
