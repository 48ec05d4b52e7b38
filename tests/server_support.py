"""Helpers for the local-server tests: build inputs, talk raw HTTP, wait for a status."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
MODEL = "llama-3.1-8b-instant"


def request_line(
    index: int, *, model: str = MODEL, content: str | None = None, **extra: Any
) -> dict[str, Any]:
    """One valid chat-completions input line."""
    line: dict[str, Any] = {
        "custom_id": f"request-{index}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": model,
            "messages": [{"role": "user", "content": content or f"Question number {index}?"}],
        },
    }
    line.update(extra)
    return line


def jsonl(lines: Iterable[Mapping[str, Any] | str]) -> bytes:
    """Serialise lines (dicts, or raw strings kept as-is) to JSONL bytes."""
    return b"".join(
        (line if isinstance(line, str) else json.dumps(line)).encode() + b"\n" for line in lines
    )


def multipart_upload(
    file_chunks: Iterable[bytes], *, boundary: str = "groq-batch-test-boundary"
) -> tuple[Iterator[bytes], dict[str, str]]:
    """A ``POST /files`` body (purpose ``batch``) generated lazily from the file's chunks.

    Returns the body iterator and its headers; nothing is held in memory, so tests can upload
    hundreds of megabytes.
    """
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from file_chunks
        yield f"\r\n--{boundary}--\r\n".encode()

    return body(), {"content-type": f"multipart/form-data; boundary={boundary}"}


def repeat_to(size: int, block: bytes) -> Iterator[bytes]:
    """Exactly `size` bytes, as chunks of `block`."""
    remaining = size
    while remaining:
        part = block[: min(remaining, len(block))]
        remaining -= len(part)
        yield part


def write_jsonl(path: Path, lines: Iterable[Mapping[str, Any] | str]) -> Path:
    path.write_bytes(jsonl(lines))
    return path


class Api:
    """A thin raw-HTTP client for the server, so tests see the exact wire."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=base_url + "/openai/v1", headers=headers, timeout=30)

    def close(self) -> None:
        self.http.close()

    def upload(self, content: bytes, filename: str = "input.jsonl") -> dict[str, Any]:
        response = self.http.post(
            "/files", files={"file": (filename, content)}, data={"purpose": "batch"}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def create(self, file_id: str, window: str = "24h", **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            "/batches",
            json={
                "input_file_id": file_id,
                "endpoint": "/v1/chat/completions",
                "completion_window": window,
                **extra,
            },
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def batch(self, batch_id: str) -> dict[str, Any]:
        response = self.http.get(f"/batches/{batch_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def content(self, file_id: str) -> bytes:
        response = self.http.get(f"/files/{file_id}/content")
        assert response.status_code == 200, response.text
        return response.content

    def lines(self, file_id: str | None) -> list[dict[str, Any]]:
        if file_id is None:
            return []
        return [json.loads(line) for line in self.content(file_id).splitlines()]

    def submit(self, lines: Iterable[Mapping[str, Any] | str], **extra: Any) -> dict[str, Any]:
        file = self.upload(jsonl(lines))
        return self.create(file["id"], **extra)

    def wait(
        self,
        batch_id: str,
        until: Callable[[dict[str, Any]], bool] = lambda b: b["status"] in TERMINAL,
        timeout: float = 20.0,
    ) -> dict[str, Any]:
        """Poll a batch every 20 ms until `until` holds; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            batch = self.batch(batch_id)
            if until(batch):
                return batch
            if time.monotonic() > deadline:
                raise AssertionError(f"batch never reached the expected state: {batch}")
            time.sleep(0.02)


def store_batch(store: Any, content: bytes) -> str:
    """A `validating` chat batch of ``content`` written straight into a server's `Store`.

    For the worker's tests, which drive the worker without the HTTP layer.
    """
    from groq_batch_server.ids import new_id
    from groq_batch_server.store import BatchRow, FileRow

    fd, tmp = store.new_temp_file()
    with open(fd, "wb") as fh:
        fh.write(content)
    file_id = new_id("file")
    size = store.adopt_blob(tmp, file_id)
    now = time.time()
    with store.transaction() as conn:
        store.insert_file(conn, FileRow(file_id, size, int(now), "in.jsonl", "batch"))
    batch_id = new_id("batch")
    store.insert_batch(
        BatchRow(
            0, batch_id, "/v1/chat/completions", file_id, "24h", "validating", int(now),
            now + 86400, int(now) + 86400,
            None, None, None, None, None, None, None, None, None, 0, 0, 0, None, None,
        )
    )  # fmt: skip
    return batch_id
