"""The `groq-batch` command line: the library's job, from a shell.

Every command calls the same library code a Python user would (``validate``, ``Groq.batches``,
``Groq.files``); nothing here re-implements the job. Terminal niceties (progress bars, tables)
come from rich, loaded only when a command needs them and shown only on a terminal.

Every check that can run before an upload runs before it (the file, the output path, the
endpoint, the completion window, the metadata, the key), so a refused command costs nothing.
Batch ids are printed, flushed, the moment the batches exist, and before anything else may
fail; every dead end (Ctrl-C, ``--timeout``, a network error) prints the command to continue.

Exit codes (one rule for ``run``, ``wait``, ``results`` and ``submit --wait``):
    0   every request succeeded.
    1   an error from the API or the network (the message says which).
    2   a usage error or an input that fails validation; nothing was uploaded.
    3   the batches finished, but some requests did not succeed (failed, expired, cancelled or
        missing).
    4   ``--timeout`` passed before the batches finished (they keep running).
    130 interrupted (Ctrl-C); the batches keep running.
    141 the reader of the output went away (``groq-batch jobs | head -2``); quietly, as git does.
"""

from __future__ import annotations

from groq_batch.statuses import FAILED_OUTCOMES, OUTCOMES
from groq_batch_cli.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_FAILED_ROWS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_USAGE,
    CliError,
)
from groq_batch_cli.main import main
from groq_batch_cli.parser import build_parser

__all__ = [
    "EXIT_BROKEN_PIPE",
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
