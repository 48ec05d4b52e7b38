"""Helpers for facade tests: clients over httpx.MockTransport; waits are recorded, not slept."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from groq_batch import AsyncGroq, AsyncTiming, Groq, Timing

API_KEY = "gsk_test_0123456789abcdefghijklmnopqrstuv"
BASE_URL = "https://api.groq.test"

BATCH: dict[str, Any] = {
    "id": "batch_01jh6xa7reempvjyh6n3yst2zw",
    "object": "batch",
    "endpoint": "/v1/chat/completions",
    "errors": None,
    "input_file_id": "file_01jh6x76wtemjr74t1fh0faj5t",
    "completion_window": "24h",
    "status": "validating",
    "output_file_id": None,
    "error_file_id": None,
    "created_at": 1736472600,
    "in_progress_at": None,
    "expires_at": 1736559000,
    "request_counts": {"total": 0, "completed": 0, "failed": 0},
    "metadata": None,
}
FILE: dict[str, Any] = {
    "id": "file_01jh6x76wtemjr74t1fh0faj5t",
    "object": "file",
    "bytes": 966,
    "created_at": 1736472501,
    "filename": "batch_file.jsonl",
    "purpose": "batch",
}

Handler = Callable[[httpx.Request], httpx.Response]


def batch(**overrides: Any) -> dict[str, Any]:
    return {**BATCH, **overrides}


def error(status: int, message: str = "boom", **headers: str) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error"}}
    return httpx.Response(
        status, json=body, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)


class Sleeps(list[float]):
    """Records each wait instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class AsyncSleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(handler: Handler, **options: Any) -> tuple[Groq, Sleeps]:
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", BASE_URL)
    sleeps = Sleeps()
    options.setdefault("timing", Timing(sleep=sleeps, jitter=lambda: 0.0))
    client = Groq(http_client=httpx.Client(transport=httpx.MockTransport(handler)), **options)
    return client, sleeps


def make_async_client(handler: Handler, **options: Any) -> tuple[AsyncGroq, AsyncSleeps]:
    options.setdefault("api_key", API_KEY)
    options.setdefault("base_url", BASE_URL)
    sleeps = AsyncSleeps()
    options.setdefault("timing", AsyncTiming(sleep=sleeps, jitter=lambda: 0.0))
    client = AsyncGroq(
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), **options
    )
    return client, sleeps


def no_wait(seconds: float) -> None:
    """A sleep that returns at once, for clients whose waits a test does not look at."""


async def async_no_wait(seconds: float) -> None:
    """The async flavour's `no_wait`."""


def pause(seconds: float) -> None:
    """Let real time pass between polls of a condition (never as a synchronisation)."""
    time.sleep(seconds)


async def async_pause(seconds: float) -> None:
    """The async flavour's `pause`."""
    await anyio.sleep(seconds)
