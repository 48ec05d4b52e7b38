"""A batch's statuses and a request's outcomes: the one definition of each.

The client, the job layer, the command line, the dashboard and the local server all read them
from here. This module imports nothing but the standard library, so anything may import it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from groq_batch_api.models import Batch

__all__ = [
    "FAILED_OUTCOMES",
    "OUTCOMES",
    "STATUSES",
    "TERMINAL_STATUSES",
    "Outcome",
    "is_terminal",
    "status_of",
]

STATUSES: Final = (
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
)
"""Every status a batch can have, in the order a batch may pass through them."""

TERMINAL_STATUSES: Final = frozenset({"completed", "failed", "expired", "cancelled"})
"""The statuses after which a batch never changes again."""


class Outcome(StrEnum):
    """What became of one request."""

    SUCCEEDED = "succeeded"
    """A 2xx response with a body."""
    REQUEST_ERROR = "request_error"
    """The request ran and got a non-2xx response (its body holds the error)."""
    BATCH_ERROR = "batch_error"
    """The line carries an ``error`` that is not about expiry or cancellation."""
    EXPIRED = "expired"
    """The batch's window ran out before the request ran."""
    CANCELLED = "cancelled"
    """The batch was cancelled before the request ran."""
    MISSING = "missing"
    """The input appears in neither the output nor the error file."""


OUTCOMES: Final = tuple(Outcome)
"""Every outcome, in the order summaries list them."""

FAILED_OUTCOMES: Final = tuple(o for o in Outcome if o is not Outcome.SUCCEEDED)
"""Every outcome but success: what ``resubmit`` sends again by default."""


def status_of(batch: Batch) -> str:
    """Return a batch's status as a plain string, known or not.

    Args:
        batch: The batch.

    Returns:
        The status value.
    """
    status = batch.status
    return status.value if hasattr(status, "value") else str(status)


def is_terminal(batch: Batch) -> bool:
    """Whether a batch will not change any more.

    Args:
        batch: The batch.

    Returns:
        True for completed, failed, expired and cancelled.
    """
    return status_of(batch) in TERMINAL_STATUSES
