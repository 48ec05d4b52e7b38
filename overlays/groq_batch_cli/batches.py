"""The commands on existing jobs and batches.

status, list, jobs, cancel, wait, results, download, resubmit and files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch.jobs import (
    CANCELLED,
    FINISHED,
    WRITTEN,
    JobRecord,
    JobRegistry,
)
from groq_batch_cli.checks import check_output, require_key
from groq_batch_cli.connect import open_client, provider_name
from groq_batch_cli.errors import EXIT_FAILED_ROWS, EXIT_OK, CliError
from groq_batch_cli.output import (
    Output,
    batches_exit,
    job_input,
    local_time,
    print_batches,
    short_path,
)
from groq_batch_cli.registry import Registry, announce, reserve_name, resolve_ids
from groq_batch_cli.result_writing import (
    print_summary,
    saved_table,
    table_format_of,
    write_results,
    write_table,
)
from groq_batch_cli.waiting import JobRef, hint_resubmit, hint_results, recovery, wait_for_batches

if TYPE_CHECKING:
    from groq_batch import Groq


def _connect_to_job(args: argparse.Namespace) -> tuple[list[str], JobRecord | None, Registry]:
    registry = Registry()
    ids, record = resolve_ids(args, registry)
    require_key(args)
    return ids, record, registry


def status_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch status``."""
    ids, _, _ = _connect_to_job(args)
    with open_client(args) as client:
        print_batches(out, [client.batches.retrieve(i) for i in ids])
    return EXIT_OK


def list_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch list``."""
    require_key(args)
    with open_client(args) as client:
        page = client.batches.list(limit=min(args.limit, 100))
        batches = []
        for batch in page:
            batches.append(batch)
            if len(batches) >= args.limit:
                break
        print_batches(out, batches)
    return EXIT_OK


def _short_endpoint(endpoint: str) -> str:
    if endpoint.startswith("local:"):
        return "local:" + short_path(endpoint.removeprefix("local:"))
    return endpoint


def jobs_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch jobs``."""
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
    # On a terminal, a cell may hold lines: the date over the time, one batch id a line.
    cell_break = "\n" if out.interactive else " "
    endpoints = {r.endpoint for r in records}
    # One server for every job (the usual case): say it once, in the title, not on every row.
    title = f"jobs on {_short_endpoint(records[0].endpoint)}" if len(endpoints) == 1 else "jobs"
    rows = [
        (
            r.name,
            r.state,
            # Date and time on two lines at most, never broken inside either.
            local_time(r.created_at).replace(" ", cell_break),
            # One id a line: a cell of several ids would be wider than any terminal.
            (cell_break if out.interactive else ", ").join(r.batch_ids),
            short_path(job_input(r)),
            short_path(r.output_path),
            _short_endpoint(r.endpoint),
        )[: 6 if len(endpoints) == 1 else 7]
        for r in records
    ]
    columns = ("name", "state", "created", "batches", "input", "output", "endpoint")
    out.table(title, columns[: len(rows[0])], rows, whole=("name", "state", "created", "batches"))
    return EXIT_OK


def cancel_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch cancel``."""
    ids, record, registry = _connect_to_job(args)
    with open_client(args) as client:
        print_batches(out, [client.batches.cancel(i) for i in ids])
    if record is not None and set(ids) == set(record.batch_ids):
        registry.set_state(record.name, CANCELLED)
    return EXIT_OK


def wait_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch wait``."""
    ids, record, registry = _connect_to_job(args)
    name = record.name if record is not None else None
    with open_client(args) as client:
        job = client.batches.job(ids)
        with recovery(out, JobRef(ids, name), args, None):
            batches = wait_for_batches(job, args, out)
        print_batches(out, batches)
    if record is not None and record.state not in (WRITTEN, CANCELLED):
        registry.set_state(record.name, FINISHED)
    hint_results(name, ids, args, record.output_path if record is not None else None)
    return batches_exit(batches)


def _recorded_inputs(record: JobRecord | None) -> Path | None:
    return record.unchanged_input() if record is not None else None


def results_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch results``."""
    started = time.monotonic()
    if args.output == "-":
        out = Output(out.as_json, sys.stderr)
    ids, record, registry = _connect_to_job(args)
    inputs = args.inputs or _recorded_inputs(record)
    check_output(args.output, inputs)
    name = record.name if record is not None else None
    with open_client(args) as client:
        job = client.batches.job(ids)
        with recovery(out, JobRef(ids, name), args, args.output):
            fmt = table_format_of(args.output)
            if fmt is None:
                summary, cost = write_results(job, args.output, inputs, provider_name(args))
            else:
                summary, cost = write_table(
                    job,
                    args.output,
                    fmt,
                    saved_table(inputs),
                    inputs,
                    provider_name(args),
                    csv_raw=args.csv_raw,
                )
    if record is not None and record.output_path in (None, os.path.abspath(args.output)):
        registry.set_state(record.name, WRITTEN)
    print_summary(out, summary, args.output, time.monotonic() - started, ids, name, cost)
    hint_resubmit(summary, name, ids, args)
    return EXIT_FAILED_ROWS if summary.failed else EXIT_OK


def download_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch download``."""
    ids, _, _ = _connect_to_job(args)
    directory: Path = args.directory
    # The first directory download would create: removed again if the download fails.
    created = next((p for p in reversed([directory, *directory.parents]) if not p.exists()), None)
    try:
        with open_client(args) as client:
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


def _existing_retry(client: Groq, registry: Registry, ids: Sequence[str]) -> list[str] | None:
    """The batch ids of a job that already resubmits ``ids``, found by its metadata."""
    from groq_batch.job_core import JOB_KEY, PARENT_KEY
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


def resubmit_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch resubmit``."""
    ids, record, registry = _connect_to_job(args)
    with open_client(args) as client:
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
        left_out: list[str] = []
        # Reserved before the retry's upload; freed if nothing is created.
        reserved = reserve_name(args, registry, None)
        try:
            new = job.resubmit(
                include_permanent=args.include_permanent,
                on_left_out=lambda r: left_out.append(
                    f"{r.custom_id} ({r.error.code if r.error is not None else r.status_code})"
                ),
                **kwargs,
            )
            if left_out:
                shown = ", ".join(left_out[:5]) + (", ..." if len(left_out) > 5 else "")
                Output.note(
                    f"{len(left_out)} request(s) left out: their error cannot change on a retry "
                    f"({shown}); fix them, or pass --include-permanent"
                )
            if new is None:
                if out.as_json:
                    out.json({"already": False, "retry_of": list(job.ids), "batch_ids": []})
                elif left_out:
                    Output.note("nothing else to resubmit")
                else:
                    Output.note("nothing to resubmit: every request succeeded")
                return EXIT_OK
            name = announce(
                Output(False),
                registry,
                args,
                new.ids,
                name=reserved,
                retry_of=job.ids,
                event="resubmitted",
            )
        finally:
            registry.release(reserved)
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
            print_batches(out, new.batches)
    return EXIT_OK


def files_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch files ACTION``."""
    require_key(args)
    with open_client(args) as client:
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
