"""The submission journal: what a dead submit leaves, and who may resume it."""

from __future__ import annotations

from pathlib import Path

from groq_batch.submissions import SubmissionJournal, part_marker, submission_key


def test_a_live_submissions_journal_is_not_adopted_by_a_second_one(tmp_path: Path) -> None:
    first = SubmissionJournal.open("k", job_id="job_a", now=1.0, directory=tmp_path)
    assert first is not None
    try:
        assert SubmissionJournal.open("k", job_id="job_b", now=2.0, directory=tmp_path) is None
    finally:
        first.close(finished=False)


def test_a_dead_submissions_journal_is_resumed_with_its_job_and_parts(tmp_path: Path) -> None:
    first = SubmissionJournal.open("k", job_id="job_a", now=1.0, directory=tmp_path)
    assert first is not None
    first.record_file("part-0001.jsonl", "file_1")
    first.record_batch(1, "batch_1")
    first.close(finished=False)  # as a process that died leaves it

    again = SubmissionJournal.open("k", job_id="job_b", now=2.0, directory=tmp_path)
    assert again is not None
    assert (again.resumed, again.job_id, again.started) == (True, "job_a", 1.0)
    assert (again.files, again.batches) == ({"part-0001.jsonl": "file_1"}, {1: "batch_1"})
    again.close(finished=True)

    fresh = SubmissionJournal.open("k", job_id="job_c", now=3.0, directory=tmp_path)
    assert fresh is not None
    assert (fresh.resumed, fresh.job_id, fresh.files) == (False, "job_c", {})
    fresh.close(finished=True)


def test_keys_and_markers_are_stable_and_distinct() -> None:
    assert submission_key("abc", window="24h") == submission_key("abc", window="24h")
    assert submission_key("abc", window="24h") != submission_key("abc", window="48h")
    assert part_marker("job_a", 1) == part_marker("job_a", 1)
    assert part_marker("job_a", 1) != part_marker("job_a", 2)
    assert part_marker("job_a", 1).startswith("gb_")
