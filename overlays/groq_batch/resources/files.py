"""`client.files`: upload, list, inspect, delete and download files (Groq's SDK names)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

import httpx

from groq_batch._content import AsyncBinaryContent, BinaryContent
from groq_batch._http import RequestOptions, build_options, require_id
from groq_batch._models import parse_file, parse_file_deleted, parse_file_list
from groq_batch._types import NOT_GIVEN, Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch._uploads import FileInput, Upload
from groq_batch_api.api.files import (
    delete_file,
    download_file,
    list_files,
    retrieve_file,
    upload_file,
)
from groq_batch_api.models import File, FileDeleted, FileList, FileUploadPurpose, FileUploadRequest
from groq_batch_api.types import UNSET

if TYPE_CHECKING:
    from groq_batch._client import AsyncGroq, Groq

__all__ = ["AsyncFiles", "Files"]

# Ask for the bytes as stored: a compressed body would make `Content-Length` and `Range` offsets
# refer to the encoding rather than to the file, and break resuming.
_DOWNLOAD_HEADERS: Final = {"Accept": "application/octet-stream", "Accept-Encoding": "identity"}


def _purpose(purpose: str) -> FileUploadPurpose:
    try:
        return FileUploadPurpose(purpose)
    except ValueError:
        allowed = ", ".join(repr(p.value) for p in FileUploadPurpose)
        raise ValueError(f"purpose must be one of {allowed}; got {purpose!r}") from None


def _upload_options(
    upload: Upload,
    purpose: FileUploadPurpose,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    body = FileUploadRequest(file=upload.part(), purpose=purpose)
    return build_options(
        upload_file._get_kwargs(body=body),
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        # A second upload after an ambiguous failure could store the file twice.
        idempotent=False,
        rewind=upload.rewind,
    )


def _download_options(
    file_id: str,
    resume: dict[str, str],
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    resume = dict(resume)
    kwargs = download_file._get_kwargs(file_id, range_=resume.pop("Range", UNSET))
    return build_options(
        kwargs,
        extra_headers={**_DOWNLOAD_HEADERS, **resume, **(extra_headers or {})},
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        idempotent=True,
        stream=True,
    )


def _simple_options(
    kwargs: dict[str, object],
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    return build_options(
        kwargs,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        idempotent=True,
    )


def _streamed(response: httpx.Response) -> httpx.Response:
    return response


class Files:
    """Upload, list, inspect, delete and download files (blocking)."""

    def __init__(self, client: Groq) -> None:
        self._client = client

    def create(
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
        kind = _purpose(purpose)
        with Upload(file) as upload:
            opts = _upload_options(upload, kind, extra_headers, extra_query, extra_body, timeout)
            return self._client._transport.send(opts, parse_file)

    def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> FileList:
        """List the organisation's files.

        Args:
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The files (`FileListResponse`), in `.data`.

        Raises:
            APIStatusError: If the API answered with an error status.
        """
        opts = _simple_options(
            list_files._get_kwargs(), extra_headers, extra_query, extra_body, timeout
        )
        return self._client._transport.send(opts, parse_file_list)

    def info(
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
        kwargs = retrieve_file._get_kwargs(require_id(file_id, "file_id"))
        opts = _simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)
        return self._client._transport.send(opts, parse_file)

    def delete(
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
        kwargs = delete_file._get_kwargs(require_id(file_id, "file_id"))
        opts = _simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)
        return self._client._transport.send(opts, parse_file_deleted)

    def content(
        self,
        file_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> BinaryContent:
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
            The content: `.read()`, `.iter_bytes()`, `.iter_lines()` or `.write_to_file(path)`.

        Raises:
            ValueError: If `file_id` is empty.
            NotFoundError: If there is no such file.
            APIStatusError: For any other error status.
        """
        require_id(file_id, "file_id")
        transport = self._client._transport

        def open_(resume: dict[str, str]) -> httpx.Response:
            opts = _download_options(
                file_id, resume, extra_headers, extra_query, extra_body, timeout
            )
            return transport.send(opts, _streamed)

        return BinaryContent(open_({}), reopen=open_, max_resumes=transport.settings.max_retries)


class AsyncFiles:
    """Upload, list, inspect, delete and download files (async)."""

    def __init__(self, client: AsyncGroq) -> None:
        self._client = client

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

        Args:
            file: A path, `bytes`, a binary file object, or a `(filename, bytes_or_file)` tuple.
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
        kind = _purpose(purpose)
        with Upload(file) as upload:
            opts = _upload_options(upload, kind, extra_headers, extra_query, extra_body, timeout)
            return await self._client._transport.send(opts, parse_file)

    async def list(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
    ) -> FileList:
        """List the organisation's files.

        Args:
            extra_headers: Headers to add to the request.
            extra_query: Query parameters to add to the request.
            extra_body: Body fields to add to the request.
            timeout: This call's timeout, overriding the client's.

        Returns:
            The files (`FileListResponse`), in `.data`.

        Raises:
            APIStatusError: If the API answered with an error status.
        """
        opts = _simple_options(
            list_files._get_kwargs(), extra_headers, extra_query, extra_body, timeout
        )
        return await self._client._transport.send(opts, parse_file_list)

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
        kwargs = retrieve_file._get_kwargs(require_id(file_id, "file_id"))
        opts = _simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)
        return await self._client._transport.send(opts, parse_file)

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
        kwargs = delete_file._get_kwargs(require_id(file_id, "file_id"))
        opts = _simple_options(kwargs, extra_headers, extra_query, extra_body, timeout)
        return await self._client._transport.send(opts, parse_file_deleted)

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
        transport = self._client._transport

        async def open_(resume: dict[str, str]) -> httpx.Response:
            opts = _download_options(
                file_id, resume, extra_headers, extra_query, extra_body, timeout
            )
            return await transport.send(opts, _streamed)

        return AsyncBinaryContent(
            await open_({}), reopen=open_, max_resumes=transport.settings.max_retries
        )
