"""`client.files`: upload, list, inspect, delete and download files (Groq's SDK names)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from groq_batch import _flavours, _pagination
from groq_batch._async.content import AsyncBinaryContent, open_content
from groq_batch._async.pagination import AsyncPage
from groq_batch._async.response import AsyncResource, to_raw_response, to_streamed_response
from groq_batch._content import SMALL_CONTENT
from groq_batch._http import require_id
from groq_batch._models import parse_file, parse_file_deleted, parse_file_list
from groq_batch._pagination import Cursor, page_fields
from groq_batch._types import NOT_GIVEN, Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch._uploads import FileInput, Upload
from groq_batch.file_requests import (
    download_options,
    list_query,
    purpose_of,
    simple_options,
    streamed,
    upload_candidates,
    upload_options,
)
from groq_batch_api.api.files import delete_file, list_files, retrieve_file
from groq_batch_api.models import File, FileDeleted

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq

__all__ = [
    "AsyncFiles",
    "AsyncFilesWithRawResponse",
    "AsyncFilesWithStreamingResponse",
    "find_upload",
]

_T = TypeVar("_T")


class AsyncFiles(AsyncResource):
    """Upload, list, inspect, delete and download files."""

    _client: AsyncGroq

    @property
    def with_raw_response(self) -> AsyncFilesWithRawResponse:
        """These methods, each returning its own `AsyncAPIResponse` (`.headers`, `.parse()`)."""
        return AsyncFilesWithRawResponse(AsyncFiles(self._client, "raw"))

    @property
    def with_streaming_response(self) -> AsyncFilesWithStreamingResponse:
        """These methods, each a context manager over its unread response."""
        return AsyncFilesWithStreamingResponse(AsyncFiles(self._client, "stream"))

    async def create(
        self,
        *,
        file: FileInput,
        purpose: Literal["batch"] | str = "batch",
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> File:
        """Upload a JSONL file of batch requests, streaming it from disk.

        A retry never stores the file twice:
        - After a 500, 502 or 504 (the server may have stored it before failing), the client
          lists the files and looks for one with the same name and size created since this call
          began (less 15 minutes for clock skew). It downloads at most three such files and
          returns the first whose content is byte-identical to this upload. Only if none is does
          it upload again. If the look-up fails, the original error is raised.
        - A timeout or a dropped connection after the body was sent is raised, not retried: the
          file may or may not be stored (`files.list()` tells).
        - A 429, 498 or 503 (the server did not take the file) is retried as usual.
        - A file object that cannot seek is never sent twice: the failure is raised.
        The look-up cannot tell this upload from an identical file (same name and bytes)
        uploaded by anyone in that window; that file is returned in place of a new copy.

        Args:
            file: A path (`str` or `os.PathLike`), `bytes`, a binary file object, or a
                `(filename, bytes_or_file)` tuple (optionally with a media type third). A path is
                streamed, never read whole; a file object you pass stays open.
            purpose: What the file is for; only `batch` is accepted.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Extra form fields to add to the upload.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The stored file (`FileCreateResponse`).

        Raises:
            ValueError: If `purpose` is not accepted.
            TypeError: If `file` is none of the accepted kinds.
            RequestTooLargeError: If the file is larger than the server accepts.
            APIStatusError: For any other error status.
        """
        kind = purpose_of(purpose)
        transport = self._client.transport
        with Upload(file) as upload:
            opts = upload_options(upload, kind, extra_headers, extra_query, extra_body, timeout)
            since = transport.clock()

            async def recover() -> File | None:
                return await self._find_upload(upload, since)

            return await self._request(opts, parse_file, recover)  # type: ignore[no-any-return]

    async def _find_upload(self, upload: Upload, since: float) -> File | None:
        """The file an earlier attempt of this upload stored, or None if none did."""
        size, digest = await _flavours.async_to_thread(upload.digest)
        # The client's own resource: this one may answer with raw responses.
        files = self._client.files
        for candidate in upload_candidates(
            (await files.list(limit=100, order="desc")).data, upload.name, size, since
        ):
            hasher = hashlib.sha256()
            async with await files.content(candidate.id) as content:
                async for chunk in content.iter_bytes():
                    hasher.update(chunk)
            if hasher.hexdigest() == digest:
                return candidate
        return None

    def list(
        self,
        *,
        after: str | NotGiven | None = NOT_GIVEN,
        limit: int | NotGiven | None = NOT_GIVEN,
        order: Literal["asc", "desc"] | NotGiven | None = NOT_GIVEN,
        purpose: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> _pagination.AsyncPaginator[File]:
        """List the organisation's files, one page at a time.

        The result is one page (`.data`, `.first_id`, `.last_id`, `.has_more`). Iterating it
        walks every file of every page, fetching later pages only as needed.

        Args:
            after: A file id: return the files after it.
            limit: The page size.
            order: `asc` or `desc` by creation time.
            purpose: Only files with this purpose (`batch`, `batch_output`).
            extra_headers: Headers to add to each page's request.
            extra_query: Query parameters to add to each page's request.
            extra_body: Body fields to add to each page's request.
            timeout: Each page's timeout, overriding the client's.

        Returns:
            The first page (`FileListResponse`).

        Raises:
            APIStatusError: If the API answered with an error status.
        """
        query = list_query(after=after, limit=limit, order=order, purpose=purpose)

        async def fetch(cursor: dict[str, str], seen: frozenset[Cursor]) -> AsyncPage[File]:
            # A followed cursor (`after`) replaces the caller's; their extra_query wins over all.
            page_query = {**query, **cursor, **(extra_query or {})}
            opts = simple_options(
                list_files.request_kwargs(), extra_headers, page_query, extra_body, timeout
            )
            page = await self._client.transport.send(opts, parse_file_list)
            return AsyncPage(fetch=fetch, **page_fields(page, seen))

        if self._mode is not None:
            # The first page's own response; later pages are fetched as usual.
            first = simple_options(
                list_files.request_kwargs(),
                extra_headers,
                {**query, **(extra_query or {})},
                extra_body,
                timeout,
            )
            pending: Any = self._request(
                first,
                lambda r: AsyncPage(fetch=fetch, **page_fields(parse_file_list(r), frozenset())),
            )
            return pending  # type: ignore[no-any-return]
        return _flavours.async_paginate(lambda: fetch({}, frozenset()))

    async def info(
        self,
        file_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> File:
        """Retrieve a file's metadata.

        Args:
            file_id: The file's id.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The file (`FileInfoResponse`).

        Raises:
            ValueError: If `file_id` is empty.
            NotFoundError: If there is no such file.
            APIStatusError: For any other error status.
        """
        kwargs = retrieve_file.request_kwargs(require_id(file_id, "file_id"))
        return await self._simple(
            kwargs, parse_file, extra_headers, extra_query, extra_body, timeout
        )

    async def delete(
        self,
        file_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> FileDeleted:
        """Delete a file.

        Args:
            file_id: The file's id.
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The deletion receipt (`FileDeleteResponse`).

        Raises:
            ValueError: If `file_id` is empty.
            NotFoundError: If there is no such file.
            APIStatusError: For any other error status.
        """
        kwargs = delete_file.request_kwargs(require_id(file_id, "file_id"))
        return await self._simple(
            kwargs, parse_file_deleted, extra_headers, extra_query, extra_body, timeout
        )

    async def _simple(
        self,
        kwargs: dict[str, Any],
        parse: Callable[[httpx.Response], _T],
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: TimeoutTypes | NotGiven,
    ) -> _T:
        """Send an idempotent request with the per-call options, answering as the mode says."""
        opts = simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)
        return await self._request(opts, parse)  # type: ignore[no-any-return]

    async def content(
        self,
        file_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> AsyncBinaryContent:
        """Open a file's content for streaming.

        The request is sent now, so a missing file raises here; the body is read only as you
        consume it. A connection dropped mid-body is resumed with `Range`.

        Args:
            file_id: The file's id.
            extra_headers: Headers to add to each request.
            extra_query: Query parameters to add to each request.
            extra_body: Body fields to add to each request.
            timeout: Each request's timeout, overriding the client's.

        Returns:
            The content: `await .read()`, `async for` over `.iter_bytes()` or `.iter_lines()`, or
            `await .write_to_file(path)`.

        Raises:
            ValueError: If `file_id` is empty.
            NotFoundError: If there is no such file.
            APIStatusError: For any other error status.
        """
        require_id(file_id, "file_id")
        transport = self._client.transport

        async def open_(resume: dict[str, str]) -> httpx.Response:
            opts = download_options(
                file_id, resume, extra_headers, extra_query, extra_body, timeout
            )
            return await transport.send(opts, streamed)

        first = download_options(file_id, {}, extra_headers, extra_query, extra_body, timeout)
        # As the SDK's `content()` does for a small file, read it now and release the
        # connection, unless streaming was asked for. A large or unannounced body stays streamed
        # (flat memory, resumable).
        return await open_content(
            await transport.send_outcome(first),
            reopen=open_,
            max_resumes=transport.settings.max_retries,
            read_now_up_to=None if self._mode == "stream" else SMALL_CONTENT,
        )


async def find_upload(files: AsyncFiles, upload: Upload, since: float) -> File | None:
    """The file an earlier attempt of `upload` stored, or None if none did.

    What `files.create` looks for after an ambiguous failure, for a caller that lost track of an
    upload it began at `since` (the client's clock), such as a submission resumed after a crash.

    Args:
        files: The client's files resource.
        upload: The upload, open.
        since: When the first attempt began, by the client's clock.

    Returns:
        The stored file with the same name and bytes, or None.
    """
    return await files._find_upload(upload, since)


class AsyncFilesWithRawResponse:
    """`client.files.with_raw_response`: each method returns its `AsyncAPIResponse`.

    `content` returns the file's `AsyncBinaryContent`, the SDK's binary response surface.
    """

    def __init__(self, files: AsyncFiles) -> None:
        self.create = to_raw_response(files.create)
        self.list = to_raw_response(files.list)
        self.info = to_raw_response(files.info)
        self.delete = to_raw_response(files.delete)
        self.content = files.content


class AsyncFilesWithStreamingResponse:
    """`client.files.with_streaming_response`: each method is a context manager."""

    def __init__(self, files: AsyncFiles) -> None:
        self.create = to_streamed_response(to_raw_response(files.create))
        self.list = to_streamed_response(to_raw_response(files.list))
        self.info = to_streamed_response(to_raw_response(files.info))
        self.delete = to_streamed_response(to_raw_response(files.delete))
        self.content = to_streamed_response(files.content)
