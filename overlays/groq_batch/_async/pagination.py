"""A page of a list that fetches the pages after it on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from groq_batch._errors import GroqError
from groq_batch._pagination import BasePage, Cursor, ItemT

__all__ = ["AsyncPage"]


class AsyncPage(BasePage[ItemT]):
    """One page of a list. Iterate it (`async for`) to walk every item of every page, lazily.

    Example:
        >>> page = await client.batches.list(limit=10)  # doctest: +SKIP
        >>> len(page.data)                               # this page only  # doctest: +SKIP
        >>> async for batch in page: ...                 # all pages, on demand  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        fetch: Callable[[dict[str, str], frozenset[Cursor]], Awaitable[AsyncPage[ItemT]]],
        **fields: Any,
    ) -> None:
        super().__init__(**fields)
        self._fetch = fetch

    async def get_next_page(self) -> AsyncPage[ItemT]:
        """Fetch the next page.

        Returns:
            The next page.

        Raises:
            GroqError: When there is no next page (check `has_next_page()` first).
        """
        params = self.next_page_params()
        if params is None:
            raise GroqError("There is no next page; check has_next_page() first.")
        return await self._fetch(params, self._next_seen(params))

    async def iter_pages(self) -> AsyncIterator[AsyncPage[ItemT]]:
        """Yield this page, then each later page as it is fetched.

        Yields:
            Pages, starting with this one.
        """
        page: AsyncPage[ItemT] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item
