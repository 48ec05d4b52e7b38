"""Retries, Retry-After, timeouts, drops and the no-duplicate create, against the real local server.

Waits between attempts are recorded instead of slept; only the server's injected delays take
wall-clock time, and they are kept short. Written once for both flavours.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from groq_batch import (
    IDEMPOTENCY_METADATA_KEY,
    APIConnectionError,
    APITimeoutError,
    AsyncGroq,
    AsyncTiming,
    InternalServerError,
    RateLimitError,
)
from tests.client_support import API_KEY, AsyncSleeps
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

pytestmark = pytest.mark.anyio

CREATE = r"/openai/v1/batches$"


def client_for(server: LocalServer, **options: object) -> tuple[AsyncGroq, AsyncSleeps]:
    sleeps = AsyncSleeps()
    timing = AsyncTiming(sleep=sleeps)
    client = AsyncGroq(api_key=API_KEY, base_url=server.base_url, timing=timing, **options)  # type: ignore[arg-type]
    return client, sleeps


def fault(server: LocalServer, **rule: object) -> None:
    from groq_batch_server import FaultRule

    server.faults.add(FaultRule(**rule))  # type: ignore[arg-type]


async def upload(client: AsyncGroq) -> str:
    lines = jsonl([request_line(1), request_line(2)])
    return (await client.files.create(file=("in.jsonl", lines))).id


async def create(client: AsyncGroq, file_id: str) -> str:
    batch = await client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    return batch.id


async def all_batch_ids(client: AsyncGroq) -> list[str]:
    return [b.id async for b in client.batches.list(limit=100)]


async def test_429_with_retry_after_is_waited_out(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    fault(
        local_server,
        kind="status",
        status=429,
        retry_after="1",
        times=2,
        method="GET",
        path=r"/openai/v1/batches$",
    )
    assert (await client.batches.list()).data == []
    assert sleeps == [1.0, 1.0]


async def test_5xx_on_an_upload_is_retried_and_stores_one_file(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    fault(
        local_server, kind="status", status=503, times=1, method="POST", path=r"/openai/v1/files$"
    )
    stored = await client.files.create(file=("in.jsonl", jsonl([request_line(1)])))
    assert [f.id for f in (await client.files.list()).data] == [stored.id]
    assert len(sleeps) == 1


async def test_a_read_timeout_on_a_get_is_retried(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    file_id = await upload(client)
    fault(local_server, kind="delay", seconds=0.6, times=1, method="GET", path=r"/openai/v1/files/")
    assert (await client.files.info(file_id, timeout=0.2)).id == file_id
    assert len(sleeps) == 1


async def test_a_timeout_after_the_budget_raises(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server, max_retries=1, timeout=0.15)
    fault(local_server, kind="delay", seconds=0.5, times=2, method="GET", path=r"/openai/v1/files$")
    with pytest.raises(APITimeoutError):
        await client.files.list()
    assert len(sleeps) == 1


async def test_a_dropped_connection_on_a_get_is_retried(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="drop", times=1, method="GET", path=r"/openai/v1/files$")
    assert (await client.files.list()).data == []
    assert len(sleeps) == 1


async def test_timeout_after_the_server_created_the_batch_makes_no_duplicate(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server)
    file_id = await upload(client)
    fault(
        local_server,
        kind="delay",
        seconds=0.6,
        times=1,
        method="POST",
        path=CREATE,
        after_handler=True,
    )
    batch_id = (
        await client.batches.create(
            input_file_id=file_id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"job": "nightly"},
            timeout=0.2,
        )
    ).id
    assert await all_batch_ids(client) == [batch_id]
    stored = await client.batches.retrieve(batch_id)
    assert stored.metadata is not None
    assert stored.metadata["job"] == "nightly"
    assert stored.metadata[IDEMPOTENCY_METADATA_KEY].startswith("gb_")
    assert len(sleeps) == 1


@pytest.mark.parametrize("after_handler", [True, False])
async def test_a_dropped_create_makes_exactly_one_batch(
    local_server: LocalServer, after_handler: bool
) -> None:
    client, _ = client_for(local_server)
    file_id = await upload(client)
    fault(
        local_server, kind="drop", times=1, method="POST", path=CREATE, after_handler=after_handler
    )
    batch_id = await create(client, file_id)
    assert await all_batch_ids(client) == [batch_id]


async def test_a_gateway_error_after_acting_makes_no_duplicate(local_server: LocalServer) -> None:
    client, _ = client_for(local_server)
    file_id = await upload(client)
    fault(
        local_server,
        kind="status",
        status=502,
        times=1,
        method="POST",
        path=CREATE,
        after_handler=True,
    )
    batch_id = await create(client, file_id)
    assert await all_batch_ids(client) == [batch_id]


async def test_with_markers_off_an_ambiguous_create_is_raised_not_retried(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server, idempotent_creates=False)
    file_id = await upload(client)
    fault(local_server, kind="drop", times=1, method="POST", path=CREATE, after_handler=True)
    with pytest.raises(APIConnectionError):
        await create(client, file_id)
    stored = (await client.batches.list(limit=100)).data
    assert len(stored) == 1
    assert stored[0].metadata is None  # no marker was sent
    assert sleeps == []


async def test_an_ambiguous_upload_is_raised_not_repeated(local_server: LocalServer) -> None:
    client, _ = client_for(local_server)
    fault(
        local_server,
        kind="drop",
        times=1,
        method="POST",
        path=r"/openai/v1/files$",
        after_handler=True,
    )
    with pytest.raises(APIConnectionError):
        await upload(client)
    assert len((await client.files.list()).data) == 1


async def test_cancel_after_a_dropped_answer_returns_the_cancelling_batch(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # Slow requests keep the batch in progress while it is cancelled.
    server = make_local_server(request_latency=5.0)
    client, _ = client_for(server)
    batch_id = await create(client, await upload(client))
    fault(server, kind="drop", times=1, method="POST", path=r"/cancel$", after_handler=True)
    result = await client.batches.cancel(batch_id)
    assert result.id == batch_id
    assert result.status in ("cancelling", "cancelled")


async def test_max_retries_zero_sends_once(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server, max_retries=0)
    fault(local_server, kind="status", status=429, times=-1, method="GET")
    with pytest.raises(RateLimitError):
        await client.files.list()
    assert len(local_server.faults.history) == 1
    assert sleeps == []


async def test_with_options_changes_the_budget(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server, max_retries=0)
    fault(local_server, kind="status", status=503, times=4, method="GET")
    assert (await client.with_options(max_retries=4).files.list()).data == []
    assert len(local_server.faults.history) == 4
    assert len(sleeps) == 4


async def test_a_retried_upload_sends_the_whole_file_again(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    payload = jsonl([request_line(i) for i in range(2000)])
    fault(local_server, kind="status", status=503, method="POST", path=r"/openai/v1/files$")
    stream = io.BytesIO(payload)
    stored = await client.files.create(file=("in.jsonl", stream))
    assert len(sleeps) == 1
    assert await (await client.files.content(stored.id)).read() == payload
    assert [f.id for f in (await client.files.list()).data] == [stored.id]
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


async def test_an_upload_that_cannot_rewind_is_not_retried(local_server: LocalServer) -> None:
    client, sleeps = client_for(local_server)
    fault(local_server, kind="status", status=503, method="POST", path=r"/openai/v1/files$")
    with pytest.raises(InternalServerError):
        await client.files.create(file=("in.jsonl", _OneShot(jsonl([request_line(1)]))))  # type: ignore[arg-type]
    assert (await client.files.list()).data == []
    assert sleeps == []


async def test_a_create_dropped_before_acting_is_reposted_with_the_same_marker_and_metadata(
    local_server: LocalServer,
) -> None:
    client, sleeps = client_for(local_server)
    file_id = await upload(client)
    fault(local_server, kind="drop", method="POST", path=CREATE)
    batch = await client.batches.create(
        input_file_id=file_id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"team": "a"},
    )
    stored = (await client.batches.list(limit=100)).data
    assert [b.id for b in stored] == [batch.id]
    assert stored[0].metadata is not None
    assert stored[0].metadata["team"] == "a"
    assert stored[0].metadata[IDEMPOTENCY_METADATA_KEY].startswith("gb_")
    assert len(sleeps) == 1


async def test_create_uses_a_callers_own_marker(local_server: LocalServer) -> None:
    client, _ = client_for(local_server)
    batch = await client.batches.create(
        input_file_id=await upload(client),
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={IDEMPOTENCY_METADATA_KEY: "order-42"},
    )
    assert batch.metadata is not None
    assert batch.metadata[IDEMPOTENCY_METADATA_KEY] == "order-42"


async def test_create_raises_the_original_failure_when_the_look_up_fails(
    local_server: LocalServer,
) -> None:
    client, _ = client_for(local_server)
    file_id = await upload(client)
    fault(local_server, kind="delay", seconds=0.6, method="POST", path=CREATE, after_handler=True)
    fault(local_server, kind="drop", times=-1, method="GET", path=r"/openai/v1/batches$")
    with pytest.raises(APITimeoutError) as info:
        await client.batches.create(
            input_file_id=file_id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            timeout=0.2,
        )
    assert isinstance(info.value.__cause__, APIConnectionError)
