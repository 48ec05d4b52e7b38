"""The `groq-batch` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from groq_batch import __version__


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser for `groq-batch`.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="groq-batch",
        description="Run Groq batch jobs: validate, submit, wait and collect results.",
    )
    parser.add_argument("--version", action="version", version=f"groq-batch {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments, without the program name; `sys.argv[1:]` when None.

    Returns:
        The process exit code.
    """
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
