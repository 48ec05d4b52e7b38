"""`Groq` and `AsyncGroq`: the clients, with their configuration resolved once.

This module resolves the configuration and holds what both clients show about themselves. The
clients themselves are written once, async, in `_async/client.py`; `_sync/client.py` is generated
from it. Both are re-exported here, loaded on first use.
"""

from __future__ import annotations

import ipaddress
import os
import re
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

import httpx

from groq_batch import _flavours
from groq_batch._errors import GroqError
from groq_batch._http import Settings
from groq_batch._types import (
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    NotGiven,
    TimeoutTypes,
)
from groq_batch.providers import PROVIDER_ENV, Provider, get_provider

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


def _resolve(
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: TimeoutTypes | NotGiven,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    http_client: httpx.Client | httpx.AsyncClient | None,
    require_https: bool | None = None,
    provider: str | Provider | None = None,
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
    if not (raw_key or "").strip() and _is_loopback(httpx.URL(url).host):
        # A server on this machine (`groq-batch serve`) needs no real key; one that requires
        # a key answers 401 to this placeholder, which says so.
        raw_key = LOOPBACK_PLACEHOLDER_KEY
    key = _clean_key(raw_key, profile.api_key_env)
    if require_https is None:
        require_https = os.environ.get(REQUIRE_HTTPS_ENV, "").strip().lower() in _TRUE
    _check_scheme(url, require_https)
    if isinstance(timeout, NotGiven):
        # A caller's own client with a deliberate timeout keeps it; httpx's 5 s default does not.
        own = http_client.timeout if http_client is not None else None
        timeout = own if own is not None and own != httpx.Timeout(5.0) else DEFAULT_TIMEOUT
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        raise ValueError(f"max_retries must be a non-negative int; got {max_retries!r}")
    return Settings(
        api_key=key,
        base_url=url,
        prefix=prefix,
        provider=profile,
        timeout=timeout,
        max_retries=max_retries,
        default_headers=dict(default_headers or {}),
        require_https=require_https,
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
        if not 32 < ord(char) < 127:
            raise GroqError(
                f"The API key has a character that cannot be sent in a header at position "
                f"{position} (a control character, a space or a non-ASCII character). Check "
                "where the key is read from; the key itself is not shown."
            )
    return key


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_scheme(url: str, require_https: bool) -> None:
    """Warn, or refuse with `require_https`, when the key would cross a network in clear text."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or _is_loopback(parsed.host):
        return
    message = (
        f"The API key would be sent over plain http to {parsed.host}, which is not a loopback "
        f"address: anyone on the network path can read it. Use https, or set {REQUIRE_HTTPS_ENV}=1 "
        "(or require_https=True) to refuse such a base URL."
    )
    if require_https:
        raise GroqError(message.split(": anyone")[0] + "; refused because https is required.")
    warnings.warn(message, InsecureTransportWarning, stacklevel=4)


class InsecureTransportWarning(GroqError, UserWarning):
    """The client was configured to send the API key over plain http to a non-loopback host."""


def _evolve(
    settings: Settings,
    *,
    api_key: str | None,
    base_url: str | httpx.URL | None,
    timeout: TimeoutTypes | NotGiven,
    max_retries: int | None,
    default_headers: Mapping[str, str] | None,
) -> dict[str, object]:
    """The constructor arguments of a copy with some options replaced."""
    return {
        "api_key": api_key if api_key is not None else settings.api_key,
        "base_url": base_url if base_url is not None else settings.base_url + settings.prefix,
        "provider": settings.provider,
        "timeout": settings.timeout if isinstance(timeout, NotGiven) else timeout,
        "max_retries": max_retries if max_retries is not None else settings.max_retries,
        "default_headers": {**settings.default_headers, **(default_headers or {})},
        "require_https": settings.require_https,
    }


class _ClientInfo:
    """What both clients show about themselves, never the key."""

    _settings: Settings
    idempotent_creates: bool

    @property
    def base_url(self) -> str:
        """The API's base URL (operation paths start with `prefix`)."""
        return self._settings.base_url

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
            f"base_url={self.base_url + self.prefix!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries!r})"
        )

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | httpx.URL | None = None,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        idempotent_creates: bool | None = None,
    ) -> Self:
        """Return a copy of this client with some options replaced.

        The copy shares this client's connection pool; closing the copy leaves it open.

        Args:
            api_key: A different API key.
            base_url: A different base URL.
            timeout: A different default timeout.
            max_retries: A different retry budget.
            default_headers: Headers to add to (or override in) the defaults.
            idempotent_creates: Turn the create marker on or off.

        Returns:
            The new client.
        """
        kwargs = _evolve(
            self._settings,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        if idempotent_creates is None:
            idempotent_creates = self.idempotent_creates
        # Both clients take the same keyword arguments and keep the same private attributes;
        # only the flavour of their pool and transport differs.
        this: Any = self
        factory: Any = type(self)
        copy: Any = factory(
            **kwargs, http_client=this._http_client, idempotent_creates=idempotent_creates
        )
        copy._transport.sleep = this._transport.sleep
        copy._transport.clock = this._transport.clock
        copy._transport.jitter = this._transport.jitter
        result: Self = copy
        return result

    copy = with_options


__getattr__ = _flavours.lazy_exports(
    __name__, {"AsyncGroq": "groq_batch._async.client", "Groq": "groq_batch._sync.client"}
)
