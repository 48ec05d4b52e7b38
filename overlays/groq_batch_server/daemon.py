"""The per-user background server behind ``--local``: the server's side.

Clients find and start it with `groq_batch.local` (``ensure_running``, ``local_client``): a
first ``--local`` command runs ``python -m groq_batch_server --daemon`` fully detached, and the
server, once it holds the data folder's lock and listens, records where in ``daemon.json``::

    {"url": "http://127.0.0.1:PORT", "pid": 1234, "version": "0.1.0", "log": ".../server.log"}

It requires the folder's secret (``daemon.secret``) on every request, keeps running batches with
no command attached, and exits once it has been idle (no request, no unfinished batch) for
``idle_exit`` seconds.

This module holds what only the server side does: write and remove the record, and describe or
stop the running server (``groq-batch serve --status``/``--stop``). Whether a server runs is
decided by its pid and the folder's lock, as in `groq_batch.local`; an answer to
``GET /_groq_batch/daemon`` only adds details, so a stopped or busy server is still found.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from groq_batch import local
from groq_batch.local import (
    DEFAULT_IDLE_EXIT,
    LocalServerError,
    default_data_dir,
    log_path,
    read_record,
    version,
)

# The server this module describes needs the `server` extra; say so at import, as the server's
# own modules do.
if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("starlette") is None:
    raise ImportError("the local server needs the server extra: pip install 'groq-batch[server]'")

__all__ = [
    "DEFAULT_IDLE_EXIT",
    "DaemonError",
    "DaemonInfo",
    "default_data_dir",
    "log_path",
    "read_record",
    "remove_record",
    "status",
    "stop",
    "version",
    "write_record",
]

STATUS_PATH = "/_groq_batch/daemon"
DaemonError = LocalServerError
"""The background server could not be started, reached or stopped."""


@dataclass(frozen=True)
class DaemonInfo:
    """What is known of the running background server.

    Attributes:
        url: Its base URL (the API is under ``/openai/v1`` and ``/v1``).
        pid: Its process id.
        version: The groq-batch version it runs.
        data_dir: Its data folder.
        log: Its log file.
        unfinished: Batches it has yet to finish, or None if it did not answer in time.
        idle_exit: Seconds of idleness after which it exits, or None if it never does (or
            did not answer).
        answering: Whether it answered; a stopped (SIGSTOP) or very busy server does not, yet
            still runs.
    """

    url: str
    pid: int
    version: str
    data_dir: str
    log: str
    unfinished: int | None
    idle_exit: float | None
    answering: bool = True


def write_record(data_dir: Path, url: str) -> None:
    """Record this process as the data folder's background server (atomically, privately).

    Args:
        data_dir: The data folder.
        url: The base URL it listens on.
    """
    record = {
        "url": url,
        "pid": os.getpid(),
        "version": version(),
        "log": str(log_path(data_dir)),
        "started_at": time.time(),
    }
    local.write_private(data_dir / local.RECORD, json.dumps(record))


def remove_record(data_dir: Path) -> None:
    """Remove the record if it is this process's (a successor's record is left alone).

    Args:
        data_dir: The data folder.
    """
    record = read_record(data_dir)
    if record is not None and record["pid"] == os.getpid():
        (data_dir / local.RECORD).unlink(missing_ok=True)


def _describe(record: dict[str, Any], data_dir: Path, timeout: float) -> DaemonInfo:
    """The running server's details: asked of it, or the record's alone if it does not answer."""
    secret = local.read_secret(data_dir) or ""
    body: Any = None
    try:
        response = httpx.get(
            record["url"] + STATUS_PATH,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=timeout,
        )
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        body = None
    if isinstance(body, dict) and body.get("pid") == record["pid"]:
        try:
            return DaemonInfo(
                url=record["url"],
                pid=record["pid"],
                version=str(body["version"]),
                data_dir=str(body["data_dir"]),
                log=str(log_path(data_dir)),
                unfinished=int(body["unfinished"]),
                idle_exit=float(body["idle_exit"]) if body.get("idle_exit") is not None else None,
            )
        except (KeyError, TypeError, ValueError):
            pass
    return DaemonInfo(
        url=record["url"],
        pid=record["pid"],
        version=str(record.get("version", "unknown")),
        data_dir=str(data_dir),
        log=str(log_path(data_dir)),
        unfinished=None,
        idle_exit=None,
        answering=False,
    )


def status(data_dir: Path | str | None = None, *, timeout: float = 2.0) -> DaemonInfo | None:
    """Describe the data folder's background server, if one is running.

    Args:
        data_dir: The data folder; `default_data_dir()` when None.
        timeout: Seconds to wait for its details; one that does not answer still runs.

    Returns:
        What is known of it, or None if none runs (its process is gone or the lock is free).
    """
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    if not data.is_dir():
        return None
    record = local.find_running(data)
    return _describe(record, data, timeout) if record is not None else None


def stop(data_dir: Path | str | None = None, *, timeout: float = 15.0) -> DaemonInfo | None:
    """Stop the data folder's background server and wait until it has exited.

    A stopped (SIGSTOP) server is continued to finish; one that does not within `timeout` is
    killed. Only the process that holds the folder's lock as its recorded server is signalled.

    Args:
        data_dir: The data folder; `default_data_dir()` when None.
        timeout: Seconds to wait for a graceful stop before killing it.

    Returns:
        The server that was stopped, or None if none was running.
    """
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    if not data.is_dir():
        return None
    with local.starter_lock(data, timeout):
        record = local.find_running(data)
        info = _describe(record, data, 0.5) if record is not None else None
        if info is not None:
            local.terminate(info.pid, data, timeout)
        (data / local.RECORD).unlink(missing_ok=True)
    return info
