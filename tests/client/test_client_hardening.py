"""Hardening of the client (issue 9): the key never leaks, plain http is flagged, an ambiguous
upload is never stored twice, and `wait` outlives an outage. Against the real local server."""

from __future__ import annotations

import logging
import time
import traceback
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import anyio
import pytest

from groq_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncGroq,
    AsyncTiming,
    AuthenticationError,
    Groq,
    GroqError,
    InsecureTransportWarning,
    Timing,
    WaitTimeoutError,
)
from groq_batch._retry import retry_delay
from tests.client_support import API_KEY, AsyncSleeps, Sleeps
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

SECRETS = {
    "x-api-key": "xkey_0123456789abcdef",
    "api-key": "akey_0123456789abcdef",
    "X-Upstream-Token": "utok_0123456789abcdef",
}
COOKIE = "session=cookie_0123456789abcdef"


def fault(server: LocalServer, **rule: object) -> None:
    from groq_batch_server import FaultRule

    server.faults.add(FaultRule(**rule))  # type: ignore[arg-type]


def shown(exc: BaseException) -> str:
    """Everything a user could see of an error: str, repr and the whole chained traceback."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


def client_for(server: LocalServer, **options: object) -> tuple[Groq, Sleeps]:
    options.setdefault("api_key", API_KEY)
    sleeps = Sleeps()
    options.setdefault("timing", Timing(sleep=sleeps))
    client = Groq(base_url=server.base_url, **options)  # type: ignore[arg-type]
    return client, sleeps


# ---------------------------------------------------------------------------------- the key
@pytest.mark.parametrize("raw", [API_KEY + "\n", f"  {API_KEY}\r\n", f"\t{API_KEY} "])
def test_surrounding_whitespace_is_stripped_from_the_argument(
    local_server: LocalServer, raw: str
) -> None:
    client, _ = client_for(local_server, api_key=raw)
    assert client._transport.settings.api_key == API_KEY
    assert client.files.list().data == []


def test_surrounding_whitespace_is_stripped_from_the_environment(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", API_KEY + "\n")
    client = Groq(base_url=local_server.base_url)
    assert client._transport.settings.api_key == API_KEY
    assert client.files.list().data == []


@pytest.mark.parametrize("bad", [API_KEY[:10] + "\n" + API_KEY[10:], API_KEY[:5] + "\x00x"])
def test_a_key_with_a_control_character_inside_is_refused_without_showing_it(bad: str) -> None:
    with pytest.raises(GroqError) as info:
        Groq(api_key=bad, base_url="https://api.groq.test")
    assert "header" in str(info.value)
    for part in (bad, bad.split("\n")[0], API_KEY[5:15]):
        assert part not in shown(info.value)


@pytest.mark.parametrize("flavour", ["trailing", "plain"])
def test_an_illegal_header_value_never_shows_in_the_error(
    local_server: LocalServer, flavour: str
) -> None:
    # A caller's own header with a newline inside: httpx refuses it, quoting the value.
    key = API_KEY + "\n" if flavour == "trailing" else API_KEY
    secret = "tok_0123456789abcdef"
    client, sleeps = client_for(
        local_server, api_key=key, default_headers={"x-api-key": f"{secret}\nInjected: 1"}
    )
    with pytest.raises(APIConnectionError) as info:
        client.files.list()
    text = shown(info.value)
    assert secret not in text
    assert API_KEY not in text
    assert "x-api-key header" in str(info.value)
    assert sleeps == []  # refused locally: retrying cannot help


def test_no_secret_header_reaches_a_debug_log(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("groq_batch", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    client, _ = client_for(
        local_server, api_key=API_KEY + "\n", default_headers={**SECRETS, "Cookie": COOKIE}
    )
    client.files.list()
    fault(local_server, kind="status", status=503, times=1, method="GET", path=r"/files$")
    client.files.list()
    with pytest.raises(APIConnectionError):
        client.files.list(extra_headers={"x-api-key": SECRETS["x-api-key"] + "\n"})
    assert "HTTP request" in caplog.text  # the client's own DEBUG lines were captured
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for secret in (API_KEY, *SECRETS.values(), COOKIE, "cookie_0123456789abcdef"):
        assert secret not in caplog.text, secret


@pytest.mark.parametrize("key", [API_KEY, API_KEY + "\n"])
def test_an_auth_failure_never_shows_the_key(
    make_local_server: Callable[..., LocalServer], key: str
) -> None:
    server = make_local_server(api_key="gsk_the_server_wants_another_key")
    client, _ = client_for(server, api_key=key)
    with pytest.raises(AuthenticationError) as info:
        client.batches.retrieve("batch_x")
    assert API_KEY not in shown(info.value)
    assert API_KEY not in repr(info.value.response.request.headers)


# ------------------------------------------------------------------------------- plain http
def test_plain_http_to_another_host_warns_once_per_client() -> None:
    with pytest.warns(InsecureTransportWarning) as record:
        client = Groq(api_key=API_KEY, base_url="http://api.groq.test")
    assert len(record) == 1
    assert "api.groq.test" in str(record[0].message)
    assert API_KEY not in str(record[0].message)
    client.close()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://[::1]:8000",
        "https://api.groq.test",
        "http://127.5.5.5",
    ],
)
def test_https_and_loopback_do_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InsecureTransportWarning)
        Groq(api_key=API_KEY, base_url=url).close()
        AsyncGroq(api_key=API_KEY, base_url=url)


def test_require_https_refuses_plain_http_to_another_host(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GroqError, match="https is required"):
        Groq(api_key=API_KEY, base_url="http://api.groq.test", require_https=True)
    monkeypatch.setenv("GROQ_BATCH_REQUIRE_HTTPS", "1")
    with pytest.raises(GroqError, match="https is required") as info:
        AsyncGroq(api_key=API_KEY, base_url="http://api.groq.test")
    assert API_KEY not in shown(info.value)
    # Loopback stays allowed: the local server is plain http.
    Groq(api_key=API_KEY, base_url="http://127.0.0.1:1").close()


# ------------------------------------------------------------------- an ambiguous upload
FILES = r"/openai/v1/files$"


def _upload(client: Groq) -> str:
    return client.files.create(file=("in.jsonl", jsonl([request_line(1), request_line(2)]))).id


def test_a_5xx_after_the_upload_was_stored_does_not_store_it_twice(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="status", status=502, method="POST", path=FILES, after_handler=True)
    file_id = _upload(client)
    assert [f.id for f in client.files.list().data] == [file_id]
    assert len(sleeps) == 1


def test_a_read_timeout_after_the_upload_is_raised_not_sent_again(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server, timeout=0.3)
    fault(local_server, kind="delay", seconds=1.0, method="POST", path=FILES, after_handler=True)
    with pytest.raises(APITimeoutError):
        _upload(client)
    assert len(client.files.list().data) == 1
    assert sleeps == []


def test_a_503_on_an_upload_is_sent_again_without_a_look_up(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="status", status=503, method="POST", path=FILES)
    fault(local_server, kind="status", status=500, method="GET", path=FILES)  # a look-up would fail
    file_id = _upload(client)
    assert len(sleeps) == 1
    assert [f.id for f in client.files.list().data] == [file_id]


def test_a_same_name_same_size_file_with_other_bytes_is_not_taken_for_ours(
    local_server: LocalServer,
) -> None:
    client, _ = client_for(local_server)
    other = client.files.create(file=("in.jsonl", jsonl([request_line(3), request_line(4)]))).id
    fault(local_server, kind="status", status=500, method="POST", path=FILES)
    mine = _upload(client)
    assert mine != other
    assert sorted(f.id for f in client.files.list().data) == sorted([mine, other])


@pytest.mark.anyio
async def test_the_async_upload_recovers_too(local_server: LocalServer) -> None:
    timing = AsyncTiming(sleep=AsyncSleeps())
    client = AsyncGroq(api_key=API_KEY, base_url=local_server.base_url, timing=timing)
    fault(local_server, kind="status", status=504, method="POST", path=FILES, after_handler=True)
    stored = await client.files.create(file=("in.jsonl", jsonl([request_line(1)])))
    assert [f.id for f in (await client.files.list()).data] == [stored.id]
    await client.close()


# ------------------------------------------------------------------------ wait vs an outage
BATCH = r"/openai/v1/batches/batch_"


def _submitted(client: Groq) -> str:
    batch = client.batches.create(
        input_file_id=_upload(client), endpoint="/v1/chat/completions", completion_window="24h"
    )
    return batch.id


def test_wait_outlives_polls_that_fail_on_the_connection(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(api_key=None)
    waits: list[float] = []

    def pace(seconds: float) -> None:
        # Record the wait asked for; pace the polls briefly instead of waiting it out.
        waits.append(seconds)
        time.sleep(0.02)

    timing = Timing(sleep=pace, jitter=lambda: 0.0)
    client, _ = client_for(server, max_retries=1, timing=timing)
    batch_id = _submitted(client)
    # Three polls in a row fail (each after its own retry): more than one call's budget.
    fault(server, kind="drop", times=6, method="GET", path=BATCH)
    retries: list[tuple[str, float]] = []
    done = client.batches.job(batch_id).wait(
        on_retry=lambda exc, delay: retries.append((type(exc).__name__, delay)),
        poll_interval=0.05,
    )
    assert [b.status for b in done] == ["completed"]
    assert retries == [("APIConnectionError", 1.0), ("APIConnectionError", 2.0),
                       ("APIConnectionError", 4.0)]  # fmt: skip
    # Each failed poll used its one retry (the client's back-off), no more, then the outage wait.
    backoff = retry_delay(0, None, now=0.0, jitter=0.0)
    assert waits[:6] == [backoff, 1.0, backoff, 2.0, backoff, 4.0]


def test_an_outage_longer_than_the_deadline_ends_in_wait_timeout(local_server: LocalServer) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    client, _ = client_for(
        local_server, max_retries=0, timing=Timing(sleep=sleep, monotonic=lambda: now[0])
    )
    batch_id = _submitted(client)
    fault(local_server, kind="drop", times=-1, method="GET", path=BATCH)
    retries: list[float] = []
    with pytest.raises(WaitTimeoutError) as info:
        client.batches.job(batch_id).wait(timeout=20, on_retry=lambda exc, d: retries.append(d))
    assert retries == [1.0, 2.0, 4.0, 8.0, 5.0]  # the last wait is trimmed to the deadline
    assert isinstance(info.value.__context__, APIConnectionError)


def test_an_error_the_server_means_still_ends_the_wait(local_server: LocalServer) -> None:
    client, _ = client_for(local_server)
    from groq_batch import NotFoundError

    with pytest.raises(NotFoundError):
        client.batches.job("batch_doesnotexist").wait(on_retry=lambda exc, d: None)


@pytest.mark.anyio
async def test_async_wait_outlives_an_outage(local_server: LocalServer) -> None:
    async def pace(seconds: float) -> None:
        await anyio.sleep(0.02)

    client = AsyncGroq(
        api_key=API_KEY,
        base_url=local_server.base_url,
        max_retries=0,
        timing=AsyncTiming(sleep=pace),
    )
    file = await client.files.create(file=("in.jsonl", jsonl([request_line(1)])))
    batch = await client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    fault(local_server, kind="drop", times=2, method="GET", path=BATCH)
    retries: list[float] = []
    done = await client.batches.job(batch.id).wait(
        on_retry=lambda exc, d: retries.append(d), poll_interval=0.05
    )
    assert [b.status for b in done] == ["completed"]
    assert retries == [1.0, 2.0]
    await client.close()
