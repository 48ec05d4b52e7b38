"""The background worker that drives every active batch through its lifecycle.

The moves themselves are the lifecycle's (`groq_batch_server.lifecycle`: `TRANSITIONS`,
`transition`, `request_cancel`, re-exported here); how input lines become stored rows is
`groq_batch_server.lines`, and how the result files are written is
`groq_batch_server.result_files`. This module holds the loop that applies them.

One bad batch never holds up the others. A step that raises is confined to its batch: that
batch is retried with a growing pause while the others go on, and after `max_tries` failures in
a row it is marked ``failed`` with an ``internal_error``. A line the server cannot store or run
(a lone surrogate in its body, JSON nested too deeply to process) becomes that line's error row,
or, when even its ``custom_id`` is unusable, a line-level validation error.

Restart safety comes from the database. Requests run in chunks (`chunk_size` lines or
`commit_interval` seconds, whichever comes first), and each chunk's results are committed,
keyed by (batch, line), in one transaction with the counters. After a restart the
worker resumes from the first line without a result. Finalising writes the output and error
files from those rows (temp file, fsync, rename), then records them and the terminal status in
one transaction; a crash in between only repeats the finalising (the orphaned blobs are swept).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from groq_batch.statuses import TERMINAL_STATUSES
from groq_batch_server.catalog import load_catalog
from groq_batch_server.execution import Executor, Interrupted
from groq_batch_server.judge import LineError, judge_path
from groq_batch_server.lifecycle import (
    TRANSITIONS,
    CancelConflictError,
    IllegalTransitionError,
    now,
    request_cancel,
    transition,
)
from groq_batch_server.line_processes import LineProcesses
from groq_batch_server.lines import batch_error, execute_pending, parse_lines, safe_text
from groq_batch_server.result_files import ResultWriter, write_line
from groq_batch_server.store import BatchRow, FileRow, PendingRequest, ResultRow, Store

__all__ = [
    "MAX_REPORTED_ERRORS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "CancelConflictError",
    "IllegalTransitionError",
    "Worker",
    "request_cancel",
    "transition",
]

logger = logging.getLogger("groq_batch_server")

# A file with thousands of bad lines would make every retrieve huge; Groq's own limit is not
# documented, so report the first problems and say how many more there are.
MAX_REPORTED_ERRORS = 1000

# Chunks handed to the line processes in one step: enough that they keep working while this
# thread commits, few enough that a cancel or the deadline is seen within a few thousand lines.
_CHUNKS_AHEAD = 4


class Worker:
    """Moves every active batch along, one step at a time, in a background thread.

    Args:
        store: The store.
        executor: What runs the requests.
        chunk_size: The most requests committed together.
        max_lines: The most lines a batch input may have.
        max_bytes: The largest batch input file.
        poll_interval: Seconds to sleep when there is nothing to do.
        clock: Returns the current Unix time in seconds (for expiry).
        max_tries: Failed steps in a row after which a batch is marked ``failed``.
        retry_delay: Seconds before a failed batch is tried again; doubles with each failure.
        commit_interval: Seconds after which finished requests are committed even if fewer
            than `chunk_size`, so progress shows steadily against a slow upstream.
        parallelism: The fewest requests handed to the executor at once (its concurrency).
        monotonic: The clock for `commit_interval` (tests pass a fake one).
        processes: Line processes that run the requests of large batches (the echo's CPU
            work spread over the cores), or None to run every request in this thread.
    """

    def __init__(
        self,
        store: Store,
        executor: Executor,
        *,
        chunk_size: int = 500,
        max_lines: int,
        max_bytes: int,
        poll_interval: float = 0.05,
        clock: Callable[[], float] = time.time,
        max_tries: int = 3,
        retry_delay: float = 1.0,
        commit_interval: float = 0.5,
        parallelism: int = 8,
        monotonic: Callable[[], float] = time.monotonic,
        processes: LineProcesses | None = None,
    ) -> None:
        self.store = store
        self.executor = executor
        self.chunk_size = chunk_size
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.poll_interval = poll_interval
        self.clock = clock
        self.max_tries = max_tries
        self.retry_delay = retry_delay
        self.commit_interval = commit_interval
        self.parallelism = parallelism
        self.monotonic = monotonic
        self.processes = processes
        # Requests handed to the executor at once; adapts to how long they take.
        self._slice = max(min(parallelism, chunk_size), 1)
        # Per batch: failed steps in a row, and the monotonic time before which it is skipped.
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        # The last line with a committed result, per batch: where the next chunk starts. Lost
        # on restart on purpose: resuming then scans from the top for the first line without a
        # result, which is what restart safety needs.
        self._cursor: dict[str, int] = {}

    # ---------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Start the background thread."""
        self._thread = threading.Thread(target=self._run, name="groq-batch-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread, abandoning (not committing) a chunk in flight.

        Args:
            timeout: Seconds to wait for the thread.
        """
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.executor.close()
        if self.processes is not None:
            self.processes.close()

    def wake(self) -> None:
        """Look at the batches now rather than after the poll interval."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.step()
            except Interrupted:
                return
            except Exception as exc:
                # Not any one batch's fault (the database itself failed): nothing was committed,
                # so retrying is safe; the pause keeps a persistent failure from flooding the log.
                logger.warning("worker step failed (%s: %s); retrying in a second",
                               type(exc).__name__, exc)  # fmt: skip
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            if not busy:
                self._wake.wait(self.poll_interval)
                self._wake.clear()

    def step(self) -> bool:
        """Advance every active batch by one step.

        Returns:
            Whether anything changed.
        """
        busy = False
        for batch_id in self.store.active_batch_ids():
            if self._stop.is_set():
                raise Interrupted
            if self._retry_at.get(batch_id, 0.0) > time.monotonic():
                continue
            try:
                row = self.store.get_batch(batch_id)
                if row is not None:
                    busy = self._advance(row) or busy
            except Interrupted:
                raise
            except Exception as exc:
                # Confined to this batch: every transaction in the step rolled back, so trying
                # again later is safe, and the other batches go on meanwhile.
                self._step_failed(batch_id, exc)
                busy = True
            else:
                self._failures.pop(batch_id, None)
                self._retry_at.pop(batch_id, None)
        return busy

    def _step_failed(self, batch_id: str, exc: Exception) -> None:
        tries = self._failures.get(batch_id, 0) + 1
        self._failures[batch_id] = tries
        delay = min(self.retry_delay * 2 ** (tries - 1), 60.0)
        self._retry_at[batch_id] = time.monotonic() + delay
        # One traceback per batch, then one line per failure: a bad batch cannot flood the log.
        logger.warning(
            "batch %s: step failed (try %d of %d): %s: %s",
            batch_id, tries, self.max_tries, type(exc).__name__, safe_text(str(exc)),
            exc_info=exc if tries == 1 else None,
        )  # fmt: skip
        if tries < self.max_tries:
            return
        message = (
            f"The server could not process this batch: {type(exc).__name__} "
            f"on {tries} tries in a row"
        )
        try:
            with self.store.transaction() as conn:
                row = self.store.get_batch(batch_id, conn)
                if row is None or row.status in TERMINAL_STATUSES:
                    return
                error = {"code": "internal_error", "message": message, "param": None,
                         "line": None}  # fmt: skip
                transition(self.store, conn, batch_id, row.status, "failed", errors=[error])
        except Exception as give_up:  # the database itself is failing; try again later
            logger.warning("batch %s: could not mark it failed: %s", batch_id, give_up)
            return
        self._failures.pop(batch_id, None)
        self._retry_at.pop(batch_id, None)
        self._cursor.pop(batch_id, None)
        logger.error("batch %s failed: %s", batch_id, message)

    def _advance(self, row: BatchRow) -> bool:
        expired = self.clock() >= row.deadline
        if row.status == "validating":
            if expired:
                with self.store.transaction() as conn:
                    return transition(self.store, conn, row.id, "validating", "expired")
            self._validate(row)
            return True
        if row.status == "in_progress":
            if expired:
                return self._finish(row, "expired")
            return self._run_chunk(row)
        if row.status == "finalizing":
            return self._finish(row, "completed")
        if row.status == "cancelling":
            if row.in_progress_at is None and row.total == 0:
                self._count_cancelled(row)
            return self._finish(row, "cancelled")
        return False

    def _count_cancelled(self, row: BatchRow) -> None:
        """Store the requests of a batch cancelled before it was validated, to count and list.

        Like Groq, a batch cancelled while validating still reports ``total`` as its number of
        requests, and its error file lists each one as cancelled. A file that would have failed
        validation has no requests to list: the cancel wins with ``total`` 0.
        """
        blob = self.store.blob_path(row.input_file_id)
        if self.store.get_file(row.input_file_id) is None or not blob.exists():
            return
        if self._judge(row, blob):
            return
        refused: list[ResultRow] = []
        unusable: list[LineError] = []
        try:
            with self.store.transaction() as conn:
                current = self.store.get_batch(row.id, conn)
                if current is None or current.status != "cancelling" or current.total:
                    return
                total = self.store.insert_requests(
                    conn, row.id, parse_lines(blob, refused, unusable)
                )
                if unusable:
                    raise _Unusable
                self.store.insert_results(conn, row.id, refused)
                conn.execute("UPDATE batches SET total = ? WHERE id = ?", (total, row.id))
        except _Unusable:
            return

    # ---------------------------------------------------------------------------- validating
    def _judge(self, row: BatchRow, blob: Path) -> list[LineError]:
        """The server's own rules (the spec's line schema and its checks), never the client's."""
        return judge_path(
            blob,
            endpoint=row.endpoint,
            endpoints=load_catalog().batch_endpoints,
            max_lines=self.max_lines,
            max_bytes=self.max_bytes,
        )

    def _validate(self, row: BatchRow) -> None:
        file = self.store.get_file(row.input_file_id)
        blob = self.store.blob_path(row.input_file_id)
        if file is None or not blob.exists():
            problems = [
                LineError(
                    None, "input_file_id", "file_not_found", f"File {row.input_file_id} not found"
                )
            ]
        else:
            problems = self._judge(row, blob)
        if not problems:
            refused: list[ResultRow] = []
            unusable: list[LineError] = []
            try:
                with self.store.transaction() as conn:
                    lines = parse_lines(blob, refused, unusable)
                    total = self.store.insert_requests(conn, row.id, lines)
                    if unusable:
                        raise _Unusable
                    # Lines that cannot be run get their error row now, and never run.
                    self.store.insert_results(conn, row.id, refused)
                    if not transition(
                        self.store, conn, row.id, "validating", "in_progress", total=total
                    ):
                        # A cancel arrived during validation: keep the parsed requests (so the
                        # error file can list them as never run) without leaving `cancelling`.
                        conn.execute("UPDATE batches SET total = ? WHERE id = ?", (total, row.id))
                return
            except _Unusable:
                problems = unusable
        if problems:
            errors = [batch_error(p) for p in problems[:MAX_REPORTED_ERRORS]]
            if len(problems) > MAX_REPORTED_ERRORS:
                errors.append(
                    {
                        "code": "too_many_errors",
                        "message": f"{len(problems) - MAX_REPORTED_ERRORS} more problems not shown",
                        "param": None,
                        "line": None,
                    }
                )
            with self.store.transaction() as conn:
                if not transition(self.store, conn, row.id, "validating", "failed", errors=errors):
                    # Cancelled meanwhile: the cancel wins, with no requests to report.
                    return
            return

    # --------------------------------------------------------------------------- processing
    def _run_chunk(self, row: BatchRow) -> bool:
        """Run requests until `chunk_size` are done or `commit_interval` has passed, then commit.

        The requests go to the executor in slices sized to take about a quarter of the
        interval each (at least `parallelism`, so an upstream pool stays busy), so that a slow
        upstream still shows progress every `commit_interval` seconds, and a fast one still
        commits `chunk_size` lines at a time.
        """
        if self.processes is not None and row.total >= self.processes.min_lines:
            return self._run_in_processes(row, self.processes)
        pending = self._pending(row, self.chunk_size)
        if not pending:
            return True
        started = self.monotonic()
        results: list[ResultRow] = []
        while len(results) < len(pending):
            part = pending[len(results) : len(results) + self._slice]
            part_started = self.monotonic()
            results += self._execute(part)
            per_request = (self.monotonic() - part_started) / len(part)
            target = self.commit_interval / 4
            wanted = int(target / per_request) if per_request > 0 else self.chunk_size
            self._slice = max(
                min(wanted, self.chunk_size), min(self.parallelism, self.chunk_size), 1
            )
            if self.monotonic() - started >= self.commit_interval:
                break
        # Results are kept even if a cancel or the deadline came while the chunk ran: those
        # requests did finish.
        with self.store.transaction() as conn:
            self.store.insert_results(conn, row.id, results)
        self._cursor[row.id] = pending[len(results) - 1].line
        return True

    def _pending(self, row: BatchRow, limit: int) -> list[PendingRequest]:
        """The next requests without a result; none left moves the batch to finalizing."""
        pending = self.store.pending_requests(
            row.id, after_line=self._cursor.get(row.id, 0), limit=limit
        )
        if not pending:
            with self.store.transaction() as conn:
                transition(self.store, conn, row.id, "in_progress", "finalizing")
        return pending

    def _run_in_processes(self, row: BatchRow, processes: LineProcesses) -> bool:
        """Run the next few chunks in the line processes, committing each as it comes back.

        The processes work on the later chunks while this thread stores the earlier ones;
        each chunk's results and counters are one transaction, as in `_run_chunk`.
        """
        pending = self._pending(row, self.chunk_size * _CHUNKS_AHEAD)
        if not pending:
            return True
        chunks = [pending[i : i + self.chunk_size] for i in range(0, len(pending), self.chunk_size)]
        for results in processes.run(chunks, self._stop):
            with self.store.transaction() as conn:
                self.store.insert_results(conn, row.id, results)
            self._cursor[row.id] = results[-1].line
        return True

    def _execute(self, pending: list[PendingRequest]) -> list[ResultRow]:
        """Run a chunk; a request that makes the executor fail gets an error row of its own."""
        return execute_pending(self.executor, pending, self._stop)

    # ---------------------------------------------------------------------------- finalising
    def _finish(self, row: BatchRow, target: str) -> bool:
        """Write the result files from the stored rows, then record them and `target` at once."""
        with ExitStack() as stack:
            output = ResultWriter(self.store)
            stack.callback(output.discard)
            errors = ResultWriter(self.store)
            stack.callback(errors.discard)
            for line in self.store.iter_lines(row.id):
                if self._stop.is_set():
                    raise Interrupted
                write_line(line, target, output, errors)
            output_id = output.commit()
            errors_id = errors.commit()
            stack.pop_all()
        created = now()
        try:
            with self.store.transaction() as conn:
                for file_id in (output_id, errors_id):
                    if file_id is None:
                        continue
                    kind = "output" if file_id == output_id else "error"
                    self.store.insert_file(
                        conn,
                        FileRow(
                            id=file_id,
                            bytes=self.store.blob_path(file_id).stat().st_size,
                            created_at=created,
                            filename=f"{row.id}_{kind}.jsonl",
                            purpose="batch_output",
                        ),
                    )
                moved = transition(
                    self.store,
                    conn,
                    row.id,
                    row.status,
                    target,
                    output_file_id=output_id,
                    error_file_id=errors_id,
                )
                if not moved:
                    raise _Superseded
        except _Superseded:
            # Someone (a cancel) changed the status while the files were written; the files
            # are no longer wanted, and the next step finalises for the new status.
            for file_id in (output_id, errors_id):
                if file_id is not None:
                    self.store.blob_path(file_id).unlink(missing_ok=True)
            return True
        self._cursor.pop(row.id, None)
        logger.info("batch %s %s", row.id, target)
        return True


class _Superseded(Exception):
    """The batch's status changed while it was being finalised."""


class _Unusable(Exception):
    """Some lines cannot be used; the parse is rolled back and the batch fails validation."""
