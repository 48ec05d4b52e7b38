"""Provider profiles: what differs between OpenAI-format batch services, as data.

The wire format of the Files and Batches APIs is the same at Groq, OpenAI and the gateways that
copy OpenAI (a LiteLLM proxy, vLLM-based gateways). What differs is the base URL and path
prefix, the limits one batch accepts, the completion windows, the endpoints, and which
environment variables hold the key and the URL. A `Provider` holds exactly those; the client,
validation, splitting and the CLI read them from it and special-case no service by name.

Every value can be overridden: ``get_provider("openai").replace(max_lines=1000)`` in Python,
``--max-lines``/``--max-bytes`` on the CLI, and ``Groq(provider=..., base_url=...)``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "PROVIDER_ENV",
    "Provider",
    "get_provider",
    "is_loopback_url",
    "provider_owning",
    "window_hours",
]

PROVIDER_ENV: Final = "GROQ_BATCH_PROVIDER"
"""The environment variable that names the provider when none is given."""

_MB: Final = 1024 * 1024
_WINDOW: Final = re.compile(r"([1-9][0-9]*)([hd])")


def window_hours(window: str) -> int | None:
    """A completion window in hours (``48h`` -> 48, ``2d`` -> 48), or None if malformed."""
    match = _WINDOW.fullmatch(window)
    if match is None:
        return None
    return int(match.group(1)) * (24 if match.group(2) == "d" else 1)


@dataclasses.dataclass(frozen=True)
class Provider:
    """One OpenAI-format batch service: where it is and what a batch may be.

    Attributes:
        name: The profile's name (``groq``, ``openai``, ``openai-compatible``).
        base_url: The default base URL, or None when the user must give one.
        prefix: The path prefix the operations live under (``/openai/v1`` at Groq, ``/v1``).
        max_lines: The most requests one batch accepts; a larger input is split.
        max_bytes: The largest input file one batch accepts; a larger input is split.
        min_window_hours: The shortest completion window accepted.
        max_window_hours: The longest completion window accepted.
        endpoints: The batch endpoints the service accepts (the ``url`` of each line).
        api_key_env: The environment variable holding the API key.
        base_url_env: The environment variable holding the base URL.
    """

    name: str
    base_url: str | None
    prefix: str
    max_lines: int
    max_bytes: int
    min_window_hours: int
    max_window_hours: int
    endpoints: tuple[str, ...]
    api_key_env: str
    base_url_env: str

    def replace(self, **changes: Any) -> Provider:
        """A copy with some values replaced (``None`` values are ignored).

        Args:
            **changes: Fields to replace, by name.

        Returns:
            The new profile.
        """
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def windows(self) -> str:
        """The accepted completion windows, as people write them (``from 24h to 7d``, ``24h``)."""
        low, high = _fmt_hours(self.min_window_hours), _fmt_hours(self.max_window_hours)
        return low if low == high else f"from {low} to {high}"

    def check_window(self, window: str) -> str | None:
        """Why ``window`` is not accepted by this provider, or None if it is.

        Args:
            window: A completion window such as ``24h`` or ``3d``.

        Returns:
            The reason, naming the accepted windows, or None.
        """
        hours = window_hours(window)
        if hours is None:
            return (
                f"invalid completion window {window!r}: in hours (48h) or days (3d); "
                f"{self.name} accepts {self.windows}"
            )
        if not self.min_window_hours <= hours <= self.max_window_hours:
            return f"completion window {window!r} is not accepted by {self.name}: {self.windows}"
        return None

    def owns_url(self, url: str) -> bool:
        """Whether this provider's key may go to ``url``: whether the URL is the provider's.

        A provider with a URL of its own (Groq, OpenAI) owns that host over https, and a
        loopback server (a local server or gateway the user runs). One without
        (``openai-compatible``) owns the URL the user gives it, which is any URL.

        Args:
            url: A base URL.

        Returns:
            True if the provider's key may be sent there.
        """
        if self.base_url is None:
            return True
        if is_loopback_url(url):
            return True
        own = urllib.parse.urlsplit(self.base_url)
        given = urllib.parse.urlsplit(url)
        return given.scheme == own.scheme == "https" and given.hostname == own.hostname


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names a server on this machine (``localhost``, ``127.0.0.1``, ``[::1]``).

    Args:
        url: A URL.

    Returns:
        True for a loopback host.
    """
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fmt_hours(hours: int) -> str:
    return f"{hours // 24}d" if hours % 24 == 0 and hours > 24 else f"{hours}h"


_CHAT = "/v1/chat/completions"
_AUDIO = ("/v1/audio/transcriptions", "/v1/audio/translations")
_OPENAI_ENDPOINTS = (_CHAT, "/v1/embeddings", "/v1/completions", "/v1/responses")

PROVIDERS: Final[Mapping[str, Provider]] = {
    p.name: p
    for p in (
        # https://console.groq.com/docs/batch: 50,000 lines, 200 MB, 24h to 7d, chat and audio.
        Provider(
            name="groq",
            base_url="https://api.groq.com",
            prefix="/openai/v1",
            max_lines=50_000,
            max_bytes=200 * _MB,
            min_window_hours=24,
            max_window_hours=7 * 24,
            endpoints=(_CHAT, *_AUDIO),
            api_key_env="GROQ_API_KEY",
            base_url_env="GROQ_BASE_URL",
        ),
        # https://platform.openai.com/docs/api-reference/batch: 50,000 requests, 200 MB, 24h.
        Provider(
            name="openai",
            base_url="https://api.openai.com",
            prefix="/v1",
            max_lines=50_000,
            max_bytes=200 * _MB,
            min_window_hours=24,
            max_window_hours=24,
            endpoints=_OPENAI_ENDPOINTS,
            api_key_env="OPENAI_API_KEY",
            base_url_env="OPENAI_BASE_URL",
        ),
        # Any server speaking OpenAI's batch API (LiteLLM proxy, vLLM gateways): the user gives
        # the base URL; the limits are OpenAI's until the user gives the gateway's own.
        Provider(
            name="openai-compatible",
            base_url=None,
            prefix="/v1",
            max_lines=50_000,
            max_bytes=200 * _MB,
            min_window_hours=1,
            max_window_hours=7 * 24,
            endpoints=(*_OPENAI_ENDPOINTS, *_AUDIO),
            api_key_env="OPENAI_API_KEY",
            base_url_env="OPENAI_BASE_URL",
        ),
    )
}
"""Every built-in profile, by name."""

DEFAULT_PROVIDER: Final = "groq"


def provider_owning(url: str) -> Provider | None:
    """The built-in provider whose own URL this is (``https://api.openai.com/v1``: OpenAI).

    Args:
        url: A base URL.

    Returns:
        The provider, or None for any other URL (a gateway, a loopback server).
    """
    given = urllib.parse.urlsplit(url)
    for profile in PROVIDERS.values():
        if profile.base_url is None or given.scheme != "https":
            continue
        if given.hostname == urllib.parse.urlsplit(profile.base_url).hostname:
            return profile
    return None


def get_provider(provider: str | Provider | None = None) -> Provider:
    """The profile named ``provider`` (a `Provider` is returned as is; None means Groq).

    Args:
        provider: A profile name, a `Provider`, or None.

    Returns:
        The profile.

    Raises:
        ValueError: No built-in profile has that name; the message lists them.
    """
    if isinstance(provider, Provider):
        return provider
    name = (provider or DEFAULT_PROVIDER).strip().lower()
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}; one of: {', '.join(PROVIDERS)}") from None
