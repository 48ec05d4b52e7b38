"""A part the server refuses as too large (413) is halved and sent again (issue 11 item 4), against
the local server with a low upload limit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from groq_batch import AsyncGroq, Groq, RequestTooLargeError
from groq_batch.jsonl import BatchRequest, chat_request, dump_line
from groq_batch.sharding import DEFAULT_MAX_PART_BYTES, MIN_PART_BYTES

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


def requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(
            f"q-{i}",
            model="llama-3.1-8b-instant",
            messages=[{"role": "user", "content": f"Question {i}? " + "x" * 60}],
        )
        for i in range(n)
    ]


def test_the_default_part_size_is_groqs_200_mb() -> None:
    assert DEFAULT_MAX_PART_BYTES == 200 * 1024 * 1024


def test_a_413_part_is_halved_until_it_fits_and_every_row_comes_back_once(
    make_local_server: Callable[..., LocalServer],
) -> None:
    inputs = requests(2000)
    total = sum(len(dump_line(r)) for r in inputs)
    # Refused whole and in halves, accepted in quarters.
    server = make_local_server(api_key=None, max_upload_bytes=total // 3)
    with Groq(api_key="k", base_url=server.base_url) as client:
        job = client.batches.submit(inputs)
        assert len(job.ids) == 4
        parts = sorted(b.metadata.additional_properties["groq_batch_part"] for b in job.batches)  # type: ignore[union-attr]
        assert parts == ["1/4", "2/4", "3/4", "4/4"]
        job.wait(poll_interval=0.05)
        seen = Counter(r.custom_id for r in job.results(inputs=inputs))
    assert seen == Counter(r.custom_id for r in inputs)
    assert set(seen.values()) == {1}


def test_a_413_below_the_floor_is_raised_and_creates_no_batch(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(api_key=None, max_upload_bytes=MIN_PART_BYTES // 4)
    with Groq(api_key="k", base_url=server.base_url) as client:
        with pytest.raises(RequestTooLargeError):
            client.batches.submit(requests(2000))
        assert list(client.batches.list()) == []


@pytest.mark.anyio
async def test_the_async_submit_halves_too(make_local_server: Callable[..., LocalServer]) -> None:
    inputs = requests(2000)
    total = sum(len(dump_line(r)) for r in inputs)
    server = make_local_server(api_key=None, max_upload_bytes=total * 2 // 3)
    client = AsyncGroq(api_key="k", base_url=server.base_url)
    try:
        job = await client.batches.submit(inputs)
        assert len(job.ids) == 2
    finally:
        await client.close()
