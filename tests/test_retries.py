"""The retry policy: its pure decisions, and the send loops over a mock transport."""

from __future__ import annotations

import email.utils
import io
from collections.abc import Callable

import httpx
import pytest

from groq_batch import (
    IDEMPOTENCY_METADATA_KEY,
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    RateLimitError,
)
from groq_batch._retry import (
    INITIAL_RETRY_DELAY,
    MAX_RETRY_DELAY,
    Action,
    decide_exception,
    decide_response,
    retry_after,
    retry_delay,
)
from tests.client_support import (
    FILE,
    batch,
    body_of,
    error,
    make_async_client,
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
        (429, {"retry-after": "3600"}, False, Action.RAISE),
    ],
)
def test_decide_response(
    status: int, headers: dict[str, str], can_recover: bool, expected: Action
) -> None:
    action = decide_response(
        status,
        httpx.Headers(headers),
        can_recover=can_recover,
        retries_taken=0,
        max_retries=2,
        now=NOW,
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


def test_budget_exhausted_raises_the_last_error() -> None:
    handler, seen = sequence(error(503), error(502), error(500))
    client, sleeps = make_client(handler)
    with pytest.raises(InternalServerError) as info:
        client.batches.retrieve("batch_1")
    assert info.value.status_code == 500
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]


def test_max_retries_zero_sends_once() -> None:
    handler, seen = sequence(error(429))
    client, sleeps = make_client(handler, max_retries=0)
    with pytest.raises(RateLimitError):
        client.files.list()
    assert len(seen) == 1
    assert sleeps == []


def test_with_options_changes_the_budget() -> None:
    handler, seen = sequence(
        error(503),
        error(503),
        error(503),
        error(503),
        httpx.Response(200, json={"object": "list", "data": []}),
    )
    client, _ = make_client(handler, max_retries=0)
    assert client.with_options(max_retries=4).files.list().data == []
    assert len(seen) == 5


def test_get_is_retried_after_a_read_timeout() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"), httpx.Response(200, json=FILE))
    client, _ = make_client(handler)
    assert client.files.info("file_1").id == FILE["id"]
    assert len(seen) == 2


def test_timeouts_surface_as_api_timeout_error() -> None:
    handler, seen = sequence(*[httpx.ReadTimeout("slow")] * 3)
    client, _ = make_client(handler)
    with pytest.raises(APITimeoutError):
        client.files.info("file_1")
    assert len(seen) == 3


def test_post_is_retried_when_the_connection_never_opened() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"), httpx.Response(200, json=FILE))
    client, _ = make_client(handler)
    assert client.files.create(file=b"{}\n").id == FILE["id"]
    assert len(seen) == 2


def test_upload_is_not_retried_after_an_ambiguous_failure() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"), httpx.Response(200, json=FILE))
    client, _ = make_client(handler)
    with pytest.raises(APITimeoutError):
        client.files.create(file=b"{}\n")
    assert len(seen) == 1


def test_retried_upload_sends_the_whole_file_again() -> None:
    payload = b'{"custom_id":"a"}\n' * 5000
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return error(503) if len(bodies) == 1 else httpx.Response(200, json=FILE)

    client, _ = make_client(handler)
    stream = io.BytesIO(payload)
    client.files.create(file=("in.jsonl", stream))
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert payload in bodies[1]
    assert not stream.closed  # the caller's file object stays theirs


class _OneShot(io.RawIOBase):
    """A readable stream that cannot seek, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_upload_that_cannot_rewind_is_not_retried() -> None:
    handler, seen = sequence(error(503), httpx.Response(200, json=FILE))
    client, _ = make_client(handler)
    with pytest.raises(InternalServerError):
        client.files.create(file=("in.jsonl", _OneShot(b"{}\n")))  # type: ignore[arg-type]
    assert len(seen) == 1


# --------------------------------------------------------------- create without duplicates
def _marker(request: httpx.Request) -> str:
    return str(body_of(request)["metadata"][IDEMPOTENCY_METADATA_KEY])


def test_create_after_a_read_timeout_returns_the_batch_the_first_attempt_made() -> None:
    posts: list[httpx.Request] = []
    created: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            # The server acts, but the answer never arrives.
            created.append(
                batch(
                    id="batch_made",
                    created_at=int(NOW),
                    metadata={IDEMPOTENCY_METADATA_KEY: _marker(request)},
                )
            )
            raise httpx.ReadTimeout("answer lost")
        assert request.url.params["limit"] == "100"
        # Newest first: another client's batch made a moment later, then ours.
        other = batch(id="batch_other", created_at=int(NOW) + 1, metadata={"x": "y"})
        return httpx.Response(
            200, json={"object": "list", "data": [other, *created], "has_more": False}
        )

    client, sleeps = make_client(handler)
    client._transport.clock = lambda: NOW
    result = client.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert result.id == "batch_made"
    assert len(posts) == 1
    assert len(sleeps) == 1


def test_create_reposts_with_the_same_marker_when_no_attempt_made_a_batch() -> None:
    posts: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"object": "list", "data": [], "has_more": False})
        posts.append(request)
        if len(posts) == 1:
            raise httpx.RemoteProtocolError("dropped before acting")
        return httpx.Response(
            200, json=batch(metadata={IDEMPOTENCY_METADATA_KEY: _marker(request)})
        )

    client, _ = make_client(handler)
    client.batches.create(
        input_file_id="file_1",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"team": "a"},
    )
    assert len(posts) == 2
    assert _marker(posts[0]) == _marker(posts[1])
    assert body_of(posts[1])["metadata"]["team"] == "a"


def test_create_checks_before_reposting_after_a_gateway_error() -> None:
    posts: list[httpx.Request] = []
    lists: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            lists.append(request)
            made = batch(id="batch_made", metadata={IDEMPOTENCY_METADATA_KEY: _marker(posts[0])})
            return httpx.Response(200, json={"object": "list", "data": [made], "has_more": False})
        posts.append(request)
        return error(504)

    client, _ = make_client(handler)
    result = client.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert result.id == "batch_made"
    assert (len(posts), len(lists)) == (1, 1)


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

    client, _ = make_client(handler)
    client._transport.clock = lambda: NOW
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

    client, _ = make_client(handler)
    client._transport.clock = lambda: clock
    result = client.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert result.id == "batch_made"
    assert len(posts) == 1


def test_create_with_markers_off_raises_an_ambiguous_failure() -> None:
    handler, seen = sequence(httpx.ReadTimeout("lost"), httpx.Response(200, json=batch()))
    client, _ = make_client(handler, idempotent_creates=False)
    with pytest.raises(APITimeoutError):
        client.batches.create(
            input_file_id="f", endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert len(seen) == 1
    assert "metadata" not in body_of(seen[0])


def test_create_uses_a_callers_own_marker() -> None:
    handler, seen = sequence(httpx.Response(200, json=batch()))
    client, _ = make_client(handler)
    client.batches.create(
        input_file_id="f",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={IDEMPOTENCY_METADATA_KEY: "order-42"},
    )
    assert _marker(seen[0]) == "order-42"


def test_create_raises_the_original_failure_when_the_look_up_fails() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("lost")
        raise httpx.ConnectError("network gone")

    client, _ = make_client(handler)
    with pytest.raises(APITimeoutError) as info:
        client.batches.create(
            input_file_id="f", endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert isinstance(info.value.__cause__, APIConnectionError)


def test_cancel_after_an_ambiguous_failure_checks_the_batch() -> None:
    posts: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            raise httpx.ReadTimeout("lost")
        return httpx.Response(200, json=batch(status="cancelling"))

    client, _ = make_client(handler)
    assert client.batches.cancel("batch_1").status == "cancelling"
    assert len(posts) == 1


# ---------------------------------------------------------------------- async send loop
@pytest.mark.anyio
async def test_async_429_is_retried_after_the_servers_wait() -> None:
    handler, seen = sequence(error(429, retry_after="1"), httpx.Response(200, json=batch()))
    client, sleeps = make_async_client(handler)
    async with client:
        assert (await client.batches.retrieve("batch_1")).status == "validating"
    assert sleeps == [1.0]
    assert len(seen) == 2


@pytest.mark.anyio
async def test_async_create_after_a_read_timeout_does_not_duplicate() -> None:
    posts: list[httpx.Request] = []
    created: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            posts.append(request)
            created.append(
                batch(id="batch_made", metadata={IDEMPOTENCY_METADATA_KEY: _marker(request)})
            )
            raise httpx.ReadTimeout("answer lost")
        return httpx.Response(200, json={"object": "list", "data": created, "has_more": False})

    client, _ = make_async_client(handler)
    result = await client.batches.create(
        input_file_id="file_1", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert result.id == "batch_made"
    assert len(posts) == 1


@pytest.mark.anyio
async def test_async_upload_is_not_retried_after_an_ambiguous_failure() -> None:
    handler, seen = sequence(httpx.ReadTimeout("slow"), httpx.Response(200, json=FILE))
    client, _ = make_async_client(handler)
    with pytest.raises(APITimeoutError):
        await client.files.create(file=b"{}\n")
    assert len(seen) == 1
