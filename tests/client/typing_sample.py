"""Code written against the official SDK's `groq.types`, with only the import changed.

`test_typing_sample.py` runs mypy --strict on this file. It type-checks against the official SDK
too (with `groq_batch` replaced by `groq`). It is not a test module itself: it
only has to type-check (nothing calls these functions).
"""

from __future__ import annotations

from pathlib import Path

from groq_batch import AsyncGroq, Groq
from groq_batch.types import (
    BatchCancelResponse,
    BatchCreateParams,
    BatchCreateResponse,
    BatchListResponse,
    BatchRetrieveResponse,
    FileCreateParams,
    FileCreateResponse,
    FileDeleteResponse,
    FileInfoResponse,
    FileListResponse,
)


def submit(client: Groq, path: str) -> BatchCreateResponse:
    upload: FileCreateParams = {"file": Path(path), "purpose": "batch"}
    file: FileCreateResponse = client.files.create(**upload)
    assert file.id is not None  # the SDK types every File field as optional
    info: FileInfoResponse = client.files.info(file.id)
    size: int | None = info.bytes
    print(size)
    params: BatchCreateParams = {
        "input_file_id": file.id,
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    return client.batches.create(**params)


def report(client: Groq, batch_id: str) -> str | None:
    batch: BatchRetrieveResponse = client.batches.retrieve(batch_id)
    if batch.request_counts:
        done: int = batch.request_counts.completed
        print(f"{batch.id}: {batch.status} ({done}/{batch.request_counts.total})")
    if batch.status == "completed" and batch.output_file_id:
        return client.files.content(batch.output_file_id).text()
    return None


def tidy(client: Groq) -> list[str]:
    batches: BatchListResponse = client.batches.list()
    cancelled: list[BatchCancelResponse] = [
        client.batches.cancel(b.id) for b in batches.data if b.status == "in_progress"
    ]
    files: FileListResponse = client.files.list()
    gone: list[FileDeleteResponse] = [client.files.delete(f.id) for f in files.data if f.id]
    return [b.id for b in cancelled] + [d.id for d in gone if d.deleted]


def dump(batch: BatchRetrieveResponse) -> str:
    as_dict: dict[str, object] = batch.to_dict(exclude_none=True)
    print(as_dict, batch.model_dump(mode="json"))
    return batch.to_json(indent=None)


async def newest(client: AsyncGroq) -> str | None:
    page: BatchListResponse = await client.batches.list()
    first = page.data[0] if page.data else None
    return first.id if first is not None else None


def raw_headers(client: Groq, batch_id: str) -> str | None:
    raw = client.batches.with_raw_response.retrieve(batch_id)
    batch: BatchRetrieveResponse = raw.parse()
    print(batch.id, raw.http_request.url, raw.retries_taken)
    with client.files.with_streaming_response.list() as response:
        page: FileListResponse = response.parse()
        print(len(page.data))
    remaining: str | None = raw.headers.get("x-ratelimit-remaining-requests")
    return remaining
