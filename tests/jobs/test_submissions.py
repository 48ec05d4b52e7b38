"""The submission journal: what a dead submit leaves, and who may resume it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

import pytest

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


def test_a_submission_that_ends_leaves_neither_journal_nor_lock_file(tmp_path: Path) -> None:
    journal = SubmissionJournal.open("k", job_id="job_a", now=1.0, directory=tmp_path)
    assert journal is not None
    journal.record_file("part-0001.jsonl", "file_1")
    journal.close(finished=True)
    assert list(tmp_path.iterdir()) == []


def test_a_resumed_submission_that_ends_leaves_nothing_either(tmp_path: Path) -> None:
    dead = SubmissionJournal.open("k", job_id="job_a", now=1.0, directory=tmp_path)
    assert dead is not None
    dead.close(finished=False)  # as a process that died leaves it: journal and lock file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.json", "k.lock"]
    again = SubmissionJournal.open("k", job_id="job_b", now=2.0, directory=tmp_path)
    assert again is not None
    assert again.resumed
    again.close(finished=True)
    assert list(tmp_path.iterdir()) == []


def test_lock_files_left_without_a_journal_are_swept_but_not_a_live_runs(tmp_path: Path) -> None:
    # One lock file per run, as earlier versions left them once each run had ended.
    for key in ("old1", "old2"):
        (tmp_path / f"{key}.lock").touch()
    live = SubmissionJournal.open("live", job_id="job_a", now=1.0, directory=tmp_path)
    assert live is not None
    try:
        other = SubmissionJournal.open("other", job_id="job_b", now=2.0, directory=tmp_path)
        assert other is not None
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "live.json",
            "live.lock",
            "other.json",
            "other.lock",
        ]
        # The live run still holds its lock: a second submission of it goes without a journal.
        assert SubmissionJournal.open("live", job_id="job_c", now=3.0, directory=tmp_path) is None
        other.close(finished=True)
    finally:
        live.close(finished=True)
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_removed_under_a_waiting_process_is_not_taken_for_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from groq_batch import submissions

    first = SubmissionJournal.open("k", job_id="job_a", now=1.0, directory=tmp_path)
    assert first is not None
    take = submissions._lock

    def lock_once_the_first_run_ended(fh: IO[str]) -> bool:
        # This process opened the lock file; the first run ends (removing it) before the lock.
        if first._lock_file is not None:
            first.close(finished=True)
        return take(fh)

    monkeypatch.setattr(submissions, "_lock", lock_once_the_first_run_ended)
    second = SubmissionJournal.open("k", job_id="job_b", now=2.0, directory=tmp_path)
    assert second is not None
    assert second._lock_file is not None
    # It holds the lock file that is there now, which a third run would meet, not the removed one.
    held = os.fstat(second._lock_file.fileno())
    there = os.stat(tmp_path / "k.lock")
    assert (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)
    second.close(finished=True)
