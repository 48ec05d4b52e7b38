"""Durable state: one SQLite database and a directory of blobs, both under the data dir.

Layout of ``data_dir``::

    groq-batch.sqlite3   files, batches, each batch's requests and their results (WAL mode)
    server.lock          held by the one server using the directory (server.pid: its pid)
    blobs/<file_id>      the bytes of every stored file
    tmp/                 uploads and result files being written; emptied on start

Blobs are only ever created by renaming a complete temp file into ``blobs/``, and a blob
counts only once its row exists. A crash can therefore leave, at worst, a temp file or a blob
without a row; `Store` deletes both when it opens.

Each thread gets its own connection. The database runs in WAL mode, so the HTTP handlers read
while the worker writes; ``synchronous=NORMAL`` keeps every committed transaction across a
process kill (only an OS crash can lose the newest ones).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from groq_batch import local
from groq_batch_server.rows import (
    BatchRow,
    FileRow,
    PendingRequest,
    ResultRow,
    StoredLine,
    batch_from_row,
)
from groq_batch_server.schema import (
    ACTIVE_STATUSES,
    BATCH_COLUMNS,
    DB_NAME,
    UPDATABLE,
    migrate,
)

__all__ = [
    "ACTIVE_STATUSES",
    "BatchRow",
    "DataDirInUseError",
    "FileRow",
    "PendingRequest",
    "ResultRow",
    "Store",
    "StoredLine",
]


class DataDirInUseError(RuntimeError):
    """Another server already serves this data dir."""


def _lock_data_dir(data_dir: Path) -> Any:
    """Hold an exclusive lock on the data dir for the store's lifetime.

    Two servers on one data dir would run the same batches twice, and the second one's start-up
    sweep would delete the first one's uploads in flight. The OS drops the lock when the process
    dies, so a killed server never blocks its own restart. The holder's pid goes in
    ``server.pid`` (the lock file itself cannot be read while held on every platform).
    """
    import filelock

    lock = filelock.FileLock(data_dir / local.SERVER_LOCK, mode=0o600, thread_local=False)
    try:
        # Not 0: a client checking whether a server holds the folder takes the lock for an
        # instant, and a server starting in that instant must not take it for another's.
        lock.acquire(timeout=1.0)
    except filelock.Timeout:
        holder = local.lock_holder(data_dir)
        owner = f"pid {holder}" if holder not in (None, -1) else "another process"
        raise DataDirInUseError(
            f"{data_dir} is in use by another groq-batch server ({owner}); "
            "stop it or choose another --data-dir"
        ) from None
    local.write_private(data_dir / local.SERVER_PID, f"pid {os.getpid()}")
    return lock


class Store:
    """The server's database and blob directory.

    Args:
        data_dir: The directory to keep everything in; created if missing.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.blob_dir = data_dir / "blobs"
        self.tmp_dir = data_dir / "tmp"
        self.db_path = data_dir / DB_NAME
        # Prompts and answers: the folders are private (0700) and every file 0600 from creation
        # (the temp files behind blobs come from mkstemp, which makes them 0600).
        local.private_dir(data_dir)
        local.private_dir(self.blob_dir)
        local.private_dir(self.tmp_dir)
        self._lock_file = _lock_data_dir(data_dir)
        local.private_database(self.db_path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        conn = self.conn
        conn.execute("PRAGMA journal_mode=WAL")
        migrate(conn)
        self._sweep()

    # ----------------------------------------------------------------------------- plumbing
    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            # Autocommit mode: transactions are explicit (`transaction()`), never implicit.
            conn = sqlite3.connect(
                self.db_path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            # Checkpoint the WAL into the database every ~40 MB instead of SQLite's ~4 MB: a
            # million-line job writes about a gigabyte, and each checkpoint copies pages and
            # syncs the database (a tenth of the worker's time). A commit is durable once in the
            # WAL, so a kill loses no more than before.
            conn.execute("PRAGMA wal_autocheckpoint=10000")
            # 32 MiB of page cache (default 2): the requests and results B-trees of big
            # batches outgrow the default, and re-reading their pages cost a few percent more.
            conn.execute("PRAGMA cache_size=-32768")
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one write transaction, committed on success, rolled back on error.

        Yields:
            The connection to run statements on.
        """
        conn = self.conn
        # IMMEDIATE takes the write lock up front, so two writers queue instead of failing
        # half-way with SQLITE_BUSY on lock upgrade.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection the store opened and release the data dir (idempotent)."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        if self._lock_file is not None:
            self._lock_file.release()
            self._lock_file = None

    def _sweep(self) -> None:
        """Delete what a crash can leave behind: temp files, and blobs without a row."""
        for leftover in self.tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)
        known = {row[0] for row in self.conn.execute("SELECT id FROM files")}
        for blob in self.blob_dir.iterdir():
            if blob.name not in known:
                blob.unlink(missing_ok=True)

    # -------------------------------------------------------------------------------- files
    def new_temp_file(self, suffix: str = ".part") -> tuple[int, Path]:
        """Create an empty temp file in the data dir, on the same filesystem as the blobs.

        Args:
            suffix: The file name's suffix.

        Returns:
            An open OS-level file descriptor and the file's path.
        """
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, suffix=suffix)
        return fd, Path(name)

    def blob_path(self, file_id: str) -> Path:
        """Where a file's bytes live.

        Args:
            file_id: The file's id.

        Returns:
            The blob's path (which exists once the file row exists).
        """
        return self.blob_dir / file_id

    def adopt_blob(self, tmp: Path, file_id: str) -> int:
        """Move a complete temp file into the blob directory.

        Args:
            tmp: The temp file, fully written and synced.
            file_id: The id it is stored under.

        Returns:
            The blob's size in bytes.
        """
        target = self.blob_path(file_id)
        os.replace(tmp, target)
        return target.stat().st_size

    def insert_file(self, conn: sqlite3.Connection, row: FileRow) -> None:
        """Record a file whose blob is already in place.

        Args:
            conn: The connection (usually inside `transaction()`).
            row: The file.
        """
        conn.execute(
            "INSERT INTO files (id, bytes, created_at, filename, purpose) VALUES (?, ?, ?, ?, ?)",
            (row.id, row.bytes, row.created_at, row.filename, row.purpose),
        )

    def get_file(self, file_id: str) -> FileRow | None:
        """Look a file up.

        Args:
            file_id: The file's id.

        Returns:
            The file, or None if there is no such file.
        """
        row = self.conn.execute(
            "SELECT id, bytes, created_at, filename, purpose FROM files WHERE id = ?", (file_id,)
        ).fetchone()
        return FileRow(*row) if row else None

    def list_files(self) -> list[FileRow]:
        """Every file, newest first.

        Returns:
            The files.
        """
        rows = self.conn.execute(
            "SELECT id, bytes, created_at, filename, purpose FROM files ORDER BY seq DESC"
        ).fetchall()
        return [FileRow(*row) for row in rows]

    def delete_file(self, file_id: str) -> bool:
        """Delete a file's row, then its blob.

        Args:
            file_id: The file's id.

        Returns:
            Whether the file existed.
        """
        with self.transaction() as conn:
            deleted = conn.execute("DELETE FROM files WHERE id = ?", (file_id,)).rowcount
        if deleted:
            self.blob_path(file_id).unlink(missing_ok=True)
        return bool(deleted)

    # ------------------------------------------------------------------------------ batches
    def insert_batch(self, row: BatchRow) -> None:
        """Record a new batch (its `seq` is assigned by the database).

        Args:
            row: The batch.
        """
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO batches (id, endpoint, input_file_id, completion_window, status, "
                "created_at, deadline, expires_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    row.id,
                    row.endpoint,
                    row.input_file_id,
                    row.completion_window,
                    row.status,
                    row.created_at,
                    row.deadline,
                    row.expires_at,
                    json.dumps(row.metadata) if row.metadata is not None else None,
                ),
            )

    def get_batch(self, batch_id: str, conn: sqlite3.Connection | None = None) -> BatchRow | None:
        """Look a batch up.

        Args:
            batch_id: The batch's id.
            conn: A connection to read through (inside a transaction), or None for this
                thread's.

        Returns:
            The batch, or None.
        """
        row = (
            (conn or self.conn)
            .execute(
                f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?",  # noqa: S608 (constant)
                (batch_id,),
            )
            .fetchone()
        )
        return batch_from_row(row) if row else None

    def list_batches(self, *, before_seq: int | None, limit: int) -> list[BatchRow]:
        """A page of batches, newest first.

        Args:
            before_seq: Only batches created before this one (by `seq`), or None for all.
            limit: The most batches to return.

        Returns:
            The batches.
        """
        rows = self.conn.execute(
            f"SELECT {BATCH_COLUMNS} FROM batches WHERE seq < ? "  # noqa: S608 (constant)
            "ORDER BY seq DESC LIMIT ?",
            (before_seq if before_seq is not None else 2**62, limit),
        ).fetchall()
        return [batch_from_row(row) for row in rows]

    def batches_by_id(self, ids: Sequence[str]) -> list[BatchRow]:
        """The batches with these ids, in the order asked; unknown ids are left out.

        Args:
            ids: Batch ids.

        Returns:
            The batches found.
        """
        found = {}
        for batch_id in dict.fromkeys(ids):
            row = self.get_batch(batch_id)
            if row is not None:
                found[batch_id] = row
        return list(found.values())

    def active_batch_ids(self) -> list[str]:
        """Batches the worker has yet to finish, oldest first.

        Returns:
            Their ids.
        """
        marks = ",".join("?" for _ in ACTIVE_STATUSES)
        rows = self.conn.execute(
            f"SELECT id FROM batches WHERE status IN ({marks}) ORDER BY seq",  # noqa: S608
            ACTIVE_STATUSES,
        ).fetchall()
        return [row[0] for row in rows]

    def set_status(
        self,
        conn: sqlite3.Connection,
        batch_id: str,
        *,
        src: str,
        dst: str,
        fields: Mapping[str, Any],
    ) -> bool:
        """Move a batch from `src` to `dst`, only if it is still in `src`.

        Callers go through the worker's transition table; this is its storage half.

        Args:
            conn: The connection (inside `transaction()`).
            batch_id: The batch.
            src: The status the batch must be in.
            dst: The new status.
            fields: Other columns to set at the same time (timestamps, file ids, errors...).

        Returns:
            Whether the batch was in `src` (and so moved).

        Raises:
            ValueError: A field is not one a status change may set.
        """
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"cannot set {sorted(unknown)} with a status change")
        values = [
            json.dumps(v) if k == "errors" and v is not None else v for k, v in fields.items()
        ]
        sets = "".join(f", {name} = ?" for name in fields)
        cursor = conn.execute(
            f"UPDATE batches SET status = ?{sets} WHERE id = ? AND status = ?",  # noqa: S608
            (dst, *values, batch_id, src),
        )
        return cursor.rowcount == 1

    # ----------------------------------------------------------------------------- requests
    def insert_requests(
        self,
        conn: sqlite3.Connection,
        batch_id: str,
        lines: Iterable[tuple[int, str, str, str | None]],
    ) -> int:
        """Store a batch's input lines.

        Args:
            conn: The connection (inside `transaction()`).
            batch_id: The batch.
            lines: ``(line, custom_id, body_json, url)`` for each line; ``url`` is the line's
                endpoint, so that a mixed file runs each line against its own.

        Returns:
            How many lines were stored.
        """
        before = conn.total_changes
        conn.executemany(
            "INSERT INTO requests (batch_id, line, custom_id, body, url) VALUES (?, ?, ?, ?, ?)",
            ((batch_id, *line) for line in lines),
        )
        return conn.total_changes - before

    def pending_requests(
        self, batch_id: str, *, after_line: int, limit: int
    ) -> list[PendingRequest]:
        """The next input lines without a result, in line order.

        Args:
            batch_id: The batch.
            after_line: Only lines after this one (0 to start from the top).
            limit: The most lines to return.

        Returns:
            The lines.
        """
        rows = self.conn.execute(
            "SELECT r.line, r.custom_id, r.body, r.url FROM requests r WHERE r.batch_id = ? "
            "AND r.line > ? AND NOT EXISTS (SELECT 1 FROM results s "
            "WHERE s.batch_id = r.batch_id AND s.line = r.line) ORDER BY r.line LIMIT ?",
            (batch_id, after_line, limit),
        ).fetchall()
        return [PendingRequest(*row) for row in rows]

    def insert_results(
        self, conn: sqlite3.Connection, batch_id: str, results: Sequence[ResultRow]
    ) -> None:
        """Store a chunk's results and advance the batch's counters, in the caller's transaction.

        A line that already has a result makes this fail (primary key), so a bug can never
        record a request twice.

        Args:
            conn: The connection (inside `transaction()`).
            batch_id: The batch.
            results: The results.
        """
        conn.executemany(
            "INSERT INTO results (batch_id, line, id, status_code, request_id, body, error_code, "
            "error_message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    batch_id,
                    r.line,
                    r.id,
                    r.status_code,
                    r.request_id,
                    r.body,
                    r.error_code,
                    r.error_message,
                )
                for r in results
            ],
        )
        completed = sum(1 for r in results if r.succeeded)
        conn.execute(
            "UPDATE batches SET completed = completed + ?, failed = failed + ? WHERE id = ?",
            (completed, len(results) - completed, batch_id),
        )

    def iter_lines(self, batch_id: str) -> Iterator[StoredLine]:
        """Every input line with its result (or None), in line order, streamed.

        Uses its own connection so that a long read never holds this thread's connection.

        Args:
            batch_id: The batch.

        Yields:
            Each line.
        """
        conn = sqlite3.connect(self.db_path, timeout=30.0)
        try:
            cursor = conn.execute(
                "SELECT q.line, q.custom_id, s.id, s.status_code, s.request_id, s.body, "
                "s.error_code, s.error_message FROM requests q LEFT JOIN results s "
                "ON s.batch_id = q.batch_id AND s.line = q.line WHERE q.batch_id = ? "
                "ORDER BY q.line",
                (batch_id,),
            )
            for line, custom_id, rid, status, request_id, body, code, message in cursor:
                result = (
                    ResultRow(line, rid, status, request_id, body, code, message)
                    if rid is not None
                    else None
                )
                yield StoredLine(line, custom_id, result)
        finally:
            conn.close()
