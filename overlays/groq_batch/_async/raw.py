"""`with_raw_response`: any resource method, returning the response with its parsed result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from groq_batch._http import APIResponse, capture_responses

__all__ = ["AsyncRawResponses"]


class AsyncRawResponses:
    """A resource's methods, each returning an `APIResponse` instead of the parsed result.

    Example:
        >>> raw = client.batches.with_raw_response.retrieve(batch_id)  # doctest: +SKIP
        >>> raw.headers.get("x-ratelimit-remaining-requests")           # doctest: +SKIP
        >>> batch = raw.parse()                                          # doctest: +SKIP
    """

    def __init__(self, resource: object) -> None:
        self._resource = resource

    def __getattr__(self, name: str) -> Callable[..., Awaitable[APIResponse[Any]]]:
        method = getattr(self._resource, name)
        if name.startswith("_") or not callable(method):
            raise AttributeError(name)

        async def call(*args: Any, **kwargs: Any) -> APIResponse[Any]:
            with capture_responses() as responses:
                parsed = await method(*args, **kwargs)
            if not responses:
                raise AttributeError(f"{name} makes no request of its own")
            return APIResponse(responses[-1], parsed)

        call.__name__ = call.__qualname__ = name
        call.__doc__ = method.__doc__
        return call
