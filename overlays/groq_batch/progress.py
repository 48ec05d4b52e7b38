"""Progress of a job's upload: what the caller is told, and the reader that counts bytes sent."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, cast

from groq_batch.sharding import Shard
from groq_batch.stop_points import armed, stop_now

__all__ = ["ProgressCallback", "ProgressReader", "UploadProgress", "upload_body"]

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
