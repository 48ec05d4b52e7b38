"""`main`: parse the arguments, run the command, and turn user-caused errors into messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from groq_batch.jobs import JobNameError
from groq_batch_cli.batches import (
    cancel_command,
    download_command,
    files_command,
    jobs_command,
    list_command,
    resubmit_command,
    results_command,
    status_command,
    wait_command,
)
from groq_batch_cli.errors import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    collect_secrets,
    explain_api,
    redact,
    scrub_tracebacks,
)
from groq_batch_cli.estimate import estimate_command
from groq_batch_cli.output import Output
from groq_batch_cli.parser import build_parser
from groq_batch_cli.serve import serve_command, ui_command
from groq_batch_cli.submit import run_command, submit_command
from groq_batch_cli.validate import validate_command

COMMANDS = {
    "validate": validate_command,
    "estimate": estimate_command,
    "submit": submit_command,
    "run": run_command,
    "status": status_command,
    "list": list_command,
    "jobs": jobs_command,
    "cancel": cancel_command,
    "wait": wait_command,
    "results": results_command,
    "download": download_command,
    "resubmit": resubmit_command,
    "files": files_command,
    "ui": ui_command,
}


def _explain(exc: BaseException) -> CliError | None:
    """Turn the errors a user can cause into a one-line message, or None for a real bug."""
    from groq_batch import APIConnectionError, APIError, GroqError, MissingExtraError
    from groq_batch.validation import ValidationError

    if isinstance(exc, CliError):
        return exc
    # A missing extra is the install's, not the API's: exit 2, as troubleshooting lists it.
    if isinstance(exc, ValidationError | JobNameError | MissingExtraError):
        return CliError(str(exc), EXIT_USAGE)
    if isinstance(exc, APIError | APIConnectionError):
        return CliError(explain_api(exc))
    if isinstance(exc, GroqError):
        return CliError(str(exc), EXIT_USAGE if "api_key" in str(exc) else EXIT_ERROR)
    if isinstance(exc, OSError):
        return CliError(str(exc))
    return None


def _reader_went_away() -> int:
    # `groq-batch jobs | head -2`: the reader has all it wanted. Quiet, as git and ls are; stdout
    # points at /dev/null so that the interpreter's final flush cannot fail again at exit.
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)
    return EXIT_BROKEN_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` when None.

    Returns:
        The process exit code.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:
        return serve_command(argv[1:])
    collect_secrets(argv)
    scrub_tracebacks()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        parser.error("put serve first: groq-batch serve [options]")
    out = Output(args.json)
    try:
        return COMMANDS[args.command](args, out)
    except BrokenPipeError:
        return _reader_went_away()
    except KeyboardInterrupt:
        Output.note("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        error = _explain(exc)
        if error is None or args.debug:
            raise
        Output.note(f"groq-batch: error: {redact(str(error))}")
        return error.code
