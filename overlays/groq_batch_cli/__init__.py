"""The `groq-batch` command line: the library's job, from a shell.

A package of its own, beside the client: ``import groq_batch`` never loads it.
"""

from __future__ import annotations

from groq_batch_cli.main import (
    EXIT_ERROR,
    EXIT_FAILED_ROWS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    FAILED_OUTCOMES,
    OUTCOMES,
    CliError,
    build_parser,
    main,
)

__all__ = [
    "EXIT_ERROR",
    "EXIT_FAILED_ROWS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "FAILED_OUTCOMES",
    "OUTCOMES",
    "CliError",
    "build_parser",
    "main",
]
