"""The database's shape: its tables, the columns code may touch, and the migrations.

Every table is created ``IF NOT EXISTS``, so opening an existing data dir is a no-op; a data
dir written by an older server is brought up to date by `migrate`, one step per change, each
safe to run again.
"""

from __future__ import annotations

import sqlite3

__all__ = [
    "ACTIVE_STATUSES",
    "BATCH_COLUMNS",
    "DB_NAME",
    "SCHEMA",
    "STAMPED_STATUSES",
    "UPDATABLE",
    "migrate",
]

DB_NAME = "groq-batch.sqlite3"

# Statuses the worker still has to move along.
ACTIVE_STATUSES = ("validating", "in_progress", "finalizing", "cancelling")

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    bytes      INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    filename   TEXT NOT NULL,
    purpose    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    endpoint          TEXT NOT NULL,
    input_file_id     TEXT NOT NULL,
    completion_window TEXT NOT NULL,
    status            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    deadline          REAL NOT NULL,
    expires_at        INTEGER,
    in_progress_at    INTEGER,
    finalizing_at     INTEGER,
    completed_at      INTEGER,
    failed_at         INTEGER,
    expired_at        INTEGER,
    cancelling_at     INTEGER,
    cancelled_at      INTEGER,
    output_file_id    TEXT,
    error_file_id     TEXT,
    total             INTEGER NOT NULL DEFAULT 0,
    completed         INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    errors            TEXT,
    metadata          TEXT
);
CREATE INDEX IF NOT EXISTS batches_status ON batches (status);
CREATE TABLE IF NOT EXISTS requests (
    batch_id  TEXT NOT NULL,
    line      INTEGER NOT NULL,
    custom_id TEXT NOT NULL,
    body      TEXT NOT NULL,
    url       TEXT,
    PRIMARY KEY (batch_id, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS results (
    batch_id      TEXT NOT NULL,
    line          INTEGER NOT NULL,
    id            TEXT NOT NULL,
    status_code   INTEGER,
    request_id    TEXT,
    body          TEXT,
    error_code    TEXT,
    error_message TEXT,
    PRIMARY KEY (batch_id, line)
) WITHOUT ROWID;
"""

BATCH_COLUMNS = (
    "seq, id, endpoint, input_file_id, completion_window, status, created_at, deadline, "
    "expires_at, in_progress_at, finalizing_at, completed_at, failed_at, expired_at, "
    "cancelling_at, cancelled_at, output_file_id, error_file_id, total, completed, failed, "
    "errors, metadata"
)

# Every status a batch can move to has a column stamping when it got there, `<status>_at`.
STAMPED_STATUSES = (
    "in_progress", "finalizing", "completed", "failed", "expired", "cancelling", "cancelled",
)  # fmt: skip

# Columns `Store.set_status` may write alongside a status change.
UPDATABLE = frozenset(
    {*(f"{status}_at" for status in STAMPED_STATUSES), "output_file_id", "error_file_id",
     "total", "errors"}
)  # fmt: skip


def migrate(conn: sqlite3.Connection) -> None:
    """Create the tables if missing and bring an older data dir's database up to date.

    Args:
        conn: A connection to the database (autocommit).
    """
    conn.executescript(SCHEMA)
    # A data dir from before lines kept their endpoint: add the column (NULL means "tell
    # from the body", which is what those batches did).
    if "url" not in {row[1] for row in conn.execute("PRAGMA table_info(requests)")}:
        conn.execute("ALTER TABLE requests ADD COLUMN url TEXT")
