"""A recorded job as data: its fields, its states, and the rules for its name and identity.

Pure: nothing here opens the registry. `JobRecord` is what `groq_batch.jobs.JobRegistry`
returns; `is_valid_name`, `run_key` and `endpoint_label` decide what is stored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from groq_batch._errors import JobNameError

__all__ = [
    "CANCELLED",
    "FINISHED",
    "STATES",
    "SUBMITTED",
    "WRITTEN",
    "JobRecord",
    "check_name",
    "endpoint_label",
    "file_sha256",
    "is_valid_name",
    "record_from_row",
    "run_key",
]

SUBMITTED = "submitted"
"""The batches exist; nobody has seen them finish."""
FINISHED = "finished"
"""Every batch reached a terminal status."""
WRITTEN = "written"
"""The results were written to the job's output."""
CANCELLED = "cancelled"
"""Someone asked for the batches to be cancelled."""
STATES = (SUBMITTED, FINISHED, WRITTEN, CANCELLED)

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file, read in chunks.

    Args:
        path: The file.

    Returns:
        The hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def run_key(input_sha256: str, **options: object) -> str:
    """The identity of a run: what it sends and how, so that the same run is found again.

    Two submissions with the same key would make the same batches and cost the same again:
    ``groq-batch run`` re-uses a finished job with the key instead (``--again`` submits anew),
    and ``batches.submit(..., name=..., reuse=True)`` does the same from Python.

    Args:
        input_sha256: The SHA-256 of the requests file as submitted.
        **options: Whatever else changes the batches (endpoint, completion window, metadata,
            provider); values are compared as JSON.

    Returns:
        A hex digest.
    """
    text = json.dumps([input_sha256, options], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def endpoint_label(*, local_data_dir: str | os.PathLike[str] | None, base_url: str | None) -> str:
    """Describe where a job's batches live, without any credential.

    Args:
        local_data_dir: The local server's data dir, for ``--local`` jobs.
        base_url: The API base URL otherwise; None (or Groq's) means Groq.

    Returns:
        ``local:<dir>``, ``groq``, or the base URL with any user and password removed.
    """
    if local_data_dir is not None:
        return f"local:{Path(local_data_dir).resolve()}"
    if not base_url:
        return "groq"
    parts = urllib.parse.urlsplit(base_url.rstrip("/"))
    if parts.hostname == "api.groq.com" and parts.scheme == "https":
        return "groq"
    # A URL may carry user:password@; the registry must never hold a secret.
    netloc = parts.hostname or ""
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def is_valid_name(name: str) -> bool:
    """Whether ``name`` can name a job: 1-64 letters, digits, ``.``, ``_``, ``-``, not ``batch_``.

    Args:
        name: The candidate.

    Returns:
        True if it is usable.
    """
    return bool(_NAME.fullmatch(name)) and not name.startswith("batch_")


def check_name(name: str | None) -> None:
    """Refuse a malformed job name (None, for a name still to be chosen, passes).

    Args:
        name: The name the user gave, if any.

    Raises:
        JobNameError: ``name`` is not `is_valid_name`.
    """
    if name is not None and not is_valid_name(name):
        raise JobNameError(
            f"invalid job name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "not starting with 'batch_'"
        )


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One registered job.

    Attributes:
        name: The job's short name.
        batch_ids: Its batch ids, in part order.
        input_path: The absolute input path, if the input was a file.
        input_sha256: The input's SHA-256 when submitted.
        output_path: Where ``run`` writes the results, if anywhere.
        endpoint: ``groq``, ``local:<data dir>`` or a base URL.
        state: ``submitted``, ``finished``, ``written`` or ``cancelled``.
        retry_of: The batch ids (comma-separated) this job resubmits, if it is a retry.
        created_at: When it was recorded (epoch seconds).
        updated_at: When it last changed (epoch seconds).
        provider: The provider it ran on (``groq``, ``openai``, ``openai-compatible``), or None
            when unknown (a row from before providers were recorded, on a URL no built-in
            provider owns).
        key_env: The environment variable whose key it was submitted with; None for a local job
            or an unknown provider.
    """

    name: str
    batch_ids: tuple[str, ...]
    input_path: str | None
    input_sha256: str | None
    output_path: str | None
    endpoint: str
    state: str
    retry_of: str | None
    created_at: float
    updated_at: float
    provider: str | None = None
    key_env: str | None = None
    run_key: str | None = None
    source_path: str | None = None

    @property
    def local_data_dir(self) -> Path | None:
        """The local server's data dir, for a ``--local`` job."""
        if self.endpoint.startswith("local:"):
            return Path(self.endpoint.removeprefix("local:"))
        return None

    @property
    def base_url(self) -> str | None:
        """The base URL, for a job on neither Groq nor the local server."""
        if self.endpoint == "groq" or self.local_data_dir is not None:
            return None
        return self.endpoint

    def unchanged_input(self) -> Path | None:
        """The recorded input file, if it is still there with the content it was submitted with.

        Returns:
            The path, or None (no input recorded, gone, or changed since): then the results are
            joined to the inputs read back through the API.
        """
        if self.input_path is None:
            return None
        path = Path(self.input_path)
        try:
            if path.is_file() and file_sha256(path) == self.input_sha256:
                return path
        except OSError:
            pass
        return None

    def to_dict(self) -> dict[str, object]:
        """Return the record as JSON-ready data.

        Returns:
            Every field; ``batch_ids`` as a list.
        """
        return {
            "name": self.name,
            "batch_ids": list(self.batch_ids),
            "input_path": self.input_path,
            "input_sha256": self.input_sha256,
            "output_path": self.output_path,
            "endpoint": self.endpoint,
            "state": self.state,
            "retry_of": self.retry_of,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "provider": self.provider,
            "key_env": self.key_env,
            "run_key": self.run_key,
            "source_path": self.source_path,
        }


def record_from_row(row: tuple[object, ...]) -> JobRecord:
    """A `JobRecord` from a row of ``SELECT_JOBS`` (`groq_batch.job_schema`).

    Args:
        row: The row, its columns in ``SELECT_JOBS``'s order.

    Returns:
        The record.
    """
    name, ids, input_path, sha, output, endpoint, state, retry_of, created, updated = row[:10]
    provider, key_env, key, source = row[10:14]
    return JobRecord(
        name=str(name),
        batch_ids=tuple(str(ids).split(",")),
        input_path=None if input_path is None else str(input_path),
        input_sha256=None if sha is None else str(sha),
        output_path=None if output is None else str(output),
        endpoint=str(endpoint),
        state=str(state),
        retry_of=None if retry_of is None else str(retry_of),
        created_at=float(created),  # type: ignore[arg-type]
        updated_at=float(updated),  # type: ignore[arg-type]
        provider=None if provider is None else str(provider),
        key_env=None if key_env is None else str(key_env),
        run_key=None if key is None else str(key),
        source_path=None if source is None else str(source),
    )
