"""The SDK's default HTTP clients: httpx (sync and async) and aiohttp (the `aiohttp` extra).

Pass one as `http_client=` to change the pool, proxies or transport while keeping the SDK's
defaults: a minute's timeout (five seconds to connect), redirects followed, and the SDK's
connection limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from groq_batch._errors import MissingExtraError
from groq_batch._types import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_CONNECTION_LIMITS",
    "DefaultAioHttpClient",
    "DefaultAsyncHttpxClient",
    "DefaultHttpxClient",
]

DEFAULT_CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""The SDK's pool limits."""


def _defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs.setdefault("timeout", DEFAULT_TIMEOUT)
    kwargs.setdefault("limits", DEFAULT_CONNECTION_LIMITS)
    kwargs.setdefault("follow_redirects", True)
    return kwargs


class DefaultHttpxClient(httpx.Client):
    """An `httpx.Client` with the SDK's defaults; takes every `httpx.Client` argument."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_defaults(kwargs))


class DefaultAsyncHttpxClient(httpx.AsyncClient):
    """An `httpx.AsyncClient` with the SDK's defaults; takes every `httpx.AsyncClient` argument."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**_defaults(kwargs))


def _aiohttp_client() -> type[httpx.AsyncClient]:
    """Build `DefaultAioHttpClient` on first use, so aiohttp loads only for those who ask."""
    try:
        import httpx_aiohttp
    except ImportError:

        class _Missing(httpx.AsyncClient):
            """An `httpx.AsyncClient` over aiohttp; needs `pip install groq-batch[aiohttp]`."""

            def __init__(self, **_kwargs: Any) -> None:
                raise MissingExtraError(
                    "To use the aiohttp client you must have installed the package with the "
                    "`aiohttp` extra: pip install 'groq-batch[aiohttp]'"
                )

        _Missing.__name__ = _Missing.__qualname__ = "DefaultAioHttpClient"
        return _Missing

    base: type[httpx.AsyncClient] = httpx_aiohttp.HttpxAiohttpClient

    class DefaultAioHttpClient(base):  # type: ignore[valid-type,misc]
        """An `httpx.AsyncClient` over aiohttp, with the SDK's defaults (the `aiohttp` extra)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**_defaults(kwargs))

    return DefaultAioHttpClient


if TYPE_CHECKING:
    DefaultAioHttpClient = DefaultAsyncHttpxClient
else:

    def __getattr__(name: str) -> object:
        if name == "DefaultAioHttpClient":
            cls = _aiohttp_client()
            globals()[name] = cls
            return cls
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
