"""Progress of a job: its upload (bytes sent per part), and its wait (rows done across parts)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast

from groq_batch.sharding import Shard
from groq_batch.statuses import is_terminal
from groq_batch.stop_points import armed, stop_now
from groq_batch_api.models import Batch, BatchRequestCounts

__all__ = [
    "ProgressCallback",
    "ProgressMeter",
    "ProgressReader",
    "UploadProgress",
    "WaitProgress",
    "upload_body",
]

ProgressCallback = Callable[["UploadProgress"], None]


@dataclass(frozen=True, slots=True)
class UploadProgress:
    """Where an upload is.

    Attributes:
        part: The 1-based part being uploaded.
        parts: How many parts the job has.
        sent: Bytes of this part sent so far.
        total: Bytes of this part.
    """

    part: int
    parts: int
    sent: int
    total: int


def upload_body(
    fh: IO[bytes], shard: Shard, part: int, parts: int, on_progress: ProgressCallback | None
) -> IO[bytes]:
    """Return what to upload for one part: the file itself, or a reader that reports progress.

    Args:
        fh: The part's open file.
        shard: The part.
        part: Its 1-based number.
        parts: How many parts the job has.
        on_progress: The caller's progress callback, if any.

    Returns:
        ``fh`` when nobody listens, else a ``ProgressReader`` over it.
    """
    stop = armed("upload", part)  # the crash tests' hook: die halfway through this part
    if on_progress is None and not stop:
        return fh

    def report(sent: int, total: int) -> None:
        if stop and 2 * sent >= total:
            stop_now()
        if on_progress is not None:
            on_progress(UploadProgress(part, parts, sent, total))

    # The uploader only reads, seeks and tells, which ProgressReader does as the file would.
    return cast(IO[bytes], ProgressReader(fh, shard.bytes, report))


class ProgressReader:
    """A binary file wrapper that reports how much of it has been read.

    httpx reads upload bodies through ``read``, so counting reads counts bytes sent, without
    buffering anything. A rewind (a retried upload) starts the count again.
    """

    def __init__(self, fh: IO[bytes], total: int, report: Callable[[int, int], None]) -> None:
        self._fh = fh
        self._total = total
        self._report = report
        self._sent = 0
        self.name = getattr(fh, "name", "requests.jsonl")

    def read(self, size: int = -1) -> bytes:
        """Read as the file would, and report the bytes read so far."""
        chunk = self._fh.read(size)
        if chunk:
            self._sent += len(chunk)
            self._report(self._sent, self._total)
        return chunk

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Seek as the file would; the count follows the position."""
        position = self._fh.seek(offset, whence)
        self._sent = position
        return position

    def tell(self) -> int:
        """The file's position."""
        return self._fh.tell()

    def fileno(self) -> int:
        """The file's descriptor."""
        return self._fh.fileno()

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def __iter__(self) -> Any:
        # httpx iterates file objects when it cannot determine their length otherwise.
        while chunk := self.read(64 * 1024):
            yield chunk


@dataclass(frozen=True, slots=True)
class WaitProgress:
    """Where a waiting job is, across all its parts.

    Attributes:
        done: Rows finished (completed or failed) in every part.
        failed: Rows that failed.
        total: Rows in all; parts whose count the server has not given yet are counted as the
            mean of the parts it has (exact once every part is past ``validating``).
        parts: How many parts the job has.
        parts_finished: Parts in a terminal status.
        rate: Rows finished per second over the last ``window`` seconds; None until known.
        eta: Seconds until every row is finished at that rate; None while the rate is unknown.
    """

    done: int
    failed: int
    total: int
    parts: int
    parts_finished: int
    rate: float | None
    eta: float | None


class ProgressMeter:
    """Rows done, rate and ETA across all parts of a job, from the batches of each poll.

    One display for the whole job: each poll's batches go in, one `WaitProgress` comes out.
    The rate is measured over a sliding window, so a part that starts late or a stall shows up
    within a minute rather than being averaged away.
    """

    def __init__(self, window: float = 60.0) -> None:
        """Measure the rate over the last ``window`` seconds."""
        self._window = window
        self._samples: deque[tuple[float, int]] = deque()

    def observe(self, batches: Sequence[Batch], now: float) -> WaitProgress:
        """Take one poll's batches, seen at ``now`` (seconds on any monotonic clock).

        Args:
            batches: Every part's batch as just polled.
            now: The time of the poll.

        Returns:
            The job's progress.
        """
        done = failed = 0
        known: list[int] = []
        for batch in batches:
            counts = batch.request_counts
            if isinstance(counts, BatchRequestCounts) and counts.total:
                known.append(counts.total)
                done += counts.completed + counts.failed
                failed += counts.failed
        unknown = len(batches) - len(known)
        total = sum(known) + (round(sum(known) / len(known)) * unknown if known else 0)
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self._window:
            self._samples.popleft()
        first_time, first_done = self._samples[0]
        rate = None
        if now > first_time and done > first_done:
            rate = (done - first_done) / (now - first_time)
        eta = None if rate is None else max(total - done, 0) / rate
        if total and done >= total:
            eta = 0.0
        finished = sum(1 for b in batches if is_terminal(b))
        return WaitProgress(done, failed, total, len(batches), finished, rate, eta)
