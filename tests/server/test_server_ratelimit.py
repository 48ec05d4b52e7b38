"""Groq's x-ratelimit-* headers on every response of the local server."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from groq_batch_server import LocalServer
from groq_batch_server.catalog import load_catalog
from groq_batch_server.faults import FaultRule
from groq_batch_server.ratelimit import DAY, RequestBucket, format_duration
from tests.server_support import jsonl, request_line

HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
)
DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def _seconds(text: str) -> float:
    match = DURATION.match(text)
    assert text, text
    assert match is not None, text
    hours, minutes, seconds, millis = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-3, "0s"),
        (0.17, "170ms"),
        (0.0001, "1ms"),
        (7.66, "7.66s"),
        (179.56, "2m59.56s"),
        (60, "1m0s"),
        (3723.5, "1h2m3.5s"),
    ],
)
def test_durations_are_written_as_groq_writes_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert _seconds(text) == pytest.approx(max(seconds, 0), abs=0.001)


def test_bucket_spends_and_refills() -> None:
    now = [0.0]
    bucket = RequestBucket(86_400, clock=lambda: now[0])  # refills one request per second
    assert bucket.take() == (86_399, 1.0)
    assert bucket.take() == (86_398, 2.0)
    now[0] = 1.5
    remaining, reset = bucket.take()
    assert (remaining, reset) == (86_398, pytest.approx(1.5))
    now[0] = 10 * DAY
    assert bucket.take() == (86_399, 1.0)  # never more than full


def test_an_empty_bucket_reports_zero_and_a_full_day_at_most() -> None:
    bucket = RequestBucket(2, clock=lambda: 0.0)
    bucket.take()
    bucket.take()
    remaining, reset = bucket.take()
    assert remaining == 0
    assert reset == pytest.approx(DAY)


def test_every_response_carries_consistent_headers(local_server: LocalServer) -> None:
    limits = load_catalog().rate_limits
    with httpx.Client(base_url=f"{local_server.base_url}/openai/v1") as http:
        responses = [
            http.post(
                "/files",
                files={"file": ("in.jsonl", jsonl([request_line(0)]))},
                data={"purpose": "batch"},
            ),
            http.get("/batches"),
            http.get("/batches/batch_missing"),
            http.get("/no/such/route"),
            http.post("/batches", content=b"not json"),
        ]
    assert [r.status_code for r in responses] == [200, 200, 404, 404, 400]
    remaining = []
    for response in responses:
        assert all(name in response.headers for name in HEADERS), response.headers
        assert int(response.headers["x-ratelimit-limit-requests"]) == limits.requests_per_day
        assert int(response.headers["x-ratelimit-limit-tokens"]) == limits.tokens_per_minute
        left = int(response.headers["x-ratelimit-remaining-requests"])
        assert 0 <= left < limits.requests_per_day
        # Spending n requests leaves the bucket at most n / rate seconds short of full (the
        # header is rounded to the millisecond).
        reset = _seconds(response.headers["x-ratelimit-reset-requests"])
        assert 0 < reset <= (limits.requests_per_day - left) * DAY / limits.requests_per_day + 1e-3
        assert response.headers["x-ratelimit-remaining-tokens"] == str(limits.tokens_per_minute)
        remaining.append(left)
    assert remaining == sorted(remaining, reverse=True)


def test_an_injected_429_has_nothing_remaining_and_resets_at_retry_after(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server()
    server.faults.add(FaultRule(kind="status", status=429, retry_after="3"))
    response = httpx.get(f"{server.base_url}/openai/v1/batches")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert response.headers["x-ratelimit-reset-requests"] == "3s"
