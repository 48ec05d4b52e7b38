"""Splitting a job's input into parts that each fit one batch.

The input is validated and, when over the provider's limits, split into parts in one pass; a
part the server still refuses as too large (413) is halved. A part is a range of lines of the
input file, uploaded from there: nothing is copied (a million-line input would otherwise be
written to disk a second time before its first byte is sent), nothing is held in memory whole,
and nothing here does network I/O.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from groq_batch.jsonl import CHAT_COMPLETIONS, BatchRequest, as_requests, dump_line
from groq_batch.providers import Provider, get_provider
from groq_batch.scratch import ScratchDir
from groq_batch.stop_points import stop_at
from groq_batch.validation import Problem, ValidationError, validate_path

__all__ = [
    "DEFAULT_MAX_CONCURRENT_UPLOADS",
    "DEFAULT_MAX_PART_BYTES",
    "MIN_PART_BYTES",
    "Shard",
    "ShardPlan",
    "Source",
    "halve_shard",
    "plan_shards",
]

DEFAULT_MAX_PART_BYTES = get_provider().max_bytes
"""Bytes per part by default: the default profile's (Groq's batch guide says 200 MB, its API
reference still says 100). A part the server refuses with 413 is halved and sent again, whichever
is true."""
DEFAULT_MAX_CONCURRENT_UPLOADS = 4
"""Parts of one job uploaded at once by default: enough to keep a fast link busy while one
part's request waits on the server, few enough not to crowd a provider's upload limits."""
MIN_PART_BYTES = 64 * 1024
"""A refused part this small is not halved further: the error is raised."""

Source = str | os.PathLike[str] | Iterable[BatchRequest | Mapping[str, Any]]
"""A job's input: a JSONL path, or requests (``BatchRequest`` objects or dicts)."""


_Binary = IO[bytes]  # spelt here: inside Shard, `bytes` is its field


@dataclass(slots=True)
class Shard:
    """One part of a job's input: ``bytes`` bytes of the file at ``path``, from ``offset``.

    Attributes:
        path: The file the part is read from (the input itself, or the spooled requests).
        lines: Its lines.
        bytes: Its bytes.
        offset: Where it begins in ``path``.
        name: The name it is uploaded under (``part-0001.jsonl`` for a split input), by which
            the submission journal and the look-up of a dead submission's upload know it.
    """

    path: Path
    lines: int
    bytes: int
    offset: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.path.name

    def open(self) -> _Binary:
        """The part's bytes, as a binary file of their own (seekable; closes the input)."""
        return cast(_Binary, FileRange(self.path.open("rb"), self.offset, self.bytes))


class FileRange(io.RawIOBase):
    """A window of an open binary file, read as a file of its own.

    It reads, seeks and tells within the window, and has no ``fileno``, so that httpx measures
    an upload by seeking to its end rather than by the size of the whole file.
    """

    def __init__(self, fh: IO[bytes], offset: int, length: int) -> None:
        super().__init__()
        self._fh = fh
        self._start = offset
        self._length = length
        self._position = 0
        self.name = getattr(fh, "name", "part.jsonl")

    def readable(self) -> bool:
        """It can be read."""
        return True

    def seekable(self) -> bool:
        """It can seek."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``, never past the window's end."""
        room = min(len(buffer), self._length - self._position)
        if room <= 0:
            return 0
        self._fh.seek(self._start + self._position)
        data = self._fh.read(room)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        """Move within the window (an offset past either end is clamped to it)."""
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def tell(self) -> int:
        """Where it is, from the window's start."""
        return self._position

    def fileno(self) -> int:
        """None: the window is not the whole file (httpx would take the file's size)."""
        raise io.UnsupportedOperation("a part of a file has no descriptor of its own")

    def close(self) -> None:
        """Close the underlying file too."""
        if not self.closed:
            self._fh.close()
        super().close()


@dataclass(slots=True)
class ShardPlan:
    """The parts a job's input was split into; the spooled requests (if any) go with ``cleanup``."""

    shards: list[Shard] = field(default_factory=list)
    tmpdir: ScratchDir | None = None
    endpoint: str = CHAT_COMPLETIONS
    whole: Path | None = None
    """The whole input as validated (the user's file, or the spooled requests)."""

    def cleanup(self) -> None:
        """Remove the spooled requests, if any were written."""
        if self.tmpdir is not None:
            self.tmpdir.cleanup()
            self.tmpdir = None


def _spool(source: Iterable[BatchRequest | Mapping[str, Any]], path: Path) -> None:
    """Write requests to ``path`` in one pass, so that generators work and bytes are exact."""
    problems = []
    with path.open("wb") as out:
        for number, request in enumerate(source, start=1):
            try:
                out.write(dump_line(request))
            except (TypeError, ValueError) as exc:
                problems.append(
                    Problem(number, None, "not_serialisable", f"Not JSON-serialisable: {exc}")
                )
    if problems:
        raise ValidationError(problems, source="requests")


def plan_shards(
    source: Source,
    *,
    endpoint: str | None,
    max_lines: int | None = None,
    max_bytes: int | None = None,
    provider: Provider | None = None,
    completion_window: str | None = None,
) -> ShardPlan:
    """Validate an input and split it into parts that each fit one batch.

    A file that already fits is used as it is. Requests held in memory (a list or a generator)
    are first written to a temporary file in one pass; an input too large for one batch is
    split into temporary part files. Nothing is ever held in memory whole.

    Args:
        source: A JSONL path or requests.
        endpoint: The batch endpoint, which some line must use; None follows the lines
            (``validation.batch_endpoint``). ``plan.endpoint`` holds the one to create with.
        max_lines: Lines per batch at most; the provider's (50,000) when None.
        max_bytes: Bytes per batch file at most; the provider's (200 MB) when None.
        provider: The provider profile whose limits, endpoints and windows apply; Groq's when
            None.
        completion_window: The batch's completion window, checked against the provider's.

    Returns:
        The plan; call ``cleanup()`` once the parts are uploaded.

    Raises:
        ValidationError: Any line Groq would reject, or a line too large for any batch. No
            temporary file is left behind in that case.
    """
    profile = get_provider(provider)
    max_lines = profile.max_lines if max_lines is None else max_lines
    max_bytes = profile.max_bytes if max_bytes is None else max_bytes
    reason = None if completion_window is None else profile.check_window(completion_window)
    if reason is not None:
        name = os.fspath(source) if isinstance(source, str | os.PathLike) else "requests"
        raise ValidationError(
            [Problem(None, "completion_window", "unsupported_completion_window", reason)],
            source=name,
        )
    plan = ShardPlan()
    try:
        if isinstance(source, str | os.PathLike):
            path, name = Path(source), os.fspath(source)
        else:
            # Requests in memory are spooled to a scratch folder, which one a killed process
            # leaves is swept by the next (`scratch`); a file's parts are read from the file.
            plan.tmpdir = ScratchDir("parts")
            path, name = Path(plan.tmpdir.name) / "requests.jsonl", "requests"
            _spool(as_requests(source), path)
        # The limits are applied by splitting, so validation runs without them.
        report = validate_path(
            path,
            endpoint=endpoint,
            max_lines=2**62,
            max_bytes=2**62,
            urls=profile.endpoints,
            source=name,
            endpoint_used=True,
        )
        if report.problems:
            raise ValidationError(report.problems, source=name)
        stop_at("validate")
        plan.endpoint = report.endpoint
        plan.whole = path
        if report.lines <= max_lines and report.bytes <= max_bytes:
            plan.shards.append(Shard(path, report.lines, report.bytes))
            return plan
        _split(path, plan, name, max_lines, max_bytes)
    except BaseException:
        plan.cleanup()
        raise
    return plan


_BLOCK = 1 << 16  # small: the last block of a part is searched by halving


class _Blocks:
    """Reads of a file by offset, a block at a time.

    Not a memory map: the pages of a mapped file count in the process's resident size, which
    would grow with the input (issue 27 wants the client's peak flat).
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh
        self.size = fh.seek(0, os.SEEK_END)

    def read(self, start: int, end: int) -> bytes:
        """The bytes from ``start`` to ``end`` (a block at most)."""
        self._fh.seek(start)
        return self._fh.read(end - start)

    def nth_newline(self, start: int, count: int) -> tuple[int, int]:
        """The offset just past the ``count``-th newline from ``start``, and the newlines to it.

        When fewer follow, the end of the file and how many there were. Newlines are counted
        a block at a time, and found in the last block by halving it: a scan at memory speed,
        not a step per line.
        """
        position, seen = start, 0
        while position < self.size:
            block = self.read(position, min(position + _BLOCK, self.size))
            found = block.count(b"\n")
            if seen + found < count:
                seen += found
                position += len(block)
                continue
            wanted = count - seen
            low, high = 0, len(block)  # the shortest prefix holding `wanted` newlines
            while low < high:
                middle = (low + high) // 2
                if block.count(b"\n", 0, middle + 1) >= wanted:
                    high = middle
                else:
                    low = middle + 1
            return position + low + 1, count
        return self.size, seen

    def last_newline(self, start: int, end: int) -> int:
        """The offset of the last newline in ``[start, end)``, or -1."""
        position = end
        while position > start:
            low = max(start, position - _BLOCK)
            found = self.read(low, position).rfind(b"\n")
            if found >= 0:
                return low + found
            position = low
        return -1

    def newlines(self, start: int, end: int) -> int:
        """How many newlines lie in ``[start, end)``."""
        return sum(
            self.read(position, min(position + _BLOCK, end)).count(b"\n")
            for position in range(start, end, _BLOCK)
        )


def _split(path: Path, plan: ShardPlan, name: str, max_lines: int, max_bytes: int) -> None:
    """Find where each part begins and ends, by scanning for newlines; nothing is written."""
    with path.open("rb") as fh:
        data = _Blocks(fh)
        size = data.size
        unterminated = data.read(size - 1, size) != b"\n"
        start, line = 0, 1
        while start < size:
            end, lines = data.nth_newline(start, max_lines)
            # A last line without its newline gets one when sent: count it in the limit.
            if end - start + (end == size and unterminated) > max_bytes:
                end = data.last_newline(start, start + max_bytes) + 1
                if end <= start:
                    problem = Problem(line, None, "line_too_large", "Line larger than a batch file")
                    raise ValidationError([problem], source=name)
                lines = data.newlines(start, end)
            elif end == size and unterminated:
                lines += 1
            part = f"part-{len(plan.shards) + 1:04d}.jsonl"
            plan.shards.append(Shard(path, lines, end - start, start, part))
            start, line = end, line + lines


def halve_shard(
    shard: Shard, plan: ShardPlan | None = None, *, floor: int = MIN_PART_BYTES
) -> list[Shard] | None:
    """Split a part the server refused as too large (413) into two, by lines.

    Args:
        shard: The refused part.
        plan: Unused; kept for callers that pass it.
        floor: Parts this small are not split further.

    Returns:
        The two halves (ranges of the same file, named after the part), in order; None when
        the part has one line or is at the floor.
    """
    if shard.lines < 2 or shard.bytes <= floor:
        return None
    first = shard.lines // 2
    with shard.open() as fh:
        size = sum(len(fh.readline()) for _ in range(first))
    stem = Path(shard.name).stem
    return [
        Shard(shard.path, first, size, shard.offset, f"{stem}.1.jsonl"),
        Shard(
            shard.path,
            shard.lines - first,
            shard.bytes - size,
            shard.offset + size,
            f"{stem}.2.jsonl",
        ),
    ]
