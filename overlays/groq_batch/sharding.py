"""Splitting a job's input into parts that each fit one batch.

The input is validated and, when over the provider's limits, split into temporary part files
in one pass; a part the server still refuses as too large (413) is halved. Nothing is held in
memory whole, and nothing here does network I/O.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

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


@dataclass(slots=True)
class Shard:
    """One part of a job's input, as a file on disk."""

    path: Path
    lines: int
    bytes: int


@dataclass(slots=True)
class ShardPlan:
    """The parts a job's input was split into; temporary files go with ``cleanup``."""

    shards: list[Shard] = field(default_factory=list)
    tmpdir: ScratchDir | None = None
    endpoint: str = CHAT_COMPLETIONS
    whole: Path | None = None
    """The whole input as validated (the user's file, or the spooled requests)."""

    def cleanup(self) -> None:
        """Remove the temporary part files, if any were written."""
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
    # A scratch folder: one a killed process leaves is swept by the next (`scratch`).
    tmpdir = ScratchDir("parts")
    plan = ShardPlan(tmpdir=tmpdir)
    try:
        if isinstance(source, str | os.PathLike):
            path, name = Path(source), os.fspath(source)
        else:
            path, name = Path(tmpdir.name) / "requests.jsonl", "requests"
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
        _split(path, plan, Path(tmpdir.name), name, max_lines, max_bytes)
    except BaseException:
        plan.cleanup()
        raise
    return plan


def _split(
    path: Path, plan: ShardPlan, into: Path, name: str, max_lines: int, max_bytes: int
) -> None:
    out: IO[bytes] | None = None
    current: Shard | None = None
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                line = raw if raw.endswith(b"\n") else raw + b"\n"
                if len(line) > max_bytes:
                    problem = Problem(
                        number, None, "line_too_large", "Line larger than a batch file"
                    )
                    raise ValidationError([problem], source=name)
                if (
                    out is None
                    or current is None
                    or current.lines >= max_lines
                    or current.bytes + len(line) > max_bytes
                ):
                    if out is not None:
                        out.close()
                    shard_path = into / f"part-{len(plan.shards) + 1:04d}.jsonl"
                    out = shard_path.open("wb")
                    current = Shard(shard_path, 0, 0)
                    plan.shards.append(current)
                out.write(line)
                current.lines += 1
                current.bytes += len(line)
    finally:
        if out is not None:
            out.close()


def halve_shard(
    shard: Shard, plan: ShardPlan, *, floor: int = MIN_PART_BYTES
) -> list[Shard] | None:
    """Split a part the server refused as too large (413) into two, by lines.

    Args:
        shard: The refused part.
        plan: The job's plan; the halves are written into its temporary directory.
        floor: Parts this small are not split further.

    Returns:
        The two halves, in order; None when the part has one line or is at the floor.
    """
    if shard.lines < 2 or shard.bytes <= floor or plan.tmpdir is None:
        return None
    into = Path(plan.tmpdir.name)
    halves: list[Shard] = []
    with shard.path.open("rb") as fh:
        for half, count in enumerate((shard.lines // 2, shard.lines - shard.lines // 2), start=1):
            path = into / f"{shard.path.stem}.{half}.jsonl"
            current = Shard(path, 0, 0)
            with path.open("wb") as out:
                for _ in range(count):
                    raw = fh.readline()
                    line = raw if raw.endswith(b"\n") else raw + b"\n"
                    out.write(line)
                    current.lines += 1
                    current.bytes += len(line)
            halves.append(current)
    return halves
