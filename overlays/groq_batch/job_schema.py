"""The job registry's SQLite schema, and the migrations that bring an older registry to it.

``SCHEMA`` creates what is missing (``CREATE TABLE IF NOT EXISTS``, which leaves an existing
table as it was); `migrate` brings a registry to `SCHEMA_VERSION`, and `add_columns` adds every
column a table gained after its first release. `prepare` runs all three, on every connection.
"""

from __future__ import annotations

import sqlite3

from groq_batch.providers import get_provider, provider_owning

__all__ = [
    "ADDED_COLUMNS",
    "INSERT_JOB",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SELECT_JOBS",
    "add_columns",
    "inferred_provider",
    "migrate",
    "prepare",
]

SCHEMA = """
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
SELECT_JOBS = (
    "SELECT jobs.name, jobs.batch_ids, jobs.input_path, jobs.input_sha256, jobs.output_path, "
    "jobs.endpoint, jobs.state, jobs.retry_of, jobs.created_at, jobs.updated_at, jobs.provider, "
    "jobs.key_env, jobs.run_key, jobs.source_path FROM jobs"
)
INSERT_JOB = (
    "INSERT INTO jobs (name, batch_ids, input_path, input_sha256, output_path, endpoint, state, "
    "retry_of, created_at, updated_at, provider, key_env, run_key, source_path) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

# Columns added beside the versioned schema, each by ALTER TABLE where missing: `SCHEMA`'s
# CREATE TABLE IF NOT EXISTS leaves an older registry's table as it was, so every column added
# to a table after its first release is listed here. jobs.run_key: the hash of the submitted
# requests and the options (`run_key`), so that the same run is not paid for twice;
# jobs.source_path: the user's input (a table), when the submitted requests were built from it;
# reservations.started: the reserving process's start time (`process_started`).
ADDED_COLUMNS = (
    ("jobs", "run_key", "TEXT"),
    ("jobs", "source_path", "TEXT"),
    ("reservations", "started", "TEXT"),
)


def _missing_columns(db: sqlite3.Connection) -> list[tuple[str, str, str]]:
    have: dict[str, set[str]] = {}
    for table, _, _ in ADDED_COLUMNS:
        if table not in have:
            have[table] = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    return [(table, name, kind) for table, name, kind in ADDED_COLUMNS if name not in have[table]]


def add_columns(db: sqlite3.Connection) -> None:
    """Add each of `ADDED_COLUMNS` its table lacks, in one transaction under the write lock.

    Two processes opening the same older registry at once both see a column missing; only the
    first may add it (a second ``ALTER TABLE`` fails with "duplicate column name"), so the
    columns are read again once the lock is held, and only those still missing are added.

    Args:
        db: The open registry.
    """
    # A current registry (every connection after the first) is not made to wait for the lock.
    if not _missing_columns(db):
        return
    with db:
        db.execute("BEGIN IMMEDIATE")
        for table, name, kind in _missing_columns(db):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def inferred_provider(endpoint: str) -> tuple[str | None, str | None]:
    """A pre-1 row's provider and key variable, from its endpoint alone, conservatively.

    Only a URL a built-in provider owns (Groq's, OpenAI's) gets that provider; a local job needs
    no key; any other URL gets none, so no key is sent there without the user saying which.

    Args:
        endpoint: The row's endpoint (``groq``, ``local:<dir>`` or a base URL).

    Returns:
        The provider's name and its key variable, or None for both.
    """
    if endpoint.startswith("local:"):
        return None, None
    profile = get_provider("groq") if endpoint == "groq" else provider_owning(endpoint)
    if profile is None:
        return None, None
    return profile.name, profile.api_key_env


def migrate(db: sqlite3.Connection) -> None:
    """Bring a registry written by an older groq-batch to `SCHEMA_VERSION`, in one transaction.

    Args:
        db: The open registry.
    """
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
            provider, key_env = inferred_provider(str(endpoint))
            db.execute(
                "UPDATE jobs SET provider = ?, key_env = ? WHERE name = ?",
                (provider, key_env, name),
            )
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def prepare(db: sqlite3.Connection, *, fresh: bool = False) -> None:
    """Create what is missing, and bring an older registry up to date.

    Args:
        db: The open registry.
        fresh: An in-memory stand-in for a registry that does not exist yet: it is current.
    """
    db.executescript(SCHEMA)
    if fresh:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    migrate(db)
    add_columns(db)
