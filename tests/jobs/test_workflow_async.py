"""The async twins of the job helpers, against the real local server."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from groq_batch import AsyncBatchJob, AsyncGroq, BatchNotFinishedError
from groq_batch._workflow_core import PARENT_KEY, UploadProgress
from groq_batch.jsonl import BatchRequest, chat_request, write_jsonl
from groq_batch.results import Outcome
from groq_batch_server import FaultRule, LocalServer

pytestmark = pytest.mark.anyio


def requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(
            f"a-{i}", model="llama-3.1-8b-instant", messages=[{"role": "user", "content": f"Q{i}"}]
        )
        for i in range(n)
    ]


async def test_async_job_end_to_end(local_server: LocalServer, tmp_path: Path) -> None:
    inputs = requests(120)
    path = tmp_path / "in.jsonl"
    write_jsonl(inputs, path)
    progress: list[UploadProgress] = []
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as client:
        job = await client.batches.submit(path, max_lines=50, on_progress=progress.append)
        assert isinstance(job, AsyncBatchJob)
        assert len(job.ids) == 3
        assert {p.part for p in progress} == {1, 2, 3}
        seen: list[int] = []
        final = await client.batches.wait(
            job, poll_interval=0.05, on_update=lambda bs: seen.append(len(bs))
        )
        assert [b.status for b in final] == ["completed"] * 3
        assert seen[-1] == 3
        results = [r async for r in client.batches.results(job)]
        assert Counter(r.custom_id for r in results) == Counter(r.custom_id for r in inputs)
        assert all(r.ok and r.request is not None for r in results)

        local_server.faults.add(
            FaultRule(kind="truncate", at_bytes=700, times=1, path=r"/content$")
        )
        written = await client.batches.download(job, tmp_path / "dl")
        assert len(written) == 3
        lines = sum(len(p.read_bytes().splitlines()) for p in written)
        assert lines == 120


async def test_async_reattach_cancel_and_resubmit(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # 100 requests at 20 ms each take 2 s: the cancel lands long before the end.
    server = make_local_server(request_latency=0.02, chunk_size=10)
    inputs = requests(100)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as first:
        ids = (await first.batches.submit(inputs)).ids
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = client.batches.job(ids)
        with pytest.raises(BatchNotFinishedError):
            [r async for r in job.results()]
        await client.batches.cancel(ids[0])
        await job.wait(poll_interval=0.05)
        assert job.batches[0].status == "cancelled"
        results = [r async for r in job.results(inputs=inputs)]
        assert len(results) == 100
        outcomes = Counter(r.outcome for r in results)
        assert set(outcomes) <= {Outcome.SUCCEEDED, Outcome.CANCELLED}
        assert outcomes[Outcome.CANCELLED] > 0
        child = await client.batches.resubmit(job, inputs=inputs)
        assert child is not None
        await child.wait(poll_interval=0.05)
        assert child.batches[0].metadata.to_dict()[PARENT_KEY] == ids[0]  # type: ignore[union-attr]
        retried = [r async for r in child.results()]
    assert {r.custom_id for r in retried} == {r.custom_id for r in results if not r.ok}
    assert all(r.ok for r in retried)
