"""Exit codes, the user-facing `CliError`, the redaction of API keys, and API errors in words."""

from __future__ import annotations

import os
from collections.abc import Sequence

from groq_batch.providers import PROVIDERS

EXIT_OK = 0


EXIT_ERROR = 1


EXIT_USAGE = 2


EXIT_FAILED_ROWS = 3


EXIT_TIMEOUT = 4


EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A user-facing error: printed without a traceback, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


_secrets: list[str] = []


def collect_secrets(argv: Sequence[str]) -> None:
    """Remember every API key the user gave, so that no message can print one."""
    found = []
    for i, token in enumerate(argv):
        option, eq, value = token.partition("=")
        # argparse accepts any unambiguous prefix of --api-key (--api, --api-k, ...).
        if len(option) >= 5 and "--api-key".startswith(option):
            if eq:
                found.append(value)
            elif i + 1 < len(argv):
                found.append(argv[i + 1])
    for profile in PROVIDERS.values():
        env = os.environ.get(profile.api_key_env)
        if env:
            found.append(env)
    # A real key is long; redacting a one-letter test key would mangle every message instead.
    _secrets[:] = sorted(
        {s for f in found for s in (f, f.strip()) if len(s) >= 6}, key=len, reverse=True
    )


def redact(text: str) -> str:
    """Replace every remembered API key in ``text``."""
    for secret in _secrets:
        for form in (secret, repr(secret)[1:-1]):
            text = text.replace(form, "<redacted>")
    return text


def explain_api(exc: BaseException) -> str:
    """An API or connection error in words."""
    from groq_batch import _errors

    if isinstance(exc, _errors.NotFoundError):
        return f"not found: {exc.message}"
    if isinstance(exc, _errors.AuthenticationError):
        return f"authentication failed: {exc.message}"
    if isinstance(exc, _errors.APIConnectionError):
        return f"cannot reach the API: {exc}"
    return str(exc)
