"""Exit codes, the user-facing `CliError`, the redaction of API keys, and API errors in words."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Sequence
from types import TracebackType

from groq_batch import redaction

EXIT_OK = 0


EXIT_ERROR = 1


EXIT_USAGE = 2


EXIT_FAILED_ROWS = 3


EXIT_TIMEOUT = 4


EXIT_INTERRUPTED = 130


EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what git and ls exit with when the reader of their output goes away."""


class CliError(Exception):
    """A user-facing error: printed without a traceback, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def collect_secrets(argv: Sequence[str]) -> None:
    """Remember every API key the user gave, so that no message can print one.

    They join the process's one registry of held secrets (`groq_batch.redaction`), beside each
    key given to a client and every provider's key variable.
    """
    found = []
    for i, token in enumerate(argv):
        option, eq, value = token.partition("=")
        # argparse accepts any unambiguous prefix of --api-key (--api, --api-k, ...).
        if len(option) >= 5 and "--api-key".startswith(option):
            if eq:
                found.append(value)
            elif i + 1 < len(argv):
                found.append(argv[i + 1])
    redaction.hold(*found)


def redact(text: str) -> str:
    """Replace every secret the process holds in ``text``, however it is quoted."""
    return redaction.scrub(text)


def _print_scrubbed(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))


def _print_scrubbed_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _print_scrubbed(args.exc_type, args.exc_value, args.exc_traceback)


def scrub_tracebacks() -> None:
    """Print every uncaught exception's traceback (``--debug``, a bug) scrubbed of secrets.

    A traceback carries the messages of the whole chain: an echoed key, a key pasted as an id.
    """
    sys.excepthook = _print_scrubbed
    threading.excepthook = _print_scrubbed_thread


def explain_api(exc: BaseException) -> str:
    """An API or connection error in words."""
    from groq_batch import APIConnectionError, AuthenticationError, NotFoundError

    if isinstance(exc, NotFoundError):
        return f"not found: {exc.message}"
    if isinstance(exc, AuthenticationError):
        return f"authentication failed: {exc.message}"
    if isinstance(exc, APIConnectionError):
        return f"cannot reach the API: {exc}"
    return str(exc)
