"""Retries as the SDK does them (a long `retry-after` falls back to backoff); the create marker."""

from __future__ import annotations

import json

import httpx

from groq_batch import IDEMPOTENCY_METADATA_KEY
from groq_batch._retry import MAX_RETRY_DELAY
from tests.client_support import batch, error, make_client


def test_a_long_retry_after_is_not_waited_out_but_retried_with_backoff() -> None:
    answers = iter([error(429, retry_after="100"), httpx.Response(200, json=batch())])
    client, sleeps = make_client(lambda r: next(answers))
    raw = client.batches.with_raw_response.retrieve("batch_1")
    assert raw.retries_taken == 1
    assert len(sleeps) == 1
    assert 0 < sleeps[0] <= MAX_RETRY_DELAY


def test_a_short_retry_after_is_honoured() -> None:
    answers = iter([error(429, retry_after="3"), httpx.Response(200, json=batch())])
    client, sleeps = make_client(lambda r: next(answers))
    client.batches.retrieve("batch_1")
    assert sleeps == [3.0]


def _creates(client_options: dict[str, object], **call: object) -> dict[str, str] | None:
    bodies: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=batch())

    client, _ = make_client(handler, **client_options)
    client.batches.create(
        input_file_id="file_1",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"team": "ml"},
        **call,  # type: ignore[arg-type]
    )
    metadata = bodies[0].get("metadata")
    return metadata if isinstance(metadata, dict) else None


def test_the_marker_is_on_by_default_and_can_be_turned_off_per_call_or_client() -> None:
    on = _creates({})
    assert on is not None
    assert on["team"] == "ml"
    assert on[IDEMPOTENCY_METADATA_KEY].startswith("gb_")
    assert _creates({}, idempotency_marker=False) == {"team": "ml"}
    assert _creates({"idempotent_creates": False}) == {"team": "ml"}
    back_on = _creates({"idempotent_creates": False}, idempotency_marker=True)
    assert back_on is not None
    assert IDEMPOTENCY_METADATA_KEY in back_on


def test_the_marker_is_counted_where_it_joins_the_metadata() -> None:
    from groq_batch.resources.batches import with_marker

    pairs = {f"k{i}": "v" for i in range(15)}
    assert len(with_marker(pairs, "gb_x")) == 16
    assert len(with_marker(pairs, None)) == 15
