"""A small, local registry of the jobs this user submitted: names for batch ids.

Every ``groq-batch submit`` and ``run`` records one row in a SQLite file in the per-user data
dir (``$XDG_DATA_HOME/groq-batch/jobs.sqlite3``): a short name, the batch ids, the input path
and its SHA-256, the output path, where the batches live (``groq``, ``local:<data dir>`` or a
base URL; never a key), the provider it ran on with the name of its key variable, and a
state. Later commands accept the name wherever a batch id goes, and ``run`` uses the registry
to re-attach to an unfinished job instead of paying for it twice.

The registry is a convenience, never the only copy of an id: callers print the batch ids
before they record them, so a failed write loses nothing.

A command on a recorded job reconnects where the job ran; `job_connection` alone decides which
key goes there, so that a key is never sent to a URL its provider does not own.

This module holds the registry's API (`JobRegistry`); the rest lives by concept and is
importable from here as before: the record and its rules in `groq_batch.job_record`, the schema
and its migrations in `groq_batch.job_schema`, name reservations in
`groq_batch.job_reservations`, and the key rule in `groq_batch.job_keys`.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from groq_batch._errors import InvalidValueError, JobKeyError, JobNameError
from groq_batch.job_keys import JobConnection, job_connection
from groq_batch.job_record import (
    CANCELLED,
    FINISHED,
    STATES,
    SUBMITTED,
    WRITTEN,
    JobRecord,
    check_name,
    endpoint_label,
    file_sha256,
    is_valid_name,
    record_from_row,
    run_key,
)
from groq_batch.job_reservations import (
    RESERVATION_TTL,
    claim,
    fresh_name,
    insert_reservation,
)
from groq_batch.job_schema import (
    INSERT_JOB,
    SCHEMA_VERSION,
    SELECT_JOBS,
    inferred_provider,
    prepare,
)
from groq_batch.private_files import default_data_dir, private_database, private_dir
from groq_batch.providers import Provider, get_provider

__all__ = [
    "CANCELLED",
    "DB_NAME",
    "FINISHED",
    "RESERVATION_TTL",
    "SCHEMA_VERSION",
    "STATES",
    "SUBMITTED",
    "WRITTEN",
    "JobConnection",
    "JobKeyError",
    "JobNameError",
    "JobRecord",
    "JobRegistry",
    "default_data_dir",
    "default_registry_path",
    "endpoint_label",
    "file_sha256",
    "is_valid_name",
    "job_connection",
    "run_key",
]

DB_NAME = "jobs.sqlite3"


def default_registry_path() -> Path:
    """Return where the job registry lives: ``jobs.sqlite3`` in the per-user data dir.

    Returns:
        The path (the file may not exist yet).
    """
    return default_data_dir() / DB_NAME


class JobRegistry:
    """The job registry: a SQLite file, opened per operation so that it is never held long.

    Args:
        path: The database file; the per-user default when None. Its directory is created on
            first write.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_registry_path()
        # The names this object reserved, with their tokens: `record` completes only these.
        self._held: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"JobRegistry({str(self.path)!r})"

    @contextmanager
    def _connect(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        if write:
            # Prompts' paths and batch ids are this user's alone: the data dir is 0700 and the
            # file 0600 before SQLite opens it (its journal and WAL take the file's mode). A
            # folder the caller chose for the file is theirs to keep as it is.
            if self.path.parent == default_data_dir():
                private_dir(self.path.parent)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            private_database(self.path)
            target = str(self.path)
        elif self.path.exists():
            target = str(self.path)
        else:
            # Reading must not create the file: `jobs` on a fresh machine stays side-effect free.
            target = ":memory:"
        db = sqlite3.connect(target, timeout=10)
        with closing(db):
            db.execute("PRAGMA foreign_keys = ON")
            prepare(db, fresh=target == ":memory:")
            with db:
                yield db

    def record(
        self,
        batch_ids: Sequence[str],
        *,
        endpoint: str,
        name: str | None = None,
        input_path: str | os.PathLike[str] | None = None,
        input_sha256: str | None = None,
        output_path: str | os.PathLike[str] | None = None,
        state: str = SUBMITTED,
        retry_of: Sequence[str] | None = None,
        provider: str | Provider | None = None,
        key_env: str | None = None,
        run_key: str | None = None,
        source_path: str | os.PathLike[str] | None = None,
    ) -> JobRecord:
        """Record a job.

        Args:
            batch_ids: Its batch ids, in part order.
            endpoint: Where they live (see ``endpoint_label``).
            name: Its name; generated from the input's name when None.
            input_path: The input file, if any (stored absolute).
            input_sha256: The input's SHA-256 (computed from ``input_path`` when None).
            output_path: Where results go, if known (stored absolute).
            state: The initial state.
            retry_of: The batch ids this job resubmits, if it is a retry.
            provider: The provider it runs on; inferred from ``endpoint`` when None (only a URL
                a built-in provider owns gets one).
            key_env: The variable its key came from; the provider's own when None. Not stored
                for a local job, which needs no key.
            run_key: The run's identity (``run_key``), to find the same run again.
            source_path: The user's input, when the requests were built from it (stored
                absolute).

        Returns:
            The record as stored.

        Raises:
            JobNameError: ``name`` is malformed or taken.
            sqlite3.Error: The registry could not be written.
            OSError: The registry's directory could not be created.
        """
        check_name(name)
        if input_path is not None:
            input_path = os.path.abspath(input_path)
            if input_sha256 is None and os.path.isfile(input_path):
                input_sha256 = file_sha256(input_path)
        out = os.path.abspath(output_path) if output_path is not None else None
        if provider is None:
            provider_name, key_env = inferred_provider(endpoint)
        else:
            profile = get_provider(provider)
            provider_name, key_env = profile.name, key_env or profile.api_key_env
        if endpoint.startswith("local:"):
            key_env = None
        now = time.time()
        with self._connect(write=True) as db:
            # Taken before reading: the reservation check and the insert are one step.
            db.execute("BEGIN IMMEDIATE")
            chosen = name or fresh_name(db, input_path)
            claim(db, chosen, now, self._held.get(chosen))
            try:
                db.execute(
                    INSERT_JOB,
                    (
                        chosen,
                        ",".join(batch_ids),
                        input_path,
                        input_sha256,
                        out,
                        endpoint,
                        state,
                        ",".join(retry_of) if retry_of else None,
                        now,
                        now,
                        provider_name,
                        key_env,
                        run_key,
                        os.path.abspath(source_path) if source_path is not None else None,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise JobNameError(f"a job named {chosen!r} already exists") from exc
            db.executemany(
                "INSERT OR IGNORE INTO job_batches VALUES (?, ?)", [(b, chosen) for b in batch_ids]
            )
            # The job row now holds the name: its reservation is done.
            db.execute("DELETE FROM reservations WHERE name = ?", (chosen,))
        self._held.pop(chosen, None)
        record = self.get(chosen)
        assert record is not None
        return record

    def reserve(
        self, name: str | None = None, *, input_path: str | os.PathLike[str] | None = None
    ) -> str:
        """Reserve a job name before anything is uploaded, so two processes never share one.

        The reservation is a row under a unique key, taken in one transaction: of two processes
        reserving the same name, exactly one succeeds. `record` completes it, `release` drops
        it. A reservation whose process is gone (it crashed between reserving and recording)
        no longer holds the name: the next `reserve` or `record` takes it over.

        Args:
            name: The name; a fresh one from the input's name when None.
            input_path: The job's input file, for a fresh name.

        Returns:
            The reserved name.

        Raises:
            JobNameError: ``name`` is malformed, names a recorded job, or another live process
                holds it.
            sqlite3.Error: The registry could not be written.
            OSError: The registry's directory could not be created.
        """
        check_name(name)
        token = secrets.token_hex(8)
        now = time.time()
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            if name is None:
                chosen = fresh_name(db, os.fspath(input_path) if input_path else None)
            else:
                chosen = name
                if db.execute("SELECT 1 FROM jobs WHERE name = ?", (chosen,)).fetchone():
                    raise JobNameError(f"a job named {chosen!r} already exists")
            claim(db, chosen, now, self._held.get(chosen))
            insert_reservation(db, chosen, token, now)
        self._held[chosen] = token
        return chosen

    def release(self, name: str) -> None:
        """Drop this object's reservation of ``name`` (nothing was created under it).

        Args:
            name: A name `reserve` returned; another process's reservation is left alone.
        """
        token = self._held.pop(name, None)
        if token is None:
            return
        with self._connect(write=True) as db:
            db.execute("DELETE FROM reservations WHERE name = ? AND token = ?", (name, token))

    def new_name(self, input_path: str | os.PathLike[str] | None = None) -> str:
        """Return an unused name: the input's stem and four hex digits (``questions-3f9a``).

        Args:
            input_path: The job's input file, if any.

        Returns:
            A name no recorded job has (another process could still take it first).
        """
        with self._connect(write=False) as db:
            return fresh_name(db, os.fspath(input_path) if input_path is not None else None)

    def name_taken(self, name: str) -> bool:
        """Whether a job already has this name.

        Args:
            name: The name.

        Returns:
            True if taken.
        """
        with self._connect(write=False) as db:
            return db.execute("SELECT 1 FROM jobs WHERE name = ?", (name,)).fetchone() is not None

    def get(self, name_or_id: str) -> JobRecord | None:
        """Find a job by its name, or by one of its batch ids (the newest such job).

        Args:
            name_or_id: A job name or a batch id.

        Returns:
            The record, or None.
        """
        with self._connect(write=False) as db:
            row = db.execute(SELECT_JOBS + " WHERE name = ?", (name_or_id,)).fetchone()
            if row is None:
                row = db.execute(
                    SELECT_JOBS + " JOIN job_batches USING (name) "
                    "WHERE job_batches.batch_id = ? ORDER BY created_at DESC LIMIT 1",
                    (name_or_id,),
                ).fetchone()
        return record_from_row(row) if row is not None else None

    def resolve(self, name_or_ids: str | Sequence[str]) -> list[str]:
        """Expand job names into their batch ids; anything else is taken as a batch id.

        This is what ``client.batches.job(name_or_ids)`` needs to accept a job name.

        Args:
            name_or_ids: A job name or batch id, or several.

        Returns:
            The batch ids, in order, without repeats.
        """
        tokens = [name_or_ids] if isinstance(name_or_ids, str) else list(name_or_ids)
        ids: list[str] = []
        for token in tokens:
            record = None if token.startswith("batch_") else self.get(token)
            if record is not None and record.name == token:
                ids.extend(record.batch_ids)
            else:
                ids.append(token)
        return list(dict.fromkeys(ids))

    def list(self, *, limit: int | None = None) -> list[JobRecord]:
        """Return the jobs, newest first.

        Args:
            limit: At most this many; all when None.

        Returns:
            The records.
        """
        with self._connect(write=False) as db:
            rows = db.execute(
                SELECT_JOBS + " ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [record_from_row(r) for r in rows]

    def update_state(self, name: str, state: str) -> None:
        """Set a job's state.

        Args:
            name: The job.
            state: One of ``STATES``.

        Raises:
            ValueError: ``state`` is not a known state.
        """
        if state not in STATES:
            raise InvalidValueError(
                f"unknown job state {state!r}; expected one of {', '.join(STATES)}"
            )
        with self._connect(write=True) as db:
            db.execute(
                "UPDATE jobs SET state = ?, updated_at = ? WHERE name = ?",
                (state, time.time(), name),
            )

    def find_unfinished(
        self,
        *,
        input_path: str | os.PathLike[str],
        input_sha256: str,
        output_path: str | os.PathLike[str],
        endpoint: str,
    ) -> JobRecord | None:
        """Find the newest job on the same input, output and endpoint whose results are unwritten.

        Args:
            input_path: The input file.
            input_sha256: Its current SHA-256: an edited input is a new job.
            output_path: The results file.
            endpoint: Where the batches would run.

        Returns:
            The job to re-attach to, or None.
        """
        with self._connect(write=False) as db:
            row = db.execute(
                SELECT_JOBS + " WHERE input_path = ? AND output_path = ? AND input_sha256 = ? "
                "AND endpoint = ? AND state IN (?, ?) ORDER BY created_at DESC LIMIT 1",
                (
                    os.path.abspath(input_path),
                    os.path.abspath(output_path),
                    input_sha256,
                    endpoint,
                    SUBMITTED,
                    FINISHED,
                ),
            ).fetchone()
        return record_from_row(row) if row is not None else None

    def find_run(
        self, run_key: str, *, endpoint: str, states: Sequence[str] = (FINISHED, WRITTEN)
    ) -> JobRecord | None:
        """Find the newest job of the same run (``run_key``) on the same server.

        Args:
            run_key: The run's identity.
            endpoint: Where the batches would run (``endpoint_label``).
            states: The states that count; by default a finished job (results there to re-use).

        Returns:
            The job, or None.
        """
        with self._connect(write=False) as db:
            rows = db.execute(
                SELECT_JOBS
                + " WHERE run_key = ? AND endpoint = ? ORDER BY created_at DESC, rowid DESC",
                (run_key, endpoint),
            ).fetchall()
        found = [record_from_row(r) for r in rows]
        return next((r for r in found if r.state in states), None)

    def find_retry(self, batch_ids: Sequence[str]) -> JobRecord | None:
        """Find the newest job recorded as resubmitting exactly these batches.

        Args:
            batch_ids: The parent job's batch ids.

        Returns:
            The retry job, or None.
        """
        with self._connect(write=False) as db:
            row = db.execute(
                SELECT_JOBS + " WHERE retry_of = ? ORDER BY created_at DESC LIMIT 1",
                (",".join(batch_ids),),
            ).fetchone()
        return record_from_row(row) if row is not None else None
