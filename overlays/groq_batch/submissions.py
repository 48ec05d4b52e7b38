"""The journal of a submission in progress, so that a killed ``submit`` resumes where it died.

A job's parts are uploaded, then created one by one; a process killed in between (``kill -9``,
a power cut) would leave uploaded files and created batches that nothing records, and the same
command again would upload and create them a second time. So ``submit`` keeps a small journal
per run (the same input and options, to the same server) in the per-user data dir: the job's id,
when it began, and each part's file id and batch id as soon as they exist. A submit of the same
run finds the journal of one that died and carries on with its job id: recorded files and
batches are re-used, and the two gaps a journal cannot close (killed after the server stored a
file or made a batch, before the journal was written) are closed by looking on the server (the
file by name, size and content; the batch by its create marker, derived from the job id).

The journal is locked while its submit runs (``flock``, which the kernel drops when the process
dies), so a concurrent submit of the same run never adopts a live one's job: it goes on without
a journal. A submit that ends (returns, or raises an error it reports) removes its journal and
its lock file (lock files older versions left without a journal are swept by the next submit);
only a process that dies, or is interrupted, leaves one behind. It is removed only once the
job is recorded (in the job registry, or by the caller that asked to be told), so a process
killed in between is resumed; one killed after the job was recorded, before the journal was
removed, leaves a journal whose batches the registry holds, and that one is started afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["SubmissionJournal", "part_marker", "submission_key"]

JOURNAL_DIR = "submissions"


def submission_key(input_sha256: str, **options: object) -> str:
    """The identity of one submission: its input's bytes and every option that shapes its parts.

    Args:
        input_sha256: The whole input's SHA-256.
        **options: Endpoint, window, metadata, provider, server, part limits.

    Returns:
        A hex digest, used as the journal's file name.
    """
    text = json.dumps([input_sha256, sorted((k, repr(v)) for k, v in options.items())])
    return hashlib.sha256(text.encode()).hexdigest()


def part_marker(job_id: str, part: int) -> str:
    """The create marker of a job's part: the same in every process that resumes the job.

    Args:
        job_id: The job's id (``job_`` and hex).
        part: The 1-based part number.

    Returns:
        The marker, ``gb_`` and hex like a fresh one.
    """
    return "gb_" + hashlib.sha256(f"{job_id}/{part}".encode()).hexdigest()[:32]


def _take_lock(path: Path) -> IO[str] | None:
    """Open and lock the lock file at ``path``: the open file, or None if a live process has it.

    A submission that ends removes its lock file while it still holds the lock, so a process
    may lock a file that is no longer at ``path``: it then tries again with the one there now,
    so that two processes never each hold "the" lock of one run.
    """
    for _ in range(100):
        try:
            lock_file = path.open("a", encoding="utf-8")
        except OSError:
            return None
        if not _lock(lock_file):
            lock_file.close()
            return None
        try:
            held, there = os.fstat(lock_file.fileno()), os.stat(path)
        except OSError:
            there = None
        if there is not None and (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino):
            return lock_file
        lock_file.close()  # removed (and maybe made again) while we waited: not the lock
    return None


def _sweep_locks(directory: Path) -> None:
    """Remove the lock files no journal goes with, left by runs that ended before they went."""
    with contextlib.suppress(OSError):
        for lock_path in directory.glob("*.lock"):
            if lock_path.with_suffix(".json").exists():
                continue  # a journal to resume: its lock file goes when that run ends
            lock_file = _take_lock(lock_path)
            if lock_file is None:
                continue  # a live run's
            with lock_file:
                if not lock_path.with_suffix(".json").exists():
                    lock_path.unlink(missing_ok=True)


def _lock(fh: IO[str]) -> bool:
    """Take the journal's lock without waiting; False when a live process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the journal is used unlocked
        return True
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@dataclass
class SubmissionJournal:
    """One submission's progress on disk.

    Attributes:
        path: The journal file.
        job_id: The job's id; a resumed submission keeps the dead one's.
        started: When the first submission of this job began (the client's wall clock).
        resumed: Whether this journal was left by a submission that died.
        files: Each uploaded part's file id, by the part file's name.
        batches: Each created part's batch id, by its 1-based part number.
    """

    path: Path
    job_id: str
    started: float
    resumed: bool = False
    files: dict[str, str] = field(default_factory=dict)
    batches: dict[int, str] = field(default_factory=dict)
    _lock_file: IO[str] | None = field(default=None, repr=False)
    # Parts upload concurrently (worker threads): one record and its save at a time.
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls, key: str, *, job_id: str, now: float, directory: Path | None = None
    ) -> SubmissionJournal | None:
        """Open the journal of submission ``key``: a dead one's to resume, or a fresh one.

        Args:
            key: The submission's `submission_key`.
            job_id: The id a fresh journal gets.
            now: The time a fresh journal records as its start.
            directory: Where journals live; the per-user data dir's ``submissions`` when None.

        Returns:
            The journal, locked; None when a live process holds it or it cannot be written
            (the submission then goes on without one, as before journals existed).
        """
        if directory is None:
            from groq_batch.local import default_data_dir

            directory = default_data_dir() / JOURNAL_DIR
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return None
        _sweep_locks(directory)
        lock_file = _take_lock(directory / f"{key}.lock")
        if lock_file is None:
            return None
        path = directory / f"{key}.json"
        journal = cls(path, job_id, now, _lock_file=lock_file)
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            saved: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            journal.job_id = str(saved["job_id"])
            journal.started = float(saved["started"])
            journal.files = {str(k): str(v) for k, v in saved["files"].items()}
            journal.batches = {int(k): str(v) for k, v in saved["batches"].items()}
            journal.resumed = True
        if not journal.resumed:
            journal.save()
        return journal

    def restart(self, *, job_id: str, now: float) -> None:
        """Forget a journal whose job was recorded after all: this submission is a new job.

        Args:
            job_id: The new job's id.
            now: The new job's start.
        """
        self.job_id, self.started, self.resumed = job_id, now, False
        self.files, self.batches = {}, {}
        self.save()

    def save(self) -> None:
        """Write the journal whole (a temporary file renamed into place), or not at all."""
        with self._guard:
            self._save()

    def _save(self) -> None:
        state = {
            "job_id": self.job_id,
            "started": self.started,
            "files": self.files,
            "batches": {str(k): v for k, v in self.batches.items()},
        }
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def record_file(self, name: str, file_id: str) -> None:
        """Record that the part file ``name`` is stored as ``file_id``."""
        with self._guard:
            self.files[name] = file_id
            self._save()

    def record_batch(self, part: int, batch_id: str) -> None:
        """Record that part ``part`` has its batch ``batch_id``."""
        with self._guard:
            self.batches[part] = batch_id
            self._save()

    def claimed(self) -> Mapping[str, str]:
        """The file ids already recorded, by file id (a look-up must not adopt one twice)."""
        with self._guard:
            return {v: k for k, v in self.files.items()}

    def close(self, *, finished: bool) -> None:
        """Release the lock; remove the journal when the submission ended (not when it died).

        Args:
            finished: The submission returned or raised an error it reported: nothing is left
                to resume.
        """
        if finished:
            self.path.unlink(missing_ok=True)
            if self._lock_file is not None:
                # Removed while still held: a process waiting on the old file sees it is gone.
                self.path.with_suffix(".lock").unlink(missing_ok=True)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
