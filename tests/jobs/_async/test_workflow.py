"""The whole job against the real local server: submit, split, wait, results, download, resubmit.

Written once for both flavours.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from groq_batch import (
    AsyncBatchJob,
    AsyncGroq,
    AsyncTiming,
    BatchNotFinishedError,
    JobSubmitError,
    UploadProgress,
    WaitTimeoutError,
)
from groq_batch.job_core import JOB_KEY, PARENT_KEY, PART_KEY
from groq_batch.jsonl import BatchRequest, chat_request, write_jsonl
from groq_batch.results import BatchResult, Outcome
from groq_batch.validation import ValidationError
from groq_batch_api.models import Batch
from groq_batch_server import FaultRule, LocalServer
from tests.client_support import async_pause

pytestmark = pytest.mark.anyio

MODEL = "llama-3.1-8b-instant"


def requests(n: int, *, prefix: str = "q", model: str = MODEL) -> list[BatchRequest]:
    return [
        chat_request(
            f"{prefix}-{i}",
            model=model,
            messages=[{"role": "user", "content": f"Question {i}?"}],
            max_tokens=20,
        )
        for i in range(n)
    ]


@pytest.fixture
async def client(local_server: LocalServer) -> AsyncIterator[AsyncGroq]:
    async with AsyncGroq(api_key="test-key", base_url=local_server.base_url) as c:
        yield c


def assert_each_input_once(results: list[BatchResult], inputs: list[BatchRequest]) -> None:
    counts = Counter(r.custom_id for r in results)
    assert counts == Counter(r.custom_id for r in inputs)
    by_id = {r.custom_id: r for r in inputs}
    for result in results:
        assert result.request == by_id[result.custom_id]


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await async_pause(0.02)


async def test_end_to_end_10000_lines(client: AsyncGroq, tmp_path: Path) -> None:
    inputs = requests(10_000)
    progress: list[UploadProgress] = []
    job = await client.batches.submit(inputs, metadata={"team": "qa"}, on_progress=progress.append)
    assert len(job.ids) == 1
    updates: list[int] = []
    final = await client.batches.wait(
        job,
        poll_interval=0.05,
        on_update=lambda bs: updates.append(bs[0].request_counts.completed),  # type: ignore[union-attr]
    )
    assert final[0].status == "completed"
    assert updates[-1] == 10_000
    assert progress[-1].sent == progress[-1].total > 0
    # No inputs given: the job reads its own input file back to join and find missing rows.
    results = [r async for r in client.batches.results(job)]
    assert_each_input_once(results, inputs)
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
    sample = next(r for r in results if r.custom_id == "q-1234")
    assert sample.text is not None
    assert "Question 1234?" in sample.text
    assert sample.body is not None
    assert sample.body.usage is not None
    assert sample.body.usage.total_tokens > 0
    metadata = final[0].metadata.to_dict()  # type: ignore[union-attr]
    assert metadata["team"] == "qa"
    assert metadata[PART_KEY] == "1/1"


async def test_a_split_job_reports_progress_per_part_and_downloads_each(
    local_server: LocalServer, tmp_path: Path
) -> None:
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


async def test_job_splits_by_lines_and_by_bytes(client: AsyncGroq, tmp_path: Path) -> None:
    inputs = requests(100)
    path = tmp_path / "in.jsonl"
    write_jsonl(inputs, path)
    job = await client.batches.submit(path, max_lines=30)
    assert len(job.ids) == 4
    await client.batches.wait(job, poll_interval=0.05)
    parts = [b.metadata.to_dict() for b in job.batches]  # type: ignore[union-attr]
    assert {p[JOB_KEY] for p in parts} == {parts[0][JOB_KEY]}
    assert [p[PART_KEY] for p in parts] == ["1/4", "2/4", "3/4", "4/4"]
    assert [b.request_counts.total for b in job.batches] == [30, 30, 30, 10]  # type: ignore[union-attr]
    assert_each_input_once([r async for r in client.batches.results(job, inputs=path)], inputs)

    line_bytes = path.stat().st_size // 100
    by_bytes = await client.batches.submit(path, max_bytes=line_bytes * 12)
    assert len(by_bytes.ids) >= 9
    waited = await client.batches.wait(by_bytes, poll_interval=0.05)
    totals = [b.request_counts.total for b in waited]  # type: ignore[union-attr]
    assert sum(totals) == 100
    assert max(totals) <= 12


async def test_bad_input_is_reported_and_nothing_uploaded(
    client: AsyncGroq, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    good = [r.to_dict() for r in requests(3)]
    good[1]["method"] = "GET"
    good[2]["custom_id"] = good[0]["custom_id"]
    write_jsonl([*good, {"custom_id": "x", "method": "POST", "url": "/v1/chat/completions"}], path)
    with pytest.raises(ValidationError) as info:
        await client.batches.submit(path)
    assert [(p.line, p.field, p.code) for p in info.value.problems] == [
        (2, "method", "invalid_method"),
        (3, "custom_id", "duplicate_custom_id"),
        (4, "body", "missing_body"),
    ]
    assert (await client.files.list()).data == []
    assert (await client.batches.list()).data == []


async def test_partial_results_after_expiry(
    make_local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    # 24h pass in 1.2 s while 200 requests need about 2 s: the batch expires midway.
    server = make_local_server(time_scale=72_000, request_latency=0.01, chunk_size=10)
    inputs = requests(200)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(inputs)
        final = await client.batches.wait(job, poll_interval=0.05)
        assert final[0].status == "expired"
        results = [r async for r in client.batches.results(job, inputs=inputs)]
    assert_each_input_once(results, inputs)
    outcomes = Counter(r.outcome for r in results)
    assert set(outcomes) == {Outcome.SUCCEEDED, Outcome.EXPIRED}
    assert outcomes[Outcome.SUCCEEDED] > 0
    assert outcomes[Outcome.EXPIRED] > 0


async def test_cancel_keeps_partial_results_and_resubmit_completes_the_set(
    make_local_server: Callable[..., LocalServer],
) -> None:
    server = make_local_server(request_latency=0.005, chunk_size=10)
    inputs = requests(300)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(inputs)

        async def twenty_done() -> bool:
            batch = await client.batches.retrieve(job.ids[0])
            return (batch.request_counts.completed or 0) >= 20  # type: ignore[union-attr]

        await wait_until(twenty_done)
        await client.batches.cancel(job.ids[0])
        final = await client.batches.wait(job, poll_interval=0.05)
        assert final[0].status == "cancelled"
        with pytest.raises(ValueError, match="not a valid Outcome"):
            await client.batches.resubmit(job, outcomes=["bogus"])
        first = [r async for r in client.batches.results(job)]
        assert_each_input_once(first, inputs)
        outcomes = Counter(r.outcome for r in first)
        assert outcomes[Outcome.SUCCEEDED] >= 20
        assert outcomes[Outcome.SUCCEEDED] + outcomes[Outcome.CANCELLED] == 300

        child = await client.batches.resubmit(job)
        assert child is not None
        child_batches = await client.batches.wait(child, poll_interval=0.05)
        assert child_batches[0].metadata.to_dict()[PARENT_KEY] == job.ids[0]  # type: ignore[union-attr]
        second = [r async for r in client.batches.results(child)]
    assert len(second) == 300 - outcomes[Outcome.SUCCEEDED]
    assert all(r.ok for r in second)
    done = {r.custom_id for r in first if r.ok} | {r.custom_id for r in second}
    assert done == {r.custom_id for r in inputs}
    # Nothing to resubmit once everything succeeded.
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        assert await client.batches.resubmit(child.ids) is None


async def test_reattach_from_ids_in_a_fresh_client(local_server: LocalServer) -> None:
    inputs = requests(50)
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as first:
        ids = (await first.batches.submit(inputs, max_lines=20)).ids
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as second:
        job = second.batches.job(ids)
        assert isinstance(job, AsyncBatchJob)
        assert job.ids == ids
        await job.wait(poll_interval=0.05)
        assert job.done
        assert_each_input_once([r async for r in job.results()], inputs)


async def test_reattach_cancel_and_resubmit_from_the_handle(
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


async def test_results_before_the_end_raise(make_local_server: Callable[..., LocalServer]) -> None:
    server = make_local_server(request_latency=0.05, chunk_size=5)
    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        job = await client.batches.submit(requests(100))
        with pytest.raises(BatchNotFinishedError, match=job.ids[0]):
            [r async for r in client.batches.results(job)]
        with pytest.raises(WaitTimeoutError) as info:
            await client.batches.wait(job, timeout=0.3, poll_interval=0.05)
        # The deadline leaves the batch alone: it keeps running.
        assert info.value.batches[0].status in {"validating", "in_progress"}
        batch = await client.batches.retrieve(job.ids[0])
        assert batch.status in {"validating", "in_progress"}
        await client.batches.cancel(job.ids[0])


async def test_interrupted_download_resumes_with_range(
    local_server: LocalServer, tmp_path: Path
) -> None:
    inputs = requests(200)
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as client:
        job = await client.batches.submit(inputs)
        await client.batches.wait(job, poll_interval=0.05)
        output_id = job.batches[0].output_file_id
        assert isinstance(output_id, str)
        async with await client.files.content(output_id) as content:
            whole = await content.read()
        local_server.faults.add(
            FaultRule(kind="truncate", at_bytes=1000, times=2, path=r"/content$")
        )
        written = await client.batches.download(job, tmp_path / "out")
        assert [p.name for p in written] == [f"{job.ids[0]}_output.jsonl"]
        assert written[0].read_bytes() == whole
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [written[0].name]
        local_server.faults.add(
            FaultRule(kind="truncate", at_bytes=5000, times=1, path=r"/content$")
        )
        results = [r async for r in client.batches.results(job, inputs=inputs)]
        assert_each_input_once(results, inputs)


async def test_request_errors_are_typed(local_server: LocalServer) -> None:
    inputs = [*requests(3), *requests(2, prefix="bad", model="no-such-model")]
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as client:
        job = await client.batches.submit(inputs)
        await client.batches.wait(job, poll_interval=0.05)
        results = {r.custom_id: r async for r in client.batches.results(job)}
    assert len(results) == 5
    bad = results["bad-0"]
    assert bad.outcome is Outcome.REQUEST_ERROR
    assert bad.status_code == 404
    assert bad.error is not None
    assert "no-such-model" in bad.error.message
    assert results["q-0"].ok


async def test_wait_uses_the_clients_timing(make_local_server: Callable[..., LocalServer]) -> None:
    server = make_local_server(request_latency=1.0, chunk_size=1)
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    timing = AsyncTiming(sleep=sleep, monotonic=lambda: now[0])
    async with AsyncGroq(api_key="k", base_url=server.base_url, timing=timing) as client:
        job = await client.batches.submit(requests(50))
        with pytest.raises(WaitTimeoutError):
            await job.wait(timeout=30.0)
        await client.batches.cancel(job.ids[0])
    # Backoff from about 1 s, and the last wait is trimmed to the deadline.
    assert 0.85 <= slept[0] <= 1.15
    assert slept == sorted(slept[:-1]) + slept[-1:]
    assert sum(slept) == pytest.approx(30.0)


async def test_failure_after_some_parts_names_the_created_batches(
    local_server: LocalServer,
) -> None:
    creates = 0

    async def on_request(request: httpx.Request) -> None:
        nonlocal creates
        if request.method == "POST" and request.url.path.endswith("/batches"):
            creates += 1
            if creates == 2:  # the server refuses the second part's create, for real
                local_server.faults.add(
                    FaultRule(kind="status", status=400, times=1, method="POST", path=r"/batches$")
                )

    http = httpx.AsyncClient(event_hooks={"request": [on_request]})
    async with AsyncGroq(api_key="k", base_url=local_server.base_url, http_client=http) as client:
        with pytest.raises(JobSubmitError) as info:
            await client.batches.submit(requests(30), max_lines=10)
        assert len(info.value.batch_ids) == 1
        assert info.value.batch_ids[0] in str(info.value)
        # Every part was uploaded before the first create, and exactly one batch exists.
        uploads = [f for f in (await client.files.list()).data if f.purpose == "batch"]
        assert len(uploads) == 3
        assert [b.id for b in (await client.batches.list()).data] == info.value.batch_ids


async def test_submit_takes_a_generator_of_requests(client: AsyncGroq) -> None:
    def generate() -> Iterator[BatchRequest]:
        yield from requests(45)

    job = await client.batches.submit(generate(), max_lines=20)
    assert len(job.ids) == 3
    await client.batches.wait(job, poll_interval=0.05)
    assert_each_input_once([r async for r in client.batches.results(job)], requests(45))


async def test_unserialisable_request_is_a_validation_error(client: AsyncGroq) -> None:
    bad = [requests(1)[0].to_dict(), {"custom_id": "x", "body": {"when": object()}}]
    with pytest.raises(ValidationError) as info:
        await client.batches.submit(bad)
    assert [(p.line, p.code) for p in info.value.problems] == [(2, "not_serialisable")]
    assert (await client.files.list()).data == []


async def test_a_job_needs_batch_ids(client: AsyncGroq) -> None:
    with pytest.raises(ValueError, match="non-empty batch ids"):
        client.batches.job([])
    with pytest.raises(ValueError, match="non-empty batch ids"):
        client.batches.job("")


async def test_submit_hands_the_job_to_on_submitted_before_it_drops_its_journal(
    client: AsyncGroq, tmp_path: Path
) -> None:
    from groq_batch.local import default_data_dir

    journals = default_data_dir() / "submissions"
    seen: list[tuple[list[str], list[str]]] = []

    def record(batches: Sequence[Batch]) -> None:
        # A process killed here has not recorded the job: its journal must still be there.
        seen.append(([b.id for b in batches], [p.name for p in journals.glob("*.json")]))

    path = tmp_path / "in.jsonl"
    write_jsonl(requests(6), path)
    job = await client.batches.submit(path, max_lines=2, on_submitted=record)
    ((ids, during),) = seen
    assert ids == list(job.ids)
    assert len(ids) == 3
    assert len(during) == 1
    # Recorded: nothing is left to resume.
    assert list(journals.glob("*.json")) == []
