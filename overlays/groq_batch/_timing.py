"""Where a client gets its time: the clocks, the waits and the random draws (a testing hook).

Every wait a client makes (a retry's back-off, a job's polls) and every clock it reads goes
through one `Timing` (`AsyncTiming` for `AsyncGroq`), given once at construction::

    client = Groq(timing=Timing(sleep=recorded.append, jitter=lambda: 0.0))

Production code never needs it: the defaults are the real clocks, a real sleep and
`random.random`. Tests pass fakes, so a test of a five-minute back-off runs in a millisecond
and asserts the exact waits, with no patching of private attributes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from groq_batch import _flavours

__all__ = ["AsyncTiming", "Timing"]


@dataclass(frozen=True)
class Timing:
    """The clocks, sleep and jitter of a `Groq` client and of the jobs it waits on.

    Attributes:
        sleep: Waits the given seconds (blocking).
        monotonic: A monotonic clock in seconds, for deadlines (`job.wait(timeout=...)`).
        time: The current Unix time, for dates the server sends (`Retry-After: <date>`) and
            for the window in which a retried create looks for the batch it may have made.
        jitter: A random draw in [0, 1), which spreads retries and polls of many clients.
    """

    sleep: Callable[[float], None] = _flavours.sleep
    monotonic: Callable[[], float] = time.monotonic
    time: Callable[[], float] = time.time
    jitter: Callable[[], float] = random.random


@dataclass(frozen=True)
class AsyncTiming:
    """The clocks, sleep and jitter of an `AsyncGroq` client: as `Timing`, but sleep is awaited.

    Attributes:
        sleep: Waits the given seconds without blocking the event loop.
        monotonic: A monotonic clock in seconds, for deadlines (`job.wait(timeout=...)`).
        time: The current Unix time, for dates the server sends (`Retry-After: <date>`) and
            for the window in which a retried create looks for the batch it may have made.
        jitter: A random draw in [0, 1), which spreads retries and polls of many clients.
    """

    sleep: Callable[[float], Awaitable[None]] = _flavours.async_sleep
    monotonic: Callable[[], float] = time.monotonic
    time: Callable[[], float] = time.time
    jitter: Callable[[], float] = random.random
