"""Provider profiles: what differs between OpenAI-format batch services, as data.

The wire format of the Files and Batches APIs is the same at Groq, OpenAI and the gateways that
copy OpenAI (a LiteLLM proxy, vLLM-based gateways). What differs is the base URL and path
prefix, the limits one batch accepts (lines, bytes, metadata), the completion windows, the
endpoints, and which environment variables hold the key and the URL. A `Provider` holds exactly
those, loaded from ``providers.json`` beside this module (each value with its source). The
client, the validator, the splitter, the CLI's help and the local server's defaults read them
from here and special-case no service by name; a test checks the README's table against them.

The metadata keys the package adds to every batch (`RESERVED_METADATA_KEYS`) are data too: they
count against a provider's pair limit, so `Provider.user_metadata_pairs` is what is left.

Every value can be overridden: ``get_provider("openai").replace(max_lines=1000)`` in Python,
``--max-lines``/``--max-bytes`` on the CLI, and ``Groq(provider=..., base_url=...)``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import urllib.parse
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

__all__ = [
    "DEFAULT_PROVIDER",
    "IDEMPOTENCY_METADATA_KEY",
    "JOB_METADATA_KEY",
    "PARENT_METADATA_KEY",
    "PART_METADATA_KEY",
    "PROVIDERS",
    "PROVIDER_ENV",
    "RESERVED_METADATA_KEYS",
    "RESERVED_METADATA_PREFIX",
    "Provider",
    "get_provider",
    "is_loopback_host",
    "is_loopback_url",
    "limits_table",
    "provider_owning",
    "window_hours",
]

PROVIDER_ENV: Final = "GROQ_BATCH_PROVIDER"
"""The environment variable that names the provider when none is given."""

_DATA: Final[Mapping[str, Any]] = json.loads(
    resources.files("groq_batch").joinpath("providers.json").read_text(encoding="utf-8")
)
_MB: Final = 1024 * 1024

_RESERVED: Final[Mapping[str, str]] = _DATA["reserved_metadata_keys"]
JOB_METADATA_KEY: Final[str] = _RESERVED["job"]
"""The metadata key naming the job a batch belongs to."""
PART_METADATA_KEY: Final[str] = _RESERVED["part"]
"""The metadata key holding a batch's part of its job (``2/3``)."""
PARENT_METADATA_KEY: Final[str] = _RESERVED["parent"]
"""The metadata key naming the batches a resubmitted job was built from."""
IDEMPOTENCY_METADATA_KEY: Final[str] = _RESERVED["idempotency"]
"""The metadata key of the create marker that keeps a retried create from making two batches."""
RESERVED_METADATA_KEYS: Final = (
    JOB_METADATA_KEY,
    PART_METADATA_KEY,
    PARENT_METADATA_KEY,
    IDEMPOTENCY_METADATA_KEY,
)
"""Every metadata key the package may add to a batch; they count against the pair limit."""
RESERVED_METADATA_PREFIX: Final = "groq_batch_"
"""The prefix of the package's own metadata keys; a user's keys may not start with it."""
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
        max_metadata_pairs: The most metadata pairs one batch may carry, the package's own
            (`RESERVED_METADATA_KEYS`) included.
        max_metadata_key_chars: The longest metadata key, in characters.
        max_metadata_value_chars: The longest metadata value, in characters.
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
    max_metadata_pairs: int
    max_metadata_key_chars: int
    max_metadata_value_chars: int
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
    def user_metadata_pairs(self) -> int:
        """The metadata pairs left for the user once the package's own keys are counted."""
        return self.max_metadata_pairs - len(RESERVED_METADATA_KEYS)

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
    return is_loopback_host(urllib.parse.urlsplit(url).hostname or "")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost`` (or a name under it), or a loopback IP.

    The one definition: the client (a key-free loopback URL, plain http allowed) and the local
    server (its ``Host`` and ``Origin`` checks) both ask it. A name under ``localhost`` always
    resolves to this machine (RFC 6761), so no outside DNS can claim one.

    Args:
        host: A host name or IP address, an IPv6 one with or without its brackets, with or
            without the root's trailing dot.

    Returns:
        True for a loopback host.
    """
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _fmt_hours(hours: int) -> str:
    return f"{hours // 24}d" if hours % 24 == 0 and hours > 24 else f"{hours}h"


_FIELDS: Final = frozenset(f.name for f in dataclasses.fields(Provider))


def _profile(entry: Mapping[str, Any]) -> Provider:
    # Lists become tuples so that a profile stays hashable and immutable; "sources" and any
    # other note in the data file are for people.
    values: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in entry.items() if k in _FIELDS
    }
    return Provider(**values)


PROVIDERS: Final[Mapping[str, Provider]] = {e["name"]: _profile(e) for e in _DATA["providers"]}
"""Every built-in profile, by name, as ``providers.json`` gives them."""

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
        # Imported here: the error module's secret scrubbing reads the profiles.
        from groq_batch._errors import InvalidValueError

        raise InvalidValueError(
            f"unknown provider {provider!r}; one of: {', '.join(PROVIDERS)}"
        ) from None


def _size(n: int) -> str:
    return f"{n // _MB} MB" if n % _MB == 0 else f"{n:,} bytes"


def limits_table() -> str:
    """The built-in profiles as the Markdown table the README and the docs show.

    Returns:
        The table, one row a profile, without a trailing newline.
    """
    names: Mapping[str, str] = _DATA["endpoint_names"]
    rows = [
        "| profile | base URL | prefix | per batch | metadata | windows | endpoints "
        "| key, URL variables |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    seen: set[str] = set()
    for p in PROVIDERS.values():
        kinds = tuple(dict.fromkeys(names.get(e, e) for e in p.endpoints))
        endpoints = "all of the above" if seen and seen.issuperset(kinds) else ", ".join(kinds)
        seen.update(kinds)
        label = f"`{p.name}`" + (" (default)" if p.name == DEFAULT_PROVIDER else "")
        url = f"`{p.base_url}`" if p.base_url else "yours (required)"
        per_batch = f"{p.max_lines:,} lines, {_size(p.max_bytes)}"
        metadata = (
            f"{p.max_metadata_pairs} pairs ({p.user_metadata_pairs} yours), keys "
            f"{p.max_metadata_key_chars}, values {p.max_metadata_value_chars} characters"
        )
        rows.append(
            f"| {label} | {url} | `{p.prefix}` | {per_batch} | {metadata} | {p.windows} "
            f"| {endpoints} | `{p.api_key_env}`, `{p.base_url_env}` |"
        )
    return "\n".join(rows)
