"""`client.files`: upload, list, inspect, delete and download files (Groq's SDK names).

This module builds the requests; the methods are written once, async, in `_async/files.py`, and
`_sync/files.py` is generated from it.
"""

from __future__ import annotations

from typing import Final

import httpx

from groq_batch._http import RequestOptions, build_options
from groq_batch._types import Body, Headers, NotGiven, Query, TimeoutTypes
from groq_batch._uploads import Upload
from groq_batch_api.api.files import (
    download_file,
    upload_file,
)
from groq_batch_api.models import FileUploadPurpose, FileUploadRequest
from groq_batch_api.types import UNSET

__all__: list[str] = []

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
