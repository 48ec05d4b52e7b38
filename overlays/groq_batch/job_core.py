"""What the sync and async job code share besides sending: job metadata, registry, job state.

Nothing here does network I/O, so both flavours share every decision and differ only in how
they send and wait. The other pure halves of a job live beside it: ``sharding`` (splitting the
input), ``progress`` (upload progress), ``polling`` (when to poll) and ``downloads`` (atomic
result files).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from groq_batch._errors import BatchNotFinishedError, InvalidValueError
from groq_batch.providers import (
    JOB_METADATA_KEY,
    PARENT_METADATA_KEY,
    PART_METADATA_KEY,
    RESERVED_METADATA_PREFIX,
    Provider,
    get_provider,
)
from groq_batch.sharding import ShardPlan, Source
from groq_batch.statuses import Outcome, is_terminal, status_of
from groq_batch.validation import MetadataLimits, ValidationError, validate_metadata
from groq_batch_api.models import Batch, Metadata

JOB_KEY = JOB_METADATA_KEY
PART_KEY = PART_METADATA_KEY
PARENT_KEY = PARENT_METADATA_KEY


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
