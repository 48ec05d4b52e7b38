"""Argument types, option limits and the option groups several commands share."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

from groq_batch.jobs import is_valid_name
from groq_batch.providers import (
    DEFAULT_PROVIDER,
    PROVIDER_ENV,
    PROVIDERS,
    RESERVED_METADATA_PREFIX,
    Provider,
    window_hours,
)
from groq_batch_cli.errors import EXIT_USAGE, redact

TABLE_FORMATS = ("csv", "parquet", "jsonl")
"""The table formats `run` writes (and reads, with --prompt-column or --template)."""


ENDPOINTS = tuple(dict.fromkeys(e for p in PROVIDERS.values() for e in p.endpoints))
"""Every batch endpoint of a built-in provider; ``--provider`` narrows them (Groq: chat, audio)."""


DEFAULT_PROFILE = PROVIDERS[DEFAULT_PROVIDER]
"""The profile whose limits the help states and ``--metadata`` parses against."""


def metadata_help(profile: Provider = DEFAULT_PROFILE) -> str:
    """The ``--metadata`` help: the pairs left beside groq-batch's own, from the profile."""
    return (
        f"attach to every batch; repeatable (at most {profile.user_metadata_pairs} pairs, "
        f"keys up to {profile.max_metadata_key_chars} and values up to "
        f"{profile.max_metadata_value_chars} characters)"
    )


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error never prints an API key (``invalid choice: 'gsk_...'``)."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and exit 2, with every API key in the message redacted."""
        self.print_usage(sys.stderr)
        # One prefix for every error, whichever subcommand's parser met it (not "groq-batch
        # run: error:"): scripts and people grep for one.
        self.exit(EXIT_USAGE, f"groq-batch: error: {redact(message)}\n")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Show each option's default, unless it has none worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_ = action.help or ""
        default = action.default
        if (
            "%(default)" in help_
            or default in (None, False, [], argparse.SUPPRESS)
            or not action.option_strings
        ):
            return help_
        return f"{help_} (default: %(default)s)"


def metadata_pair(text: str) -> tuple[str, str]:
    """Parse ``--metadata KEY=VALUE`` within the metadata limits."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    max_key, max_value = (
        DEFAULT_PROFILE.max_metadata_key_chars,
        DEFAULT_PROFILE.max_metadata_value_chars,
    )
    if len(key) > max_key:
        raise argparse.ArgumentTypeError(
            f"metadata key {key[:20]!r}... is {len(key)} characters; at most {max_key}"
        )
    if len(value) > max_value:
        raise argparse.ArgumentTypeError(
            f"metadata value for {key!r} is {len(value)} characters; at most {max_value}"
        )
    if key.startswith(RESERVED_METADATA_PREFIX):
        raise argparse.ArgumentTypeError(
            f"metadata keys starting with {RESERVED_METADATA_PREFIX!r} are groq-batch's own"
        )
    return key, value


def completion_window(text: str) -> str:
    # Only the form here: which windows are accepted is the provider's (`check_provider`).
    """Parse ``--window``: a number of hours (48h) or days (3d)."""
    if window_hours(text) is None:
        raise argparse.ArgumentTypeError(
            f"invalid completion window {text!r}: in hours (48h) or days (3d)"
        )
    return text


def positive_seconds(text: str) -> float:
    """Parse a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def positive_count(text: str) -> int:
    """Parse a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


def job_name(text: str) -> str:
    """Parse ``--name``: a valid job name."""
    if not is_valid_name(text):
        raise argparse.ArgumentTypeError(
            f"invalid job name {text!r}: 1-64 letters, digits, '.', '_' or '-', "
            "not starting with 'batch_'"
        )
    return text


def add_connection(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands get SUPPRESS defaults, so an option given before the subcommand is not reset
    # by the subcommand's own default: `groq-batch --local list` == `groq-batch list --local`.
    """Add the connection options; ``suppress`` for a subcommand's copy of them."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    conn = parser.add_argument_group("connection")
    conn.add_argument(
        "--local",
        action="store_true",
        default=default(False),
        help="use the embedded local server (no key, no network)",
    )
    conn.add_argument(
        "--data-dir",
        type=Path,
        default=default(None),
        metavar="DIR",
        help="the local server's data (default: $XDG_DATA_HOME/groq-batch)",
    )
    conn.add_argument(
        "--api-key",
        default=default(None),
        metavar="KEY",
        help="API key (default: the provider's variable, $GROQ_API_KEY); never printed",
    )
    conn.add_argument(
        "--base-url",
        default=default(None),
        metavar="URL",
        help="API base URL (default: the provider's variable, $GROQ_BASE_URL, then its URL); "
        "a URL ending in a version path (/v1) is used as it is",
    )
    conn.add_argument(
        "--provider",
        default=default(None),
        choices=tuple(PROVIDERS),
        help=f"the batch service: its URL, key variable, limits, windows and endpoints "
        f"(default: ${PROVIDER_ENV}, then groq)",
    )


def add_output(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the output options (--json, --debug); ``suppress`` for a subcommand's copy."""

    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("output")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print machine-readable JSON (JSON lines for run and submit)",
    )
    group.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks"
    )


def add_input(p: argparse.ArgumentParser) -> None:
    """Add the input every reading command takes alike: validate, estimate, submit and run.

    The file is a batch input (JSONL requests) or a table of prompts, with the table options;
    `table_input.read_input` reads it the same way for each of them.
    """
    p.add_argument(
        "file",
        type=Path,
        help="the batch input (JSONL), or a table of prompts (.csv, .parquet, .jsonl records)",
    )
    add_table_input(p)


def add_table_input(p: argparse.ArgumentParser) -> None:
    """Add the options that turn a table of prompts into requests."""
    group = p.add_argument_group(
        "table input",
        "a CSV, Parquet or JSON Lines file of plain records, one prompt per row "
        "(needs the tables extra: pip install 'groq-batch[tables]')",
    )
    prompt = group.add_mutually_exclusive_group()
    prompt.add_argument("--prompt-column", metavar="COLUMN", help="the column holding the prompt")
    prompt.add_argument(
        "--template",
        metavar="TEXT",
        help="the prompt made of columns, with Python format fields: 'Summarise: {text}'",
    )
    group.add_argument("--model", help="the model for every row")
    group.add_argument("--system", metavar="TEXT", help="a system message for every row")
    group.add_argument(
        "--id-column",
        metavar="COLUMN",
        help="the column that becomes each request's custom_id (default: row-N, the row number)",
    )
    group.add_argument(
        "--max-tokens", type=positive_count, metavar="N", help="max_tokens for every row"
    )
    group.add_argument("--temperature", type=float, help="temperature for every row")
    group.add_argument("--top-p", type=float, help="top_p for every row")
    group.add_argument("--seed", type=int, help="seed for every row")
    group.add_argument(
        "--stop", action="append", metavar="TEXT", help="a stop sequence; repeatable (up to 4)"
    )
    group.add_argument(
        "--response-format",
        choices=("text", "json"),
        help="json asks every row for a JSON object, and adds a parsed json column to the output",
    )


def add_endpoint(p: argparse.ArgumentParser) -> None:
    """Add ``--endpoint``."""
    p.add_argument(
        "--endpoint",
        default=None,
        choices=ENDPOINTS,
        help="the batch's endpoint; some line's url must be it (default: the lines' url, or "
        "/v1/chat/completions when chat and audio lines are mixed, as Groq's guide does)",
    )


def add_limits(p: argparse.ArgumentParser) -> None:
    """Add ``--max-lines`` and ``--max-bytes``."""
    p.add_argument(
        "--max-lines",
        type=positive_count,
        metavar="N",
        help="requests per batch at most; more are split (default: the provider's, 50,000)",
    )
    p.add_argument(
        "--max-bytes",
        type=positive_count,
        metavar="BYTES",
        help="bytes per batch file at most; more are split (default: the provider's, 200 MB)",
    )


def add_waiting(p: argparse.ArgumentParser, *, only_with: str | None = None) -> None:
    """Add ``--timeout`` and ``--poll-interval``; ``only_with`` names the option they need."""
    tail = f"; only with {only_with}" if only_with else ""
    p.add_argument(
        "--timeout",
        type=positive_seconds,
        metavar="SECONDS",
        help=f"stop waiting after this long; the batches keep running (default: no limit){tail}",
    )
    p.add_argument(
        "--poll-interval",
        type=positive_seconds,
        metavar="SECONDS",
        help=f"a fixed time between polls (default: back off from 1 s to 60 s){tail}",
    )


def money(text: str) -> float:
    """A US-dollar amount: finite and not negative (``nan`` would compare false with any cost)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of US dollars: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite amount of 0 or more; got {text!r}")
    return value


def add_max_cost(p: argparse.ArgumentParser) -> None:
    """Add ``--max-cost``."""
    p.add_argument(
        "--max-cost",
        type=money,
        metavar="USD",
        help="refuse (exit 2, nothing uploaded) if the estimate's upper bound is higher",
    )
