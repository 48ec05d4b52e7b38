"""Printing: `Output` (JSON, rich or plain text), batches, problems, times and prices."""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from groq_batch_cli.errors import EXIT_FAILED_ROWS, EXIT_OK

if TYPE_CHECKING:
    from groq_batch.jobs import JobRecord
    from groq_batch.validation import Problem
    from groq_batch_api.models import Batch


def has_rich() -> bool:
    """Whether rich (the ``cli`` extra) is installed: without it, a terminal gets plain text.

    The ``groq-batch`` command is installed with or without the extra, so every command must
    work without rich, only plainer.
    """
    import importlib.util

    try:
        return importlib.util.find_spec("rich") is not None
    except (ImportError, ValueError):
        return False


class Output:
    """Where a command's words go: JSON for scripts, rich for people, plain text otherwise.

    Data (tables, JSON) goes to ``stream``; notes, hints and warnings go to stderr, flushed.
    """

    def __init__(self, as_json: bool, stream: TextIO | None = None) -> None:
        self.as_json = as_json
        self.stream = stream or sys.stdout
        self.interactive = self.stream.isatty() and not as_json and has_rich()

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

    def table(
        self,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        whole: Sequence[str] = (),
    ) -> None:
        """Print a table: rich on a terminal, aligned plain text otherwise.

        ``whole`` names the columns whose words must never be broken (names, ids): a narrow
        terminal folds the other columns instead.
        """
        if self.as_json:
            return
        if self.interactive:
            from rich import box
            from rich.console import Console
            from rich.table import Table

            # Without vertical rules when some columns must stay whole: more room for them.
            table = (
                Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
                if whole
                else Table(title=title)
            )
            for column in columns:
                # Fold, never truncate: an id cut to "batch_01m8…" is useless. A name or an id
                # is never folded either: one broken mid-word cannot be copied.
                if column in whole:
                    table.add_column(column, no_wrap=True, overflow="fold")
                else:
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


def job_input(record: JobRecord) -> str | None:
    """The input a user gave a job: their own table (CSV, Parquet), else the requests file.

    A table job sends requests built into the data dir (``tables/<hash>.jsonl``); the registry
    keeps the user's file as ``source_path``, and every listing names that one.
    """
    return record.source_path or record.input_path


def short_path(path: str | None) -> str:
    """A path for people: relative under the current directory, ``~`` for the home directory."""
    if not path:
        return "-"
    import os

    relative = os.path.relpath(path)
    if not relative.startswith(".."):
        return relative
    home = os.path.expanduser("~")
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home) :]
    return path


def local_time(epoch: object) -> str:
    """Format an epoch timestamp as local time for people (the CLI's tables and the dashboard).

    Args:
        epoch: Seconds since the epoch; anything else (None, a bool) for none.

    Returns:
        ``YYYY-MM-DD HH:MM:SS`` in the local time zone, or ``-``.
    """
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return "-"
    return datetime.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def batch_dict(batch: Batch) -> dict[str, Any]:
    """A batch as JSON data."""
    data: dict[str, Any] = batch.to_dict()
    return data


def request_counts(batch: Batch) -> tuple[int, int, int]:
    """A batch's total, completed and failed requests (zeros if it has none yet)."""
    from groq_batch_api.models import BatchRequestCounts

    rc = batch.request_counts
    if not isinstance(rc, BatchRequestCounts):
        return 0, 0, 0
    return rc.total, rc.completed, rc.failed


def print_batches(out: Output, batches: Sequence[Batch]) -> None:
    """Print batches: a JSON list, or a table."""
    if out.as_json:
        out.json([batch_dict(b) for b in batches])
        return
    from groq_batch.statuses import status_of

    rows = []
    for b in batches:
        total, completed, failed = request_counts(b)
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


def batches_exit(batches: Sequence[Batch]) -> int:
    """The exit code for finished batches, by the rule ``results`` applies to rows.

    0 only if every request succeeded: a cancelled batch whose every request had already run is
    0, as its results are; a failed batch (its input refused) ran nothing, so it is 3.
    """
    from groq_batch.statuses import status_of

    for batch in batches:
        total, completed, failed = request_counts(batch)
        if failed or completed < total or status_of(batch) == "failed":
            return EXIT_FAILED_ROWS
    return EXIT_OK


def report_invalid(
    out: Output, source: str, problems: Sequence[object], as_json: list[dict[str, Any]]
) -> None:
    """Say every problem of an input that was refused before upload: an event, or a list."""
    if out.as_json:
        out.event({"event": "invalid", "file": source, "problems": as_json})
    else:
        lines = [f"{source}: {len(problems)} problem(s)", *(f"  {p}" for p in problems)]
        Output.note("\n".join(lines))


def problem_json(p: Problem) -> dict[str, Any]:
    """A validation problem as JSON data."""
    return {"line": p.line, "field": p.field, "code": p.code, "message": p.message}


def usd(value: float | None) -> str:
    """A price in dollars, with as many decimals as it needs (one rule with the library's)."""
    from groq_batch.costs import format_usd

    return format_usd(value)
