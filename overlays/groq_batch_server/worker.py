"""The batch lifecycle and the background worker that drives it.

Every status change goes through `transition()`, which checks it against `TRANSITIONS` (the one
table of allowed moves) and stamps the matching timestamp, in the caller's transaction::

    validating  -> in_progress   (in_progress_at)   the input file is valid
    validating  -> failed        (failed_at)        it is not; `errors` lists every problem
    validating  -> cancelling    (cancelling_at)
    validating  -> expired       (expired_at)       the window elapsed before validation ran
    in_progress -> finalizing    (finalizing_at)    every request has a result
    in_progress -> cancelling    (cancelling_at)
    in_progress -> expired       (expired_at)       the window elapsed; partial results kept
    finalizing  -> completed     (completed_at)
    cancelling  -> cancelled     (cancelled_at)
    in_progress, finalizing, cancelling -> failed (failed_at)
                                        the worker gave up on the batch after repeated failures

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

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from groq_batch.statuses import TERMINAL_STATUSES
from groq_batch_server.catalog import load_catalog
from groq_batch_server.executors import ExecRequest, Executor, Interrupted, Outcome
from groq_batch_server.ids import new_id
from groq_batch_server.judge import LineError, judge_path
from groq_batch_server.store import (
    BatchRow,
    FileRow,
    PendingRequest,
    ResultRow,
    Store,
    StoredLine,
)

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

# (from, to) -> the timestamp column the move stamps. Nothing else may change a status.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("validating", "in_progress"): "in_progress_at",
    ("validating", "failed"): "failed_at",
    ("validating", "cancelling"): "cancelling_at",
    ("validating", "expired"): "expired_at",
    ("in_progress", "finalizing"): "finalizing_at",
    ("in_progress", "cancelling"): "cancelling_at",
    ("in_progress", "expired"): "expired_at",
    ("finalizing", "completed"): "completed_at",
    ("cancelling", "cancelled"): "cancelled_at",
    # Only the worker's give-up path takes these: a batch it cannot move after `max_tries`.
    ("in_progress", "failed"): "failed_at",
    ("finalizing", "failed"): "failed_at",
    ("cancelling", "failed"): "failed_at",
}


# A file with thousands of bad lines would make every retrieve huge; Groq's own limit is not
# documented, so report the first problems and say how many more there are.
MAX_REPORTED_ERRORS = 1000

# The error-file line for requests that never ran, by the terminal status that stopped them.
_NOT_RUN = {
    "expired": (
        "batch_expired",
        "This request could not be executed before the completion window expired.",
    ),
    "cancelled": (
        "batch_cancelled",
        "This request was not executed because the batch was cancelled.",
    ),
    "completed": ("batch_request_lost", "This request has no result."),
}


class IllegalTransitionError(RuntimeError):
    """A status change that `TRANSITIONS` does not allow."""


class CancelConflictError(RuntimeError):
    """The batch is past the point where it can be cancelled.

    Attributes:
        status: The batch's status.
    """

    def __init__(self, status: str) -> None:
        super().__init__(f"Cannot cancel a batch with status '{status}'")
        self.status = status


def _now() -> int:
    return int(time.time())


def transition(
    store: Store,
    conn: sqlite3.Connection,
    batch_id: str,
    src: str,
    dst: str,
    **fields: Any,
) -> bool:
    """Move a batch from `src` to `dst`, stamping the move's timestamp.

    Args:
        store: The store.
        conn: The connection, inside the caller's transaction.
        batch_id: The batch.
        src: The status the batch must still be in.
        dst: The new status.
        **fields: Other columns to set in the same statement (file ids, errors, total).

    Returns:
        Whether the batch was still in `src` and moved. False means another actor (a cancel)
        moved it first; the caller should roll back and look again.

    Raises:
        IllegalTransitionError: `TRANSITIONS` has no such move.
    """
    stamp = TRANSITIONS.get((src, dst))
    if stamp is None:
        raise IllegalTransitionError(f"{src} -> {dst} is not an allowed transition")
    fields[stamp] = _now()
    return store.set_status(conn, batch_id, src=src, dst=dst, fields=fields)


def request_cancel(store: Store, batch_id: str) -> BatchRow | None:
    """Ask for a batch to be cancelled; the worker finishes the job.

    Cancelling is idempotent: a batch already cancelling or cancelled is returned unchanged, so
    a client may safely retry a cancel whose answer it never got.

    Args:
        store: The store.
        batch_id: The batch.

    Returns:
        The batch after the request, or None if there is no such batch.

    Raises:
        CancelConflictError: The batch is finalizing or already finished otherwise.
    """
    with store.transaction() as conn:
        row = store.get_batch(batch_id, conn)
        if row is None:
            return None
        if row.status in ("validating", "in_progress"):
            transition(store, conn, batch_id, row.status, "cancelling")
        elif row.status not in ("cancelling", "cancelled"):
            raise CancelConflictError(row.status)
    return store.get_batch(batch_id)


def _batch_error(problem: LineError) -> dict[str, Any]:
    return {
        "code": problem.code,
        "message": _safe_text(problem.message),
        "param": problem.param,
        "line": problem.line,
    }


class _ResultWriter:
    """Writes one result file to a temp file in the data dir, then adopts it as a blob."""

    def __init__(self, store: Store) -> None:
        self.store = store
        fd, self.path = store.new_temp_file(".jsonl")
        self.fh: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 20)
        self.lines = 0

    def write(self, line: str) -> None:
        self.fh.write(line.encode())
        self.lines += 1

    def commit(self) -> str | None:
        """Sync and move into place; returns the new file id, or None if nothing was written."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if not self.lines:
            self.path.unlink(missing_ok=True)
            return None
        file_id = new_id("file")
        self.store.adopt_blob(self.path, file_id)
        return file_id

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.path.unlink(missing_ok=True)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _storable(value: Any) -> str:
    """JSON text that SQLite and UTF-8 files can hold: lone surrogates stay escaped."""
    text = _dumps(value)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"))
    return text


def _safe_text(text: str) -> str:
    """Text with any lone surrogate spelled out, so it can be stored, logged and sent."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _result_line(custom_id: str, result: ResultRow) -> str:
    """One output/error line in Groq's format; the stored body is spliced in as-is."""
    if result.status_code is not None:
        response = (
            f'{{"status_code":{result.status_code},"request_id":{_dumps(result.request_id)},'
            f'"body":{result.body if result.body is not None else "{}"}}}'
        )
        error = "null"
    else:
        response = "null"
        error = _dumps({"code": result.error_code, "message": result.error_message})
    return (
        f'{{"id":{_dumps(result.id)},"custom_id":{_dumps(custom_id)},'
        f'"response":{response},"error":{error}}}\n'
    )


def _not_run_line(custom_id: str, target: str) -> str:
    code, message = _NOT_RUN[target]
    return (
        _dumps(
            {
                "id": new_id("batch_req_out"),
                "custom_id": custom_id,
                "response": None,
                "error": {"code": code, "message": message},
            }
        )
        + "\n"
    )


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
            batch_id, tries, self.max_tries, type(exc).__name__, _safe_text(str(exc)),
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
                    conn, row.id, _parse_lines(blob, refused, unusable)
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
                    lines = _parse_lines(blob, refused, unusable)
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
            errors = [_batch_error(p) for p in problems[:MAX_REPORTED_ERRORS]]
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
        pending = self.store.pending_requests(
            row.id, after_line=self._cursor.get(row.id, 0), limit=self.chunk_size
        )
        if not pending:
            with self.store.transaction() as conn:
                transition(self.store, conn, row.id, "in_progress", "finalizing")
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

    def _execute(self, pending: list[PendingRequest]) -> list[ResultRow]:
        """Run a chunk; a request that makes the executor fail gets an error row of its own."""
        results: dict[int, ResultRow] = {}
        parsed: list[tuple[PendingRequest, ExecRequest]] = []
        for p in pending:
            try:
                parsed.append((p, ExecRequest(p.custom_id, json.loads(p.body), p.url)))
            except (ValueError, RecursionError) as exc:
                results[p.line] = _failed_row(p.line, exc)
        try:
            outcomes = self.executor.run([r for _, r in parsed], self._stop)
            for (p, _), outcome in zip(parsed, outcomes, strict=True):
                results[p.line] = _result_row(p.line, outcome)
        except Interrupted:
            raise
        except Exception:
            # Find the culprit: run the chunk's requests one by one.
            for p, request in parsed:
                try:
                    results[p.line] = _result_row(
                        p.line, self.executor.run([request], self._stop)[0]
                    )
                except Interrupted:
                    raise
                except Exception as exc:
                    logger.warning("batch request %s (line %d) failed: %s: %s", p.custom_id,
                                   p.line, type(exc).__name__, _safe_text(str(exc)))  # fmt: skip
                    results[p.line] = _failed_row(p.line, exc)
        return [results[p.line] for p in pending]

    # ---------------------------------------------------------------------------- finalising
    def _finish(self, row: BatchRow, target: str) -> bool:
        """Write the result files from the stored rows, then record them and `target` at once."""
        with ExitStack() as stack:
            output = _ResultWriter(self.store)
            stack.callback(output.discard)
            errors = _ResultWriter(self.store)
            stack.callback(errors.discard)
            for line in self.store.iter_lines(row.id):
                if self._stop.is_set():
                    raise Interrupted
                self._write_line(line, target, output, errors)
            output_id = output.commit()
            errors_id = errors.commit()
            stack.pop_all()
        created = _now()
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

    @staticmethod
    def _write_line(
        line: StoredLine, target: str, output: _ResultWriter, errors: _ResultWriter
    ) -> None:
        result = line.result
        if result is None:
            errors.write(_not_run_line(line.custom_id, target))
        elif result.succeeded:
            output.write(_result_line(line.custom_id, result))
        else:
            errors.write(_result_line(line.custom_id, result))


class _Superseded(Exception):
    """The batch's status changed while it was being finalised."""


class _Unusable(Exception):
    """Some lines cannot be used; the parse is rolled back and the batch fails validation."""


def _result_row(line: int, outcome: Outcome) -> ResultRow:
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        status_code=outcome.status_code,
        request_id=_safe_text(outcome.request_id) if outcome.request_id is not None else None,
        body=_storable(outcome.body) if outcome.body is not None else None,
        error_code=_safe_text(outcome.error_code) if outcome.error_code is not None else None,
        error_message=(
            _safe_text(outcome.error_message) if outcome.error_message is not None else None
        ),
    )


def _failed_row(line: int, exc: BaseException) -> ResultRow:
    """The error row of a request the server could not run at all."""
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        error_code="server_error",
        error_message=f"The server could not run this request ({type(exc).__name__})",
    )


def _refused_row(line: int, message: str) -> ResultRow:
    """A per-request 400, as Groq answers a request body it cannot accept."""
    body = {"error": {"message": message, "type": "invalid_request_error",
                      "code": "invalid_unicode"}}  # fmt: skip
    return ResultRow(
        line=line,
        id=new_id("batch_req_out"),
        status_code=400,
        request_id=new_id("req"),
        body=_dumps(body),
    )


def _parse_lines(
    path: Path, refused: list[ResultRow], unusable: list[LineError]
) -> Iterator[tuple[int, str, str, str | None]]:
    """``(line, custom_id, body, url)`` for each line of a file that passed validation.

    A body that is not valid Unicode (a lone surrogate) is stored escaped, and its line gets a
    400 error row in `refused` instead of being run. A line the server cannot use at all (JSON
    nested too deeply to process, a ``custom_id`` that is not valid Unicode) goes to `unusable`.
    """
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                value = json.loads(raw)
                body = _dumps(value["body"])
            except RecursionError:
                unusable.append(
                    LineError(number, "body", "nesting_too_deep",
                            f"Line {number}: the JSON is nested too deeply to process")
                )  # fmt: skip
                continue
            custom_id = value["custom_id"]
            if _safe_text(custom_id) != custom_id:
                unusable.append(
                    LineError(number, "custom_id", "invalid_unicode",
                            f"Line {number}: custom_id holds a lone surrogate, "
                            "which is not valid Unicode")
                )  # fmt: skip
                continue
            try:
                body.encode()
            except UnicodeEncodeError:
                body = json.dumps(value["body"], separators=(",", ":"))
                refused.append(
                    _refused_row(
                        number,
                        f"Line {number}: the request body holds a lone surrogate "
                        "(a \\ud800-\\udfff escape without its pair), which is not valid Unicode",
                    )
                )
            url = value.get("url")
            yield number, value["custom_id"], body, url if isinstance(url, str) else None
