"""What a `client.files` call sends: the requests both flavours build, under public names.

The methods are written once, async, in `_async/files.py`, and `_sync/files.py` is generated from
it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Final

import httpx

from groq_batch._errors import InvalidValueError
from groq_batch._http import RequestOptions, build_options
from groq_batch._types import Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch._uploads import Upload
from groq_batch_api.api.files import (
    download_file,
    upload_file,
)
from groq_batch_api.models import File, FileUploadPurpose, FileUploadRequest
from groq_batch_api.types import UNSET

__all__ = [
    "UPLOAD_LOOKUP_MAX",
    "UPLOAD_LOOKUP_WINDOW",
    "download_options",
    "list_query",
    "purpose_of",
    "simple_options",
    "streamed",
    "upload_candidates",
    "upload_options",
]

# Ask for the bytes as stored: a compressed body would make `Content-Length` and `Range` offsets
# refer to the encoding rather than to the file, and break resuming.
_DOWNLOAD_HEADERS: Final = {"Accept": "application/octet-stream", "Accept-Encoding": "identity"}
# After an ambiguous upload failure: how far back (server `created_at`, seconds) a stored copy
# may be, and how many same-name, same-size files are downloaded and hashed at most.
UPLOAD_LOOKUP_WINDOW: Final = 900
UPLOAD_LOOKUP_MAX: Final = 3


def purpose_of(purpose: str) -> FileUploadPurpose:
    """The upload purpose named ``purpose``; an unknown one is an `InvalidValueError`."""
    try:
        return FileUploadPurpose(purpose)
    except ValueError:
        allowed = ", ".join(repr(p.value) for p in FileUploadPurpose)
        raise InvalidValueError(f"purpose must be one of {allowed}; got {purpose!r}") from None


def upload_options(
    upload: Upload,
    purpose: FileUploadPurpose,
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    """The upload request: sent again only where the server cannot have stored the file."""
    body = FileUploadRequest(file=upload.part(), purpose=purpose)
    # A second upload after an ambiguous failure could store the file twice: not idempotent.
    kwargs = upload_file._get_kwargs(body=body)
    opts = simple_options(
        kwargs,
        extra_headers,
        extra_query,
        extra_body,
        timeout,
        idempotent=False,
        rewind=upload.rewind,
    )
    # A 500/502/504 goes through the look-up (`files.create`); a 503 says the server did not
    # take the file; a timeout or a drop after the body went out is raised, never sent again.
    return dataclasses.replace(
        opts, recover_after_exception=False, resend_statuses=frozenset({503})
    )


def download_options(
    file_id: str,
    resume: dict[str, str],
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
) -> RequestOptions:
    """The download request, streamed, asking for the stored bytes from the resume offset."""
    resume = dict(resume)
    kwargs = download_file._get_kwargs(file_id, range_=resume.pop("Range", UNSET))
    headers = {**_DOWNLOAD_HEADERS, **resume, **(extra_headers or {})}
    return simple_options(kwargs, headers, extra_query, extra_body, timeout, stream=True)


def simple_options(
    kwargs: dict[str, object],
    extra_headers: Headers | None,
    extra_query: Query | None,
    extra_body: Body | None,
    timeout: TimeoutTypes | NotGiven,
    *,
    idempotent: bool = True,
    stream: bool = False,
    rewind: Callable[[], bool] | None = None,
) -> RequestOptions:
    """A request with the per-call options merged (see `build_options`, whose keywords they are).

    The one place `client.files` and `client.batches` hand their per-call options over. A
    request is `idempotent` (sent again after an ambiguous failure) by default, as a retrieve,
    a list or a delete is; a create or an upload says False, and its look-up decides instead.
    """
    return build_options(
        kwargs,
        extra_headers=extra_headers,
        extra_query=extra_query,
        extra_body=extra_body,
        timeout=timeout,
        idempotent=idempotent,
        stream=stream,
        rewind=rewind,
    )


def upload_candidates(files: Sequence[File], name: str, size: int, since: float) -> list[File]:
    """The stored files that may be an earlier attempt of this upload, newest first.

    Same name, same size, and created no earlier than the first attempt, less a margin for the
    clock skew between client and server. Their content decides (the caller hashes them).

    Args:
        files: The files listed after the ambiguous failure.
        name: The upload's file name.
        size: The upload's size in bytes.
        since: When the first attempt started (Unix time, the client's clock).

    Returns:
        At most `UPLOAD_LOOKUP_MAX` candidates.
    """
    found = [
        f
        for f in files
        if f.filename == name and f.bytes_ == size and f.created_at >= since - UPLOAD_LOOKUP_WINDOW
    ]
    found.sort(key=lambda f: f.created_at, reverse=True)
    return found[:UPLOAD_LOOKUP_MAX]


def list_query(
    *,
    after: str | NotGiven | None,
    limit: int | NotGiven | None,
    order: str | NotGiven | None,
    purpose: str | NotGiven | None,
) -> dict[str, str]:
    """The query of a files list: only the parameters the caller gave.

    Args:
        after: A file id to list after.
        limit: The page size.
        order: `asc` or `desc`.
        purpose: A purpose to filter on.

    Returns:
        The query parameters.
    """
    given = {"after": after, "limit": limit, "order": order, "purpose": purpose}
    return {k: str(v) for k, v in given.items() if isinstance(v, str | int)}


def streamed(response: httpx.Response) -> httpx.Response:
    """The response as it is: the body stays unread for the caller to stream."""
    return response
