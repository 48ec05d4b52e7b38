"""The retry policy: its pure decisions, and the few send-loop cases the local server cannot make.

Everything the local server's fault rules can produce (statuses, Retry-After, delays, drops, cuts,
ambiguous creates and uploads) is tested against it in `_async/test_retries_server.py` and
`test_fault_matrix.py`. What stays here needs a mock transport: `retry-after-ms`, a connection
refused and then accepted, a day-old batch, and look-ups racing other clients' batches.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable

import httpx
import pytest

from groq_batch import (
    IDEMPOTENCY_METADATA_KEY,
    Timing,
)
from groq_batch._retry import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_AFTER,
    MAX_RETRY_DELAY,
    Action,
    decide_exception,
    decide_response,
    retry_after,
    retry_delay,
)
from tests.client_support import (
    FILE,
    Sleeps,
    batch,
    body_of,
    error,
    make_client,
)

NOW = 1_750_000_000.0
REQ = httpx.Request("POST", "https://api.groq.test/openai/v1/batches")


# ------------------------------------------------------------------------------ pure policy
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0),
        ({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(httpx.Headers(headers), now=NOW) == expected
    # Any mapping will do, not only httpx's: a plain one carries the names in lower case.
    assert retry_after(headers, now=NOW) == expected


def test_retry_delay_backs_off_exponentially_and_caps() -> None:
    delays = [retry_delay(n, None, now=NOW, jitter=0.0) for n in range(8)]
    assert delays[:4] == [INITIAL_RETRY_DELAY * 2**n for n in range(4)]
    assert delays[-1] == MAX_RETRY_DELAY
    assert delays == sorted(delays)


@pytest.mark.parametrize("jitter", [0.0, 0.3, 0.999])
def test_retry_delay_jitter_only_shortens_by_up_to_a_quarter(jitter: float) -> None:
    delay = retry_delay(2, None, now=NOW, jitter=jitter)
    base = INITIAL_RETRY_DELAY * 4
    assert 0.75 * base < delay <= base
    assert delay == pytest.approx(base * (1 - 0.25 * jitter))


def test_retry_delay_honours_server_and_ignores_overlong_waits() -> None:
    assert retry_delay(0, httpx.Headers({"retry-after": "12"}), now=NOW, jitter=0.5) == 12.0
    long = retry_delay(0, httpx.Headers({"retry-after": "600"}), now=NOW, jitter=0.0)
    assert long == INITIAL_RETRY_DELAY


def test_retry_delay_honours_a_wait_of_exactly_the_longest_it_sits_through() -> None:
    # MAX_RETRY_AFTER is the longest wait honoured, not the first one refused.
    at_cap = httpx.Headers({"retry-after": str(int(MAX_RETRY_AFTER))})
    assert retry_delay(0, at_cap, now=NOW, jitter=0.0) == MAX_RETRY_AFTER
    past_cap = httpx.Headers({"retry-after-ms": str(int(MAX_RETRY_AFTER * 1000) + 1)})
    assert retry_delay(0, past_cap, now=NOW, jitter=0.0) == INITIAL_RETRY_DELAY


@pytest.mark.parametrize(
    ("exc", "idempotent", "can_recover", "expected"),
    [
        (httpx.ConnectError("refused"), False, False, Action.RETRY),
        (httpx.ConnectTimeout("slow connect"), False, False, Action.RETRY),
        (httpx.PoolTimeout("pool"), False, False, Action.RETRY),
        (httpx.ReadTimeout("slow"), True, False, Action.RETRY),
        (httpx.ReadTimeout("slow"), False, False, Action.RAISE),
        (httpx.ReadTimeout("slow"), False, True, Action.RECOVER),
        (httpx.RemoteProtocolError("dropped"), False, False, Action.RAISE),
        (httpx.RemoteProtocolError("dropped"), False, True, Action.RECOVER),
        (httpx.WriteTimeout("half sent"), False, False, Action.RAISE),
        (httpx.UnsupportedProtocol("ftp"), True, True, Action.RAISE),
    ],
)
def test_decide_exception(
    exc: httpx.TransportError, idempotent: bool, can_recover: bool, expected: Action
) -> None:
    action = decide_exception(
        exc, idempotent=idempotent, can_recover=can_recover, retries_taken=0, max_retries=2
    )
    assert action is expected


def test_decide_exception_respects_the_budget() -> None:
    exc = httpx.ConnectError("refused")
    assert (
        decide_exception(exc, idempotent=True, can_recover=False, retries_taken=2, max_retries=2)
        is Action.RAISE
    )


@pytest.mark.parametrize(
    ("status", "headers", "can_recover", "expected"),
    [
        (400, {}, False, Action.RAISE),
        (401, {}, False, Action.RAISE),
        (404, {}, False, Action.RAISE),
        (408, {}, False, Action.RETRY),
        (409, {}, False, Action.RETRY),
        (413, {}, False, Action.RAISE),
        (429, {}, False, Action.RETRY),
        (429, {}, True, Action.RETRY),
        (498, {}, True, Action.RETRY),
        (500, {}, False, Action.RETRY),
        (503, {}, True, Action.RECOVER),
        (504, {}, True, Action.RECOVER),
        (400, {"x-should-retry": "true"}, False, Action.RETRY),
        (503, {"x-should-retry": "false"}, False, Action.RAISE),
        (429, {"retry-after": "3600"}, False, Action.RETRY),  # the SDK falls back to backoff
    ],
)
def test_decide_response(
    status: int, headers: dict[str, str], can_recover: bool, expected: Action
) -> None:
    for mapping in (httpx.Headers(headers), headers):  # httpx's, and a plain lower-case one
        action = decide_response(
            status,
            mapping,
            can_recover=can_recover,
            retries_taken=0,
            max_retries=2,
        )
        assert action is expected


# ----------------------------------------------------------------------- sync send loop
def sequence(
    *steps: httpx.Response | Exception,
) -> tuple[Callable[[httpx.Request], httpx.Response], list[httpx.Request]]:
    """A handler that answers each request with the next step (raising exceptions)."""
    seen: list[httpx.Request] = []
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = queue.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    return handler, seen


def test_429_is_retried_after_the_servers_wait() -> None:
    handler, seen = sequence(
        error(429, retry_after="2"),
        error(429, **{"retry-after-ms": "150"}),
        httpx.Response(200, json=batch()),
    )
    client, sleeps = make_client(handler)
    result = client.batches.retrieve("batch_1")
    assert result.id == batch()["id"]
    assert len(seen) == 3
    assert sleeps == [2.0, 0.15]


def test_post_is_retried_when_the_connection_never_opened() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), httpx.Response(200, json=FILE))
    client, _ = make_client(handler)
    assert client.files.create(file=b"{}\n").id == FILE["id"]
    assert len(seen) == 2


# --------------------------------------------------------------- create without duplicates
def _marker(request: httpx.Request) -> str:
    return str(body_of(request)["metadata"][IDEMPOTENCY_METADATA_KEY])


def test_create_stops_looking_at_batches_older_than_the_window() -> None:
    pages: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            if not pages:
                raise httpx.ReadTimeout("lost")
            return httpx.Response(200, json=batch(id="batch_new"))
        pages.append(request)
        old = batch(id="batch_old", created_at=int(NOW) - 86400)
        return httpx.Response(
            200, json={"object": "list", "data": [old], "has_more": True, "last_id": "batch_old"}
        )

    client, _ = make_client(handler, timing=Timing(sleep=Sleeps(), time=lambda: NOW))
    assert (
        client.batches.create(
            input_file_id="f", endpoint="/v1/chat/completions", completion_window="24h"
        ).id
        == "batch_new"
    )
    assert len(pages) == 1


@pytest.mark.parametrize(
    ("clock", "other_created_at"),
    [
        # Another client's batch made in the same second as our attempt: created_at is rounded
        # down, so it is "before" the attempt started, yet well inside the look-up window.
        (NOW + 0.9, int(NOW)),
        # A batch exactly at the window's edge is still looked past, not taken as the end.
        (NOW, int(NOW) - 900),
    ],
)
def test_create_looks_past_other_recent_batches_to_find_its_own(
    clock: float, other_created_at: int
) -> None:
    posts: list[httpx.Request] = []
    created: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            created.append(
                batch(
                    id="batch_made",
                    created_at=other_created_at,
                    metadata={IDEMPOTENCY_METADATA_KEY: _marker(request)},
                )
            )
            raise httpx.ReadTimeout("answer lost")
        # Newest first: the other client's batch is listed before ours.
        other = batch(id="batch_other", created_at=other_created_at, metadata={"x": "y"})
        return httpx.Response(
            200, json={"object": "list", "data": [other, *created], "has_more": False}
        )

    client, _ = make_client(handler, timing=Timing(sleep=Sleeps(), time=lambda: clock))
    result = client.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert result.id == "batch_made"
    assert len(posts) == 1


# ---------------------------------------------------------------------- async send loop


def test_a_copy_keeps_the_clients_timing_unless_given_one() -> None:
    answers = iter([error(500), httpx.Response(200, json=FILE)] * 2)
    client, sleeps = make_client(lambda request: next(answers))
    client.copy(max_retries=1).files.info("f")
    assert sleeps == [INITIAL_RETRY_DELAY]  # the copy's retry waited on the original's sleep
    own = Sleeps()
    client.copy(timing=Timing(sleep=own, jitter=lambda: 0.0)).files.info("f")
    assert (sleeps, own) == ([INITIAL_RETRY_DELAY], [INITIAL_RETRY_DELAY])


def test_the_marker_is_counted_where_it_joins_the_metadata() -> None:
    from groq_batch.batch_requests import with_marker

    pairs = {f"k{i}": "v" for i in range(15)}
    assert len(with_marker(pairs, "gb_x")) == 16
    assert len(with_marker(pairs, None)) == 15
