"""One progress across all parts of a waiting job: rows done, rate, ETA."""

from __future__ import annotations

import pytest

from groq_batch.progress import ProgressMeter
from groq_batch_api.models import Batch


def part(number: int, status: str, total: int = 0, completed: int = 0, failed: int = 0) -> Batch:
    body: dict[str, object] = {
        "id": f"batch_{number}",
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": f"file_{number}",
        "completion_window": "24h",
        "status": status,
        "created_at": 0,
    }
    if total:
        body["request_counts"] = {"total": total, "completed": completed, "failed": failed}
    return Batch.from_dict(body)


def test_rows_rate_and_eta_are_across_every_part() -> None:
    meter = ProgressMeter()
    first = meter.observe(
        [part(1, "in_progress", 100, 10), part(2, "in_progress", 100, 0), part(3, "validating")],
        now=0.0,
    )
    # Part 3 is not counted yet: it counts as the mean of the two that are.
    assert (first.done, first.total, first.parts, first.parts_finished) == (10, 300, 3, 0)
    assert (first.rate, first.eta) == (None, None)

    later = meter.observe(
        [
            part(1, "completed", 100, 95, 5),
            part(2, "in_progress", 100, 40),
            part(3, "in_progress", 50, 5),
        ],
        now=10.0,
    )
    assert (later.done, later.failed, later.total, later.parts_finished) == (145, 5, 250, 1)
    assert later.rate == pytest.approx(13.5)  # 135 rows in 10 s, all parts together
    assert later.eta == pytest.approx(105 / 13.5)


def test_the_rate_is_the_last_windows_not_the_whole_waits() -> None:
    meter = ProgressMeter(window=60.0)
    meter.observe([part(1, "in_progress", 10_000, 0)], now=0.0)
    meter.observe([part(1, "in_progress", 10_000, 6000)], now=60.0)  # fast at first
    meter.observe([part(1, "in_progress", 10_000, 6000)], now=120.0)  # then stalled
    stalled = meter.observe([part(1, "in_progress", 10_000, 6060)], now=180.0)
    # The last minute's rate (60 rows in 60 s), not the whole wait's 33.7 rows/s.
    assert stalled.rate == pytest.approx(60 / 60)


def test_a_finished_job_has_no_time_left() -> None:
    meter = ProgressMeter()
    meter.observe([part(1, "in_progress", 4, 0), part(2, "in_progress", 4, 0)], now=0.0)
    end = meter.observe([part(1, "completed", 4, 4), part(2, "completed", 4, 3, 1)], now=2.0)
    assert (end.done, end.total, end.parts_finished, end.eta) == (8, 8, 2, 0.0)
