"""The secrets this process holds, and the one scrubber every outgoing text goes through.

A server may echo the key it was sent (some gateways put the ``Authorization`` header into their
error text); a user may paste a key where an id goes. So no text leaves the process as it came:
exception messages and bodies, the CLI's ``--debug`` tracebacks and the dashboard's redirects
are scrubbed of every secret held here: each key given to a client, the key variable of every
provider, and anything else registered with `hold` (the local server's secret).
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
from collections.abc import Iterable
from typing import Final

from groq_batch.providers import PROVIDERS

__all__ = [
    "REDACTED",
    "ScrubFilter",
    "held",
    "hold",
    "is_secret_header",
    "scrub",
    "scrub_data",
    "scrub_logs",
]

REDACTED: Final = "<redacted>"

# Shorter values would scrub ordinary words ("local", a test's "k") and carry no real secret.
_MIN_LENGTH: Final = 8

_held: set[str] = set()

# Header names whose values are secrets; compared lower-case.
_SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"}
)
# A caller's own header whose name says it carries a credential is a secret too.
_SECRET_WORDS: Final = ("key", "token", "secret", "auth", "cookie", "session", "password")


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a secret, by its name.

    Args:
        name: The header name.

    Returns:
        True for ``Authorization``, ``x-api-key``, ``Cookie`` and any name holding ``key``,
        ``token``, ``secret``, ``auth``, ``cookie``, ``session`` or ``password``.
    """
    lower = name.lower()
    return lower in _SECRET_HEADERS or any(word in lower for word in _SECRET_WORDS)


_lock = threading.Lock()


def hold(*secrets: str | None) -> None:
    """Remember secrets for the life of the process: no scrubbed text will show them.

    Args:
        *secrets: Keys, tokens, passwords; None, empty and short values are ignored.
    """
    found = {s.strip() for s in secrets if isinstance(s, str)}
    with _lock:
        _held.update(s for s in found if len(s) >= _MIN_LENGTH)


def held() -> list[str]:
    """Every secret held now, longest first: those given to `hold`, and every key variable.

    The provider key variables are read as they are set at this moment.

    Returns:
        The secrets.
    """
    env = (os.environ.get(p.api_key_env) for p in PROVIDERS.values())
    found = {s.strip() for s in env if s}
    with _lock:
        found |= _held
    return sorted((s for s in found if len(s) >= _MIN_LENGTH), key=len, reverse=True)


def _forms(secret: str) -> set[str]:
    """The ways a secret shows up in text: raw, escaped by repr (str or bytes), URL-quoted."""
    return {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "replace"))[2:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """Replace every held secret (and each of ``extra``) in ``text``, however it is quoted.

    Args:
        text: A message, a traceback, a URL.
        extra: More secrets for this text alone (a request's header values).

    Returns:
        The text with each secret replaced by ``<redacted>``.
    """
    secrets = set(held())
    secrets.update(s.strip() for s in extra if len(s.strip()) >= _MIN_LENGTH)
    forms: set[str] = set()
    for secret in secrets:
        forms |= _forms(secret)
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, REDACTED)
    return text


def scrub_data(value: object, extra: Iterable[str] = ()) -> object:
    """`scrub` every string in decoded JSON (dicts, lists, strings), keys included.

    Args:
        value: Decoded JSON, or any value (returned as is unless it holds strings).
        extra: More secrets for this value alone.

    Returns:
        A scrubbed copy.
    """
    extra = list(extra)
    if isinstance(value, str):
        return scrub(value, extra)
    if isinstance(value, dict):
        return {scrub_data(k, extra): scrub_data(v, extra) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_data(v, extra) for v in value]
    return value


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs each record's message (arguments merged in) of held secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Scrub the record in place; never drop it.

        Args:
            record: The log record.

        Returns:
            True.
        """
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # malformed arguments: logging reports those itself
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def scrub_logs(*names: str) -> None:
    """Attach one `ScrubFilter` to each named logger (filters are not inherited by children).

    Args:
        *names: Logger names.
    """
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter())


scrub_logs("groq_batch", "groq_batch.results")
