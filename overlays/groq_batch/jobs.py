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
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
import sqlite3
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from groq_batch._errors import InvalidValueError, JobKeyError, JobNameError
from groq_batch.providers import PROVIDERS, Provider, get_provider, provider_owning

__all__ = [
    "CANCELLED",
    "DB_NAME",
    "FINISHED",
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY,
    batch_ids TEXT NOT NULL,
    input_path TEXT,
    input_sha256 TEXT,
    output_path TEXT,
    endpoint TEXT NOT NULL,
    state TEXT NOT NULL,
    retry_of TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    provider TEXT,
    key_env TEXT
);
CREATE TABLE IF NOT EXISTS job_batches (
    batch_id TEXT NOT NULL,
    name TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, name)
);
CREATE INDEX IF NOT EXISTS jobs_by_input ON jobs(input_path, output_path);
CREATE TABLE IF NOT EXISTS reservations (
    name TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started TEXT,
    created_at REAL NOT NULL
);
"""

SCHEMA_VERSION = 1
"""The registry's schema (``PRAGMA user_version``). 1: each job records its provider and the
name of its key variable; rows from before are given a provider inferred from their URL."""

# Columns by name, never `*`: a migrated table has the new columns in the same order, but
# naming them keeps every query right whatever the table's history.
_SELECT = (
    "SELECT jobs.name, jobs.batch_ids, jobs.input_path, jobs.input_sha256, jobs.output_path, "
    "jobs.endpoint, jobs.state, jobs.retry_of, jobs.created_at, jobs.updated_at, jobs.provider, "
    "jobs.key_env, jobs.run_key, jobs.source_path FROM jobs"
)
_INSERT = (
    "INSERT INTO jobs (name, batch_ids, input_path, input_sha256, output_path, endpoint, state, "
    "retry_of, created_at, updated_at, provider, key_env, run_key, source_path) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# Columns added beside the versioned schema, each by ALTER TABLE where missing: `_SCHEMA`'s
# CREATE TABLE IF NOT EXISTS leaves an older registry's table as it was, so every column added
# to a table after its first release is listed here. jobs.run_key: the hash of the submitted
# requests and the options (`run_key`), so that the same run is not paid for twice;
# jobs.source_path: the user's input (a table), when the submitted requests were built from it;
# reservations.started: the reserving process's start time (`_process_started`).
_ADDED_COLUMNS = (
    ("jobs", "run_key", "TEXT"),
    ("jobs", "source_path", "TEXT"),
    ("reservations", "started", "TEXT"),
)


def _add_columns(db: sqlite3.Connection) -> None:
    for table, name, kind in _ADDED_COLUMNS:
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if name not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


RESERVATION_TTL = 24 * 3600.0
"""Seconds after which a reservation whose owner cannot be checked (another host) lapses."""


def _inferred_provider(endpoint: str) -> tuple[str | None, str | None]:
    """A pre-1 row's provider and key variable, from its endpoint alone, conservatively.

    Only a URL a built-in provider owns (Groq's, OpenAI's) gets that provider; a local job needs
    no key; any other URL gets none, so no key is sent there without the user saying which.
    """
    if endpoint.startswith("local:"):
        return None, None
    profile = get_provider("groq") if endpoint == "groq" else provider_owning(endpoint)
    if profile is None:
        return None, None
    return profile.name, profile.api_key_env


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a registry written by an older groq-batch to `SCHEMA_VERSION`, in one transaction."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    with db:
        db.execute("BEGIN IMMEDIATE")
        # Re-read under the write lock: another process may have migrated meanwhile.
        if db.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
            return
        have = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
        for column in ("provider", "key_env"):
            if column not in have:
                db.execute(f"ALTER TABLE jobs ADD COLUMN {column} TEXT")
        rows = db.execute("SELECT name, endpoint FROM jobs WHERE provider IS NULL").fetchall()
        for name, endpoint in rows:
            provider, key_env = _inferred_provider(str(endpoint))
            db.execute(
                "UPDATE jobs SET provider = ?, key_env = ? WHERE name = ?",
                (provider, key_env, name),
            )
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _process_started(pid: int) -> str | None:
    """When a process started (clock ticks since boot, from Linux's /proc), or None if unknown.

    Recorded with a reservation so that a new process that got a crashed one's pid is not taken
    for it.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as dead)."""
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def default_data_dir() -> Path:
    """Return the per-user data dir, where each platform keeps a user's data.

    ``$XDG_DATA_HOME/groq-batch`` on Linux (``~/.local/share/groq-batch`` when unset), as
    `groq_batch.local.default_data_dir` says for every platform.

    Returns:
        The directory.
    """
    from groq_batch.local import default_data_dir as platform_data_dir

    return platform_data_dir()


def default_registry_path() -> Path:
    """Return where the job registry lives: ``jobs.sqlite3`` in the per-user data dir.

    Returns:
        The path (the file may not exist yet).
    """
    return default_data_dir() / DB_NAME


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
            from groq_batch.local import private_database, private_dir

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
            db.executescript(_SCHEMA)
            if target == ":memory:":
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            _migrate(db)
            _add_columns(db)
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
        if name is not None and not is_valid_name(name):
            raise JobNameError(
                f"invalid job name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
                "not starting with 'batch_'"
            )
        if input_path is not None:
            input_path = os.path.abspath(input_path)
            if input_sha256 is None and os.path.isfile(input_path):
                input_sha256 = file_sha256(input_path)
        out = os.path.abspath(output_path) if output_path is not None else None
        if provider is None:
            provider_name, key_env = _inferred_provider(endpoint)
        else:
            profile = get_provider(provider)
            provider_name, key_env = profile.name, key_env or profile.api_key_env
        if endpoint.startswith("local:"):
            key_env = None
        now = time.time()
        with self._connect(write=True) as db:
            # Taken before reading: the reservation check and the insert are one step.
            db.execute("BEGIN IMMEDIATE")
            chosen = name or self._fresh_name(db, input_path)
            self._claim(db, chosen, now)
            try:
                db.execute(
                    _INSERT,
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
        if name is not None and not is_valid_name(name):
            raise JobNameError(
                f"invalid job name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
                "not starting with 'batch_'"
            )
        token = secrets.token_hex(8)
        now = time.time()
        with self._connect(write=True) as db:
            db.execute("BEGIN IMMEDIATE")
            if name is None:
                chosen = self._fresh_name(db, os.fspath(input_path) if input_path else None)
            else:
                chosen = name
                if db.execute("SELECT 1 FROM jobs WHERE name = ?", (chosen,)).fetchone():
                    raise JobNameError(f"a job named {chosen!r} already exists")
            self._claim(db, chosen, now)
            try:
                db.execute(
                    # Columns by name: a migrated table has `started` last.
                    "INSERT INTO reservations (name, token, host, pid, started, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        chosen,
                        token,
                        socket.gethostname(),
                        os.getpid(),
                        _process_started(os.getpid()),
                        now,
                    ),
                )
            except sqlite3.IntegrityError as exc:  # only if BEGIN IMMEDIATE were bypassed
                raise JobNameError(f"a job named {chosen!r} is being submitted") from exc
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

    def _claim(self, db: sqlite3.Connection, name: str, now: float) -> None:
        """Refuse ``name`` if another live process reserved it; clear a lapsed reservation."""
        row = db.execute(
            "SELECT token, host, pid, started, created_at FROM reservations WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None or row[0] == self._held.get(name):
            return
        token, host, pid, started, created = row
        if host == socket.gethostname():
            now_started = _process_started(int(pid))
            reused = started is not None and now_started is not None and started != now_started
            lapsed = reused or not _pid_alive(int(pid))
        else:
            lapsed = now - float(created) > RESERVATION_TTL
        if not lapsed:
            raise JobNameError(
                f"a job named {name!r} is being submitted by another process "
                f"(pid {pid} on {host}); pick another --name, or wait for it and see "
                "`groq-batch jobs`"
            )
        db.execute("DELETE FROM reservations WHERE name = ? AND token = ?", (name, token))

    def new_name(self, input_path: str | os.PathLike[str] | None = None) -> str:
        """Return an unused name: the input's stem and four hex digits (``questions-3f9a``).

        Args:
            input_path: The job's input file, if any.

        Returns:
            A name no recorded job has (another process could still take it first).
        """
        with self._connect(write=False) as db:
            return self._fresh_name(db, os.fspath(input_path) if input_path is not None else None)

    @staticmethod
    def _fresh_name(db: sqlite3.Connection, input_path: str | None) -> str:
        stem = Path(input_path).stem if input_path else "job"
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:24] or "job"
        if stem.startswith("batch_"):
            stem = "job-" + stem
        while True:
            candidate = f"{stem}-{secrets.token_hex(2)}"
            taken = db.execute(
                "SELECT 1 FROM jobs WHERE name = ? UNION SELECT 1 FROM reservations WHERE name = ?",
                (candidate, candidate),
            ).fetchone()
            if taken is None:
                return candidate

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
            row = db.execute(_SELECT + " WHERE name = ?", (name_or_id,)).fetchone()
            if row is None:
                row = db.execute(
                    _SELECT + " JOIN job_batches USING (name) "
                    "WHERE job_batches.batch_id = ? ORDER BY created_at DESC LIMIT 1",
                    (name_or_id,),
                ).fetchone()
        return _record(row) if row is not None else None

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
                _SELECT + " ORDER BY created_at DESC, rowid DESC LIMIT ?",
                (-1 if limit is None else limit,),
            ).fetchall()
        return [_record(r) for r in rows]

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
                _SELECT + " WHERE input_path = ? AND output_path = ? AND input_sha256 = ? "
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
        return _record(row) if row is not None else None

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
                _SELECT
                + " WHERE run_key = ? AND endpoint = ? ORDER BY created_at DESC, rowid DESC",
                (run_key, endpoint),
            ).fetchall()
        found = [_record(r) for r in rows]
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
                _SELECT + " WHERE retry_of = ? ORDER BY created_at DESC LIMIT 1",
                (",".join(batch_ids),),
            ).fetchone()
        return _record(row) if row is not None else None


def _record(row: tuple[object, ...]) -> JobRecord:
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


@dataclass(frozen=True)
class JobConnection:
    """Where a recorded job lives and the key that may go there.

    Attributes:
        provider: The provider profile to connect with.
        base_url: The base URL; None for a local job.
        api_key: The key to send; None for a local job. Never shown in a repr.
        local_data_dir: The local server's data dir, for a ``--local`` job.
    """

    provider: Provider
    base_url: str | None
    api_key: str | None = field(repr=False)
    local_data_dir: Path | None = None


def job_connection(
    record: JobRecord,
    *,
    provider: str | Provider | None = None,
    api_key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> JobConnection:
    """Decide which key goes to a recorded job, and where: the one rule every reconnect follows.

    The job's recorded provider says which variable holds the key (never Groq's key for a job
    that ran elsewhere). The key goes only to a URL that provider owns (its own host over
    https, or a loopback server; any URL for ``openai-compatible``, whose URL the user gave).
    A job whose provider is unknown (recorded before providers were) gets no key unless the
    user names the provider or gives the key for this command.

    Args:
        record: The job.
        provider: The provider the user named for this command, if any.
        api_key: The key the user gave for this command, if any: it goes where the job lives.
        environ: Where key variables are read; ``os.environ`` when None.

    Returns:
        The provider, URL and key to connect with.

    Raises:
        JobKeyError: No key may be sent: the named provider is not the job's, the job's
            provider is unknown, its URL is not its provider's, or its key variable is unset.
    """
    env = os.environ if environ is None else environ
    named = get_provider(provider) if provider is not None else None
    recorded = get_provider(record.provider) if record.provider in PROVIDERS else None
    if record.local_data_dir is not None:
        local = recorded or named or get_provider(None)
        return JobConnection(local, None, None, local_data_dir=record.local_data_dir)
    if named is not None and recorded is not None and named.name != recorded.name:
        raise JobKeyError(
            f"job {record.name} ran on {recorded.name}, not {named.name}: drop --provider, "
            "or pass --base-url to connect elsewhere"
        )
    profile: Provider | None = recorded or named
    if profile is None:
        if api_key is None:
            raise JobKeyError(
                f"job {record.name} was recorded without its provider and its URL "
                f"{record.endpoint} belongs to no known provider, so no key is sent there: "
                "name the provider (--provider) or give the key (--api-key) for it"
            )
        profile = get_provider(None)
    url = record.base_url or profile.base_url
    if url is None:  # an openai-compatible job always records its URL; never guess one
        raise JobKeyError(f"job {record.name} has no recorded URL; pass --base-url")
    if api_key is not None:
        return JobConnection(profile, url, api_key)
    if not profile.owns_url(url):
        raise JobKeyError(
            f"job {record.name} is at {url}, which is not {profile.name}'s, so "
            f"${profile.api_key_env} is not sent there: pass --base-url {url} (or --api-key) "
            "to send a key there"
        )
    # The provider's own variable, whatever the row says: a row is not trusted to choose which
    # of the user's variables is read (it could name a password).
    variable = profile.api_key_env
    key = (env.get(variable) or "").strip()
    if not key:
        raise JobKeyError(
            f"no API key for job {record.name}: it ran on {profile.name} ({url}); set "
            f"{variable} or pass --api-key"
        )
    return JobConnection(profile, url, key)
