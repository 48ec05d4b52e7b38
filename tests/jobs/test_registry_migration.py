"""A registry written by an older groq-batch gets every newer column when it is opened.

The tables are created with ``CREATE TABLE IF NOT EXISTS``, which leaves an existing table as
it was: a column added to the schema since reaches an old registry only by the migration.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from groq_batch.jobs import JobNameError, JobRegistry

# The registry as groq-batch wrote it when name reservations arrived (b80483e): a reservation
# did not yet record its process's start time.
_OLD_SCHEMA = """
CREATE TABLE jobs (
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
    key_env TEXT,
    run_key TEXT,
    source_path TEXT
);
CREATE TABLE job_batches (
    batch_id TEXT NOT NULL,
    name TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, name)
);
CREATE INDEX jobs_by_input ON jobs(input_path, output_path);
CREATE TABLE reservations (
    name TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    created_at REAL NOT NULL
);
PRAGMA user_version = 1;
"""


def _old_registry(path: Path) -> None:
    db = sqlite3.connect(path)
    with db:
        db.executescript(_OLD_SCHEMA)
    db.close()


def _reservation_columns(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[1] for row in db.execute("PRAGMA table_info(reservations)")]
    finally:
        db.close()


def test_an_old_registry_gets_the_reservations_start_column_and_reserves(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    _old_registry(path)
    registry = JobRegistry(path)

    name = registry.reserve("nightly")

    assert name == "nightly"
    assert "started" in _reservation_columns(path)
    db = sqlite3.connect(path)
    try:
        row = db.execute(
            "SELECT host, pid, started FROM reservations WHERE name = 'nightly'"
        ).fetchone()
    finally:
        db.close()
    assert row[1] == os.getpid()
    if sys.platform.startswith("linux"):  # the start time is read from /proc
        assert row[2] is not None
        assert row[2].isdigit()
    record = registry.record(["batch_1"], endpoint="groq", name=name)
    assert record.batch_ids == ("batch_1",)


def test_an_old_registrys_reservation_of_a_live_process_still_holds_its_name(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jobs.sqlite3"
    _old_registry(path)
    db = sqlite3.connect(path)
    with db:
        db.execute(
            "INSERT INTO reservations VALUES ('held', 't0', ?, ?, ?)",
            (socket.gethostname(), os.getppid(), time.time()),
        )
    db.close()

    with pytest.raises(JobNameError, match="being submitted by another process"):
        JobRegistry(path).reserve("held")
    assert "started" in _reservation_columns(path)
