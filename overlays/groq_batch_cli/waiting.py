"""Waiting for batches (with a progress bar), and what to say when waiting stops or ends."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any

from groq_batch_cli.connect import connection_flags, shell_command
from groq_batch_cli.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_TIMEOUT,
    CliError,
    explain_api,
    redact,
)
from groq_batch_cli.output import Output, has_rich
from groq_batch_cli.table_input import table_flags

if TYPE_CHECKING:
    from groq_batch import BatchJob
    from groq_batch.results import ResultSummary
    from groq_batch_api.models import Batch


def eta_text(seconds: float | None) -> str:
    """An ETA as a person reads it: ``ETA 1:02:03``, ``ETA 4:05``, or ``ETA ?`` while unknown."""
    if seconds is None:
        return "ETA ?"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"ETA {hours}:{minutes:02d}:{secs:02d}" if hours else f"ETA {minutes}:{secs:02d}"


class WaitDisplay:
    """One live bar for the whole job on a terminal: rows done, rate and ETA across all parts.

    The numbers come from `groq_batch.progress.ProgressMeter`: parts still validating count as
    the mean of the parts the server has counted, and the rate is the last minute's.
    """

    def __init__(
        self,
        out: Output,
        *,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Show the bar on ``stream`` (stderr), when it is a terminal and rich is installed."""
        from groq_batch.progress import ProgressMeter

        self._stream = sys.stderr if stream is None else stream
        self.enabled = not out.as_json and self._stream.isatty() and has_rich()
        self._progress: Any = None
        self._task: Any = None
        self._meter = ProgressMeter()
        self._clock = clock

    def __enter__(self) -> WaitDisplay:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("failed {task.fields[failed]}"),
                TextColumn("parts {task.fields[parts]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[eta]}"),
                console=Console(file=self._stream),
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "waiting", total=None, failed=0, rate="", parts="", eta=eta_text(None)
            )
        return self

    def update(self, batches: Sequence[Batch]) -> None:
        """Show the job's progress after a poll."""
        from groq_batch.statuses import status_of

        seen = self._meter.observe(batches, self._clock())
        if self._progress is not None:
            self._progress.update(
                self._task,
                description=",".join(sorted({status_of(b) for b in batches})),
                total=seen.total or None,
                completed=seen.done,
                failed=seen.failed,
                rate="" if seen.rate is None else f"{seen.rate:.1f} rows/s",
                parts=f"{seen.parts_finished}/{seen.parts}",
                eta=eta_text(seen.eta),
            )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def wait_for_batches(
    job: BatchJob,
    args: argparse.Namespace,
    out: Output,
    *,
    on_update: Callable[[Sequence[Batch]], None] | None = None,
) -> list[Batch]:
    """Wait for the job's batches, with a progress bar on a terminal.

    ``on_update`` also sees each poll's batches (a dataset writes each part as it ends).
    """
    with WaitDisplay(out) as progress:

        def update(batches: Sequence[Batch]) -> None:
            progress.update(batches)
            if on_update is not None:
                on_update(batches)

        return job.wait(
            timeout=getattr(args, "timeout", None),
            poll_interval=getattr(args, "poll_interval", None),
            on_update=update,
            on_retry=lambda exc, delay: out.note(
                f"polling failed ({type(exc).__name__}); retrying in {delay:.0f} s"
            ),
        )


@dataclasses.dataclass
class JobRef:
    """What a hint needs to name a job: its batch ids, and its name once recorded."""

    ids: Sequence[str]
    name: str | None = None


@contextlib.contextmanager
def recovery(
    out: Output, ref: JobRef, args: argparse.Namespace, output: str | None
) -> Iterator[JobRef]:
    """On Ctrl-C, ``--timeout`` or a network error, say the batches live on and how to continue.

    Entered the moment the batches exist: ``ref.name`` is filled in once the job is recorded,
    and until then the hint names the batch ids.
    """
    from groq_batch import APIError, APIStatusError, WaitTimeoutError

    try:
        yield ref
    except (KeyboardInterrupt, WaitTimeoutError, APIError) as exc:
        if (
            isinstance(exc, APIStatusError)
            and exc.status_code < 500
            and (exc.status_code not in (408, 429, 498))
        ):
            # A refusal (404, 401, ...) is not an outage: the batches may not be running at all.
            raise
        ids, name = ref.ids, ref.name
        words = [name] if name else [*ids, *connection_flags(args)]
        wait = shell_command("wait", *words)
        results = shell_command("results", *words, "-o", output or "results.jsonl")
        lines = [
            f"the batches keep running on the server: {', '.join(ids)}",
            "to continue:",
            f"  {wait} && {results}",
        ]
        if args.command == "run" and output not in (None, "-"):
            again = shell_command(
                "run", str(args.file), "-o", output, *table_flags(args), *connection_flags(args)
            )
            lines.append(f"or run the same command again to re-attach:\n  {again}")
        if isinstance(exc, KeyboardInterrupt):
            reason, code = "interrupted", EXIT_INTERRUPTED
        elif isinstance(exc, WaitTimeoutError):
            reason, code = str(exc), EXIT_TIMEOUT
        else:
            reason, code = explain_api(exc), EXIT_ERROR
        if out.as_json:
            out.event(
                {
                    "event": "stopped",
                    "reason": redact(reason),
                    "job": name,
                    "batch_ids": list(ids),
                    "continue": f"{wait} && {results}",
                }
            )
        raise CliError(redact(reason) + "\n" + "\n".join(lines), code) from exc


def hint_results(
    name: str | None, ids: Sequence[str], args: argparse.Namespace, output: str | None = None
) -> None:
    """Say how to write the results: to the job's recorded output, if it has one."""
    ref = [name] if name else [*ids, *connection_flags(args)]
    target = "results.jsonl"
    if output:
        # Relative when under the current directory, as the user most likely typed it.
        relative = os.path.relpath(output)
        target = output if relative.startswith("..") else relative
    Output.note(f"next: {shell_command('results', *ref, '-o', target)}")


def hint_resubmit(
    summary: ResultSummary, name: str | None, ids: Sequence[str], args: argparse.Namespace
) -> None:
    """Say how to retry the requests that did not succeed, if any did not."""
    if summary.failed:
        ref = [name] if name else [*ids, *connection_flags(args)]
        Output.note(
            f"{summary.failed} request(s) did not succeed; to retry them: "
            f"{shell_command('resubmit', *ref)}"
        )
