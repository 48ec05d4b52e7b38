"""The batch lifecycle: the one table of allowed status moves, and the cancel request.

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

The worker (`groq_batch_server.worker`) drives batches along these moves; the HTTP handlers
only ever ask for a cancel (`request_cancel`). Both live apart from the worker so that the
rules can be read, tested and mutated on their own.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from groq_batch_server.store import BatchRow, Store

__all__ = [
    "TRANSITIONS",
    "CancelConflictError",
    "IllegalTransitionError",
    "now",
    "request_cancel",
    "transition",
]

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


def now() -> int:
    """The current Unix time in whole seconds, as the timestamps store it."""
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
    fields[stamp] = now()
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
