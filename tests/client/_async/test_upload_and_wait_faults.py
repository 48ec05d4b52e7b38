"""Hardening of the client (issue 9), its I/O half: an ambiguous upload is never stored twice,
and `wait` outlives an outage. Against the real local server; written once for both flavours."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from groq_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncGroq,
    AsyncTiming,
    NotFoundError,
    WaitTimeoutError,
)
from groq_batch._retry import retry_delay
from tests.client_support import API_KEY, AsyncSleeps, async_pause
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio

FILES = r"/openai/v1/files$"
BATCH = r"/openai/v1/batches/batch_"


def fault(server: LocalServer, **rule: object) -> None:
    from groq_batch_server import FaultRule

    server.faults.add(FaultRule(**rule))  # type: ignore[arg-type]


def client_for(server: LocalServer, **options: object) -> tuple[AsyncGroq, AsyncSleeps]:
    sleeps = AsyncSleeps()
    options.setdefault("timing", AsyncTiming(sleep=sleeps))
    client = AsyncGroq(api_key=API_KEY, base_url=server.base_url, **options)  # type: ignore[arg-type]
    return client, sleeps


async def _upload(client: AsyncGroq) -> str:
    lines = jsonl([request_line(1), request_line(2)])
    return (await client.files.create(file=("in.jsonl", lines))).id


async def _file_ids(client: AsyncGroq) -> list[str]:
    return [f.id for f in (await client.files.list()).data]


# ------------------------------------------------------------------- an ambiguous upload
@pytest.mark.parametrize("status", [502, 504])
async def test_a_5xx_after_the_upload_was_stored_does_not_store_it_twice(
    local_server: LocalServer, status: int
) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="status", status=status, method="POST", path=FILES, after_handler=True)
    file_id = await _upload(client)
    assert await _file_ids(client) == [file_id]
    assert len(sleeps) == 1


async def test_a_read_timeout_after_the_upload_is_raised_not_sent_again(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server, timeout=0.3)
    fault(local_server, kind="delay", seconds=1.0, method="POST", path=FILES, after_handler=True)
    with pytest.raises(APITimeoutError):
        await _upload(client)
    assert len(await _file_ids(client)) == 1
    assert sleeps == []


async def test_a_503_on_an_upload_is_sent_again_without_a_look_up(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="status", status=503, method="POST", path=FILES)
    fault(local_server, kind="status", status=500, method="GET", path=FILES)  # a look-up would fail
    file_id = await _upload(client)
    assert len(sleeps) == 1
    assert await _file_ids(client) == [file_id]


async def test_a_same_name_same_size_file_with_other_bytes_is_not_taken_for_ours(
    local_server: LocalServer,
) -> None:
    client, _ = client_for(local_server)
    lines = jsonl([request_line(3), request_line(4)])
    other = (await client.files.create(file=("in.jsonl", lines))).id
    fault(local_server, kind="status", status=500, method="POST", path=FILES)
    mine = await _upload(client)
    assert mine != other
    assert sorted(await _file_ids(client)) == sorted([mine, other])


# ------------------------------------------------------------------------ wait vs an outage
async def _submitted(client: AsyncGroq) -> str:
    batch = await client.batches.create(
        input_file_id=await _upload(client),
        endpoint="/v1/chat/completions",
        completion_window="24h",
    )
    return batch.id


async def test_wait_outlives_polls_that_fail_on_the_connection(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(api_key=None)
    waits: list[float] = []

    async def pace(seconds: float) -> None:
        # Record the wait asked for; pace the polls briefly instead of waiting it out.
        waits.append(seconds)
        await async_pause(0.02)

    timing = AsyncTiming(sleep=pace, jitter=lambda: 0.0)
    client, _ = client_for(server, max_retries=1, timing=timing)
    batch_id = await _submitted(client)
    # Three polls in a row fail (each after its own retry): more than one call's budget.
    fault(server, kind="drop", times=6, method="GET", path=BATCH)
    retries: list[tuple[str, float]] = []
    done = await client.batches.job(batch_id).wait(
        on_retry=lambda exc, delay: retries.append((type(exc).__name__, delay)),
        poll_interval=0.05,
    )
    assert [b.status for b in done] == ["completed"]
    assert retries == [("APIConnectionError", 1.0), ("APIConnectionError", 2.0),
                       ("APIConnectionError", 4.0)]  # fmt: skip
    # Each failed poll used its one retry (the client's back-off), no more, then the outage wait.
    backoff = retry_delay(0, None, now=0.0, jitter=0.0)
    assert waits[:6] == [backoff, 1.0, backoff, 2.0, backoff, 4.0]


async def test_an_outage_longer_than_the_deadline_ends_in_wait_timeout(
    local_server: LocalServer,
) -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    timing = AsyncTiming(sleep=sleep, monotonic=lambda: now[0])
    client, _ = client_for(local_server, max_retries=0, timing=timing)
    batch_id = await _submitted(client)
    fault(local_server, kind="drop", times=-1, method="GET", path=BATCH)
    retries: list[float] = []
    job = client.batches.job(batch_id)
    with pytest.raises(WaitTimeoutError) as info:
        await job.wait(timeout=20, on_retry=lambda exc, d: retries.append(d))
    assert retries == [1.0, 2.0, 4.0, 8.0, 5.0]  # the last wait is trimmed to the deadline
    assert isinstance(info.value.__context__, APIConnectionError)


async def test_an_error_the_server_means_still_ends_the_wait(local_server: LocalServer) -> None:
    client, _ = client_for(local_server)
    with pytest.raises(NotFoundError):
        await client.batches.job("batch_doesnotexist").wait(on_retry=lambda exc, d: None)
