"""Argument types, option limits and the option groups several commands share."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar

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


N = TypeVar("N", int, float)


def number(
    text: str, kind: Callable[[str], N], noun: str, wanted: str, fits: Callable[[N], bool]
) -> N:
    """Parse a number an option accepts; the messages name what was expected.

    Args:
        text: The option's value.
        kind: ``int`` or ``float``.
        noun: What a value is (``a whole number``), for text that is not one.
        wanted: What a value must be (``1 or more``), for a number that does not fit.
        fits: Whether a number is accepted (written so that NaN fails).

    Returns:
        The number.

    Raises:
        argparse.ArgumentTypeError: It is not a number of that kind, or does not fit.
    """
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
    if not fits(value):
        raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
    return value


def above_zero(value: float) -> bool:
    """Whether a number is above zero (NaN is not)."""
    return value > 0


def positive_seconds(text: str) -> float:
    """Parse a positive number of seconds."""
    return number(text, float, "a number of seconds", "a positive number of seconds", above_zero)


def positive_count(text: str) -> int:
    """Parse a whole number of 1 or more."""
    return number(text, int, "a whole number", "1 or more", above_zero)


def job_name(text: str) -> str:
    """Parse ``--name``: a valid job name."""
    if not is_valid_name(text):
        raise argparse.ArgumentTypeError(
            f"invalid job name {text!r}: 1-64 letters, digits, '.', '_' or '-', "
            "not starting with 'batch_'"
        )
    return text


class TakesArguments(Protocol):
    """A parser or an argument group: what `add_options` adds to."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        ...


Option = tuple[str, dict[str, Any]]
"""One option of a shared group: its flag and `add_argument`'s keywords, its default included."""

CONNECTION_OPTIONS: tuple[Option, ...] = (
    (
        "--local",
        {
            "action": "store_true",
            "default": False,
            "help": "use the embedded local server (no key, no network)",
        },
    ),
    (
        "--data-dir",
        {
            "type": Path,
            "default": None,
            "metavar": "DIR",
            "help": "the local server's data (default: $XDG_DATA_HOME/groq-batch)",
        },
    ),
    (
        "--api-key",
        {
            "default": None,
            "metavar": "KEY",
            "help": "API key (default: the provider's variable, $GROQ_API_KEY); never printed",
        },
    ),
    (
        "--base-url",
        {
            "default": None,
            "metavar": "URL",
            "help": "API base URL (default: the provider's variable, $GROQ_BASE_URL, then its "
            "URL); a URL ending in a version path (/v1) is used as it is",
        },
    ),
    (
        "--provider",
        {
            "default": None,
            "choices": tuple(PROVIDERS),
            "help": "the batch service: its URL, key variable, limits, windows and endpoints "
            f"(default: ${PROVIDER_ENV}, then groq)",
        },
    ),
)
"""The connection options every command that talks to a server takes."""

OUTPUT_OPTIONS: tuple[Option, ...] = (
    (
        "--json",
        {
            "action": "store_true",
            "default": False,
            "help": "print machine-readable JSON (JSON lines for run and submit)",
        },
    ),
    ("--debug", {"action": "store_true", "default": False, "help": "show tracebacks"}),
)
"""The output options every command takes."""


def add_group(
    parser: argparse.ArgumentParser, title: str, options: tuple[Option, ...], *, suppress: bool
) -> None:
    """Add a group of shared options; ``suppress`` for a subcommand's copy of them.

    Subcommands get SUPPRESS defaults, so an option given before the subcommand is not reset
    by the subcommand's own default: `groq-batch --local list` == `groq-batch list --local`.

    Args:
        parser: The parser or subcommand parser.
        title: The group's heading in the help.
        options: `CONNECTION_OPTIONS`, `OUTPUT_OPTIONS` or the like.
        suppress: Whether this is a subcommand's copy.
    """
    if suppress:
        options = tuple((flag, {**spec, "default": argparse.SUPPRESS}) for flag, spec in options)
    add_options(parser.add_argument_group(title), options)


def add_connection(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the connection options; ``suppress`` for a subcommand's copy of them."""
    add_group(parser, "connection", CONNECTION_OPTIONS, suppress=suppress)


def add_output(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Add the output options (--json, --debug); ``suppress`` for a subcommand's copy."""
    add_group(parser, "output", OUTPUT_OPTIONS, suppress=suppress)


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
        "--stop",
        action=_AppendStop,
        metavar="TEXT",
        help=f"a stop sequence; repeatable (up to {MAX_STOP_SEQUENCES})",
    )
    group.add_argument(
        "--response-format",
        choices=("text", "json"),
        help="json asks every row for a JSON object, and adds a parsed json column to the output",
    )


MAX_STOP_SEQUENCES = 4
"""The most stop sequences a chat request may carry (Groq's and OpenAI's limit)."""


class _AppendStop(argparse.Action):
    """``--stop``, repeatable: refused past `MAX_STOP_SEQUENCES`, which the API would refuse."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        stops = [*(getattr(namespace, self.dest, None) or []), values]
        if len(stops) > MAX_STOP_SEQUENCES:
            raise argparse.ArgumentError(
                self, f"at most {MAX_STOP_SEQUENCES} stop sequences (the API refuses more)"
            )
        setattr(namespace, self.dest, stops)


def add_endpoint(p: argparse.ArgumentParser) -> None:
    """Add ``--endpoint``."""
    p.add_argument(
        "--endpoint",
        default=None,
        choices=ENDPOINTS,
        help="the batch's endpoint; some line's url must be it (default: the lines' url, or "
        "/v1/chat/completions when chat and audio lines are mixed, as Groq's guide does)",
    )


LIMIT_OPTIONS: tuple[Option, ...] = (
    (
        "--max-lines",
        {
            "type": positive_count,
            "metavar": "N",
            "help": "requests per batch at most; more are split (default: the provider's, 50,000)",
        },
    ),
    (
        "--max-bytes",
        {
            "type": positive_count,
            "metavar": "BYTES",
            "help": "bytes per batch file at most; more are split (default: the provider's, "
            "200 MB)",
        },
    ),
)
"""The per-batch limits validate, submit and run take."""


def add_options(p: TakesArguments, options: tuple[Option, ...]) -> None:
    """Add options given as data (flag and `add_argument`'s keywords)."""
    for flag, spec in options:
        p.add_argument(flag, **spec)


def add_limits(p: argparse.ArgumentParser) -> None:
    """Add ``--max-lines`` and ``--max-bytes``."""
    add_options(p, LIMIT_OPTIONS)


def add_waiting(p: argparse.ArgumentParser, *, only_with: str | None = None) -> None:
    """Add ``--timeout`` and ``--poll-interval``; ``only_with`` names the option they need."""
    # Ignored, not refused, without it: scripts pass one set of options to run and submit alike.
    tail = f"; used with {only_with}, ignored without it" if only_with else ""
    seconds = {"type": positive_seconds, "metavar": "SECONDS"}
    add_options(
        p,
        (
            (
                "--timeout",
                {
                    **seconds,
                    "help": "stop waiting after this long; the batches keep running "
                    f"(default: no limit){tail}",
                },
            ),
            (
                "--poll-interval",
                {
                    **seconds,
                    "help": "a fixed time between polls (default: back off from 1 s to 60 s)"
                    + tail,
                },
            ),
        ),
    )


def money(text: str) -> float:
    """A US-dollar amount: finite and not negative (``nan`` would compare false with any cost)."""
    return number(
        text,
        float,
        "a number of US dollars",
        "a finite amount of 0 or more",
        lambda value: math.isfinite(value) and value >= 0,
    )


def add_max_cost(p: argparse.ArgumentParser) -> None:
    """Add ``--max-cost``."""
    p.add_argument(
        "--max-cost",
        type=money,
        metavar="USD",
        help="refuse (exit 2, nothing uploaded) if the estimate's upper bound is higher",
    )
