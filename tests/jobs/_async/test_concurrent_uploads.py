"""A split job's parts upload at most N at a time, and keep every guarantee of one at a time.

Each test counts the uploads at the real local server (`tests.jobs.upload_gate`), not by timing:
the server sees several uploads in flight at once, never more than the bound, and a refused
part leaves no uploaded part behind, including the ones that were in flight beside it.
Written once for both flavours (the sync client uploads from worker threads).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from groq_batch import AsyncGroq, InvalidValueError, RequestTooLargeError
from groq_batch.jsonl import BatchRequest, chat_request, write_jsonl
from groq_batch.sharding import DEFAULT_MAX_CONCURRENT_UPLOADS
from groq_batch_server import FaultRule, LocalServer
from tests.jobs.upload_gate import gated_server

pytestmark = pytest.mark.anyio

PARTS = 6


def requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(
            f"q-{i}",
            model="llama-3.1-8b-instant",
            messages=[{"role": "user", "content": f"Question {i}?"}],
            max_tokens=5,
        )
        for i in range(n)
    ]


def split_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    write_jsonl(requests(PARTS * 5), path)
    return path


@pytest.mark.parametrize("bound", [None, 2, 3])
async def test_parts_upload_together_but_never_more_than_the_bound(
    make_local_server: Callable[..., LocalServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    bound: int | None,
) -> None:
    limit = DEFAULT_MAX_CONCURRENT_UPLOADS if bound is None else bound
    # The gate holds the first uploads until one more than the bound is in flight (never, from
    # a client that keeps its bound) or 3 s pass: the peak it sees is the bound exactly.
    server, gate = gated_server(make_local_server, monkeypatch, hold=limit + 1)
    options = {} if bound is None else {"max_concurrent_uploads": bound}
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(split_input(tmp_path), max_lines=5, **options)  # type: ignore[arg-type]
        assert len(job.ids) == PARTS
        assert gate.peak == limit
        assert gate.seen == PARTS
        # Whatever order the uploads ended in, part k's batch is part k's file.
        for number, batch in enumerate(job.batches, start=1):
            assert batch.metadata is not None
            assert batch.metadata.additional_properties["groq_batch_part"] == f"{number}/{PARTS}"
            stored = await client.files.info(batch.input_file_id)
            assert stored.filename == f"part-{number:04d}.jsonl"


async def test_one_at_a_time_when_asked(
    make_local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, gate = gated_server(make_local_server, monkeypatch, hold=2, patience=0.2)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(
            split_input(tmp_path), max_lines=5, max_concurrent_uploads=1
        )
        assert len(job.ids) == PARTS
    assert gate.peak == 1


async def test_parts_come_back_in_order_when_the_first_upload_ends_last(
    make_local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server, gate = gated_server(make_local_server, monkeypatch, hold=3)
    # The first upload the server serves is stored, then answered late: it ends after others.
    server.faults.add(
        FaultRule(kind="delay", seconds=1.0, after_handler=True, method="POST", path=r"/files$")
    )
    inputs = requests(PARTS * 5)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(inputs, max_lines=5, max_concurrent_uploads=3)
        names = [(await client.files.info(b.input_file_id)).filename for b in job.batches]
        assert names == [f"part-{n:04d}.jsonl" for n in range(1, PARTS + 1)]
        await job.wait(poll_interval=0.05)
        results = [r async for r in job.results(inputs=inputs)]
    assert [r.custom_id for r in results if r.ok] == [r.custom_id for r in inputs]
    assert gate.peak == 3


async def test_a_part_refused_midway_leaves_no_part_behind_not_even_those_in_flight(
    make_local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Three uploads in flight together; the first the server serves is refused as too large
    # (a part this small is not halved), while the other two are stored and answered late.
    server, gate = gated_server(make_local_server, monkeypatch, hold=3)
    server.faults.add(FaultRule(kind="status", status=413, method="POST", path=r"/files$"))
    server.faults.add(
        FaultRule(
            kind="delay", seconds=1.0, after_handler=True, times=-1, method="POST", path=r"/files$"
        )
    )
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        with pytest.raises(RequestTooLargeError):
            await client.batches.submit(
                split_input(tmp_path), max_lines=5, max_concurrent_uploads=3
            )
        assert gate.peak == 3
        # The parts not yet started when the refusal came never were, and none stored is left.
        assert gate.seen < PARTS
        assert [f for f in (await client.files.list()).data if f.purpose == "batch"] == []
        assert (await client.batches.list()).data == []


async def test_the_bound_must_be_at_least_one(local_server: LocalServer, tmp_path: Path) -> None:
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as client:
        with pytest.raises(InvalidValueError, match="max_concurrent_uploads"):
            await client.batches.submit(
                split_input(tmp_path), max_lines=5, max_concurrent_uploads=0
            )
        assert (await client.files.list()).data == []
