"""The client: its configuration, its connection pool and its resources."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from groq_batch._async.transport import AsyncTransport
from groq_batch._client import _ClientInfo, _resolve
from groq_batch._errors import InvalidTypeError
from groq_batch._types import DEFAULT_MAX_RETRIES, NOT_GIVEN, NotGiven, TimeoutTypes
from groq_batch.providers import Provider

if TYPE_CHECKING:
    from groq_batch._async.batches import AsyncBatches
    from groq_batch._async.files import AsyncFiles

__all__ = ["AsyncGroq"]


class AsyncGroq(_ClientInfo):
    """The client for Groq's Files and Batches API.

    Each option is resolved once, at construction: the argument if given, else the environment
    variable, else the default.

    | option | environment | default |
    | --- | --- | --- |
    | `provider` | `GROQ_BATCH_PROVIDER` | `groq` |
    | `api_key` | the provider's (`GROQ_API_KEY`) | none: required |
    | `base_url` | the provider's (`GROQ_BASE_URL`) | the provider's (`https://api.groq.com`) |
    | `timeout` | | 60 s, 5 s to connect |
    | `max_retries` | | 2 |
    | `require_https` | `GROQ_BATCH_REQUIRE_HTTPS=1` | off: http to a non-loopback host warns |

    The key is stripped of surrounding whitespace (a trailing newline from a key file) and
    never appears in a repr, an error message or a log line.

    Attributes:
        idempotent_creates: Whether `batches.create` tags each create with a marker in `metadata`
            (`groq_batch_idempotency_key`) so that a retry can never create a second batch.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        idempotent_creates: bool = True,
        require_https: bool | None = None,
        provider: str | Provider | None = None,
    ) -> None:
        """Create a client.

        Args:
            api_key: The API key; defaults to the provider's variable (`GROQ_API_KEY`).
            base_url: The API's base URL; defaults to the provider's variable (`GROQ_BASE_URL`),
                then the provider's URL. A URL ending in a version path (`/v1`) is used as
                the operations' prefix as it is, as the openai SDK does.
            timeout: The default timeout: seconds, an `httpx.Timeout`, or None for none.
            max_retries: How many times to retry a failed request (0 disables retries).
            default_headers: Headers sent with every request.
            http_client: Your own `httpx.AsyncClient` (for proxies, transports, limits). The
                client does not close a client you pass in.
            idempotent_creates: Tag each `batches.create` with a marker in `metadata` so that a
                retry after an ambiguous failure cannot create a second batch. If False, such
                failures are raised instead of retried.
            require_https: Refuse a plain-http base URL to a host other than this machine
                (loopback), instead of warning (`InsecureTransportWarning`); defaults to
                `GROQ_BATCH_REQUIRE_HTTPS=1`.
            provider: The batch service: `groq`, `openai`, `openai-compatible`, or your own
                `Provider` (see `groq_batch.providers`); defaults to `GROQ_BATCH_PROVIDER`, then
                `groq`. It sets the path prefix, the key and URL variables, and the limits,
                windows and endpoints that `batches.submit` checks and splits by.

        Raises:
            GroqError: If no API key is given and `GROQ_API_KEY` is not set, if the key has a
                control character inside (surrounding whitespace is stripped), or if
                `require_https` refuses the base URL.
            TypeError: If `http_client` is not an `httpx.AsyncClient`.
        """
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidTypeError(
                f"http_client must be an httpx.AsyncClient; got {type(http_client)!r}"
            )
        self._settings = _resolve(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            require_https=require_https,
            provider=provider,
        )
        self._owns_http_client = http_client is None
        self._http_client = http_client or httpx.AsyncClient()
        self._transport = AsyncTransport(self._settings, self._http_client)
        self.idempotent_creates = idempotent_creates

    # The resources are built on first use, and their modules imported then (as openai-python
    # does): they pull in the generated package and attrs, which would otherwise double the
    # cost of `from groq_batch import Groq` over httpx's own.
    @functools.cached_property
    def batches(self) -> AsyncBatches:
        """Create, retrieve, list and cancel batches; submit, wait for and read whole jobs."""
        from groq_batch._async.batches import AsyncBatches

        return AsyncBatches(self)

    @functools.cached_property
    def files(self) -> AsyncFiles:
        """Upload, list, inspect, delete and download files."""
        from groq_batch._async.files import AsyncFiles

        return AsyncFiles(self)

    async def close(self) -> None:
        """Close the connection pool, unless it was passed in by the caller."""
        if self._owns_http_client:
            await self._http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
