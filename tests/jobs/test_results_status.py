"""Rows of a batch that never ran are labelled by the batch's final status (issue 26, item 14).

An expired or cancelled batch that did not run a row lists it in neither its output nor its
error file; the batch's own status says why, so the row is ``expired`` / ``cancelled``, not
``missing``.
"""

from __future__ import annotations

from pathlib import Path

from groq_batch import Groq, Outcome
from tests.cli_support import write_requests


def test_rows_of_a_batch_that_expired_before_it_ran_are_expired(
    tmp_path: Path, make_local_server
) -> None:
    # A day of the window passes in 86 ns, less than storing the batch takes: it expires
    # before its validation can start, so no row runs.
    server = make_local_server(api_key=None, time_scale=1e12)
    source = write_requests(tmp_path / "q.jsonl", 3)
    with Groq(api_key="k", base_url=server.base_url) as client:
        job = client.batches.submit(source)
        (batch,) = client.batches.wait(job, poll_interval=0.05)
        assert batch.status == "expired"
        assert (batch.output_file_id, batch.error_file_id) == (None, None)
        results = list(job.results(inputs=source))
    assert [r.outcome for r in results] == [Outcome.EXPIRED] * 3
    assert results[0].error is not None
    assert "expired" in results[0].error.message


def test_a_job_of_mixed_endings_keeps_missing() -> None:
    from groq_batch.job_core import JobBase
    from groq_batch_api.models import Batch

    def batch(status: str) -> Batch:
        return Batch.from_dict(
            {
                "id": f"batch_{status}",
                "object": "batch",
                "endpoint": "/v1/chat/completions",
                "input_file_id": "file_1",
                "completion_window": "24h",
                "status": status,
                "created_at": 0,
            }
        )

    assert JobBase([batch("completed"), batch("cancelled")]).missing_outcome() == (
        Outcome.CANCELLED
    )
    assert JobBase([batch("expired"), batch("cancelled")]).missing_outcome() == Outcome.MISSING
    assert JobBase([batch("completed")]).missing_outcome() == Outcome.MISSING
