"""The client: its configuration, its connection pool and its resources."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, Unpack

import httpx

from groq_batch._async.response import AsyncClosing
from groq_batch._async.transport import AsyncTransport
from groq_batch._client import ClientInfo, resolve_settings
from groq_batch._errors import InvalidTypeError
from groq_batch._http import Outcome, RequestArgs, low_level_options
from groq_batch._http_clients import DefaultAsyncHttpxClient
from groq_batch._lowlevel import cast_response
from groq_batch._timing import AsyncTiming
from groq_batch._types import DEFAULT_MAX_RETRIES, NOT_GIVEN, NotGiven, TimeoutTypes
from groq_batch.providers import Provider

if TYPE_CHECKING:
    from groq_batch._async.batches import AsyncBatches
    from groq_batch._async.files import AsyncFiles

__all__ = ["AsyncGroq"]

_T = TypeVar("_T")


class AsyncGroq(ClientInfo, AsyncClosing):
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
        default_query: Mapping[str, object] | None = None,
        timing: AsyncTiming | None = None,
        _strict_response_validation: bool = False,
    ) -> None:
        """Create a client.

        Args:
            api_key: The API key; defaults to the provider's variable (`GROQ_API_KEY`).
            base_url: The API's base URL; defaults to the provider's variable (`GROQ_BASE_URL`),
                then the provider's URL. A URL ending in a version path (`/v1`) is used as
                the operations' prefix as it is, as the openai SDK does.
            timeout: The default timeout: seconds, an `httpx.Timeout`, or None for none.
            max_retries: How many times to retry a failed request (0 disables retries).
            default_headers: Headers sent with every request (over the SDK's `X-Stainless-*`).
            http_client: Your own `httpx.AsyncClient` (for proxies, transports, limits), such as
                `DefaultAsyncHttpxClient(...)`. As with the SDK, closing this client closes it.
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
            default_query: Query parameters sent with every request.
            timing: A testing hook: the clocks, sleep and jitter behind every retry and every
                `job.wait` (see `AsyncTiming`); defaults to the real ones.
            _strict_response_validation: Raise `APIResponseValidationError` when a response
                does not match its declared shape, instead of keeping what came (the default,
                as in the SDK).

        Raises:
            GroqError: If no API key is given and `GROQ_API_KEY` is not set, if the key has a
                control character inside (surrounding whitespace is stripped), or if
                `require_https` refuses the base URL.
            TypeError: If `http_client` is not an `httpx.AsyncClient`, or `max_retries` is None.
        """
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidTypeError(
                "Invalid `http_client` argument; Expected an instance of `httpx.AsyncClient` "
                f"but got {type(http_client)}"
            )
        self._settings = resolve_settings(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
            require_https=require_https,
            provider=provider,
            default_query=default_query,
            strict=_strict_response_validation,
        )
        self._http_client = http_client or DefaultAsyncHttpxClient(timeout=self._settings.timeout)
        self._transport = AsyncTransport(self._settings, self._http_client, timing=timing)
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

    @property
    def transport(self) -> AsyncTransport:
        """The send loop every request goes through.

        It retries with backoff, looks up what an ambiguous failure did, and logs with secrets
        redacted. The resources send through it; its `timing` is the clocks and sleep this client
        waits with.
        """
        return self._transport

    def is_closed(self) -> bool:
        """Whether the connection pool is closed.

        Returns:
            True after `close()` (or the end of an `async with` block).
        """
        return self._http_client.is_closed

    async def close(self) -> None:
        """Close the connection pool (a pool passed in as `http_client` too, as the SDK does)."""
        await self._http_client.aclose()

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | None = None,
        set_default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        set_default_query: Mapping[str, object] | None = None,
        idempotent_creates: bool | None = None,
        require_https: bool | None = None,
        provider: str | Provider | None = None,
        timing: AsyncTiming | None = None,
        _extra_kwargs: Mapping[str, Any] | None = None,
    ) -> Self:
        """A copy of this client with some options replaced (the SDK's `copy()`).

        The copy shares this client's connection pool unless `http_client` is given.

        Args:
            api_key: A different API key.
            base_url: A different base URL.
            timeout: A different default timeout.
            http_client: A different connection pool.
            max_retries: A different retry budget.
            default_headers: Headers merged over this client's own.
            set_default_headers: Headers that replace this client's own.
            default_query: Query parameters merged over this client's own.
            set_default_query: Query parameters that replace this client's own.
            idempotent_creates: Turn the create marker on or off.
            require_https: Refuse plain http to a non-loopback host.
            provider: A different provider profile.
            timing: Different clocks, sleep and jitter (a testing hook); defaults to this
                client's.
            _extra_kwargs: More constructor arguments, passed as they are.

        Returns:
            The new client.

        Raises:
            ValueError: If both forms of the headers (or of the query) are given.
        """
        kwargs = self._copy_kwargs(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            set_default_headers=set_default_headers,
            default_query=default_query,
            set_default_query=set_default_query,
            idempotent_creates=idempotent_creates,
            require_https=require_https,
            provider=provider,
            extra=_extra_kwargs or {},
        )
        return type(self)(
            http_client=http_client or self._http_client,
            timing=timing or self._transport.timing,
            **kwargs,
        )

    copy = with_options

    async def request(
        self, method: str, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]
    ) -> _T:
        """Send one request to any path, as the SDK's low-level methods do.

        Args:
            method: The HTTP method.
            path: A path under the base URL (`/openai/v1/models`), or an absolute URL.
            cast_to: What to return: `httpx.Response`, `str`, `bytes`, `object`, a model class
                (attrs or pydantic), or a `Union` of models.
            **args: The request's `body`, `content`, `files`, `options` and `stream` (see
                `RequestArgs`).

        Returns:
            The response, cast as asked.

        Raises:
            APIStatusError: For a non-2xx response.
            APIResponseValidationError: When a strict client cannot cast the body.
        """
        options = args.get("options") or {}
        stream = args.get("stream", False)
        opts = low_level_options(
            method, path, args.get("body"), args.get("content"), args.get("files"), options, stream
        )
        transport = self._transport
        if "max_retries" in options:
            transport = self.with_options(max_retries=int(options["max_retries"])).transport
        outcome: Outcome[Any] = await transport.send_outcome(opts)
        if not stream:
            await outcome.response.aread()
        result: _T = cast_response(outcome.response, cast_to, strict=self._settings.strict)
        return result

    # The SDK's low-level methods: `request` with the method filled in.
    async def get(self, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]) -> _T:
        """`GET` any path (see `request`)."""
        return await self.request("GET", path, cast_to=cast_to, **args)

    async def post(self, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]) -> _T:
        """`POST` to any path (see `request`)."""
        return await self.request("POST", path, cast_to=cast_to, **args)

    async def patch(self, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]) -> _T:
        """`PATCH` any path (see `request`)."""
        return await self.request("PATCH", path, cast_to=cast_to, **args)

    async def put(self, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]) -> _T:
        """`PUT` to any path (see `request`)."""
        return await self.request("PUT", path, cast_to=cast_to, **args)

    async def delete(self, path: str, *, cast_to: type[_T], **args: Unpack[RequestArgs]) -> _T:
        """`DELETE` any path (see `request`)."""
        return await self.request("DELETE", path, cast_to=cast_to, **args)
