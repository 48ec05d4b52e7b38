"""When to poll a waiting job next, and which failed polls an outage explains.

Pure decisions, shared by the sync and async ``wait``: the backoff between polls (about 1 s
growing to about 60 s, jittered), the deadline, and the backoff through an outage.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence

from groq_batch._errors import APIConnectionError, APIStatusError, GroqError, WaitTimeoutError
from groq_batch_api.models import Batch

__all__ = [
    "FIRST_POLL",
    "MAX_OUTAGE_DELAY",
    "MAX_POLL",
    "Poller",
    "RetryCallback",
    "is_outage",
    "poll_delays",
]

FIRST_POLL = 1.0
MAX_POLL = 60.0
MAX_OUTAGE_DELAY = 30.0

RetryCallback = Callable[[GroqError, float], None]
"""Told each failed poll during an outage, and how many seconds until the next try."""


def poll_delays(
    poll_interval: float | None, jitter: Callable[[], float] = random.random
) -> Iterable[float]:
    """Yield the waits between polls: about 1 s at first, growing to about 60 s.

    Args:
        poll_interval: A fixed interval instead of the backoff, if given.
        jitter: A random draw in [0, 1), which spreads each wait by up to 10% either way.

    Yields:
        Seconds to wait before each next poll.
    """
    if poll_interval is not None:
        while True:
            yield poll_interval
    delay = FIRST_POLL
    while True:
        # A little jitter keeps many waiting clients from polling in lockstep.
        yield delay * (0.9 + 0.2 * jitter())
        delay = min(delay * 1.5, MAX_POLL)


class Poller:
    """The waiting half of ``wait``: when to poll next, and when the deadline has passed."""

    def __init__(
        self,
        timeout: float | None,
        poll_interval: float | None,
        clock: Callable[[], float],
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._timeout = timeout
        self._clock = clock
        self._deadline = None if timeout is None else clock() + timeout
        self._delays = iter(poll_delays(poll_interval, jitter))

    def next_delay(self, batches: Sequence[Batch]) -> float:
        """Return how long to sleep before the next poll, trimmed to the deadline.

        Args:
            batches: The batches as just seen, for the error if the deadline passed.

        Returns:
            Seconds to sleep.

        Raises:
            WaitTimeoutError: The deadline has passed.
        """
        return self._trim(next(self._delays), batches)

    def outage_delay(self, batches: Sequence[Batch], failures: int) -> float:
        """Return how long to wait after the `failures`-th poll in a row failed on an outage.

        Backs off from 1 s to `MAX_OUTAGE_DELAY`, trimmed to the deadline.

        Args:
            batches: The batches as last seen, for the error if the deadline passed.
            failures: How many polls in a row have failed (1 for the first).

        Returns:
            Seconds to sleep.

        Raises:
            WaitTimeoutError: The deadline has passed.
        """
        return self._trim(min(FIRST_POLL * 2 ** (failures - 1), MAX_OUTAGE_DELAY), batches)

    def _trim(self, delay: float, batches: Sequence[Batch]) -> float:
        if self._deadline is None:
            return delay
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise WaitTimeoutError(batches, self._timeout or 0.0)
        return min(delay, remaining)


def is_outage(exc: BaseException) -> bool:
    """Whether a failed poll means the API is unreachable or overloaded, not that it said no.

    A waiter outlives such an outage: no connection, a timeout, a 5xx, a 429 or Groq's 498.

    Args:
        exc: What the poll raised.

    Returns:
        True when polling again later may succeed.
    """
    if isinstance(exc, APIConnectionError):
        return True
    return isinstance(exc, APIStatusError) and (
        exc.status_code >= 500 or exc.status_code in (429, 498)
    )
