"""`client.batches`: create, retrieve, list and cancel batches.

A retried create does not make a second batch. Each logical create carries a client-generated
marker in its `metadata` under `IDEMPOTENCY_METADATA_KEY`. After an ambiguous failure (the request
may have reached the server, but no answer came back, or a gateway answered 5xx), the client waits
its backoff, looks for a batch with that marker, and returns it if an earlier attempt created it;
only if none did does it post again, with the same marker. If the look-up itself fails, or cannot
scan far enough back, the original error is raised rather than risking a duplicate.

The look-up sees what the server has stored. A server that stores the first attempt only after
the client has timed out *and* looked would still end up with two batches carrying the same
marker; the marker is what lets you find such a pair.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, Literal

from groq_batch._async_workflow import AsyncJobMethods
from groq_batch._errors import GroqError
from groq_batch._http import RequestOptions, build_options, require_id
from groq_batch._models import parse_batch, parse_batch_list
from groq_batch._pagination import AsyncPage, Cursor, SyncPage
from groq_batch._types import NOT_GIVEN, Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch._workflow import JobMethods
from groq_batch_api.api.batches import cancel_batch, create_batch, list_batches, retrieve_batch
from groq_batch_api.models import Batch, BatchList, BatchStatus, CreateBatchRequest, Metadata
from groq_batch_api.types import UNSET

if TYPE_CHECKING:
    from groq_batch._client import AsyncGroq, Groq

__all__ = ["IDEMPOTENCY_METADATA_KEY", "AsyncBatches", "Batches"]

IDEMPOTENCY_METADATA_KEY: Final = "groq_batch_idempotency_key"
"""The `metadata` key of the marker that makes `batches.create` safe to retry."""

# How far back (server `created_at`, seconds) the look-up scans before concluding that no attempt
# created the batch. Generous, to absorb clock skew between client and server.
_LOOKUP_WINDOW_SECONDS: Final = 900
_LOOKUP_PAGE_SIZE: Final = 100
_LOOKUP_MAX_PAGES: Final = 20
_CANCELLED: Final = frozenset({BatchStatus.CANCELLING, BatchStatus.CANCELLED})


class UnresolvedCreateError(GroqError):
    """The look-up after an ambiguous create could not rule out that the batch exists."""


def _create_options(
    *,
    input_file_id: str,
    endpoint: str,
    completion_window: str,
    metadata: Mapping[str, str] | NotGiven | None,
    marker: str | None,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    pairs = dict(metadata) if isinstance(metadata, Mapping) else {}
    if marker is not None:
        pairs[IDEMPOTENCY_METADATA_KEY] = marker
    body = CreateBatchRequest(
        input_file_id=require_id(input_file_id, "input_file_id"),
        endpoint=endpoint,
        completion_window=completion_window,
        metadata=Metadata.from_dict(pairs) if pairs else UNSET,
    )
    return build_options(
        create_batch._get_kwargs(body=body),
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        # Never retried blindly after an ambiguous failure: the marker look-up decides.
        idempotent=False,
    )


def _marker_for(metadata: Mapping[str, str] | NotGiven | None, enabled: bool) -> str | None:
    """The marker for one logical create: the caller's own key if given, else a fresh one."""
    if isinstance(metadata, Mapping) and IDEMPOTENCY_METADATA_KEY in metadata:
        return metadata[IDEMPOTENCY_METADATA_KEY]
    return f"gb_{uuid.uuid4().hex}" if enabled else None


def _lookup_verdict(batch: Batch, marker: str, since: float) -> Literal["match", "older", "skip"]:
    """Whether a listed batch is ours, older than any attempt could be, or neither."""
    metadata = batch.metadata
    ours = isinstance(metadata, Metadata) and metadata.additional_properties.get(
        IDEMPOTENCY_METADATA_KEY
    )
    if ours == marker:
        return "match"
    if batch.created_at < since - _LOOKUP_WINDOW_SECONDS:
        return "older"
    return "skip"


def _list_kwargs(
    after: str | NotGiven | None, limit: int | NotGiven | None, cursor: dict[str, str]
) -> dict[str, object]:
    """The generated list request; a followed cursor replaces the caller's `after`."""
    first_after = after if isinstance(after, str) and not cursor else UNSET
    return list_batches._get_kwargs(
        after=cursor.get("after", first_after),
        limit=limit if isinstance(limit, int) else UNSET,
        cursor=cursor.get("cursor", UNSET),
    )


def _page_fields(page: BatchList, seen: frozenset[Cursor]) -> dict[str, object]:
    return {
        "data": page.data,
        "first_id": page.first_id or None,
        "last_id": page.last_id or None,
        "has_more": page.has_more if isinstance(page.has_more, bool) else None,
        "paging": page.paging or None,
        "seen": seen,
    }


def _is_cancelled(batch: Batch) -> Batch | None:
    return batch if batch.status in _CANCELLED else None


class Batches(JobMethods):
    """Create, inspect, list and cancel batch jobs (blocking)."""

    def __init__(self, client: Groq) -> None:
        self._client = client

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: Literal["/v1/chat/completions"] | str,
        completion_window: Literal["24h"] | str,
        metadata: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
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
        marker = _marker_for(metadata, self._client.idempotent_creates)
        opts = _create_options(
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
        transport = self._client._transport
        if marker is None:
            return transport.send(opts, parse_batch)
        since = transport.clock()
        return transport.send(opts, parse_batch, recover=lambda: self._find(marker, since))

    def _find(self, marker: str, since: float) -> Batch | None:
        """Find the batch an earlier attempt created, or None if none did."""
        pages = self.list(limit=_LOOKUP_PAGE_SIZE).iter_pages()
        for _, page in zip(range(_LOOKUP_MAX_PAGES), pages, strict=False):
            for batch in page.data:
                verdict = _lookup_verdict(batch, marker, since)
                if verdict == "match":
                    return batch
                if verdict == "older":
                    return None
            if not page.has_next_page():
                return None
        raise UnresolvedCreateError(f"Could not rule out that batch marker {marker} exists.")

    def retrieve(
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
        kwargs = retrieve_batch._get_kwargs(require_id(batch_id, "batch_id"))
        opts = build_options(
            kwargs,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            idempotent=True,
        )
        return self._client._transport.send(opts, parse_batch)

    def list(
        self,
        *,
        after: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> SyncPage[Batch]:
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

        def fetch(cursor: dict[str, str], seen: frozenset[Cursor]) -> SyncPage[Batch]:
            opts = build_options(
                _list_kwargs(after, limit, cursor),
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                idempotent=True,
            )
            page = self._client._transport.send(opts, parse_batch_list)
            return SyncPage(fetch=fetch, **_page_fields(page, seen))

        return fetch({}, frozenset())

    def cancel(
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
        kwargs = cancel_batch._get_kwargs(require_id(batch_id, "batch_id"))
        opts = build_options(
            kwargs,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            idempotent=False,
        )
        return self._client._transport.send(
            opts, parse_batch, recover=lambda: _is_cancelled(self.retrieve(batch_id))
        )


class AsyncBatches(AsyncJobMethods):
    """Create, inspect, list and cancel batch jobs (async)."""

    def __init__(self, client: AsyncGroq) -> None:
        self._client = client

    async def create(
        self,
        *,
        input_file_id: str,
        endpoint: Literal["/v1/chat/completions"] | str,
        completion_window: Literal["24h"] | str,
        metadata: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> Batch:
        """Create a batch job from an uploaded file of requests.

        Retries never create a second batch: see `IDEMPOTENCY_METADATA_KEY`.

        Args:
            input_file_id: The uploaded file (purpose `batch`) of requests.
            endpoint: The endpoint every request runs against: `/v1/chat/completions`.
            completion_window: How long the batch may take, from `24h` to `7d`.
            metadata: Optional string pairs to attach to the batch.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The new batch (`BatchCreateResponse`).

        Raises:
            ValueError: If `input_file_id` is empty.
            APIStatusError: If the API answered with an error status.
            APIConnectionError: If no answer came and the client could not tell whether the batch
                was created.
        """
        marker = _marker_for(metadata, self._client.idempotent_creates)
        opts = _create_options(
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
        transport = self._client._transport
        if marker is None:
            return await transport.send(opts, parse_batch)
        since = transport.clock()
        return await transport.send(opts, parse_batch, recover=lambda: self._find(marker, since))

    async def _find(self, marker: str, since: float) -> Batch | None:
        """Find the batch an earlier attempt created, or None if none did."""
        pages = 0
        async for page in (await self.list(limit=_LOOKUP_PAGE_SIZE)).iter_pages():
            for batch in page.data:
                verdict = _lookup_verdict(batch, marker, since)
                if verdict == "match":
                    return batch
                if verdict == "older":
                    return None
            pages += 1
            if not page.has_next_page():
                return None
            if pages >= _LOOKUP_MAX_PAGES:
                break
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
        kwargs = retrieve_batch._get_kwargs(require_id(batch_id, "batch_id"))
        opts = build_options(
            kwargs,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            idempotent=True,
        )
        return await self._client._transport.send(opts, parse_batch)

    async def list(
        self,
        *,
        after: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncPage[Batch]:
        """List batch jobs, newest first.

        The result is one page. `async for` over it walks every batch of every page.

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
            opts = build_options(
                _list_kwargs(after, limit, cursor),
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                idempotent=True,
            )
            page = await self._client._transport.send(opts, parse_batch_list)
            return AsyncPage(fetch=fetch, **_page_fields(page, seen))

        return await fetch({}, frozenset())

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
        kwargs = cancel_batch._get_kwargs(require_id(batch_id, "batch_id"))
        opts = build_options(
            kwargs,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            idempotent=False,
        )

        async def recover() -> Batch | None:
            return _is_cancelled(await self.retrieve(batch_id))

        return await self._client._transport.send(opts, parse_batch, recover=recover)
