"""`Groq` and `AsyncGroq`: the clients, with their configuration resolved once.

This module resolves the configuration and holds what both clients show about themselves. The
clients themselves are written once, async, in `_async/client.py`; `_sync/client.py` is generated
from it. Both are re-exported here, loaded on first use.
"""

from __future__ import annotations

import dataclasses
import os
import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from groq_batch import _flavours, redaction
from groq_batch._errors import (
    GroqError,
    InsecureTransportWarning,
    InvalidTypeError,
    InvalidValueError,
)
from groq_batch._http import Settings
from groq_batch._types import (
    DEFAULT_TIMEOUT,
    NotGiven,
    TimeoutTypes,
)
from groq_batch.providers import PROVIDER_ENV, Provider, get_provider, is_loopback_host

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq as AsyncGroq
    from groq_batch._sync.client import Groq as Groq
    from groq_batch.jobs import JobRegistry

__all__ = [
    "REQUIRE_HTTPS_ENV",
    "AsyncGroq",
    "Groq",
    "InsecureTransportWarning",
]

LOOPBACK_PLACEHOLDER_KEY = "no-key"
"""What a client on a loopback base URL sends when no key is given."""
REQUIRE_HTTPS_ENV = "GROQ_BATCH_REQUIRE_HTTPS"
"""Set to 1 to refuse a plain-http base URL to a non-loopback host instead of warning."""
_TRUE = frozenset({"1", "true", "yes", "on"})
# A base URL whose path ends in a version segment (`/v1`, `/openai/v1`, `/v2beta`) already
# holds the prefix, as the openai SDK's base URLs do.
_VERSION_PATH = re.compile(r"/v[0-9]+[a-z0-9]*$")


def resolve_settings(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: TimeoutTypes | NotGiven,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
    require_https: bool | None = None,
    provider: str | Provider | None = None,
    default_query: Mapping[str, object] | None = None,
    strict: bool = False,
) -> Settings:
    """Resolve a client's settings: the argument, then the environment, then the default.

    The provider profile (argument, then `GROQ_BATCH_PROVIDER`, then `groq`) says which
    environment variables hold the key and URL, the default URL, and the path prefix.
    """
    profile = get_provider(provider if provider is not None else os.environ.get(PROVIDER_ENV))
    raw_key = api_key if api_key is not None else os.environ.get(profile.api_key_env)
    url, prefix = split_base_url(
        base_url or os.environ.get(profile.base_url_env) or profile.base_url, profile
    )
    if not (raw_key or "").strip() and is_loopback_host(httpx.URL(url).host):
        # A server on this machine (`groq-batch serve`) needs no real key; one that requires
        # a key answers 401 to this placeholder, which says so.
        raw_key = LOOPBACK_PLACEHOLDER_KEY
    key = _clean_key(raw_key, profile.api_key_env)
    # Held for the life of the process: no error, traceback or log line will show it, even if
    # a server echoes it back.
    redaction.hold(key)
    if require_https is None:
        require_https = os.environ.get(REQUIRE_HTTPS_ENV, "").strip().lower() in _TRUE
    _check_scheme(url, require_https)
    if isinstance(timeout, NotGiven):
        # A caller's own client with a deliberate timeout keeps it; httpx's 5 s default does not.
        own = http_client.timeout if http_client is not None else None
        timeout = own if own is not None and own != httpx.Timeout(5.0) else DEFAULT_TIMEOUT
    if max_retries is None:
        # The SDK's message and type, for code that catches it.
        raise InvalidTypeError(
            "max_retries cannot be None. If you want to disable retries, pass `0`; if you want "
            "unlimited retries, pass `math.inf` or a very high number."
        )
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise InvalidValueError(f"max_retries must be a non-negative int; got {max_retries!r}")
    return Settings(
        api_key=key,
        base_url=url,
        prefix=prefix,
        provider=profile,
        timeout=timeout,
        max_retries=max_retries,
        default_headers=dict(default_headers or {}),
        require_https=require_https,
        default_query=dict(default_query or {}),
        strict=strict,
    )


def split_base_url(base_url: str | httpx.URL | None, profile: Provider) -> tuple[str, str]:
    """The base URL and the path prefix the operations go under.

    A URL ending in the profile's prefix, or in any version path (`/v1`), is taken as already
    holding the prefix, as the openai SDK takes it; any other URL gets the profile's prefix.

    Args:
        base_url: The base URL given, or None for none.
        profile: The provider profile.

    Returns:
        The base URL (without a trailing slash) and the prefix.

    Raises:
        GroqError: No base URL was given and the profile has no default.
    """
    if not base_url:
        raise GroqError(
            f"The {profile.name} provider has no default base URL: pass base_url to the client "
            f"or set the {profile.base_url_env} environment variable."
        )
    url = str(base_url).rstrip("/")
    path = httpx.URL(url).path.rstrip("/")
    if path.endswith(profile.prefix):
        return url.removesuffix(profile.prefix), profile.prefix
    if _VERSION_PATH.search(path):
        return url, ""
    return url, profile.prefix


def _clean_key(raw: str | None, env: str = "GROQ_API_KEY") -> str:
    """The key without surrounding whitespace; refused, never shown, if it cannot be sent."""
    # A key read from a file or a mounted secret often ends in a newline; it is never part of it.
    key = raw.strip() if isinstance(raw, str) else ""
    if not key:
        raise GroqError(
            "The api_key client option must be set either by passing api_key to the client or "
            f"by setting the {env} environment variable."
        )
    for position, char in enumerate(key):
        # Spaces and other printable characters are legal in a header value (RFC 9110 5.5);
        # control characters would split or corrupt the request.
        if ord(char) < 32 or ord(char) == 127:
            raise GroqError(
                f"The API key has a control character at position {position}, which cannot be "
                "sent in a header. Check where the key is read from; the key itself is not shown."
            )
    return key


def _check_scheme(url: str, require_https: bool) -> None:
    """Warn, or refuse with `require_https`, when the key would cross a network in clear text."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or is_loopback_host(parsed.host):
        return
    message = (
        f"The API key would be sent over plain http to {parsed.host}, which is not a loopback "
        f"address: anyone on the network path can read it. Use https, or set {REQUIRE_HTTPS_ENV}=1 "
        "(or require_https=True) to refuse such a base URL."
    )
    if require_https:
        raise GroqError(message.split(": anyone")[0] + "; refused because https is required.")
    warnings.warn(message, InsecureTransportWarning, stacklevel=4)


class ClientInfo:
    """What both clients show about themselves, never the key."""

    _settings: Settings
    idempotent_creates: bool

    @property
    def base_url(self) -> httpx.URL:
        """The API's base URL, with a trailing slash as the SDK shows it (paths add `prefix`)."""
        return httpx.URL(self._settings.base_url.rstrip("/") + "/")

    @base_url.setter
    def base_url(self, url: str | httpx.URL) -> None:
        base, prefix = split_base_url(url, self._settings.provider)
        self._settings = dataclasses.replace(self._settings, base_url=base, prefix=prefix)
        this: Any = self  # both flavours have a transport; this base does not know its flavour
        this.transport.settings = self._settings

    @property
    def prefix(self) -> str:
        """The path prefix the operations go under (`/openai/v1` at Groq, `/v1` at OpenAI)."""
        return self._settings.prefix

    @property
    def provider(self) -> Provider:
        """The provider profile: limits, completion windows and endpoints of its batches."""
        return self._settings.provider

    @property
    def timeout(self) -> TimeoutTypes:
        """The default timeout of every request."""
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        """How many times a failed request is retried."""
        return self._settings.max_retries

    @property
    def jobs(self) -> JobRegistry:
        """The local job registry that `groq-batch run`/`submit` record into.

        ``client.jobs.list()`` lists the jobs, newest first; ``client.jobs.get(name)`` finds one;
        ``client.batches.job(name)`` re-attaches to it. The registry is a SQLite file in the
        per-user data dir (``$XDG_DATA_HOME/groq-batch/jobs.sqlite3``).
        """
        # Imported on first use: most clients never touch the registry, and sqlite3 costs time.
        from groq_batch.jobs import JobRegistry

        return JobRegistry()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(provider={self.provider.name!r}, "
            f"base_url={self._settings.base_url + self.prefix!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries!r})"
        )

    @property
    def default_headers(self) -> dict[str, str]:
        """The headers every request starts from, the key's `Authorization` left out."""
        headers = self._settings.headers()
        del headers["Authorization"]
        return headers

    @property
    def default_query(self) -> dict[str, object]:
        """The query parameters every request carries."""
        return dict(self._settings.default_query)

    @property
    def api_key(self) -> str:
        """The API key (never shown in a repr, a log line or an error)."""
        return self._settings.api_key

    def _copy_kwargs(
        self,
        *,
        api_key: str | None,
        base_url: str | httpx.URL | None,
        timeout: TimeoutTypes | NotGiven,
        max_retries: int | NotGiven,
        default_headers: Mapping[str, str] | None,
        set_default_headers: Mapping[str, str] | None,
        default_query: Mapping[str, object] | None,
        set_default_query: Mapping[str, object] | None,
        idempotent_creates: bool | None,
        require_https: bool | None,
        provider: str | Provider | None,
        extra: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The constructor arguments of a copy with some options replaced (the SDK's rules)."""
        if default_headers is not None and set_default_headers is not None:
            raise InvalidValueError(
                "The `default_headers` and `set_default_headers` arguments are mutually exclusive"
            )
        if default_query is not None and set_default_query is not None:
            raise InvalidValueError(
                "The `default_query` and `set_default_query` arguments are mutually exclusive"
            )
        settings = self._settings
        headers = dict(settings.default_headers)
        if default_headers is not None:
            headers.update(default_headers)
        elif set_default_headers is not None:
            headers = dict(set_default_headers)
        query = dict(settings.default_query)
        if default_query is not None:
            query.update(default_query)
        elif set_default_query is not None:
            query = dict(set_default_query)
        return {
            "api_key": api_key if api_key is not None else settings.api_key,
            "base_url": base_url if base_url is not None else settings.base_url + settings.prefix,
            "provider": provider if provider is not None else settings.provider,
            "timeout": settings.timeout if isinstance(timeout, NotGiven) else timeout,
            "max_retries": settings.max_retries
            if isinstance(max_retries, NotGiven)
            else max_retries,
            "default_headers": headers,
            "default_query": query,
            "require_https": settings.require_https if require_https is None else require_https,
            "idempotent_creates": (
                self.idempotent_creates if idempotent_creates is None else idempotent_creates
            ),
            "_strict_response_validation": settings.strict,
            **extra,
        }


__getattr__ = _flavours.lazy_exports(
    __name__, {"AsyncGroq": "groq_batch._async.client", "Groq": "groq_batch._sync.client"}
)
