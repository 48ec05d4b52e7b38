"""Several processes opening one old registry at once all succeed: the column migration is atomic.

Each process that opens a registry adds the columns it lacks. Done outside a write lock, two of
them could both see a column missing, and the second `ALTER TABLE` failed with "duplicate column
name". The race is made certain rather than likely: the test holds the registry's write lock,
lets every process read the old columns and reach its first write, then adds the columns itself,
as the process that won would have, and lets them go on.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event, Semaphore
from pathlib import Path
from typing import Any

from groq_batch.job_schema import ADDED_COLUMNS, prepare
from groq_batch.jobs import JobRegistry

# A registry as groq-batch wrote it at schema version 1, before any of `ADDED_COLUMNS`.
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
    key_env TEXT
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

_PROCESSES = 3
_WAIT = 120.0  # seconds: only a hang waits this long (a spawned process imports the package)

# The statements that need the write lock: the old code's first was its ALTER TABLE.
_WRITES = ("ALTER", "BEGIN IMMEDIATE")


def _open_at_once(path: str, index: int, go: Event, reached: Semaphore, done: Queue[Any]) -> None:
    """In a child process: open the registry (which migrates it) and reserve a name."""
    real_connect = sqlite3.connect
    told = False

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = real_connect(*args, **kwargs)

        def trace(sql: str) -> None:
            nonlocal told
            if not told and sql.lstrip().upper().startswith(_WRITES):
                told = True
                reached.release()  # about to wait for the write lock the test holds

        db.set_trace_callback(trace)
        return db

    sqlite3.connect = traced  # type: ignore[assignment]  # this child process only
    go.wait(_WAIT)
    try:
        name = JobRegistry(path).reserve(f"job-{index}")
    except Exception as exc:  # reported to the test, which names it
        done.put((index, f"{type(exc).__name__}: {exc}"))
    else:
        done.put((index, name))


def _columns(path: Path, table: str) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
    finally:
        db.close()


def test_processes_opening_an_old_registry_at_once_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(_OLD_SCHEMA)
    old.close()
    ctx = multiprocessing.get_context("spawn")
    go, reached, done = ctx.Event(), ctx.Semaphore(0), ctx.Queue()
    children = [
        ctx.Process(target=_open_at_once, args=(str(path), i, go, reached, done))
        for i in range(_PROCESSES)
    ]
    for child in children:
        child.start()
    winner = sqlite3.connect(path, isolation_level=None)
    try:
        winner.execute("BEGIN IMMEDIATE")
        go.set()
        # Every process has read the old columns and now waits for the write lock.
        for _ in children:
            assert reached.acquire(timeout=_WAIT)
        for table, name, kind in ADDED_COLUMNS:
            winner.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        winner.execute("COMMIT")
    finally:
        winner.close()
        go.set()
    outcomes = dict(done.get(timeout=_WAIT) for _ in children)
    for child in children:
        child.join(_WAIT)
    assert outcomes == {i: f"job-{i}" for i in range(_PROCESSES)}
    assert [child.exitcode for child in children] == [0] * _PROCESSES
    for table, name, _ in ADDED_COLUMNS:
        assert _columns(path, table).count(name) == 1


def test_a_current_registry_is_opened_without_taking_the_write_lock(tmp_path: Path) -> None:
    # The check inside the lock is the one that counts; the one before it spares a current
    # registry the write lock on every read.
    path = tmp_path / "jobs.sqlite3"
    registry = JobRegistry(path)
    registry.reserve("first")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        statements: list[str] = []
        db = sqlite3.connect(path, timeout=0)
        db.set_trace_callback(statements.append)
        prepare(db)  # would fail at once ("database is locked") if it asked for the lock
        db.close()
    finally:
        holder.close()
    assert not [sql for sql in statements if sql.lstrip().upper().startswith(_WRITES)]
