"""`submit` and `run`: a new job (or a re-attached one), from input to results."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from groq_batch.jobs import (
    FINISHED,
    WRITTEN,
    JobRecord,
    file_sha256,
    run_key,
)
from groq_batch.table_schema import require_pyarrow
from groq_batch_cli.checks import (
    check_metadata,
    check_output,
    check_provider,
    require_base_url,
    require_file,
    require_key,
)
from groq_batch_cli.connect import endpoint_of, open_client, provider_name, provider_of
from groq_batch_cli.errors import EXIT_FAILED_ROWS, EXIT_OK, EXIT_USAGE, CliError
from groq_batch_cli.estimate import preflight_cost
from groq_batch_cli.output import (
    Output,
    batch_dict,
    batches_exit,
    print_batches,
    problem_json,
    report_invalid,
)
from groq_batch_cli.registry import Registry, announce, reserve_name
from groq_batch_cli.result_writing import (
    DatasetWriter,
    is_dataset_output,
    output_format,
    print_summary,
    write_results,
    write_table,
)
from groq_batch_cli.table_input import read_table_input
from groq_batch_cli.waiting import JobRef, hint_resubmit, hint_results, recovery, wait_for_batches

if TYPE_CHECKING:
    from groq_batch import BatchJob
    from groq_batch._client import Groq
    from groq_batch.tables import PromptTable
    from groq_batch_api.models import Batch


def _submit_job(
    client: Groq,
    args: argparse.Namespace,
    out: Output,
    on_submitted: Callable[[Sequence[Batch]], None],
) -> BatchJob:
    """Submit ``args.file``; on bad input, print every problem and exit 2 with nothing uploaded.

    ``on_submitted`` records the job: ``submit`` calls it before it drops its journal.
    """
    from groq_batch import RequestTooLargeError
    from groq_batch.validation import ValidationError

    try:
        return client.batches.submit(
            getattr(args, "requests_file", None) or args.file,
            endpoint=args.endpoint,
            completion_window=args.window,
            metadata=dict(args.metadata) or None,
            max_lines=args.max_lines,
            max_bytes=args.max_bytes,
            max_concurrent_uploads=args.max_concurrent_uploads,
            on_submitted=on_submitted,
        )
    except ValidationError as exc:
        count = len(exc.problems)
        report_invalid(out, exc.source, exc.problems, [problem_json(p) for p in exc.problems])
        raise CliError(f"{count} problem(s); nothing was uploaded", EXIT_USAGE) from exc
    except RequestTooLargeError as exc:
        # Split as far as it goes and still refused: the input, not the network, must change.
        raise CliError(
            f"{exc.message}: a part of the input is too large for this server even split down "
            "to one line or 64 KiB; no batch was created and no uploaded part was kept",
            EXIT_USAGE,
        ) from exc


def _validate_first(args: argparse.Namespace, out: Output) -> None:
    """Validate the input before anything else parses it: the estimate comes after.

    The same check `submit` makes before uploading (the limits apply by splitting), so that a
    bad line, one nested 100,000 levels deep included, is a problem naming its line, never a
    traceback from a parser that met it first.
    """
    from groq_batch.validation import validate_path

    source = os.fspath(getattr(args, "requests_file", None) or args.file)
    report = validate_path(
        source,
        endpoint=args.endpoint,
        max_lines=2**62,
        max_bytes=2**62,
        urls=provider_of(args).endpoints,
        source=source,
    )
    if report.problems:
        report_invalid(out, source, report.problems, [problem_json(p) for p in report.problems])
        raise CliError(f"{len(report.problems)} problem(s); nothing was uploaded", EXIT_USAGE)


def _run_key(args: argparse.Namespace, sha: str) -> str:
    """The run's identity: the requests as submitted, and every option that changes the batches.

    A table's options are in its requests (model, prompts, parameters), so its sha covers them.
    """
    return run_key(
        sha,
        endpoint=args.endpoint,
        completion_window=args.window,
        metadata=sorted(dict(args.metadata).items()),
        provider=provider_name(args),
    )


def _source_path(args: argparse.Namespace) -> Path | None:
    """The user's input, when the submitted requests were built from it (a table)."""
    return args.file if args.requests_file != args.file else None


def submit_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch submit``."""
    require_base_url(args)
    require_file(args.file)
    check_provider(args)
    read_table_input(args, out)
    registry = Registry()
    check_metadata(args)
    require_key(args)
    # Reserved before anything is uploaded: a second process with this name stops here.
    fresh = reserve_name(args, registry, args.file)
    try:
        return _submit_reserved(args, out, registry, fresh)
    finally:
        registry.release(fresh)


def _announce_new(
    out: Output,
    registry: Registry,
    args: argparse.Namespace,
    batch_ids: Sequence[str],
    name: str,
    sha: str,
    ref: JobRef,
    output_path: str | None,
) -> str | None:
    """Announce and record a job just submitted from the command's input file.

    Its input, the input's hash, the run key and the user's own table file are recorded, so
    that ``run`` finds it again and every listing names the file the user gave.
    """
    return announce(
        out,
        registry,
        args,
        batch_ids,
        name=name,
        input_path=args.requests_file,
        input_sha256=sha,
        output_path=output_path,
        ref=ref,
        run_key=_run_key(args, sha),
        source_path=_source_path(args),
    )


def _submit_and_record(
    client: Groq,
    args: argparse.Namespace,
    out: Output,
    registry: Registry,
    fresh: str,
    sha: str,
    output_path: str | None,
) -> tuple[BatchJob, JobRef]:
    """Submit the job and record it under ``fresh`` from inside ``submit``.

    Recorded before ``submit`` drops its journal, so that a process killed between the two is
    re-attached by the same command again (its ``submit`` resumes the journal and hands back
    the same batches), never submitted twice.
    """
    ref = JobRef(())

    def record(batches: Sequence[Batch]) -> None:
        ref.ids = [b.id for b in batches]
        ref.name = _announce_new(out, registry, args, ref.ids, fresh, sha, ref, output_path)

    try:
        job = _submit_job(client, args, out, record)
    except KeyboardInterrupt:
        if not ref.ids:
            raise
        # Ctrl-C held back while the job was announced: the batches live on, say how to go on.
        with recovery(out, ref, args, output_path):
            raise
    return job, ref


def _submit_reserved(args: argparse.Namespace, out: Output, registry: Registry, fresh: str) -> int:
    """``submit`` once its job name is reserved."""
    _validate_first(args, out)
    preflight_cost(args, out)
    sha = file_sha256(args.requests_file)
    with open_client(args) as client:
        job, ref = _submit_and_record(client, args, out, registry, fresh, sha, None)
        with recovery(out, ref, args, None):
            batches = job.batches
            if args.wait:
                batches = wait_for_batches(job, args, out)
                registry.set_state(ref.name, FINISHED)
    if out.as_json:
        out.event(
            {
                "event": "batches",
                "job": ref.name,
                "batch_ids": list(job.ids),
                "batches": [batch_dict(b) for b in batches],
            }
        )
    else:
        print_batches(out, batches)
    if args.wait:
        hint_results(ref.name, job.ids, args)
        return batches_exit(batches)
    return EXIT_OK


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


def _reuse_finished(
    args: argparse.Namespace,
    out: Output,
    registry: Registry,
    record: JobRecord,
    table: PromptTable | None,
    table_format: str | None,
    started: float,
) -> int:
    """Write a finished job's results again instead of paying for the same run twice."""
    from groq_batch import NotFoundError

    if out.as_json:
        out.event({"event": "reused", "job": record.name, "batch_ids": list(record.batch_ids)})
    else:
        Output.note(
            f"job {record.name} already ran this input with these options "
            f"({', '.join(record.batch_ids)}): writing its results, nothing is submitted "
            "(--again submits anew)"
        )
    with open_client(args) as client:
        job = client.batches.job(list(record.batch_ids))
        try:
            if table is not None and is_dataset_output(args.output):
                parts = DatasetWriter(
                    client, args.output, table, args.requests_file, provider_name(args)
                )
                summary, cost = parts.finish(job.refresh())
            elif table_format is None:
                summary, cost = write_results(
                    job, args.output, args.requests_file, provider_name(args)
                )
            else:
                summary, cost = write_table(
                    job, args.output, table_format, table, args.requests_file, provider_name(args)
                )
        except NotFoundError as exc:
            raise CliError(
                f"the results of job {record.name} are no longer on the server ({exc.message}); "
                "--again submits anew"
            ) from exc
    registry.set_state(record.name, WRITTEN)
    elapsed = time.monotonic() - started
    print_summary(out, summary, args.output, elapsed, job.ids, record.name, cost)
    hint_resubmit(summary, record.name, job.ids, args)
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def run_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch run``."""
    started = time.monotonic()
    if args.output == "-":
        # stdout carries the results; events and the summary go to stderr.
        out = Output(out.as_json, sys.stderr)
    require_base_url(args)
    require_file(args.file)
    check_provider(args)
    # A table of prompts can become a dataset: -o names a folder, a file per part.
    table_input = args.prompt_column is not None or args.template is not None
    check_output(args.output, args.file, dataset=table_input)
    table = read_table_input(args, out)
    dataset = table is not None and is_dataset_output(args.output)
    table_format = "parquet" if dataset else output_format(args, table)
    if table_format is not None:
        # Checked before the upload: a table output is written with PyArrow (the tables extra),
        # and a missing one found once the results are back would leave them nowhere.
        require_pyarrow()
    registry = Registry()
    check_metadata(args)
    require_key(args)
    sha = file_sha256(args.requests_file)
    endpoint = endpoint_of(args)
    key = _run_key(args, sha)
    if not (args.new or args.resume):
        # --resume asks for the unfinished job on this output, even if the same run finished.
        done = registry.safely(lambda: registry.db.find_run(key, endpoint=endpoint), "read")
        if done is not None:
            return _reuse_finished(args, out, registry, done, table, table_format, started)
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
    if existing is not None:
        return _run_job(args, out, registry, table, table_format, existing, None, started, sha)
    # A new job: its name is reserved before anything is uploaded, and freed if nothing was made.
    fresh = reserve_name(args, registry, args.file)
    try:
        return _run_job(args, out, registry, table, table_format, None, fresh, started, sha)
    finally:
        registry.release(fresh)


def _run_job(
    args: argparse.Namespace,
    out: Output,
    registry: Registry,
    table: PromptTable | None,
    table_format: str | None,
    existing: JobRecord | None,
    fresh: str | None,
    started: float,
    sha: str,
) -> int:
    """``run`` once it knows its job: an unfinished one to re-attach to, or a reserved name."""
    if existing is None:
        # Only a new job spends anything, so only it gets an estimate (and --max-cost).
        _validate_first(args, out)
        preflight_cost(args, out)
    with open_client(args) as client:
        if existing is None:
            assert fresh is not None
            job, ref = _submit_and_record(client, args, out, registry, fresh, sha, args.output)
        else:
            job = client.batches.job(list(existing.batch_ids))
            ref = JobRef(job.ids, existing.name)
            if out.as_json:
                out.event({"event": "reattached", "job": ref.name, "batch_ids": list(job.ids)})
            else:
                Output.note(
                    f"re-attached to job {ref.name}: {', '.join(job.ids)} (--again submits anew)"
                )
        with recovery(out, ref, args, args.output):
            parts = None
            if table is not None and is_dataset_output(args.output):
                parts = DatasetWriter(
                    client, args.output, table, args.requests_file, provider_name(args)
                )
            batches = wait_for_batches(
                job, args, out, on_update=None if parts is None else parts.update
            )
            registry.set_state(ref.name, FINISHED)
            if parts is not None:
                summary, cost = parts.finish(batches)
            elif table_format is None:
                summary, cost = write_results(
                    job, args.output, args.requests_file, provider_name(args)
                )
            else:
                summary, cost = write_table(
                    job,
                    args.output,
                    table_format,
                    table,
                    args.requests_file,
                    provider_name(args),
                    csv_raw=args.csv_raw,
                )
            registry.set_state(ref.name, WRITTEN)
    elapsed = time.monotonic() - started
    print_summary(out, summary, args.output, elapsed, job.ids, ref.name, cost)
    hint_resubmit(summary, ref.name, job.ids, args)
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK
