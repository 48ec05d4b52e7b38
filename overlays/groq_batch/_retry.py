"""The retry policy as pure functions, shared by the sync and the async send loops.

Nothing here sleeps, sends or reads a clock: the loops pass in `now` and a random draw, so every
decision can be tested without waiting.
"""

from __future__ import annotations

import datetime
import email.utils
import enum
import math
from collections.abc import Mapping
from typing import Final

import httpx

__all__ = [
    "INITIAL_RETRY_DELAY",
    "MAX_RETRY_AFTER",
    "MAX_RETRY_DELAY",
    "Action",
    "decide_exception",
    "decide_response",
    "retry_after",
    "retry_delay",
]

INITIAL_RETRY_DELAY: Final = 0.5
MAX_RETRY_DELAY: Final = 8.0
MAX_RETRY_AFTER: Final = 60.0
"""The longest server-requested wait the client sits through; past it, the SDK's capped backoff."""

# Statuses where the server tells us it did not do the work: timing out on our request (408),
# refusing it because of a concurrent change (409), rate limiting (429), or Groq's flex capacity
# (498). 5xx is handled separately because a gateway can answer 502/504 after the backend acted.
_RETRYABLE_STATUSES: Final = frozenset({408, 409, 429, 498})


class Action(enum.Enum):
    """What a send loop does after a failed attempt."""

    RAISE = "raise"
    """Give up and raise the mapped error."""
    RETRY = "retry"
    """Wait, then send again."""
    RECOVER = "recover"
    """The server may have acted: ask the caller's recovery hook what happened, then retry."""


def _not_sent(exc: httpx.TransportError) -> bool:
    """Whether the request certainly never reached the server."""
    # A refused or timed-out connect, or no free connection in the pool: nothing was written.
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _is_our_fault(exc: httpx.TransportError) -> bool:
    """Failures that another attempt cannot fix: a bad URL scheme or a request httpx refused."""
    return isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError)


def decide_exception(
    exc: httpx.TransportError,
    *,
    idempotent: bool,
    can_recover: bool,
    retries_taken: int,
    max_retries: int,
) -> Action:
    """Decide what to do after a transport failure.

    A request that never left is always safe to send again. One that may have reached the server
    (a read timeout, a connection dropped mid-response) is sent again only if it is idempotent, or
    if the caller can check what happened first (`can_recover`).

    Args:
        exc: The httpx transport error.
        idempotent: Whether sending the request twice has the effect of sending it once.
        can_recover: Whether the caller supplied a hook that can find the result of an attempt.
        retries_taken: Retries already made.
        max_retries: The retry budget.

    Returns:
        The action.
    """
    if retries_taken >= max_retries or _is_our_fault(exc):
        return Action.RAISE
    if idempotent or _not_sent(exc):
        return Action.RETRY
    return Action.RECOVER if can_recover else Action.RAISE


def decide_response(
    status_code: int,
    headers: Mapping[str, str],
    *,
    can_recover: bool,
    retries_taken: int,
    max_retries: int,
) -> Action:
    """Decide what to do after an error status.

    `x-should-retry: true|false` from the server overrides the status rule. A 5xx on a request with
    a recovery hook goes through the hook first, because a gateway may have answered 502/504 after
    the backend acted. The wait the server asks for never changes the decision: a `retry-after`
    longer than `MAX_RETRY_AFTER` is not waited out but, as in the official SDK, retried on the
    capped backoff (see `retry_delay`, which is where `retry-after` is read).

    Args:
        status_code: The response status (>= 400).
        headers: The response headers (case-insensitive mapping).
        can_recover: Whether the caller supplied a recovery hook.
        retries_taken: Retries already made.
        max_retries: The retry budget.

    Returns:
        The action.
    """
    if retries_taken >= max_retries:
        return Action.RAISE
    override = headers.get("x-should-retry", "").strip().lower()
    if override == "false":
        return Action.RAISE
    retryable = override == "true" or status_code in _RETRYABLE_STATUSES or status_code >= 500
    if not retryable:
        return Action.RAISE
    if status_code >= 500 and can_recover:
        return Action.RECOVER
    return Action.RETRY


def retry_after(headers: Mapping[str, str] | None, *, now: float) -> float | None:
    """Read the server's requested wait, in seconds, from the response headers.

    `retry-after-ms` wins over `retry-after`; `retry-after` may be seconds or an HTTP-date
    (RFC 9110 §10.2.3, in any of the three forms of §5.6.7), counted from `now`. A date already
    past asks for no wait, as `retry-after: 0` does.

    Args:
        headers: The response headers (case-insensitive mapping), or None.
        now: The current Unix time.

    Returns:
        The wait in seconds (never negative), or None when the headers ask for nothing usable.
    """
    if not headers:
        return None
    millis = _parse_float(headers.get("retry-after-ms"))
    if millis is not None:
        return max(millis / 1000.0, 0.0)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _parse_float(raw)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # An HTTP-date is always UTC; the obsolete asctime form just does not say so, and a naive
        # datetime's timestamp() would read it in the machine's local zone.
        when = when.replace(tzinfo=datetime.UTC)
    return max(when.timestamp() - now, 0.0)


def retry_delay(
    retries_taken: int, headers: Mapping[str, str] | None, *, now: float, jitter: float
) -> float:
    """How long to wait before the next attempt.

    The server's `retry-after-ms` / `retry-after` is honoured when it is at most
    `MAX_RETRY_AFTER`. Otherwise: exponential backoff from `INITIAL_RETRY_DELAY`, capped at
    `MAX_RETRY_DELAY`, less up to 25% jitter so clients that failed together do not retry together.

    Args:
        retries_taken: Retries already made (0 before the first retry).
        headers: The failed response's headers, or None after a transport failure.
        now: The current Unix time.
        jitter: A random draw in [0, 1).

    Returns:
        The delay in seconds.
    """
    wait = retry_after(headers, now=now)
    if wait is not None and wait <= MAX_RETRY_AFTER:
        return wait
    backoff = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 32), MAX_RETRY_DELAY)
    return backoff * (1.0 - 0.25 * jitter)


def _parse_float(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
