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
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import functools
import json
import os
import shlex
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

from groq_batch import __version__
from groq_batch.jobs import (
    CANCELLED,
    FINISHED,
    WRITTEN,
    JobNameError,
    JobRecord,
    JobRegistry,
    endpoint_label,
    file_sha256,
    is_valid_name,
)
from groq_batch.jobs import default_data_dir as default_data_dir
from groq_batch.providers import PROVIDER_ENV, PROVIDERS, Provider, get_provider, window_hours

if TYPE_CHECKING:
    from groq_batch._client import Groq
    from groq_batch._workflow import BatchJob
    from groq_batch.results import BatchResult, ResultSummary
    from groq_batch.tables import PromptTable
    from groq_batch.validation import Problem
    from groq_batch_api.models import Batch

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FAILED_ROWS = 3
EXIT_TIMEOUT = 4
EXIT_INTERRUPTED = 130

TABLE_FORMATS = ("csv", "parquet", "jsonl")
"""The table formats `run` writes (and reads, with --prompt-column or --template)."""

ENDPOINTS = tuple(dict.fromkeys(e for p in PROVIDERS.values() for e in p.endpoints))
"""Every batch endpoint of a built-in provider; ``--provider`` narrows them (Groq: chat, audio)."""
OUTCOMES = ("succeeded", "request_error", "batch_error", "expired", "cancelled", "missing")
"""Every ``Outcome`` value, in the order the summary lists them."""
FAILED_OUTCOMES = OUTCOMES[1:]
# OpenAI documents these metadata bounds and Groq documents none, so they are the safe default.
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
RESERVED_METADATA_PREFIX = "groq_batch_"
# submit adds groq_batch_job and groq_batch_part to every batch's metadata.
RESERVED_METADATA_PAIRS = 2

T = TypeVar("T")


class CliError(Exception):
    """A user-facing error: printed without a traceback, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------------------------ secrets

_secrets: list[str] = []


def _collect_secrets(argv: Sequence[str]) -> None:
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


def _redact(text: str) -> str:
    for secret in _secrets:
        for form in (secret, repr(secret)[1:-1]):
            text = text.replace(form, "<redacted>")
    return text


# ---------------------------------------------------------------------------------- arguments


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error never prints an API key (``invalid choice: 'gsk_...'``)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_redact(message)}\n")


class _Formatter(argparse.RawDescriptionHelpFormatter):
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


def _metadata_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    if len(key) > MAX_METADATA_KEY:
        raise argparse.ArgumentTypeError(
            f"metadata key {key[:20]!r}... is {len(key)} characters; at most {MAX_METADATA_KEY}"
        )
    if len(value) > MAX_METADATA_VALUE:
        raise argparse.ArgumentTypeError(
            f"metadata value for {key!r} is {len(value)} characters; at most {MAX_METADATA_VALUE}"
        )
    if key.startswith(RESERVED_METADATA_PREFIX):
        raise argparse.ArgumentTypeError(
            f"metadata keys starting with {RESERVED_METADATA_PREFIX!r} are groq-batch's own"
        )
    return key, value


def _window(text: str) -> str:
    # Only the form here: which windows are accepted is the provider's (`_check_provider`).
    if window_hours(text) is None:
        raise argparse.ArgumentTypeError(
            f"invalid completion window {text!r}: in hours (48h) or days (3d)"
        )
    return text


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {text!r}")
    return value


def _job_name(text: str) -> str:
    if not is_valid_name(text):
        raise argparse.ArgumentTypeError(
            f"invalid job name {text!r}: 1-64 letters, digits, '.', '_' or '-', "
            "not starting with 'batch_'"
        )
    return text


def _add_connection(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands get SUPPRESS defaults, so an option given before the subcommand is not reset
    # by the subcommand's own default: `groq-batch --local list` == `groq-batch list --local`.
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


def _add_output(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
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


EPILOG = """\
exit codes (the same state gives the same code in run, wait, results and submit --wait):
  0    every request succeeded
  1    an API or network error
  2    a usage error or an input that fails validation; nothing was uploaded
  3    the batches finished, but some requests did not succeed
       (failed, expired, cancelled or missing)
  4    --timeout passed first; the batches keep running
  130  interrupted (Ctrl-C); the batches keep running

environment:
  GROQ_API_KEY      the API key (or --api-key); OPENAI_API_KEY with --provider openai
  GROQ_BASE_URL     the API base URL (or --base-url); OPENAI_BASE_URL with --provider openai
  GROQ_BATCH_PROVIDER  groq, openai or openai-compatible (or --provider)
  XDG_DATA_HOME     where the job registry and the --local server's data live
                    (default: ~/.local/share; groq-batch uses its groq-batch/ directory)

example:
  groq-batch run examples/questions.jsonl --local -o results.jsonl
  groq-batch jobs
"""


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for `groq-batch`.

    Returns:
        The parser.
    """
    conn = _Parser(add_help=False)
    _add_connection(conn, suppress=True)
    output = _Parser(add_help=False)
    _add_output(output, suppress=True)

    parser = _Parser(
        prog="groq-batch",
        description="Run Groq batch jobs: validate, submit, wait and collect every result.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"groq-batch {__version__}")
    _add_connection(parser, suppress=False)
    _add_output(parser, suppress=False)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="what to do (COMMAND --help)"
    )

    def add(name: str, help_: str, *, connects: bool = True) -> argparse.ArgumentParser:
        parents = [conn, output] if connects else [output]
        return sub.add_parser(
            name, help=help_, description=help_, parents=parents, formatter_class=_Formatter
        )

    ids_help = "a job name (see `groq-batch jobs`) or batch ids"

    p = add("validate", "report every problem in a JSONL file, with line and field", connects=False)
    p.add_argument("file", type=Path, help="the batch input (JSONL)")
    _add_endpoint(p)
    _add_limits(p)
    p.add_argument(
        "--provider",
        choices=tuple(PROVIDERS),
        default=argparse.SUPPRESS,
        help=f"whose limits and endpoints apply (default: ${PROVIDER_ENV}, then groq)",
    )

    for name, help_ in (
        ("submit", "validate, split if needed, upload and create the batches"),
        ("run", "the whole job: validate, submit, wait, and write joined results"),
    ):
        p = add(name, help_)
        p.add_argument(
            "file",
            type=Path,
            help="the batch input (JSONL), or a table of prompts (.csv, .parquet, .jsonl records)",
        )
        if name == "run":
            p.add_argument(
                "-o",
                "--output",
                required=True,
                metavar="OUT",
                help="where to write the results (JSONL, or a table: .csv, .parquet); "
                "'-' writes them to stdout",
            )
            p.add_argument(
                "--format",
                choices=TABLE_FORMATS,
                help="write the results as this table format (default: from OUT's extension)",
            )
        _add_table_input(p)
        p.add_argument(
            "--window",
            type=_window,
            default="24h",
            help="completion window: 24h to 7d at Groq, 24h at OpenAI (the provider's)",
        )
        p.add_argument(
            "--metadata",
            type=_metadata_pair,
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=f"attach to every batch; repeatable (at most {MAX_METADATA_PAIRS - 2} pairs, "
            f"keys up to {MAX_METADATA_KEY} and values up to {MAX_METADATA_VALUE} characters)",
        )
        _add_endpoint(p)
        _add_limits(p)
        p.add_argument(
            "--name",
            type=_job_name,
            help="the job's name in the registry (default: generated from the file's name)",
        )
        _add_waiting(p)
        _add_max_cost(p)
        if name == "submit":
            p.add_argument("--wait", action="store_true", help="wait until the batches finish")
        else:
            choice = p.add_mutually_exclusive_group()
            choice.add_argument(
                "--resume",
                action="store_true",
                help="re-attach to an unfinished job on the same input and output, unasked",
            )
            choice.add_argument(
                "--new",
                action="store_true",
                help="submit a new job even if an unfinished one has the same input and output",
            )

    p = add(
        "estimate",
        "estimate tokens and cost of a JSONL file, offline (nothing is sent)",
        connects=False,
    )
    p.add_argument("file", type=Path, help="the batch input (JSONL)")
    p.add_argument(
        "--provider",
        choices=tuple(PROVIDERS),
        default=argparse.SUPPRESS,
        help=f"whose prices apply (default: ${PROVIDER_ENV}, then groq)",
    )

    p = add("status", "show batches")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p = add("list", "list batches on the server, newest first")
    p.add_argument("--limit", type=_count, default=20, help="how many batches to show")
    p = add("jobs", "list the jobs this user submitted (the local job registry)", connects=False)
    p.add_argument("--limit", type=_count, default=20, help="how many jobs to show")
    p = add("cancel", "cancel batches")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p = add("wait", "wait until batches finish")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    _add_waiting(p)
    p = add("results", "write results joined to inputs as JSONL")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="where to write the results (JSONL, or a table of result columns: .csv, "
        ".parquet); '-' writes them to stdout",
    )
    p.add_argument(
        "--inputs",
        type=Path,
        help="the input file (default: the job's recorded input, else read back via the API)",
    )
    p = add("download", "download output and error files")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p.add_argument("directory", type=Path, help="where to write them (created if needed)")
    p = add("resubmit", "submit the requests that failed as a new, linked job")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p.add_argument(
        "--outcome",
        action="append",
        dest="outcomes",
        choices=FAILED_OUTCOMES,
        metavar="OUTCOME",
        help=f"an outcome to resubmit, repeatable: {', '.join(FAILED_OUTCOMES)} "
        "(default: all of them)",
    )
    p.add_argument(
        "--again",
        action="store_true",
        help="submit another retry even if one already exists for these batches",
    )
    p.add_argument("--name", type=_job_name, help="the retry job's name (default: generated)")

    p = add("files", "manage files")
    files = p.add_subparsers(
        dest="files_command", required=True, metavar="ACTION", help="what to do with files"
    )

    def add_file(action: str, help_: str) -> argparse.ArgumentParser:
        return files.add_parser(
            action,
            help=help_,
            description=help_,
            parents=[conn, output],
            formatter_class=_Formatter,
        )

    add_file("list", "list files")
    add_file("info", "show a file").add_argument("file_id", help="the file's id")
    add_file("delete", "delete a file").add_argument("file_id", help="the file's id")
    fp = add_file("download", "download a file's content")
    fp.add_argument("file_id", help="the file's id")
    fp.add_argument("-o", "--output", type=Path, required=True, help="where to write it")

    p = add("ui", "open a local dashboard of jobs, live progress and results in a browser")
    p.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL; open no browser")

    # `serve` has its own parser (the server's); it is listed here for the help text only.
    sub.add_parser("serve", help="run the local Groq-compatible server (see serve --help)")
    return parser


def _add_table_input(p: argparse.ArgumentParser) -> None:
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
    group.add_argument("--max-tokens", type=_count, metavar="N", help="max_tokens for every row")
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


def _add_endpoint(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--endpoint",
        default=ENDPOINTS[0],
        choices=ENDPOINTS,
        help="the endpoint every request runs against",
    )


def _add_limits(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-lines",
        type=_count,
        metavar="N",
        help="requests per batch at most; more are split (default: the provider's, 50,000)",
    )
    p.add_argument(
        "--max-bytes",
        type=_count,
        metavar="BYTES",
        help="bytes per batch file at most; more are split (default: the provider's, 200 MB)",
    )


def _provider(args: argparse.Namespace) -> Provider:
    """The provider profile the command runs with, its limits overridden by the options."""
    try:
        profile = get_provider(getattr(args, "provider", None) or os.environ.get(PROVIDER_ENV))
    except ValueError as exc:  # only the variable can name an unknown one: --provider has choices
        raise CliError(f"{PROVIDER_ENV}: {exc}", EXIT_USAGE) from exc
    return profile.replace(
        max_lines=getattr(args, "max_lines", None), max_bytes=getattr(args, "max_bytes", None)
    )


def _check_provider(args: argparse.Namespace) -> Provider:
    """Refuse, before anything is uploaded, a window or endpoint the provider does not take."""
    profile = _provider(args)
    window = getattr(args, "window", None)
    reason = None if window is None else profile.check_window(window)
    if reason is not None:
        raise CliError(f"--window: {reason}; nothing was uploaded", EXIT_USAGE)
    if args.endpoint not in profile.endpoints:
        raise CliError(
            f"--endpoint {args.endpoint} is not a {profile.name} batch endpoint; one of: "
            + ", ".join(repr(e) for e in profile.endpoints),
            EXIT_USAGE,
        )
    return profile


def _add_waiting(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=_positive,
        metavar="SECONDS",
        help="stop waiting after this long; the batches keep running (default: no limit)",
    )
    p.add_argument(
        "--poll-interval",
        type=_positive,
        metavar="SECONDS",
        help="a fixed time between polls (default: back off from 1 s to 60 s)",
    )


# ----------------------------------------------------------------------------------- printing


class Output:
    """Where a command's words go: JSON for scripts, rich for people, plain text otherwise.

    Data (tables, JSON) goes to ``stream``; notes, hints and warnings go to stderr, flushed.
    """

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() and not as_json

    def json(self, data: Any) -> None:
        """Print data as indented JSON."""
        self.stream.write(json.dumps(data, indent=2, default=str) + "\n")
        self.stream.flush()

    def event(self, data: Any) -> None:
        """Print one JSON line and flush it: it must survive the process being killed next."""
        self.stream.write(json.dumps(data, default=str) + "\n")
        self.stream.flush()

    def line(self, text: str) -> None:
        """Print a line for people; nothing in JSON mode."""
        if not self.as_json:
            self.stream.write(text + "\n")

    @staticmethod
    def note(text: str) -> None:
        """Print a note or hint for people on stderr, flushed, in either mode."""
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print a table: rich on a terminal, aligned plain text otherwise."""
        if self.as_json:
            return
        if self.interactive:
            from rich.console import Console
            from rich.table import Table

            table = Table(title=title)
            for column in columns:
                # Fold, never truncate: an id cut to "batch_01m8…" is useless.
                table.add_column(column, overflow="fold")
            for row in rows:
                table.add_row(*(str(c) for c in row))
            Console(file=self.stream).print(table)
            return
        self.stream.write(f"{title}\n")
        widths = [
            max(len(str(x)) for x in (c, *(r[i] for r in rows))) for i, c in enumerate(columns)
        ]
        for row in (columns, *rows):
            self.stream.write(
                "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)).rstrip() + "\n"
            )


def local_time(epoch: float | int | None) -> str:
    """Format an epoch timestamp as local time for people.

    Args:
        epoch: Seconds since the epoch, or None.

    Returns:
        ``YYYY-MM-DD HH:MM:SS`` in the local time zone, or ``-``.
    """
    if epoch is None or not isinstance(epoch, int | float):
        return "-"
    return datetime.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _batch_dict(batch: Batch) -> dict[str, Any]:
    data: dict[str, Any] = batch.to_dict()
    return data


def _counts(batch: Batch) -> tuple[int, int, int]:
    from groq_batch_api.models import BatchRequestCounts

    rc = batch.request_counts
    if not isinstance(rc, BatchRequestCounts):
        return 0, 0, 0
    return rc.total, rc.completed, rc.failed


def _print_batches(out: Output, batches: Sequence[Batch]) -> None:
    if out.as_json:
        out.json([_batch_dict(b) for b in batches])
        return
    from groq_batch._workflow_core import status_of

    rows = []
    for b in batches:
        total, completed, failed = _counts(b)
        rows.append(
            (
                b.id,
                status_of(b),
                f"{completed}/{total}",
                failed,
                local_time(b.created_at),
                b.output_file_id or "-",
            )
        )
    out.table("batches", ("id", "status", "done", "failed", "created", "output file"), rows)


def _batches_exit(batches: Sequence[Batch]) -> int:
    """The exit code for finished batches, by the rule ``results`` applies to rows.

    0 only if every request succeeded: a cancelled batch whose every request had already run is
    0, as its results are; a failed batch (its input refused) ran nothing, so it is 3.
    """
    from groq_batch._workflow_core import status_of

    for batch in batches:
        total, completed, failed = _counts(batch)
        if failed or completed < total or status_of(batch) == "failed":
            return EXIT_FAILED_ROWS
    return EXIT_OK


# ------------------------------------------------------------------------------ job registry


class _Registry:
    """The job registry, as the CLI uses it: a failure to read or write it is a warning only."""

    def __init__(self) -> None:
        self.db = JobRegistry()
        self._warned = False

    def safely(self, action: Callable[[], T], what: str) -> T | None:
        try:
            return action()
        except (sqlite3.Error, OSError) as exc:
            if not self._warned:
                self._warned = True
                Output.note(f"groq-batch: warning: could not {what} the job registry: {exc}")
            return None

    def set_state(self, name: str | None, state: str) -> None:
        if name is not None:
            self.safely(functools.partial(self.db.update_state, name, state), "write")


def _connection_given(args: argparse.Namespace) -> bool:
    return bool(args.local or args.base_url or args.data_dir)


def _use_recorded_endpoint(args: argparse.Namespace, record: JobRecord) -> None:
    """Connect where the job's batches live, unless the user said where to connect."""
    if _connection_given(args):
        return
    if record.local_data_dir is not None:
        args.local = True
        args.data_dir = record.local_data_dir
    elif record.base_url is not None:
        args.base_url = record.base_url


def _resolve_ids(
    args: argparse.Namespace, registry: _Registry
) -> tuple[list[str], JobRecord | None]:
    """Expand job names into batch ids; return the job, when exactly one is named."""
    ids: list[str] = []
    records: dict[str, JobRecord] = {}
    for token in args.ids:
        record = registry.safely(functools.partial(registry.db.get, token), "read")
        if record is not None and record.name == token:
            ids.extend(record.batch_ids)
        else:
            ids.append(token)
        if record is not None:
            records[record.name] = record
    single = next(iter(records.values())) if len(records) == 1 else None
    if single is not None and set(ids) <= set(single.batch_ids):
        _use_recorded_endpoint(args, single)
    else:
        single = None
    return list(dict.fromkeys(ids)), single


def _endpoint_of(args: argparse.Namespace) -> str:
    if args.local:
        return endpoint_label(local_data_dir=args.data_dir or default_data_dir(), base_url=None)
    profile = _provider(args)
    # The URL as given (or the provider's default): with the same --provider it reaches the
    # same routes again, a version path (/v1) included.
    given = args.base_url or os.environ.get(profile.base_url_env) or profile.base_url
    return endpoint_label(local_data_dir=None, base_url=given)


def _connection_flags(args: argparse.Namespace) -> list[str]:
    """The options that reach the same server again; never the key."""
    if args.local:
        flags = ["--local"]
        if args.data_dir:
            flags += ["--data-dir", str(args.data_dir)]
        return flags
    flags = ["--provider", args.provider] if getattr(args, "provider", None) else []
    return flags + (["--base-url", args.base_url] if args.base_url else [])


def _command(*parts: str) -> str:
    return "groq-batch " + " ".join(shlex.quote(p) for p in parts)


# --------------------------------------------------------------------------------- connection


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Groq]:
    from groq_batch import Groq

    if not args.local:
        with Groq(api_key=args.api_key, base_url=args.base_url, provider=_provider(args)) as client:
            yield client
        return
    try:
        from groq_batch.server import daemon
    except ImportError as exc:
        raise CliError(
            "--local needs the server extra: pip install 'groq-batch[server]'", EXIT_USAGE
        ) from exc

    # The per-user background server: started on first use, shared by every --local command,
    # running batches with no command attached, and exiting by itself once idle.
    data_dir = args.data_dir or default_data_dir()
    try:
        base_url = daemon.ensure_running(data_dir)
    except daemon.DaemonError as exc:
        raise CliError(str(exc)) from exc
    if args.debug:
        sys.stderr.write(f"groq-batch: local server {base_url}, log: {daemon.log_path(data_dir)}\n")
    # The local server serves both /openai/v1 and /v1, so any provider's prefix reaches it.
    with Groq(api_key="local", base_url=base_url, provider=_provider(args)) as client:
        yield client


# ---------------------------------------------------------------------------- pre-flight checks


def _require_file(path: Path) -> None:
    # Checked before any client or local server starts, so the error is the file's.
    if not path.is_file():
        raise CliError(f"{path}: no such file", EXIT_USAGE)


def _require_key(args: argparse.Namespace) -> None:
    if args.local:
        return
    env = _provider(args).api_key_env
    key = args.api_key if args.api_key is not None else os.environ.get(env)
    if not (key or "").strip():
        raise CliError(
            f"no API key: set {env}, pass --api-key KEY, "
            "or add --local to use the embedded local server (no key needed)",
            EXIT_USAGE,
        )


def _check_output(output: str, input_path: Path | None) -> None:
    """Refuse an output path that would fail (or destroy the input) only after the batch ran."""
    if output == "-":
        return
    path = Path(output)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise CliError(f"-o {output}: directory {parent} does not exist", EXIT_USAGE)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CliError(f"-o {output}: directory {parent} is not writable", EXIT_USAGE)
    if path.is_dir():
        raise CliError(f"-o {output}: is a directory", EXIT_USAGE)
    if path.exists() and not os.access(path, os.W_OK):
        raise CliError(f"-o {output}: the file is not writable", EXIT_USAGE)
    if input_path is not None and path.exists() and os.path.samefile(path, input_path):
        raise CliError(f"-o {output}: is the input file; pick another output path", EXIT_USAGE)


def _check_metadata(args: argparse.Namespace) -> None:
    pairs = dict(args.metadata)
    allowed = MAX_METADATA_PAIRS - RESERVED_METADATA_PAIRS
    if len(pairs) > allowed:
        raise CliError(
            f"--metadata: {len(pairs)} pairs; at most {allowed} (a batch holds "
            f"{MAX_METADATA_PAIRS}, and groq-batch uses {RESERVED_METADATA_PAIRS})",
            EXIT_USAGE,
        )


def _check_name(args: argparse.Namespace, registry: _Registry) -> None:
    if args.name and registry.safely(lambda: registry.db.name_taken(args.name), "read"):
        raise CliError(f"--name {args.name}: a job with this name already exists", EXIT_USAGE)


# ----------------------------------------------------------------------------------- commands


def _print_report_json(out: Output, report: Any) -> None:
    out.json(
        {
            "file": report.source,
            "lines": report.lines,
            "bytes": report.bytes,
            "ok": report.ok,
            "parts": report.parts,
            "problems": [_problem_json(p) for p in report.problems],
            "warnings": [_problem_json(w) for w in report.warnings],
        }
    )


def _report_invalid(
    out: Output, source: str, problems: Sequence[object], as_json: list[dict[str, Any]]
) -> None:
    """Say every problem of an input that was refused before upload: an event, or a list."""
    if out.as_json:
        out.event({"event": "invalid", "file": source, "problems": as_json})
    else:
        lines = [f"{source}: {len(problems)} problem(s)", *(f"  {p}" for p in problems)]
        Output.note("\n".join(lines))


def _problem_json(p: Problem) -> dict[str, Any]:
    return {"line": p.line, "field": p.field, "code": p.code, "message": p.message}


def _validate(args: argparse.Namespace, out: Output) -> int:
    from groq_batch.validation import validate

    _require_file(args.file)
    profile = _check_provider(args)
    report = validate(
        args.file,
        endpoint=args.endpoint,
        max_lines=profile.max_lines,
        max_bytes=profile.max_bytes,
        urls=profile.endpoints,
    )
    if out.as_json:
        _print_report_json(out, report)
    else:
        out.stream.write(f"{report}\n")
    return EXIT_OK if report.ok else EXIT_USAGE


_TABLE_ONLY = (
    "model",
    "system",
    "id_column",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "response_format",
)


def _table_flags(args: argparse.Namespace) -> list[str]:
    """The table-input options as typed, so that a hint can repeat the command."""
    flags: list[str] = []
    for dest in ("prompt_column", "template", *_TABLE_ONLY):
        value = getattr(args, dest, None)
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                flags += [f"--{dest.replace('_', '-')}", str(item)]
    return flags


def _table_input(args: argparse.Namespace, out: Output) -> PromptTable | None:
    """Read a table of prompts, if that is the input; set ``args.requests_file`` either way.

    A table becomes a JSONL of requests in the data dir, named by the table's bytes and the
    options, so that the same command re-attaches to its job and `results` can join later.
    """
    args.requests_file = args.file
    suffix = args.file.suffix.lower()
    chosen = args.prompt_column is not None or args.template is not None
    if not chosen and suffix not in (".csv", ".parquet", ".pq"):
        from groq_batch.tables import is_batch_jsonl

        if is_batch_jsonl(args.file):
            given = [
                f"--{d.replace('_', '-')}" for d in _TABLE_ONLY if getattr(args, d) is not None
            ]
            if given:
                raise CliError(
                    f"{', '.join(given)}: only for a table of prompts; "
                    f"{args.file} holds batch requests",
                    EXIT_USAGE,
                )
            return None
    if not chosen:
        raise CliError(
            f"{args.file} is a table of prompts: say which column holds them "
            "(--prompt-column COLUMN) or how to build them (--template TEXT)",
            EXIT_USAGE,
        )
    if not args.model:
        raise CliError(f"{args.file} is a table of prompts: --model is required", EXIT_USAGE)
    try:
        from groq_batch.tables import TableInputError, prompt_table, save_inputs
    except ImportError as exc:  # pragma: no cover - the dev install has pyarrow
        raise CliError(str(exc), EXIT_USAGE) from exc
    try:
        table = prompt_table(
            args.file,
            model=args.model,
            prompt=args.prompt_column,
            template=args.template,
            system=args.system,
            id_column=args.id_column,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            top_p=args.top_p,
            seed=args.seed,
            stop=args.stop,
            response_format=args.response_format,
        )
    except ImportError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    except TableInputError as exc:
        rows = [
            {"row": p.row, "line": p.line, "column": p.column, "message": p.message}
            for p in exc.problems
        ]
        _report_invalid(out, exc.source, exc.problems, rows)
        raise CliError(f"{len(exc.problems)} problem(s); nothing was uploaded", EXIT_USAGE) from exc
    import hashlib

    from groq_batch.jsonl import write_jsonl

    key = json.dumps([file_sha256(args.file), _table_flags(args)], sort_keys=True)
    folder = default_data_dir() / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    args.requests_file = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.jsonl"
    write_jsonl(table.requests(), args.requests_file)
    save_inputs(table, args.requests_file.with_suffix(".inputs.parquet"))
    return table


def _output_format(args: argparse.Namespace, table: PromptTable | None) -> str | None:
    """The table format to write, or None for the nested JSONL of batch results."""
    fmt: str | None = args.format
    if fmt is None:
        fmt = _table_format_of(args.output)
        if fmt is None and table is not None:
            fmt = "jsonl"
    if fmt == "parquet" and args.output == "-":
        raise CliError("-o -: Parquet cannot go to stdout; name a file", EXIT_USAGE)
    return fmt


def _table_format_of(output: str) -> str | None:
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(Path(output).suffix.lower())


def _saved_table(inputs: Path | None) -> PromptTable | None:
    """The prompt table a job came from, when `run` or `submit` kept it beside its requests."""
    if inputs is None or inputs.parent != default_data_dir() / "tables":
        return None
    kept = inputs.with_suffix(".inputs.parquet")
    if not kept.is_file():
        return None
    from groq_batch.tables import load_inputs

    return load_inputs(kept)


def _write_table(
    job: BatchJob,
    output: str,
    fmt: str,
    table: PromptTable | None,
    inputs: Path | None,
    provider: str,
) -> tuple[ResultSummary, dict[str, Any]]:
    """Write the joined results as a table; return their summary and their actual cost."""
    from groq_batch.estimate import CostTally
    from groq_batch.results import ResultSummary
    from groq_batch.tables import write_results

    summary = ResultSummary()
    tally = CostTally.for_provider(provider)
    results = map(tally.add, job.results(inputs=inputs))
    write_results(results, output, format=fmt, inputs=table, summary=summary)
    return summary, tally.result().as_dict()


def _submit_job(client: Groq, args: argparse.Namespace, out: Output) -> BatchJob:
    """Submit ``args.file``; on bad input, print every problem and exit 2 with nothing uploaded."""
    from groq_batch.validation import ValidationError

    try:
        return client.batches.submit(
            getattr(args, "requests_file", None) or args.file,
            endpoint=args.endpoint,
            completion_window=args.window,
            metadata=dict(args.metadata) or None,
            max_lines=args.max_lines,
            max_bytes=args.max_bytes,
        )
    except ValidationError as exc:
        count = len(exc.problems)
        _report_invalid(out, exc.source, exc.problems, [_problem_json(p) for p in exc.problems])
        raise CliError(f"{count} problem(s); nothing was uploaded", EXIT_USAGE) from exc


def _announce(
    out: Output,
    registry: _Registry,
    batch_ids: Sequence[str],
    *,
    name: str,
    endpoint: str,
    input_path: Path | None = None,
    input_sha256: str | None = None,
    output_path: str | None = None,
    retry_of: Sequence[str] | None = None,
    event: str = "submitted",
    ref: _JobRef | None = None,
) -> str | None:
    """Print the new batch ids (flushed, first), then record the job; Ctrl-C waits for both.

    Returns:
        The job's name, or None if the registry could not record it.
    """
    with _sigint_deferred():
        if out.as_json:
            out.event({"event": event, "job": name, "batch_ids": list(batch_ids)})
        else:
            Output.note(f"{event} job {name}: {len(batch_ids)} batch(es): {', '.join(batch_ids)}")
        recorded = registry.safely(
            lambda: registry.db.record(
                batch_ids,
                name=name,
                endpoint=endpoint,
                input_path=input_path,
                input_sha256=input_sha256,
                output_path=output_path if output_path != "-" else None,
                retry_of=retry_of,
            ),
            "write",
        )
        if ref is not None and recorded is not None:
            # Set before a held-back Ctrl-C is raised, so that its hint names the job.
            ref.name = recorded.name
    if recorded is None:
        Output.note(
            f"groq-batch: the job is not recorded; use its batch ids: {' '.join(batch_ids)}"
        )
        return None
    return recorded.name


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C back for a moment, so that a job whose ids were printed is also recorded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def _new_name(args: argparse.Namespace, registry: _Registry, stem_from: Path | None) -> str:
    if args.name:
        return str(args.name)
    # A fresh name reads the registry to avoid clashes; with no registry, any unique-ish name.
    name = registry.safely(lambda: registry.db.new_name(stem_from), "read")
    if name is None:
        import secrets

        name = f"job-{secrets.token_hex(3)}"
    return name


class _Progress:
    """A live bar of finished requests, with rate, ETA and failures, on a terminal only."""

    def __init__(self, out: Output) -> None:
        self.enabled = not out.as_json and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("failed {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
            )
            self._progress.start()
            self._task = self._progress.add_task("waiting", total=None, failed=0, rate="")
        return self

    def update(self, batches: Sequence[Batch]) -> None:
        from groq_batch._workflow_core import status_of

        total = completed = failed = 0
        for batch in batches:
            t, c, f = _counts(batch)
            total, completed, failed = total + t, completed + c, failed + f
        statuses = sorted({status_of(b) for b in batches})
        if self._progress is not None:
            task = self._progress.tasks[0]
            speed = task.speed
            self._progress.update(
                self._task,
                description=",".join(statuses),
                total=total or None,
                completed=completed + failed,
                failed=failed,
                rate=f"{speed:.1f} req/s" if speed else "",
            )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _wait(job: BatchJob, args: argparse.Namespace, out: Output) -> list[Batch]:
    with _Progress(out) as progress:
        return job.wait(
            timeout=getattr(args, "timeout", None),
            poll_interval=getattr(args, "poll_interval", None),
            on_update=progress.update,
            on_retry=lambda exc, delay: out.note(
                f"polling failed ({type(exc).__name__}); retrying in {delay:.0f} s"
            ),
        )


@dataclasses.dataclass
class _JobRef:
    """What a hint needs to name a job: its batch ids, and its name once recorded."""

    ids: Sequence[str]
    name: str | None = None


@contextlib.contextmanager
def _recovery(
    out: Output, ref: _JobRef, args: argparse.Namespace, output: str | None
) -> Iterator[_JobRef]:
    """On Ctrl-C, ``--timeout`` or a network error, say the batches live on and how to continue.

    Entered the moment the batches exist: ``ref.name`` is filled in once the job is recorded,
    and until then the hint names the batch ids.
    """
    from groq_batch import _errors
    from groq_batch._workflow_core import WaitTimeoutError

    try:
        yield ref
    except (KeyboardInterrupt, WaitTimeoutError, _errors.APIError) as exc:
        if (
            isinstance(exc, _errors.APIStatusError)
            and exc.status_code < 500
            and (exc.status_code not in (408, 429, 498))
        ):
            # A refusal (404, 401, ...) is not an outage: the batches may not be running at all.
            raise
        ids, name = ref.ids, ref.name
        words = [name] if name else [*ids, *_connection_flags(args)]
        wait = _command("wait", *words)
        results = _command("results", *words, "-o", output or "results.jsonl")
        lines = [
            f"the batches keep running on the server: {', '.join(ids)}",
            "to continue:",
            f"  {wait} && {results}",
        ]
        if args.command == "run" and output not in (None, "-"):
            again = _command(
                "run", str(args.file), "-o", output, *_table_flags(args), *_connection_flags(args)
            )
            lines.append(f"or run the same command again to re-attach:\n  {again}")
        if isinstance(exc, KeyboardInterrupt):
            reason, code = "interrupted", EXIT_INTERRUPTED
        elif isinstance(exc, WaitTimeoutError):
            reason, code = str(exc), EXIT_TIMEOUT
        else:
            reason, code = _explain_api(exc), EXIT_ERROR
        if out.as_json:
            out.event(
                {
                    "event": "stopped",
                    "reason": _redact(reason),
                    "job": name,
                    "batch_ids": list(ids),
                    "continue": f"{wait} && {results}",
                }
            )
        raise CliError(_redact(reason) + "\n" + "\n".join(lines), code) from exc


def _submit(args: argparse.Namespace, out: Output) -> int:
    _require_file(args.file)
    _check_provider(args)
    _table_input(args, out)
    registry = _Registry()
    _check_metadata(args)
    _check_name(args, registry)
    _require_key(args)
    _preflight_cost(args, out)
    fresh = _new_name(args, registry, args.file)
    sha = file_sha256(args.requests_file)
    with _client(args) as client:
        job = _submit_job(client, args, out)
        with _recovery(out, _JobRef(job.ids), args, None) as ref:
            ref.name = _announce(
                out,
                registry,
                job.ids,
                name=fresh,
                endpoint=_endpoint_of(args),
                input_path=args.requests_file,
                input_sha256=sha,
                ref=ref,
            )
            batches = job.batches
            if args.wait:
                batches = _wait(job, args, out)
                registry.set_state(ref.name, FINISHED)
    if out.as_json:
        out.event(
            {
                "event": "batches",
                "job": ref.name,
                "batch_ids": list(job.ids),
                "batches": [_batch_dict(b) for b in batches],
            }
        )
    else:
        _print_batches(out, batches)
    if args.wait:
        _hint_results(ref.name, job.ids, args)
        return _batches_exit(batches)
    return EXIT_OK


def _hint_results(name: str | None, ids: Sequence[str], args: argparse.Namespace) -> None:
    ref = [name] if name else [*ids, *_connection_flags(args)]
    Output.note(f"next: {_command('results', *ref, '-o', 'results.jsonl')}")


def _result_row(result: BatchResult) -> dict[str, Any]:
    return {
        "custom_id": result.custom_id,
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "text": result.text,
        "usage": dict(result.usage) if result.usage is not None else None,
        "error": None
        if result.error is None
        else {"code": result.error.code, "message": result.error.message},
        "request": dict(result.request.body) if result.request is not None else None,
    }


def _write_results(
    job: BatchJob, output: str, inputs: Path | None, provider: str
) -> tuple[ResultSummary, dict[str, Any]]:
    """Write the joined results; return their summary and their actual cost (as a dict)."""
    from groq_batch.estimate import CostTally
    from groq_batch.results import ResultSummary

    summary = ResultSummary()
    tally = CostTally.for_provider(provider)
    if output == "-":
        for result in job.results(inputs=inputs):
            summary.add(tally.add(result))
            sys.stdout.write(json.dumps(_result_row(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return summary, tally.result().as_dict()
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for result in job.results(inputs=inputs):
                summary.add(tally.add(result))
                fh.write(json.dumps(_result_row(result), ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary, tally.result().as_dict()


def _print_summary(
    out: Output,
    summary: ResultSummary,
    output: str,
    elapsed: float,
    ids: Sequence[str],
    name: str | None,
    cost: dict[str, Any],
) -> None:
    data = summary.as_dict()
    if out.as_json:
        out.event(
            {
                "event": "finished",
                "job": name,
                "batch_ids": list(ids),
                **data,
                "cost": cost,
                "output": output,
                "wall_seconds": round(elapsed, 3),
            }
        )
        return
    where = "stdout" if output == "-" else output
    out.line(f"{data['total']} results written to {where}")
    out.table("outcomes", ("outcome", "requests"), list(data["outcomes"].items()))
    rows = [
        ("job", name or "-"),
        ("batches", ", ".join(ids)),
        ("prompt tokens", data["prompt_tokens"]),
        ("completion tokens", data["completion_tokens"]),
        ("total tokens", data["total_tokens"]),
        *_actual_cost_rows(cost),
        ("wall time", f"{elapsed:.1f} s"),
    ]
    out.table("job", ("", "value"), rows)


def _hint_resubmit(
    summary: ResultSummary, name: str | None, ids: Sequence[str], args: argparse.Namespace
) -> None:
    if summary.failed:
        ref = [name] if name else [*ids, *_connection_flags(args)]
        Output.note(
            f"{summary.failed} request(s) did not succeed; to retry them: "
            f"{_command('resubmit', *ref)}"
        )


def _ask_reattach(record: JobRecord) -> bool:
    if not sys.stdin.isatty():
        return True
    sys.stderr.write(
        f"job {record.name} ({', '.join(record.batch_ids)}) has the same input and output and "
        "has not finished. Re-attach to it instead of submitting again? [Y/n] "
    )
    sys.stderr.flush()
    answer = sys.stdin.readline().strip().lower()
    return answer in ("", "y", "yes")


def _run(args: argparse.Namespace, out: Output) -> int:
    started = time.monotonic()
    if args.output == "-":
        # stdout carries the results; events and the summary go to stderr.
        out = Output(out.as_json, sys.stderr)
    _require_file(args.file)
    _check_provider(args)
    _check_output(args.output, args.file)
    table = _table_input(args, out)
    table_format = _output_format(args, table)
    registry = _Registry()
    _check_metadata(args)
    _check_name(args, registry)
    _require_key(args)
    sha = file_sha256(args.requests_file)
    endpoint = _endpoint_of(args)
    existing = None
    if not args.new and args.output != "-":
        existing = registry.safely(
            lambda: registry.db.find_unfinished(
                input_path=args.requests_file,
                input_sha256=sha,
                output_path=args.output,
                endpoint=endpoint,
            ),
            "read",
        )
        if existing is not None and not (args.resume or _ask_reattach(existing)):
            existing = None
        # Time spent answering the question is not the job's.
        started = time.monotonic()
    if existing is None:
        # Only a new job spends anything, so only it gets an estimate (and --max-cost).
        _preflight_cost(args, out)
    with _client(args) as client:
        if existing is None:
            fresh = _new_name(args, registry, args.file)
            job = _submit_job(client, args, out)
            ref = _JobRef(job.ids)
        else:
            job = client.batches.job(list(existing.batch_ids))
            ref = _JobRef(job.ids, existing.name)
        with _recovery(out, ref, args, args.output):
            if existing is None:
                ref.name = _announce(
                    out,
                    registry,
                    job.ids,
                    name=fresh,
                    endpoint=endpoint,
                    input_path=args.requests_file,
                    input_sha256=sha,
                    output_path=args.output,
                    ref=ref,
                )
            elif out.as_json:
                out.event({"event": "reattached", "job": ref.name, "batch_ids": list(job.ids)})
            else:
                Output.note(
                    f"re-attached to job {ref.name}: {', '.join(job.ids)} (--new submits again)"
                )
            _wait(job, args, out)
            registry.set_state(ref.name, FINISHED)
            if table_format is None:
                summary, cost = _write_results(
                    job, args.output, args.requests_file, _provider_name(args)
                )
            else:
                summary, cost = _write_table(
                    job, args.output, table_format, table, args.requests_file, _provider_name(args)
                )
            registry.set_state(ref.name, WRITTEN)
    elapsed = time.monotonic() - started
    _print_summary(out, summary, args.output, elapsed, job.ids, ref.name, cost)
    _hint_resubmit(summary, ref.name, job.ids, args)
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def _connect_to_job(args: argparse.Namespace) -> tuple[list[str], JobRecord | None, _Registry]:
    registry = _Registry()
    ids, record = _resolve_ids(args, registry)
    _require_key(args)
    return ids, record, registry


def _status(args: argparse.Namespace, out: Output) -> int:
    ids, _, _ = _connect_to_job(args)
    with _client(args) as client:
        _print_batches(out, [client.batches.retrieve(i) for i in ids])
    return EXIT_OK


def _list(args: argparse.Namespace, out: Output) -> int:
    _require_key(args)
    with _client(args) as client:
        page = client.batches.list(limit=min(args.limit, 100))
        batches = []
        for batch in page:
            batches.append(batch)
            if len(batches) >= args.limit:
                break
        _print_batches(out, batches)
    return EXIT_OK


def _jobs(args: argparse.Namespace, out: Output) -> int:
    registry = JobRegistry()
    try:
        records = registry.list(limit=args.limit)
    except (sqlite3.Error, OSError) as exc:
        raise CliError(f"cannot read the job registry {registry.path}: {exc}") from exc
    if out.as_json:
        out.json([r.to_dict() for r in records])
        return EXIT_OK
    if not records:
        out.line(f"no jobs yet (the registry is {registry.path})")
        return EXIT_OK
    rows = [
        (
            r.name,
            r.state,
            local_time(r.created_at),
            ", ".join(r.batch_ids),
            r.input_path or "-",
            r.output_path or "-",
            r.endpoint,
        )
        for r in records
    ]
    out.table("jobs", ("name", "state", "created", "batches", "input", "output", "endpoint"), rows)
    return EXIT_OK


def _cancel(args: argparse.Namespace, out: Output) -> int:
    ids, record, registry = _connect_to_job(args)
    with _client(args) as client:
        _print_batches(out, [client.batches.cancel(i) for i in ids])
    if record is not None and set(ids) == set(record.batch_ids):
        registry.set_state(record.name, CANCELLED)
    return EXIT_OK


def _wait_cmd(args: argparse.Namespace, out: Output) -> int:
    ids, record, registry = _connect_to_job(args)
    name = record.name if record is not None else None
    with _client(args) as client:
        job = client.batches.job(ids)
        with _recovery(out, _JobRef(ids, name), args, None):
            batches = _wait(job, args, out)
        _print_batches(out, batches)
    if record is not None and record.state not in (WRITTEN, CANCELLED):
        registry.set_state(record.name, FINISHED)
    _hint_results(name, ids, args)
    return _batches_exit(batches)


def _recorded_inputs(record: JobRecord | None) -> Path | None:
    return record.unchanged_input() if record is not None else None


def _results(args: argparse.Namespace, out: Output) -> int:
    started = time.monotonic()
    if args.output == "-":
        out = Output(out.as_json, sys.stderr)
    ids, record, registry = _connect_to_job(args)
    inputs = args.inputs or _recorded_inputs(record)
    _check_output(args.output, inputs)
    name = record.name if record is not None else None
    with _client(args) as client:
        job = client.batches.job(ids)
        with _recovery(out, _JobRef(ids, name), args, args.output):
            fmt = _table_format_of(args.output)
            if fmt is None:
                summary, cost = _write_results(job, args.output, inputs, _provider_name(args))
            else:
                summary, cost = _write_table(
                    job, args.output, fmt, _saved_table(inputs), inputs, _provider_name(args)
                )
    if record is not None and record.output_path in (None, os.path.abspath(args.output)):
        registry.set_state(record.name, WRITTEN)
    _print_summary(out, summary, args.output, time.monotonic() - started, ids, name, cost)
    _hint_resubmit(summary, name, ids, args)
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def _download(args: argparse.Namespace, out: Output) -> int:
    ids, _, _ = _connect_to_job(args)
    directory: Path = args.directory
    # The first directory download would create: removed again if the download fails.
    created = next((p for p in reversed([directory, *directory.parents]) if not p.exists()), None)
    try:
        with _client(args) as client:
            paths = client.batches.job(ids).download(directory)
    except BaseException:
        if created is not None and created.is_dir():
            with contextlib.suppress(OSError):
                for p in sorted(created.rglob("*"), reverse=True):
                    p.rmdir()
                created.rmdir()
        raise
    if out.as_json:
        out.json({"batch_ids": ids, "files": [str(p) for p in paths]})
    for path in paths:
        out.line(str(path))
    return EXIT_OK


def _existing_retry(client: Groq, registry: _Registry, ids: Sequence[str]) -> list[str] | None:
    """The batch ids of a job that already resubmits ``ids``, found by its metadata."""
    from groq_batch._workflow_core import JOB_KEY, PARENT_KEY
    from groq_batch_api.models import Metadata

    parent = ",".join(ids)
    recorded = registry.safely(lambda: registry.db.find_retry(ids), "read")
    if recorded is not None:
        return list(recorded.batch_ids)
    found: dict[str, list[str]] = {}
    for batch in client.batches.list(limit=100):
        metadata = batch.metadata.to_dict() if isinstance(batch.metadata, Metadata) else {}
        if metadata.get(PARENT_KEY) == parent:
            found.setdefault(str(metadata.get(JOB_KEY, batch.id)), []).append(batch.id)
    if not found:
        return None
    # Batches are listed newest first: the first job seen is the latest retry.
    return sorted(next(iter(found.values())))


def _resubmit(args: argparse.Namespace, out: Output) -> int:
    ids, record, registry = _connect_to_job(args)
    with _client(args) as client:
        job = client.batches.job(ids)
        if not args.again:
            existing = _existing_retry(client, registry, job.ids)
            if existing is not None:
                message = (
                    f"{', '.join(job.ids)} already retried by {', '.join(existing)}; "
                    "pass --again to submit another retry"
                )
                if out.as_json:
                    out.json({"already": True, "retry_of": list(job.ids), "batch_ids": existing})
                else:
                    Output.note(message)
                return EXIT_OK
        kwargs: dict[str, Any] = {"outcomes": args.outcomes} if args.outcomes else {}
        inputs = _recorded_inputs(record)
        if inputs is not None:
            kwargs["inputs"] = inputs
        new = job.resubmit(**kwargs)
        if new is None:
            if out.as_json:
                out.json({"already": False, "retry_of": list(job.ids), "batch_ids": []})
            else:
                Output.note("nothing to resubmit: every request succeeded")
            return EXIT_OK
        name = _announce(
            Output(False),
            registry,
            new.ids,
            name=_new_name(args, registry, None),
            endpoint=_endpoint_of(args),
            retry_of=job.ids,
            event="resubmitted",
        )
        if out.as_json:
            out.json(
                {
                    "already": False,
                    "job": name,
                    "retry_of": list(job.ids),
                    "batch_ids": list(new.ids),
                }
            )
        else:
            _print_batches(out, new.batches)
    return EXIT_OK


def _files(args: argparse.Namespace, out: Output) -> int:
    _require_key(args)
    with _client(args) as client:
        action = args.files_command
        if action == "download":
            with client.files.content(args.file_id) as content:
                content.write_to_file(args.output)
            if out.as_json:
                out.json({"id": args.file_id, "output": str(args.output)})
            out.line(str(args.output))
            return EXIT_OK
        if action == "list":
            listed = list(client.files.list().data)
        elif action == "info":
            listed = [client.files.info(args.file_id)]
        else:
            deleted = client.files.delete(args.file_id)
            if out.as_json:
                out.json(deleted.to_dict())
            out.line(f"deleted {deleted.id}: {deleted.deleted}")
            return EXIT_OK
        if out.as_json:
            out.json([f.to_dict() for f in listed])
        else:
            rows = [
                (f.id, f.filename, f.bytes_, f.purpose, local_time(f.created_at)) for f in listed
            ]
            out.table("files", ("id", "filename", "bytes", "purpose", "created"), rows)
    return EXIT_OK


def _ui(args: argparse.Namespace, out: Output) -> int:
    _require_key(args)
    try:
        from groq_batch.ui import UIServer
    except ImportError as exc:
        raise CliError(
            "the dashboard needs the server extra: pip install 'groq-batch[server]'", EXIT_USAGE
        ) from exc
    with _client(args) as client:
        server = UIServer(client, endpoint=_endpoint_of(args), port=args.port)
        # The token is the page's only lock: print it to this user's terminal, nowhere else.
        out.line(f"groq-batch dashboard: {server.url}  (Ctrl-C stops it)")
        sys.stdout.flush()
        if not args.no_browser:
            import webbrowser

            threading.Timer(0.5, webbrowser.open, (server.url,)).start()
        server.run()
    return EXIT_OK


def _serve(argv: Sequence[str]) -> int:
    try:
        from groq_batch.server.__main__ import main as serve_main
    except ImportError:
        sys.stderr.write(
            "groq-batch: error: serve needs the server extra: pip install 'groq-batch[server]'\n"
        )
        return EXIT_USAGE
    return serve_main(argv, prog="groq-batch serve")


# --------------------------------------------------------------------------------------- cost


def _add_max_cost(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-cost",
        type=float,
        metavar="USD",
        help="refuse (exit 2, nothing uploaded) if the estimate's upper bound is higher",
    )


def _provider_name(args: argparse.Namespace) -> str:
    """The provider whose prices apply: the one the command runs with."""
    return _provider(args).name


def _usd(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value < 0.01:
        return f"${value:.6f}"
    return f"${value:.4f}" if value < 100 else f"${value:,.2f}"


def _span(low: Any, high: Any, fmt: Any = str) -> str:
    return fmt(low) if low == high else f"{fmt(low)} - {fmt(high)}"


def _print_estimate(target: Output, est: Any) -> None:
    """Print an `Estimate` as a table (per model and in total) with its caveats."""
    rows = [
        (
            m.model,
            m.requests,
            m.prompt_tokens,
            _span(m.completion_tokens_low, m.completion_tokens_high),
            _span(m.batch_cost_low, m.batch_cost_high, _usd),
            _span(
                _diff(m.sync_cost_low, m.batch_cost_low),
                _diff(m.sync_cost_high, m.batch_cost_high),
                _usd,
            ),
        )
        for _, m in sorted(est.models.items())
    ]
    rows.append(
        (
            "total",
            est.requests,
            est.prompt_tokens,
            _span(est.completion_tokens_low, est.completion_tokens_high),
            _span(est.batch_cost_low, est.batch_cost_high, _usd),
            _span(
                est.sync_cost_low - est.batch_cost_low,
                est.sync_cost_high - est.batch_cost_high,
                _usd,
            ),
        )
    )
    pricing = est.pricing
    discount = pricing.batch_discount
    title = f"estimate ({pricing.provider} batch prices"
    title += f", {discount:.0%} off sync)" if discount else ")"
    target.table(
        title,
        ("model", "requests", "prompt tokens", "completion tokens", "batch cost", "saving"),
        rows,
    )
    notes = []
    if est.rough:
        notes.append("token counts are rough (4 characters a token): install groq-batch[cli]")
    if est.unbounded:
        notes.append(
            f"{est.unbounded} request(s) set no max_tokens: counted at a typical length, "
            "so the upper bound is not a bound"
        )
    if est.unpriced_models:
        notes.append(f"cost unknown for {', '.join(est.unpriced_models)} (left out of total)")
    if est.unreadable_lines:
        notes.append(f"{est.unreadable_lines} unreadable line(s) left out (see validate)")
    if pricing.source:
        notes.append(f"prices from {pricing.source}, checked {pricing.checked}")
    for note in notes:
        target.line(f"note: {note}")


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _estimate_cmd(args: argparse.Namespace, out: Output) -> int:
    from groq_batch.estimate import estimate

    _require_file(args.file)
    # A table of prompts was turned into requests (`requests_file`): estimate those.
    est = estimate(getattr(args, "requests_file", None) or args.file, provider=_provider_name(args))
    if out.as_json:
        out.json(est.as_dict())
    else:
        _print_estimate(out, est)
    return EXIT_OK


def _preflight_cost(args: argparse.Namespace, out: Output) -> None:
    """Print the estimate before submitting; refuse above ``--max-cost`` (nothing uploaded)."""
    from groq_batch.estimate import estimate

    # A table of prompts was turned into requests (`requests_file`): estimate those.
    est = estimate(getattr(args, "requests_file", None) or args.file, provider=_provider_name(args))
    if out.as_json:
        # In JSON mode every line on the event stream is a JSON event, the estimate included.
        out.event({"event": "estimate", **est.as_dict()})
    else:
        _print_estimate(out, est)
    limit = getattr(args, "max_cost", None)
    if limit is None:
        return
    if est.unpriced_models:
        raise CliError(
            f"--max-cost: the cost of {', '.join(est.unpriced_models)} is unknown; "
            "nothing was uploaded",
            EXIT_USAGE,
        )
    if est.unbounded:
        # A typical length is a guess, not a bound: a budget cannot rest on it.
        raise CliError(
            f"--max-cost: {est.unbounded} request(s) set no max_tokens, so the cost has no "
            "upper bound; nothing was uploaded",
            EXIT_USAGE,
        )
    if est.batch_cost_high > limit:
        raise CliError(
            f"estimated cost up to {_usd(est.batch_cost_high)} exceeds --max-cost "
            f"{_usd(limit)}; nothing was uploaded",
            EXIT_USAGE,
        )


def _actual_cost_rows(cost: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if cost is None:
        return []
    rows: list[tuple[str, Any]] = [
        ("billed requests", cost["billed_requests"]),
        ("cost (batch)", _usd(cost["batch_cost"])),
        ("saving vs sync", _usd(cost["saving"])),
    ]
    if cost["unpriced_models"]:
        rows.append(("cost unknown for", ", ".join(cost["unpriced_models"])))
    return rows


COMMANDS = {
    "validate": _validate,
    "estimate": _estimate_cmd,
    "submit": _submit,
    "run": _run,
    "status": _status,
    "list": _list,
    "jobs": _jobs,
    "cancel": _cancel,
    "wait": _wait_cmd,
    "results": _results,
    "download": _download,
    "resubmit": _resubmit,
    "files": _files,
    "ui": _ui,
}


def _explain_api(exc: BaseException) -> str:
    from groq_batch import _errors

    if isinstance(exc, _errors.NotFoundError):
        return f"not found: {exc.message}"
    if isinstance(exc, _errors.AuthenticationError):
        return f"authentication failed: {exc.message}"
    if isinstance(exc, _errors.APIConnectionError):
        return f"cannot reach the API: {exc}"
    return str(exc)


def _explain(exc: BaseException) -> CliError | None:
    """Turn the errors a user can cause into a one-line message, or None for a real bug."""
    from groq_batch import _errors
    from groq_batch.validation import ValidationError

    if isinstance(exc, CliError):
        return exc
    if isinstance(exc, ValidationError):
        return CliError(str(exc), EXIT_USAGE)
    if isinstance(exc, JobNameError):
        return CliError(str(exc), EXIT_USAGE)
    if isinstance(exc, _errors.APIError | _errors.APIConnectionError):
        return CliError(_explain_api(exc))
    if isinstance(exc, _errors.GroqError):
        return CliError(str(exc), EXIT_USAGE if "api_key" in str(exc) else EXIT_ERROR)
    if isinstance(exc, OSError):
        return CliError(str(exc))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` when None.

    Returns:
        The process exit code.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return _serve(argv[1:])
    _collect_secrets(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        parser.error("put serve first: groq-batch serve [options]")
    out = Output(args.json)
    try:
        return COMMANDS[args.command](args, out)
    except KeyboardInterrupt:
        Output.note("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        error = _explain(exc)
        if error is None or args.debug:
            raise
        Output.note(f"groq-batch: error: {_redact(str(error))}")
        return error.code
