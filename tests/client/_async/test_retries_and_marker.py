"""Retries as the SDK does them (a long `retry-after` falls back to backoff); the create marker.

Written once for both flavours, over a mock transport.
"""

from __future__ import annotations

import json

import httpx
import pytest

from groq_batch import IDEMPOTENCY_METADATA_KEY
from groq_batch._retry import MAX_RETRY_DELAY
from tests.client_support import batch, error, make_async_client

pytestmark = pytest.mark.anyio


async def test_a_long_retry_after_is_not_waited_out_but_retried_with_backoff() -> None:
    answers = iter([error(429, retry_after="100"), httpx.Response(200, json=batch())])
    client, sleeps = make_async_client(lambda r: next(answers))
    raw = await client.batches.with_raw_response.retrieve("batch_1")
    assert raw.retries_taken == 1
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= MAX_RETRY_DELAY


async def test_a_short_retry_after_is_honoured() -> None:
    answers = iter([error(429, retry_after="3"), httpx.Response(200, json=batch())])
    client, sleeps = make_async_client(lambda r: next(answers))
    await client.batches.retrieve("batch_1")
    assert sleeps == [3.0]


async def _creates(client_options: dict[str, object], **call: object) -> dict[str, str] | None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=batch())

    client, _ = make_async_client(handler, **client_options)
    await client.batches.create(
        input_file_id="file_1",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"team": "ml"},
        **call,  # type: ignore[arg-type]
    )
    metadata = bodies[0].get("metadata")
    return metadata if isinstance(metadata, dict) else None


async def test_the_marker_is_on_by_default_and_can_be_turned_off_per_call_or_client() -> None:
    on = await _creates({})
    assert on is not None
    assert on["team"] == "ml"
    assert on[IDEMPOTENCY_METADATA_KEY].startswith("gb_")
    assert await _creates({}, idempotency_marker=False) == {"team": "ml"}
    assert await _creates({"idempotent_creates": False}) == {"team": "ml"}
    back_on = await _creates({"idempotent_creates": False}, idempotency_marker=True)
    assert back_on is not None
    assert IDEMPOTENCY_METADATA_KEY in back_on
