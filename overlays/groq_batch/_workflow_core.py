"""The pure half of the batch job: splitting, polling policy, metadata and job state.

Nothing here does network I/O, so the sync and async job code share every decision and differ
only in how they send and wait.
"""

from __future__ import annotations

import contextlib
import os
import random
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import httpx

from groq_batch._errors import (
    APIConnectionError,
    APIStatusError,
    BatchNotFinishedError,
    GroqError,
    IncompleteContentError,
    InvalidValueError,
    WaitTimeoutError,
)
from groq_batch.jsonl import CHAT_COMPLETIONS, BatchRequest, as_requests, dump_line
from groq_batch.providers import (
    JOB_METADATA_KEY,
    PARENT_METADATA_KEY,
    PART_METADATA_KEY,
    RESERVED_METADATA_PREFIX,
    Provider,
    get_provider,
)
from groq_batch.statuses import Outcome, is_terminal, status_of
from groq_batch.validation import (
    MetadataLimits,
    Problem,
    ValidationError,
    validate_metadata,
    validate_path,
)
from groq_batch_api.models import Batch, Metadata

JOB_KEY = JOB_METADATA_KEY
PART_KEY = PART_METADATA_KEY
PARENT_KEY = PARENT_METADATA_KEY
FIRST_POLL = 1.0
MAX_POLL = 60.0
DEFAULT_MAX_PART_BYTES = get_provider().max_bytes
"""Bytes per part by default: the default profile's (Groq's batch guide says 200 MB, its API
reference still says 100). A part the server refuses with 413 is halved and sent again, whichever
is true."""
MIN_PART_BYTES = 64 * 1024
"""A refused part this small is not halved further: the error is raised."""
MAX_OUTAGE_DELAY = 30.0

Source = str | os.PathLike[str] | Iterable[BatchRequest | Mapping[str, Any]]
ProgressCallback = Callable[["UploadProgress"], None]
RetryCallback = Callable[[GroqError, float], None]
"""Told each failed poll during an outage, and how many seconds until the next try."""


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


def poll_delays(
    poll_interval: float | None, jitter: Callable[[], float] = random.random
) -> Iterable[float]:
    """Yield the waits between polls: about 1 s at first, growing to about 60 s.

    Args:
        poll_interval: A fixed interval instead of the backoff, if given.
        jitter: A random draw in [0, 1), which spreads each wait by up to 10% either way.

    Yields:
        Seconds to wait before each next poll.
    """
    if poll_interval is not None:
        while True:
            yield poll_interval
    delay = FIRST_POLL
    while True:
        # A little jitter keeps many waiting clients from polling in lockstep.
        yield delay * (0.9 + 0.2 * jitter())
        delay = min(delay * 1.5, MAX_POLL)


def new_job_id() -> str:
    """Return a fresh id for one logical job.

    Returns:
        ``job_`` and 32 hex digits.
    """
    return f"job_{uuid.uuid4().hex}"


def part_metadata(
    metadata: Mapping[str, str] | None, job_id: str, part: int, parts: int
) -> dict[str, str]:
    """Return the metadata for one part of a job.

    Args:
        metadata: The caller's metadata.
        job_id: The job's id.
        part: The 1-based part.
        parts: How many parts.

    Returns:
        The caller's metadata plus the job id and the part number.
    """
    merged = dict(metadata or {})
    merged[JOB_KEY] = job_id
    merged[PART_KEY] = f"{part}/{parts}"
    return merged


def check_job_metadata(
    metadata: Mapping[str, str] | None, parts: int, provider: Provider | None = None
) -> None:
    """Refuse, before anything is uploaded, metadata the server would refuse on a part.

    Each part's batch carries the caller's pairs plus the package's own keys (the job and part
    of `part_metadata`, the create marker, and the parent of a resubmitted job), so the bounds
    are checked on that merged set: a job that is accepted can always have its failures
    resubmitted.

    Args:
        metadata: The caller's metadata.
        parts: How many parts the job has.
        provider: The profile whose metadata bounds apply; the default's when None.

    Raises:
        ValidationError: A bound is crossed; each problem names its key.
    """
    # Imported here: the create marker lives with the batches resource, which counts it.
    from groq_batch.batch_requests import new_marker, with_marker

    merged = part_metadata(metadata, new_job_id(), parts, parts)
    merged = with_marker(merged, new_marker())  # counted as sent, on or off: the safe side
    # A resubmission of this job's failures adds the parent key: count it now, so that a job
    # accepted here can always have its failures resubmitted.
    merged.setdefault(PARENT_METADATA_KEY, "batch_" + "0" * 26)
    problems = validate_metadata(merged, MetadataLimits.of(get_provider(provider)))
    if problems:
        raise ValidationError(problems, source="metadata")


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """How ``submit`` finds and records a job in the job registry (``name=`` or ``reuse=``)."""

    name: str | None
    run_key: str
    endpoint: str
    input_path: str | None
    input_sha256: str


def registry_entry(
    source: Source,
    plan: ShardPlan,
    *,
    name: str | None,
    endpoint: str | None,
    completion_window: str,
    metadata: Mapping[str, str] | None,
    provider: Provider,
    base_url: str,
) -> RegistryEntry:
    """The registry's view of a submission: its run key (as ``groq-batch run`` computes it)."""
    from groq_batch.jobs import endpoint_label, file_sha256, run_key

    assert plan.whole is not None
    sha = file_sha256(plan.whole)
    key = run_key(
        sha,
        endpoint=endpoint,
        completion_window=completion_window,
        metadata=sorted((metadata or {}).items()),
        provider=provider.name,
    )
    path = os.fspath(source) if isinstance(source, str | os.PathLike) else None
    return RegistryEntry(
        name, key, endpoint_label(local_data_dir=None, base_url=base_url), path, sha
    )


def find_same_run(entry: RegistryEntry) -> list[str] | None:
    """The batch ids of a job of the same run on the same server that was not cancelled."""
    from groq_batch.jobs import FINISHED, SUBMITTED, WRITTEN, JobRegistry

    found = JobRegistry().find_run(
        entry.run_key, endpoint=entry.endpoint, states=(SUBMITTED, FINISHED, WRITTEN)
    )
    return None if found is None else list(found.batch_ids)


def check_name_free(name: str | None) -> None:
    """Refuse, before any upload, a job name the registry already holds."""
    from groq_batch.jobs import JobNameError, JobRegistry, is_valid_name

    if name is None:
        return
    if not is_valid_name(name):
        raise JobNameError(
            f"invalid job name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "not starting with 'batch_'"
        )
    if JobRegistry().name_taken(name):
        raise JobNameError(f"a job named {name!r} already exists")


def record_job(entry: RegistryEntry, batch_ids: Sequence[str]) -> str | None:
    """Record a submitted job; a registry that cannot be written is a warning, not a lost job."""
    import sqlite3
    import warnings

    from groq_batch.jobs import JobRegistry

    try:
        record = JobRegistry().record(
            batch_ids,
            name=entry.name,
            endpoint=entry.endpoint,
            input_path=entry.input_path,
            input_sha256=entry.input_sha256,
            run_key=entry.run_key,
        )
    except (sqlite3.Error, OSError, ValueError) as exc:
        warnings.warn(
            f"the job is not in the registry ({exc}); its batch ids: {', '.join(batch_ids)}",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    return record.name


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
    tmpdir: tempfile.TemporaryDirectory[str] | None = None
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
    tmpdir = tempfile.TemporaryDirectory(prefix="groq-batch-")
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
    if on_progress is None:
        return fh

    def report(sent: int, total: int) -> None:
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
        chunk = self._fh.read(size)
        if chunk:
            self._sent += len(chunk)
            self._report(self._sent, self._total)
        return chunk

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._fh.seek(offset, whence)
        self._sent = position
        return position

    def tell(self) -> int:
        return self._fh.tell()

    def fileno(self) -> int:
        return self._fh.fileno()

    def close(self) -> None:
        self._fh.close()

    def __iter__(self) -> Any:
        # httpx iterates file objects when it cannot determine their length otherwise.
        while chunk := self.read(64 * 1024):
            yield chunk


class JobBase:
    """What sync and async job handles share: their ids and the latest state of each batch.

    Attributes:
        ids: The job's batch ids, in part order.
        batches: The latest state seen of each batch (empty until first fetched).
    """

    def __init__(self, batches: Sequence[Batch | str]) -> None:
        ids = tuple(b if isinstance(b, str) else b.id for b in batches)
        if not ids or not all(ids):
            raise InvalidValueError("A job needs one or more non-empty batch ids")
        self.ids: tuple[str, ...] = ids
        known = [b for b in batches if isinstance(b, Batch)]
        self.batches: list[Batch] = known if len(known) == len(ids) else []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ids={list(self.ids)!r})"

    @property
    def done(self) -> bool:
        """Whether every batch had reached a terminal status when last seen."""
        return bool(self.batches) and all(is_terminal(b) for b in self.batches)

    def pending_ids(self) -> list[str]:
        """Return the ids whose last seen state is not terminal (all of them before a fetch).

        Returns:
            The ids to poll next.
        """
        if not self.batches:
            return list(self.ids)
        return [b.id for b in self.batches if not is_terminal(b)]

    def merge(self, fresh: Sequence[Batch]) -> list[Batch]:
        """Fold freshly fetched batches into the job's state, keeping part order.

        Args:
            fresh: Batches just fetched.

        Returns:
            The job's batches.
        """
        by_id = {b.id: b for b in self.batches}
        by_id.update({b.id: b for b in fresh})
        self.batches = [by_id[i] for i in self.ids if i in by_id]
        return self.batches

    def result_file_ids(self) -> list[str]:
        """Return every output and error file id of the job, outputs of each part first.

        Returns:
            The file ids.
        """
        ids = []
        for batch in self.batches:
            for file_id in (batch.output_file_id, batch.error_file_id):
                if isinstance(file_id, str) and file_id:
                    ids.append(file_id)
        return ids

    def unfinished_error(self) -> BatchNotFinishedError | None:
        """Return the error to raise when results are asked for too early, if any.

        Returns:
            The error, or None when every batch is terminal.
        """
        unfinished = [b.id for b in self.batches if not is_terminal(b)]
        if not unfinished:
            return None
        return BatchNotFinishedError(
            f"Batches not finished yet: {', '.join(unfinished)}; wait for them first"
        )

    def missing_outcome(self) -> Outcome:
        """What an input in neither the output nor the error file is, from the batches' status.

        Rows of an expired or cancelled batch that never ran are ``expired`` / ``cancelled``:
        the batch's own final status says why. When the batches that did not complete all
        ended one way, that is the reason; otherwise (or none is known) ``missing``.
        """
        ended = {status_of(b) for b in self.batches if isinstance(b, Batch)} - {"completed"}
        if ended == {"expired"}:
            return Outcome.EXPIRED
        if ended == {"cancelled"}:
            return Outcome.CANCELLED
        return Outcome.MISSING

    def resubmit_metadata(self) -> dict[str, str]:
        """Return the metadata for a job built from this one's failures.

        Returns:
            The first batch's own metadata, without this package's job keys, plus the parents.
        """
        first = self.batches[0]
        inherited = first.metadata.to_dict() if isinstance(first.metadata, Metadata) else {}
        # The parent's job keys describe the parent; the new job gets its own.
        metadata = {
            k: v for k, v in inherited.items() if not k.startswith(RESERVED_METADATA_PREFIX)
        }
        metadata[PARENT_KEY] = ",".join(self.ids)
        return metadata


class Poller:
    """The waiting half of ``wait``: when to poll next, and when the deadline has passed."""

    def __init__(
        self,
        timeout: float | None,
        poll_interval: float | None,
        clock: Callable[[], float],
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        self._deadline = None if timeout is None else clock() + timeout
        self._delays = iter(poll_delays(poll_interval, jitter))

    def next_delay(self, batches: Sequence[Batch]) -> float:
        """Return how long to sleep before the next poll, trimmed to the deadline.

        Args:
            batches: The batches as just seen, for the error if the deadline passed.

        Returns:
            Seconds to sleep.

        Raises:
            WaitTimeoutError: The deadline has passed.
        """
        return self._trim(next(self._delays), batches)

    def outage_delay(self, batches: Sequence[Batch], failures: int) -> float:
        """Return how long to wait after the `failures`-th poll in a row failed on an outage.

        Backs off from 1 s to `MAX_OUTAGE_DELAY`, trimmed to the deadline.

        Args:
            batches: The batches as last seen, for the error if the deadline passed.
            failures: How many polls in a row have failed (1 for the first).

        Returns:
            Seconds to sleep.

        Raises:
            WaitTimeoutError: The deadline has passed.
        """
        return self._trim(min(FIRST_POLL * 2 ** (failures - 1), MAX_OUTAGE_DELAY), batches)

    def _trim(self, delay: float, batches: Sequence[Batch]) -> float:
        if self._deadline is None:
            return delay
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise WaitTimeoutError(batches, self._timeout or 0.0)
        return min(delay, remaining)


def is_outage(exc: BaseException) -> bool:
    """Whether a failed poll means the API is unreachable or overloaded, not that it said no.

    A waiter outlives such an outage: no connection, a timeout, a 5xx, a 429 or Groq's 498.

    Args:
        exc: What the poll raised.

    Returns:
        True when polling again later may succeed.
    """
    if isinstance(exc, APIConnectionError):
        return True
    return isinstance(exc, APIStatusError) and (
        exc.status_code >= 500 or exc.status_code in (429, 498)
    )


def download_plan(batches: Sequence[Batch], directory: Path) -> list[tuple[str, Path]]:
    """Return each output and error file of the batches with the path ``download`` gives it.

    Args:
        batches: The job's batches.
        directory: The download directory.

    Returns:
        ``(file_id, target)`` pairs: ``<batch_id>_output.jsonl`` and ``<batch_id>_errors.jsonl``.
    """
    plan = []
    for batch in batches:
        for kind, file_id in (("output", batch.output_file_id), ("errors", batch.error_file_id)):
            if isinstance(file_id, str) and file_id:
                plan.append((file_id, directory / f"{batch.id}_{kind}.jsonl"))
    return plan


@contextlib.contextmanager
def atomic_download(target: Path, file_id: str, expected: int) -> Iterator[Path]:
    """Give a temporary path beside ``target``; move it into place only if it is whole.

    Args:
        target: The final path.
        file_id: The file being downloaded, named in the error.
        expected: The size the file must have.

    Yields:
        The temporary path to write.

    Raises:
        IncompleteContentError: The written file's size differs from ``expected``; nothing
            is left behind.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        size = tmp.stat().st_size
        if size != expected:
            raise IncompleteContentError(
                httpx.Request("GET", f"/openai/v1/files/{file_id}/content"),
                received=size,
                expected=expected,
                reason="the file's size differs from its metadata",
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
