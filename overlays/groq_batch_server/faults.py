"""Fault injection: make the server misbehave on purpose, by configuration.

A `FaultRule` says what to do (answer a status, answer slowly, drop the connection, cut a body
short), to which requests (method, path regex), how many times, and whether to act before or
after the real handler ran. ``after_handler=True`` is what makes failures *ambiguous*: the batch
was created, but the client never hears so.

Rules live in a `FaultSet`, which `FaultMiddleware` consults for every request. They are set on
`LocalServer.faults` in tests, or with ``--fault`` on the command line (see `FaultRule.parse`);
never by special values in user data.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groq_batch_server.asgi import HTTPMiddleware
from groq_batch_server.errors import error_response

__all__ = ["FaultKind", "FaultMiddleware", "FaultRule", "FaultSet"]

FaultKind = Literal["status", "delay", "drop", "truncate"]

_MESSAGES = {
    429: ("Rate limit reached for requests. Please try again in {retry}.", "rate_limit_exceeded"),
    498: ("Flex tier capacity exceeded. Please try again later.", "capacity_exceeded"),
    500: ("Internal Server Error", "internal_server_error"),
    502: ("Bad Gateway", "bad_gateway"),
    503: ("Service Unavailable", "service_unavailable"),
    504: ("Gateway Timeout", "gateway_timeout"),
}


@dataclass(frozen=True)
class FaultRule:
    """One way to misbehave.

    Attributes:
        kind: ``status`` (answer `status` with Groq's envelope), ``delay`` (wait `seconds`, then
            answer normally), ``drop`` (close the connection without a response), or
            ``truncate`` (announce the full Content-Length, send `at_bytes`, then cut).
        status: For ``status``: the HTTP status (429, 498, 500, 503...).
        retry_after: For ``status``: the ``retry-after`` header value, if any.
        times: How many matching requests the rule affects; -1 means forever.
        method: Only requests with this method (case-insensitive); None matches any.
        path: Only requests whose URL path this regex is found in; None matches any.
        seconds: For ``delay``: how long to wait.
        after_handler: Run the real handler first (it acts: stores the file, creates the
            batch...), then misbehave. For ``status``, ``delay`` and ``drop``.
        at_bytes: For ``truncate``: how many body bytes to send before cutting.
    """

    kind: FaultKind
    status: int = 500
    retry_after: str | None = None
    times: int = 1
    method: str | None = None
    path: str | None = None
    seconds: float = 0.0
    after_handler: bool = False
    at_bytes: int = 0

    def __post_init__(self) -> None:
        if self.kind not in get_args(FaultKind):
            raise ValueError(
                f"unknown fault kind {self.kind!r}; use {', '.join(get_args(FaultKind))}"
            )
        if self.times == 0 or self.times < -1:
            raise ValueError("times must be positive, or -1 for forever")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError(f"a status fault needs a 4xx or 5xx status, got {self.status}")
        if self.kind == "delay" and self.seconds <= 0:
            raise ValueError("a delay fault needs seconds > 0")
        if self.kind == "truncate" and self.at_bytes < 0:
            raise ValueError("at_bytes must be >= 0")
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as exc:
                raise ValueError(f"path is not a valid regex: {exc}") from exc

    def matches(self, method: str, path: str) -> bool:
        """Whether the rule applies to a request.

        Args:
            method: The request's method.
            path: The request's URL path.

        Returns:
            Whether it applies.
        """
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def __str__(self) -> str:
        """The rule in the command line's compact form; `parse` reads it back."""
        primary = {"status": "status", "delay": "seconds", "truncate": "at_bytes"}.get(self.kind)
        parts = [f"{self.kind}={getattr(self, primary)}" if primary else self.kind]
        defaults = FaultRule(kind="drop")
        for name in ("times", "method", "path", "retry_after", "after_handler"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                parts.append(f"{name}={value}")
        return ";".join(parts)

    @classmethod
    def parse(cls, text: str) -> FaultRule:
        """Parse the command line's compact form.

        The form is ``KIND[=VALUE][;KEY=VALUE]...``, where VALUE is the status for ``status``,
        the seconds for ``delay`` and the byte count for ``truncate``; keys are the attribute
        names (``-`` may stand for ``_``), and ``after_handler`` may be given bare::

            status=429;retry_after=1;times=2;method=GET;path=/openai/v1/batches
            status=503
            delay=2;after_handler;method=POST;path=/batches$
            drop;times=-1
            truncate=100;path=/content$

        Args:
            text: The rule.

        Returns:
            The rule.

        Raises:
            ValueError: The text is not a valid rule.
        """
        parts = [p.strip() for p in text.split(";") if p.strip()]
        if not parts:
            raise ValueError("empty fault rule")
        kind, _, value = parts[0].partition("=")
        kind = kind.strip()
        values: dict[str, Any] = {}
        if value:
            primary = {"status": "status", "delay": "seconds", "truncate": "at_bytes"}.get(kind)
            if primary is None:
                raise ValueError(f"fault kind {kind!r} takes no value")
            values[primary] = value.strip()
        known = {f.name: f for f in fields(cls)}
        for part in parts[1:]:
            key, eq, raw = part.partition("=")
            key = key.strip().replace("-", "_")
            if key not in known or key == "kind":
                raise ValueError(f"unknown fault option {key!r}")
            if not eq:
                if key != "after_handler":
                    raise ValueError(f"fault option {key!r} needs a value")
                raw = "true"
            values[key] = raw.strip()
        converted: dict[str, Any] = {}
        for key, raw in values.items():
            if key in ("status", "times", "at_bytes"):
                converted[key] = int(raw)
            elif key == "seconds":
                converted[key] = float(raw)
            elif key == "after_handler":
                if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(f"after_handler must be true or false, got {raw!r}")
                converted[key] = raw.lower() in ("true", "1", "yes")
            else:
                converted[key] = raw
        return cls(kind=kind, **converted)  # type: ignore[arg-type]  # kind checked in __post_init__


@dataclass(frozen=True)
class FiredFault:
    """A record of one fault firing, for tests to assert on.

    Attributes:
        rule: The rule.
        method: The request's method.
        path: The request's path.
    """

    rule: FaultRule
    method: str
    path: str


class FaultSet:
    """The active fault rules, shared between a running server and whoever configures it.

    Thread-safe: tests add rules from their own thread while the server's event loop consumes
    them.
    """

    def __init__(self, rules: list[FaultRule] | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[list[Any]] = []  # [rule, remaining uses]
        self.history: list[FiredFault] = []
        for rule in rules or []:
            self.add(rule)

    def add(self, rule: FaultRule) -> FaultRule:
        """Add a rule; rules are tried in the order they were added.

        Args:
            rule: The rule.

        Returns:
            The rule, for `remove`.
        """
        with self._lock:
            self._rules.append([rule, rule.times])
        return rule

    def remove(self, rule: FaultRule) -> None:
        """Remove a rule, if it is still active.

        Args:
            rule: The rule.
        """
        with self._lock:
            self._rules = [entry for entry in self._rules if entry[0] is not rule]

    def clear(self) -> None:
        """Remove every rule (the history is kept)."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        """The active rules, in order."""
        with self._lock:
            return [entry[0] for entry in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        """Find the first rule for a request and use it up once.

        Args:
            method: The request's method.
            path: The request's path.

        Returns:
            The rule to apply, or None.
        """
        with self._lock:
            for entry in self._rules:
                rule, remaining = entry
                if not rule.matches(method, path):
                    continue
                if remaining != -1:
                    entry[1] = remaining - 1
                    if entry[1] == 0:
                        self._rules.remove(entry)
                self.history.append(FiredFault(rule, method, path))
                return rule  # type: ignore[no-any-return]
        return None


class _Cut(BaseException):
    """Raised through the handler once a truncated body has been cut.

    A `BaseException`, like cancellation, so the application's error handling (which would log
    it as a bug and try to answer 500) lets it pass straight up to `FaultMiddleware`.
    """


async def _discard(message: Message) -> None:
    """A `send` that swallows the real handler's response."""


async def _drain(receive: Receive) -> None:
    """Read the request body to its end, so the client is not writing when we answer."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return


def _close_connection(send: Send) -> bool:
    """Close the TCP connection under a request, flushing what was already written.

    ASGI has no message for "close without answering", so this reaches the transport through
    uvicorn's bound `send` (both its h11 and httptools cycles keep it as ``transport``).
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    transport.close()
    return True


async def _wait_disconnect(receive: Receive) -> None:
    # After closing the transport, uvicorn reports the disconnect; returning before that would
    # make it answer 500 "returned without starting response".
    async def wait() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wait(), timeout=2.0)


class FaultMiddleware(HTTPMiddleware):
    """ASGI middleware applying a `FaultSet`; it must wrap the app directly under uvicorn.

    Args:
        app: The application.
        faults: The rules.
    """

    def __init__(self, app: ASGIApp, faults: FaultSet) -> None:
        super().__init__(app)
        self.faults = faults

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, misbehaving if a rule says so.

        Args:
            scope: The ASGI scope.
            receive: The ASGI receive callable.
            send: The ASGI send callable.
        """
        rule = self.faults.take(scope["method"], scope["path"])
        if rule is None:
            await self.app(scope, receive, send)
            return
        handler: dict[str, Callable[..., Any]] = {
            "status": self._status,
            "delay": self._delay,
            "drop": self._drop,
            "truncate": self._truncate,
        }
        await handler[rule.kind](rule, scope, receive, send)

    async def _status(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        if rule.after_handler:
            await self.app(scope, receive, _discard)
        else:
            await _drain(receive)
        retry = f"{rule.retry_after}s" if rule.retry_after else "a moment"
        message, code = _MESSAGES.get(rule.status, ("Injected fault", "injected_fault"))
        headers = {"retry-after": rule.retry_after} if rule.retry_after else {}
        response = error_response(
            rule.status, message.format(retry=retry), code=code, headers=headers
        )
        await response(scope, receive, send)

    async def _delay(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        if not rule.after_handler:
            await asyncio.sleep(rule.seconds)
            await self.app(scope, receive, send)
            return
        delayed = False

        async def slow_send(message: Message) -> None:
            nonlocal delayed
            if not delayed:
                # The handler has acted and is about to answer: hold the answer back.
                delayed = True
                await asyncio.sleep(rule.seconds)
            await send(message)

        await self.app(scope, receive, slow_send)

    async def _drop(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        if rule.after_handler:
            await self.app(scope, receive, _discard)
        else:
            await _drain(receive)
        if _close_connection(send):
            await _wait_disconnect(receive)
        else:  # pragma: no cover - only under a server without a reachable transport
            raise ConnectionAbortedError("fault: drop")

    async def _truncate(self, rule: FaultRule, scope: Scope, receive: Receive, send: Send) -> None:
        sent = 0

        async def cutting_send(message: Message) -> None:
            nonlocal sent
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            room = rule.at_bytes - sent
            more = message.get("more_body", False)
            if len(body) < room or (len(body) == room and more):
                sent += len(body)
                await send(message)
                return
            if len(body) == room and not more:
                # The whole body fits: nothing to cut.
                sent += len(body)
                await send(message)
                return
            await send({"type": "http.response.body", "body": body[:room], "more_body": True})
            sent += room
            raise _Cut

        try:
            await self.app(scope, receive, cutting_send)
        except _Cut:
            if _close_connection(send):
                await _wait_disconnect(receive)
