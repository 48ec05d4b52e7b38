"""Groq's ``x-ratelimit-*`` headers on every response, from a token bucket that never refuses.

Groq documents these headers (rate-limits page):

========================================  ===========================================
``x-ratelimit-limit-requests``            requests per day (RPD)
``x-ratelimit-remaining-requests``        requests left in that budget
``x-ratelimit-reset-requests``            until the budget is full again, e.g. ``2m59.56s``
``x-ratelimit-limit-tokens``              tokens per minute (TPM)
``x-ratelimit-remaining-tokens``          tokens left in that budget
``x-ratelimit-reset-tokens``              until it is full again, e.g. ``7.66s``
========================================  ===========================================

The request budget is a bucket that refills continuously at RPD / 86,400 per second, so its
numbers move as a client's calls do. Files and batches calls use no model tokens (Groq's batch
guide: batch work does not consume the per-model limits), so the token budget always reads
full. The server reports but never enforces: a 429 comes only from fault injection, and then
the headers agree with it (nothing remaining, reset = ``retry-after``).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groq_batch_server.asgi import HTTPMiddleware
from groq_batch_server.catalog import RateLimits

__all__ = ["RateLimitHeaders", "RequestBucket", "format_duration"]

DAY = 86_400.0


def format_duration(seconds: float) -> str:
    """A duration the way Groq writes it (Go's style): ``2m59.56s``, ``7.66s``, ``170ms``.

    Args:
        seconds: The duration; negative counts as zero.

    Returns:
        The text.
    """
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{max(round(seconds * 1000), 1)}ms"
    centis = round(seconds * 100)
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    secs = f"{centis / 100:.2f}".rstrip("0").rstrip(".")
    return text + f"{secs}s"


class RequestBucket:
    """A request budget that refills continuously; taking from an empty one is allowed.

    Args:
        capacity: The budget when full (requests per day).
        clock: Monotonic seconds.
    """

    def __init__(self, capacity: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = capacity / DAY
        self.clock = clock
        self._level = float(capacity)
        self._at = clock()
        self._lock = threading.Lock()

    def take(self) -> tuple[int, float]:
        """Spend one request.

        Returns:
            The whole requests remaining, and the seconds until the bucket is full again.
        """
        with self._lock:
            now = self.clock()
            self._level = min(self.capacity, self._level + (now - self._at) * self.rate)
            self._at = now
            self._level = max(self._level - 1, 0.0)
            return math.floor(self._level), (self.capacity - self._level) / self.rate


class RateLimitHeaders(HTTPMiddleware):
    """ASGI middleware: adds the ``x-ratelimit-*`` headers to every HTTP response.

    Headers the inner application already set are kept as they are.

    Args:
        app: The application.
        limits: The limits to report.
        clock: Monotonic seconds, for tests.
    """

    def __init__(
        self, app: ASGIApp, limits: RateLimits, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(app)
        self.limits = limits
        self.bucket = RequestBucket(limits.requests_per_day, clock)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, counting it and adding the headers to its response.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive channel.
            send: The ASGI send channel.
        """
        remaining, reset = self.bucket.take()
        sender = _Sender(send, self.limits, remaining, reset)
        await self.app(scope, receive, sender.send)


class _Sender:
    """Wraps uvicorn's ``send`` to add the headers, keeping its transport reachable.

    Fault injection drops connections by reaching the transport through ``send.__self__``
    (see `faults._close_connection`); exposing the same ``transport`` here keeps that working
    with this middleware outermost.
    """

    def __init__(self, send: Send, limits: RateLimits, remaining: int, reset: float) -> None:
        self._send = send
        self.transport = getattr(getattr(send, "__self__", None), "transport", None)
        self.limits = limits
        self.remaining = remaining
        self.reset = reset

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": self._headers(message)}
        await self._send(message)

    def _headers(self, message: Message) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        requests_left, requests_reset = str(self.remaining), format_duration(self.reset)
        if message["status"] == 429:
            retry = dict(headers).get(b"retry-after", b"").decode("latin-1")
            requests_left = "0"
            # An HTTP-date retry-after keeps the bucket's own reset.
            with contextlib.suppress(ValueError):
                requests_reset = format_duration(float(retry))
        limits = self.limits
        values = {
            b"x-ratelimit-limit-requests": str(limits.requests_per_day),
            b"x-ratelimit-remaining-requests": requests_left,
            b"x-ratelimit-reset-requests": requests_reset,
            b"x-ratelimit-limit-tokens": str(limits.tokens_per_minute),
            b"x-ratelimit-remaining-tokens": str(limits.tokens_per_minute),
            b"x-ratelimit-reset-tokens": "0s",
        }
        headers.extend(
            (name, value.encode()) for name, value in values.items() if name not in present
        )
        return headers
