"""`build_parser`: the `groq-batch` parser, one builder function per command group."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from groq_batch import __version__
from groq_batch.providers import PROVIDER_ENV, PROVIDERS
from groq_batch.sharding import DEFAULT_MAX_CONCURRENT_UPLOADS
from groq_batch.statuses import FAILED_OUTCOMES
from groq_batch_cli.args import (
    TABLE_FORMATS,
    HelpFormatter,
    Parser,
    add_connection,
    add_endpoint,
    add_input,
    add_limits,
    add_max_cost,
    add_output,
    add_waiting,
    completion_window,
    job_name,
    metadata_help,
    metadata_pair,
    positive_count,
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
  141  the reader of the output went away (groq-batch jobs | head -2); quietly, as git does

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


_AddCommand = Callable[..., argparse.ArgumentParser]
"""`build_parser`'s ``add``: one subcommand by name and help; ``connects=False`` if offline."""


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for `groq-batch`.

    Returns:
        The parser.
    """
    conn = Parser(add_help=False)
    add_connection(conn, suppress=True)
    output = Parser(add_help=False)
    add_output(output, suppress=True)

    parser = Parser(
        prog="groq-batch",
        description="Run Groq batch jobs: validate, submit, wait and collect every result.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"groq-batch {__version__}")
    add_connection(parser, suppress=False)
    add_output(parser, suppress=False)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", help="what to do (COMMAND --help)"
    )

    def add(name: str, help_: str, *, connects: bool = True) -> argparse.ArgumentParser:
        parents = [conn, output] if connects else [output]
        return sub.add_parser(
            name, help=help_, description=help_, parents=parents, formatter_class=HelpFormatter
        )

    _add_validate(add)
    _add_submit_and_run(add)
    _add_estimate(add)
    _add_batch_commands(add)
    _add_files(add, parents=[conn, output])
    _add_ui_and_serve(add, sub)
    return parser


def _add_validate(add: _AddCommand) -> None:
    """`validate`: check a JSONL file offline."""
    p = add(
        "validate",
        "report every problem in a batch input or a table of prompts, with line and field",
        connects=False,
    )
    add_input(p)
    add_endpoint(p)
    add_limits(p)
    add_offline_provider(p, "whose limits and endpoints apply")


def add_offline_provider(p: argparse.ArgumentParser, applies: str) -> None:
    """``--provider`` for a command that connects nowhere: it picks only what ``applies``."""
    p.add_argument(
        "--provider",
        choices=tuple(PROVIDERS),
        default=argparse.SUPPRESS,
        help=f"{applies} (default: ${PROVIDER_ENV}, then groq)",
    )


def add_csv_raw(p: argparse.ArgumentParser) -> None:
    """``--csv-raw``, for the commands that can write results as CSV."""
    p.add_argument(
        "--csv-raw",
        action="store_true",
        help="write CSV cells as they are; by default a cell starting with = + - @ (or a tab "
        "or carriage return) gets a ' in front, so that a spreadsheet does not run it; a plain "
        "number such as -5 is left as it is",
    )


def _add_submit_and_run(add: _AddCommand) -> None:
    """`submit` and `run`, which share their input, batch and waiting options."""
    for name, help_ in (
        ("submit", "validate, split if needed, upload and create the batches"),
        ("run", "the whole job: validate, submit, wait, and write joined results"),
    ):
        p = add(name, help_)
        add_input(p)
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
            add_csv_raw(p)
        p.add_argument(
            "--window",
            type=completion_window,
            default="24h",
            help="completion window: 24h to 7d at Groq, 24h at OpenAI (the provider's)",
        )
        p.add_argument(
            "--metadata",
            type=metadata_pair,
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=metadata_help(),
        )
        add_endpoint(p)
        add_limits(p)
        p.add_argument(
            "--max-concurrent-uploads",
            type=positive_count,
            default=DEFAULT_MAX_CONCURRENT_UPLOADS,
            metavar="N",
            help="parts of a split input uploaded at once",
        )
        p.add_argument(
            "--name",
            type=job_name,
            help="the job's name in the registry (default: generated from the file's name)",
        )
        add_waiting(p, only_with="--wait" if name == "submit" else None)
        add_max_cost(p)
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
                "--again",
                "--new",
                dest="new",
                action="store_true",
                help="submit a new job even if one with the same input and options finished "
                "(its results are re-used by default) or is unfinished on the same output",
            )


def _add_estimate(add: _AddCommand) -> None:
    """`estimate`: tokens and cost, offline."""
    p = add(
        "estimate",
        "estimate tokens and cost of a batch input or a table of prompts, offline "
        "(nothing is sent)",
        connects=False,
    )
    add_input(p)
    add_offline_provider(p, "whose prices apply")


def _add_batch_commands(add: _AddCommand) -> None:
    """The commands on existing jobs or batches: status through resubmit."""
    ids_help = "a job name (see `groq-batch jobs`) or batch ids"

    p = add("status", "show batches")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p = add("list", "list batches on the server, newest first")
    p.add_argument("--limit", type=positive_count, default=20, help="how many batches to show")
    p = add("jobs", "list the jobs this user submitted (the local job registry)", connects=False)
    p.add_argument("--limit", type=positive_count, default=20, help="how many jobs to show")
    p = add("cancel", "cancel batches")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    p = add("wait", "wait until batches finish")
    p.add_argument("ids", nargs="+", metavar="JOB_OR_ID", help=ids_help)
    add_waiting(p)
    p = add(
        "results",
        "write results joined to inputs: JSONL, or a table by OUT's extension (.csv, .parquet)",
    )
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
    add_csv_raw(p)
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
    p.add_argument(
        "--include-permanent",
        action="store_true",
        help="also resubmit requests whose error cannot change on a retry (an unknown model, "
        "an invalid request), which are left out by default",
    )
    p.add_argument("--name", type=job_name, help="the retry job's name (default: generated)")


def _add_files(add: _AddCommand, *, parents: list[argparse.ArgumentParser]) -> None:
    """`files` and its actions, each with the connection and output options."""
    p = add("files", "manage files")
    files = p.add_subparsers(
        dest="files_command", required=True, metavar="ACTION", help="what to do with files"
    )

    def add_file(action: str, help_: str) -> argparse.ArgumentParser:
        return files.add_parser(
            action,
            help=help_,
            description=help_,
            parents=parents,
            formatter_class=HelpFormatter,
        )

    add_file("list", "list files")
    add_file("info", "show a file").add_argument("file_id", help="the file's id")
    add_file("delete", "delete a file").add_argument("file_id", help="the file's id")
    fp = add_file("download", "download a file's content")
    fp.add_argument("file_id", help="the file's id")
    fp.add_argument("-o", "--output", type=Path, required=True, help="where to write it")


def _add_ui_and_serve(add: _AddCommand, sub: argparse._SubParsersAction[Parser]) -> None:
    """`ui`, and `serve` (listed for its help; the server's own parser reads its options)."""
    p = add("ui", "open a local dashboard of jobs, live progress and results in a browser")
    p.add_argument("--port", type=int, default=0, help="the port on 127.0.0.1 (0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the URL; open no browser")

    # `serve` has its own parser (the server's); it is listed here for the help text only.
    sub.add_parser("serve", help="run the local Groq-compatible server (see serve --help)")
