"""The job registry as the CLI uses it.

Job names resolved to batch ids; new jobs announced and recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from groq_batch.jobs import (
    JobKeyError,
    JobNameError,
    JobRecord,
    JobRegistry,
    job_connection,
)
from groq_batch_cli.connect import endpoint_of, provider_name
from groq_batch_cli.errors import EXIT_USAGE, CliError
from groq_batch_cli.output import Output
from groq_batch_cli.waiting import JobRef

T = TypeVar("T")


class Registry:
    """The job registry, as the CLI uses it: a failure to read or write it is a warning only."""

    def __init__(self) -> None:
        self.db = JobRegistry()
        self._warned = False

    def safely(self, action: Callable[[], T], what: str) -> T | None:
        """Run a registry action; on failure warn once and return None."""
        try:
            return action()
        except (sqlite3.Error, OSError) as exc:
            if not self._warned:
                self._warned = True
                Output.note(f"groq-batch: warning: could not {what} the job registry: {exc}")
            return None

    def release(self, name: str) -> None:
        """Drop this process's reservation of ``name``, if it still holds one."""
        self.safely(functools.partial(self.db.release, name), "write")

    def set_state(self, name: str | None, state: str) -> None:
        """Record a job's state, if it has a name."""
        if name is not None:
            self.safely(functools.partial(self.db.update_state, name, state), "write")


def _connection_given(args: argparse.Namespace) -> bool:
    return bool(args.local or args.base_url or args.data_dir)


def _use_recorded_endpoint(args: argparse.Namespace, record: JobRecord) -> None:
    """Connect where the job's batches live, unless the user said where to connect.

    Which key goes there is `job_connection`'s to decide (the dashboard follows it too): the
    job's provider's key, to a URL that provider owns, or a refusal (exit 2).
    """
    if _connection_given(args):
        return
    if record.local_data_dir is not None:
        args.local = True
        args.data_dir = record.local_data_dir
        return
    try:
        args.recorded = job_connection(
            record, provider=getattr(args, "provider", None), api_key=args.api_key
        )
    except JobKeyError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc


def resolve_ids(args: argparse.Namespace, registry: Registry) -> tuple[list[str], JobRecord | None]:
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


def announce(
    out: Output,
    registry: Registry,
    args: argparse.Namespace,
    batch_ids: Sequence[str],
    *,
    name: str,
    input_path: Path | None = None,
    input_sha256: str | None = None,
    output_path: str | None = None,
    retry_of: Sequence[str] | None = None,
    event: str = "submitted",
    ref: JobRef | None = None,
    run_key: str | None = None,
    source_path: Path | None = None,
) -> str | None:
    """Print the new batch ids (flushed, first), then record the job; Ctrl-C waits for both.

    The job is recorded at the endpoint and provider ``args`` connect to, as every new job is.

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
                endpoint=endpoint_of(args),
                provider=provider_name(args),
                input_path=input_path,
                input_sha256=input_sha256,
                output_path=output_path if output_path != "-" else None,
                retry_of=retry_of,
                run_key=run_key,
                source_path=source_path,
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


def reserve_name(args: argparse.Namespace, registry: Registry, stem_from: Path | None) -> str:
    """Reserve the new job's name (``--name``, else one from the file's name) before any upload.

    Of two processes reserving one name, exactly one gets it; the other is refused here, with
    nothing uploaded. The caller calls ``registry.release(name)`` when it is done: a no-op once
    `announce` recorded the job, and what frees the name when nothing was created.

    Raises:
        CliError: The name is taken by a job or held by another running submission (exit 2).
    """
    wanted = str(args.name) if getattr(args, "name", None) else None
    try:
        name = registry.safely(lambda: registry.db.reserve(wanted, input_path=stem_from), "write")
    except JobNameError as exc:
        raise CliError(f"--name {wanted}: {exc}; nothing was uploaded", EXIT_USAGE) from exc
    if name is not None:
        return name
    # No registry (warned): nothing can be reserved, so any unique-ish name.
    if wanted is not None:
        return wanted
    import secrets

    return f"job-{secrets.token_hex(3)}"
