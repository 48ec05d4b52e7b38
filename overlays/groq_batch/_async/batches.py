"""`client.batches`: create, retrieve, list and cancel batches (see `groq_batch.batch_requests`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from groq_batch import _flavours, _pagination
from groq_batch._async.pagination import AsyncPage
from groq_batch._async.response import AsyncResource, to_raw_response, to_streamed_response
from groq_batch._async.workflow import AsyncJobMethods
from groq_batch._models import parse_batch, parse_batch_list
from groq_batch._pagination import Cursor, page_fields
from groq_batch._types import NOT_GIVEN, Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch.batch_requests import (
    LOOKUP_MAX_PAGES,
    LOOKUP_PAGE_SIZE,
    UnresolvedCreateError,
    by_id_options,
    create_options,
    is_cancelled,
    list_options,
    lookup_verdict,
    marker_for,
)
from groq_batch_api.api.batches import cancel_batch, retrieve_batch
from groq_batch_api.models import Batch

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq

__all__ = ["AsyncBatches", "AsyncBatchesWithRawResponse", "AsyncBatchesWithStreamingResponse"]


class AsyncBatches(AsyncResource, AsyncJobMethods):
    """Create, inspect, list and cancel batch jobs."""

    _client: AsyncGroq

    @property
    def with_raw_response(self) -> AsyncBatchesWithRawResponse:
        """These methods, each returning its own `AsyncAPIResponse` (`.headers`, `.parse()`)."""
        return AsyncBatchesWithRawResponse(AsyncBatches(self._client, "raw"))

    @property
    def with_streaming_response(self) -> AsyncBatchesWithStreamingResponse:
        """These methods, each a context manager over its unread `AsyncAPIResponse`."""
        return AsyncBatchesWithStreamingResponse(AsyncBatches(self._client, "stream"))

    async def create(
        self,
        *,
        input_file_id: str,
        endpoint: Literal["/v1/chat/completions"] | str,
        completion_window: Literal["24h"] | str,
        metadata: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        idempotency_marker: bool | None = None,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Batch:
        """Create a batch job from an uploaded file of requests.

        Retries never create a second batch: see `IDEMPOTENCY_METADATA_KEY`. Pass your own value
        under that key in `metadata` to make a create idempotent across processes too.

        Args:
            input_file_id: The uploaded file (purpose `batch`) of requests.
            endpoint: The endpoint every request runs against: `/v1/chat/completions`.
            completion_window: How long the batch may take, from `24h` to `7d`.
            metadata: Optional string pairs to attach to the batch.
            idempotency_marker: Add the create marker (`groq_batch_idempotency_key`) to
                `metadata` so a retry after an ambiguous failure cannot create a second batch;
                None follows the client's `idempotent_creates` (on by default). Off, the call
                sends your metadata as it is, and such a failure is raised, not retried.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout in seconds or as `httpx.Timeout`, overriding the client's.

        Returns:
            The new batch (`BatchCreateResponse`), normally in status `validating`.

        Raises:
            ValueError: If `input_file_id` is empty.
            APIStatusError: If the API answered with an error status.
            APIConnectionError: If no answer came and the client could not tell whether the batch
                was created.
        """
        enabled = (
            self._client.idempotent_creates if idempotency_marker is None else idempotency_marker
        )
        marker = marker_for(metadata, enabled)
        opts = create_options(
            input_file_id=input_file_id,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=metadata,
            marker=marker,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
        )
        if marker is None:
            return await self._request(opts, parse_batch)  # type: ignore[no-any-return]
        since = self._client.transport.clock()
        found = await self._request(opts, parse_batch, lambda: self._find(marker, since))
        return found  # type: ignore[no-any-return]

    async def _find(self, marker: str, since: float) -> Batch | None:
        """Find the batch an earlier attempt created, or None if none did."""
        # The client's own resource: this one may answer with raw responses.
        page = await self._client.batches.list(limit=LOOKUP_PAGE_SIZE)
        for _ in range(LOOKUP_MAX_PAGES):
            for batch in page.data:
                verdict = lookup_verdict(batch, marker, since)
                if verdict == "match":
                    return batch
                if verdict == "older":
                    return None
            if not page.has_next_page():
                return None
            page = await page.get_next_page()
        raise UnresolvedCreateError(f"Could not rule out that batch marker {marker} exists.")

    async def retrieve(
        self,
        batch_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Batch:
        """Retrieve a batch job.

        Args:
            batch_id: The batch's id.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The batch (`BatchRetrieveResponse`).

        Raises:
            ValueError: If `batch_id` is empty.
            NotFoundError: If there is no such batch.
            APIStatusError: For any other error status.
        """
        opts = by_id_options(
            retrieve_batch._get_kwargs,
            batch_id,
            extra_headers,
            extra_query,
            extra_body,
            timeout,
            idempotent=True,
        )
        return await self._request(opts, parse_batch)  # type: ignore[no-any-return]

    def list(
        self,
        *,
        after: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> _pagination.AsyncPaginator[Batch]:
        """List batch jobs, newest first.

        The result is one page (`.data`, `.first_id`, `.last_id`, `.has_more`). Iterating it
        walks every batch of every page, fetching later pages only as needed.

        Args:
            after: A batch id: return the batches after it.
            limit: The page size, from 1 to 100 (the server's default is 20).
            extra_headers: Headers to add to each page's request.
            extra_query: Query parameters to add to each page's request.
            extra_body: Body fields to add to each page's request.
            timeout: Each page's timeout, overriding the client's.

        Returns:
            The first page (`BatchListResponse`).

        Raises:
            APIStatusError: If the API answered with an error status.
        """

        async def fetch(cursor: dict[str, str], seen: frozenset[Cursor]) -> AsyncPage[Batch]:
            opts = list_options(
                after, limit, cursor, extra_headers, extra_query, extra_body, timeout
            )
            page = await self._client._transport.send(opts, parse_batch_list)
            return AsyncPage(fetch=fetch, **page_fields(page, seen))

        if self._mode is not None:
            # The first page's own response; later pages are fetched as usual.
            first = list_options(after, limit, {}, extra_headers, extra_query, extra_body, timeout)
            pending: Any = self._request(
                first,
                lambda r: AsyncPage(fetch=fetch, **page_fields(parse_batch_list(r), frozenset())),
            )
            return pending  # type: ignore[no-any-return]
        return _flavours.async_paginate(lambda: fetch({}, frozenset()))

    async def cancel(
        self,
        batch_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Batch:
        """Ask to cancel a batch job.

        After an ambiguous failure the client checks the batch's status before asking again.

        Args:
            batch_id: The batch's id.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The batch (`BatchCancelResponse`), usually in status `cancelling`.

        Raises:
            ValueError: If `batch_id` is empty.
            NotFoundError: If there is no such batch.
            ConflictError: If the batch can no longer be cancelled.
            APIStatusError: For any other error status.
        """
        opts = by_id_options(
            cancel_batch._get_kwargs,
            batch_id,
            extra_headers,
            extra_query,
            extra_body,
            timeout,
            idempotent=False,
        )

        async def recover() -> Batch | None:
            return is_cancelled(await self._client.batches.retrieve(batch_id))

        return await self._request(opts, parse_batch, recover)  # type: ignore[no-any-return]


class AsyncBatchesWithRawResponse:
    """`client.batches.with_raw_response`: each method returns its `AsyncAPIResponse`."""

    def __init__(self, batches: AsyncBatches) -> None:
        self.create = to_raw_response(batches.create)
        self.retrieve = to_raw_response(batches.retrieve)
        self.list = to_raw_response(batches.list)
        self.cancel = to_raw_response(batches.cancel)


class AsyncBatchesWithStreamingResponse:
    """`client.batches.with_streaming_response`: each method is a context manager."""

    def __init__(self, batches: AsyncBatches) -> None:
        self.create = to_streamed_response(to_raw_response(batches.create))
        self.retrieve = to_streamed_response(to_raw_response(batches.retrieve))
        self.list = to_streamed_response(to_raw_response(batches.list))
        self.cancel = to_streamed_response(to_raw_response(batches.cancel))
