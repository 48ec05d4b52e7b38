"""The send loop: send, and on failure wait and retry as the shared decisions say."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

from groq_batch._errors import APIError, GroqError, make_status_error
from groq_batch._http import (
    Outcome,
    RequestOptions,
    Settings,
    TransportBase,
    map_transport_error,
    recovered_response,
    safe_cause,
)
from groq_batch._retry import Action
from groq_batch._timing import AsyncTiming

__all__ = ["AsyncTransport"]

_T = TypeVar("_T")


class AsyncTransport(TransportBase):
    """The send loop over an `httpx.AsyncClient`."""

    def __init__(
        self,
        settings: Settings,
        http_client: httpx.AsyncClient,
        *,
        timing: AsyncTiming | None = None,
    ) -> None:
        timing = timing or AsyncTiming()
        super().__init__(settings, clock=timing.time, jitter=timing.jitter)
        self.http_client = http_client
        self.timing = timing

    async def send(
        self,
        opts: RequestOptions,
        parse: Callable[[httpx.Response], _T],
        *,
        recover: Callable[[], Awaitable[_T | None]] | None = None,
    ) -> _T:
        """Send with retries and return `parse(response)` for a 2xx response.

        Args:
            opts: The request.
            parse: Turns a successful response into the result.
            recover: After an ambiguous failure, returns the result if the server did act, or None.

        Returns:
            The parsed result, or what `recover` found.

        Raises:
            APIStatusError: For an error status that was not retried, or still failed.
            APIConnectionError: When no response arrived.
            APITimeoutError: When the request timed out.
        """
        outcome = await self.send_outcome(opts, recover=recover)
        if outcome.recovered is not None:
            return outcome.recovered
        return parse(outcome.response)

    async def send_outcome(
        self,
        opts: RequestOptions,
        *,
        recover: Callable[[], Awaitable[_T | None]] | None = None,
    ) -> Outcome[_T]:
        """Send with retries; return the request's own last response and the retries it took.

        Args:
            opts: The request (`opts.stream` leaves a successful body unread).
            recover: After an ambiguous failure, returns the result if the server did act, or None.

        Returns:
            The outcome: the 2xx response, or what `recover` found (with a response made from it).

        Raises:
            APIStatusError: For an error status that was not retried, or still failed.
            APIConnectionError: When no response arrived.
            APITimeoutError: When the request timed out.
        """
        retries_taken = 0
        while True:
            request = self._build(self.http_client, opts, retries_taken)
            try:
                if opts.follow_redirects is None:
                    response = await self.http_client.send(request, stream=opts.stream)
                else:
                    response = await self.http_client.send(
                        request, stream=opts.stream, follow_redirects=opts.follow_redirects
                    )
            except httpx.TransportError as exc:
                action, delay = self._after_exception(exc, opts, retries_taken, recover is not None)
                if action is Action.RAISE:
                    raise map_transport_error(exc, request) from safe_cause(exc, request)
                failure: APIError = map_transport_error(exc, request)
            else:
                self._log_response(response)
                if response.is_success:
                    return Outcome(response, retries_taken)
                action, delay = self._after_status(
                    response, opts, retries_taken, recover is not None
                )
                try:
                    await response.aread()
                except httpx.TransportError as exc:
                    raise map_transport_error(exc, request) from safe_cause(exc, request)
                finally:
                    await response.aclose()
                failure = make_status_error(response)
                if action is Action.RAISE:
                    raise failure
            await self.timing.sleep(delay)
            if action is Action.RECOVER and recover is not None:
                try:
                    found = await recover()
                except GroqError as lookup:
                    # The caller sees the original failure; the failed look-up is its cause.
                    raise failure from lookup
                if found is not None:
                    return Outcome(recovered_response(request, found), retries_taken, found)
            retries_taken += 1
