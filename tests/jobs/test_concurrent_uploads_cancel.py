"""An async submit cancelled while its parts upload together: every upload stops with it, and the
same submit again makes one job, with one file per part (async only: the sync client has no
cancellation to test)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from groq_batch import AsyncGroq
from groq_batch.jsonl import chat_request, write_jsonl
from groq_batch_server import LocalServer
from tests.jobs.upload_gate import gated_server

PARTS = 6


@pytest.mark.anyio
async def test_a_submit_cancelled_mid_upload_stops_them_all_and_resumes_as_one_job(
    make_local_server: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The server holds every upload at its door until the test lets them in.
    server, gate = gated_server(make_local_server, monkeypatch, hold=PARTS + 1, patience=60)
    path = tmp_path / "in.jsonl"
    inputs = [
        chat_request(f"q-{i}", model="m", messages=[{"role": "user", "content": "hi"}])
        for i in range(PARTS * 5)
    ]
    write_jsonl(inputs, path)

    async with AsyncGroq(api_key="k", base_url=server.base_url) as client:
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as group:
                group.start_soon(
                    lambda: client.batches.submit(path, max_lines=5, max_concurrent_uploads=3)
                )
                # Cancelled once the server has three uploads in flight together.
                deadline = time.monotonic() + 30
                while gate.in_flight < 3:
                    assert time.monotonic() < deadline, "the uploads never reached the server"
                    await anyio.sleep(0.01)
                scope.cancel()
        assert scope.cancelled_caught
        # The three were cut off at the server's door; none after them was started.
        assert gate.seen == 3
        gate.release()
        deadline = time.monotonic() + 30
        while gate.in_flight:  # the server has done with what the client abandoned
            assert time.monotonic() < deadline
            await anyio.sleep(0.01)

        # The same submit resumes the job: whatever the server kept is re-used, not doubled.
        job = await client.batches.submit(path, max_lines=5, max_concurrent_uploads=3)
        assert len(job.ids) == PARTS
        files = [f for f in (await client.files.list()).data if f.purpose == "batch"]
        assert sorted(f.id for f in files) == sorted(b.input_file_id for b in job.batches)
        assert len((await client.batches.list()).data) == PARTS
