"""The per-user background server behind ``--local``: started on demand, shared, self-stopping.

The first ``--local`` command starts ``python -m groq_batch_server --daemon`` fully detached (a
new session; stdin from ``/dev/null``; stdout and stderr to ``server.log`` in the data dir, so
it never holds the caller's pipes open). The server records where it listens in
``daemon.json``::

    {"url": "http://127.0.0.1:PORT", "pid": 1234, "version": "0.1.0", "log": ".../server.log"}

Later commands, from any terminal, read the record and connect. It keeps running batches
with no command attached, and exits once it has been idle (no request, no unfinished batch)
for ``idle_exit`` seconds.

A record is trusted only if the server at its URL answers ``GET /_groq_batch/daemon`` with the
same pid, version and data dir. Otherwise it is stale (the process died, the package was
upgraded, or the port now belongs to something else) and is replaced: under an exclusive lock
(``daemon.lock``), so two commands starting at once start one server. An older server still
running on the data dir is asked to stop first; the data dir's own lock (``server.lock``)
guarantees that two servers never run the same batches, whatever happens here.

This module imports only the standard library and httpx, so the command line stays light.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# The server this module starts needs the `server` extra; say so at import, as the server's own
# modules do, rather than through a child that dies at start-up.
if importlib.util.find_spec("uvicorn") is None or importlib.util.find_spec("starlette") is None:
    raise ImportError("the local server needs the server extra: pip install 'groq-batch[server]'")

__all__ = [
    "DEFAULT_IDLE_EXIT",
    "DaemonError",
    "DaemonInfo",
    "default_data_dir",
    "ensure_running",
    "log_path",
    "read_record",
    "status",
    "stop",
    "version",
    "write_record",
]

RECORD = "daemon.json"
LOCK = "daemon.lock"
LOG = "server.log"
STATUS_PATH = "/_groq_batch/daemon"
DEFAULT_IDLE_EXIT = 300.0
# A log over this size is rotated (one old copy kept) when a server starts.
_LOG_ROTATE_BYTES = 10 * 1024 * 1024

# Servers this process started: their exit must be reaped here, or a dead one would linger as
# a zombie that still "exists" for os.kill(pid, 0).
_children: dict[int, subprocess.Popen[bytes]] = {}


class DaemonError(RuntimeError):
    """The background server could not be started, reached or stopped."""


@dataclass(frozen=True)
class DaemonInfo:
    """What the background server reports about itself.

    Attributes:
        url: Its base URL (the API is under ``/openai/v1`` and ``/v1``).
        pid: Its process id.
        version: The groq-batch version it runs.
        data_dir: Its data directory.
        log: Its log file.
        unfinished: Batches it has yet to finish.
        idle_exit: Seconds of idleness after which it exits, or None if it never does.
    """

    url: str
    pid: int
    version: str
    data_dir: str
    log: str
    unfinished: int
    idle_exit: float | None


def version() -> str:
    """The installed groq-batch version (what a running server must match to be reused).

    Returns:
        The version string.
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("groq-batch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def default_data_dir() -> Path:
    """Where ``--local`` keeps its data: ``$XDG_DATA_HOME/groq-batch``.

    Returns:
        The directory (``~/.local/share/groq-batch`` when ``XDG_DATA_HOME`` is unset).
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "groq-batch"


def log_path(data_dir: Path | str) -> Path:
    """The background server's log file.

    Args:
        data_dir: The data dir.

    Returns:
        The log's path.
    """
    return Path(data_dir) / LOG


def read_record(data_dir: Path | str) -> dict[str, Any] | None:
    """The record a background server left in the data dir, if any (not checked).

    Args:
        data_dir: The data dir.

    Returns:
        The record, or None if there is none or it is unreadable.
    """
    try:
        record = json.loads((Path(data_dir) / RECORD).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
        return None
    if not isinstance(record.get("url"), str):
        return None
    return record


def write_record(data_dir: Path, url: str) -> None:
    """Record this process as the data dir's background server (atomically).

    Args:
        data_dir: The data dir.
        url: The base URL it listens on.
    """
    record = {
        "url": url,
        "pid": os.getpid(),
        "version": version(),
        "log": str(log_path(data_dir)),
        "started_at": time.time(),
    }
    tmp = data_dir / f"{RECORD}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(record))
    os.replace(tmp, data_dir / RECORD)


def remove_record(data_dir: Path) -> None:
    """Remove the record if it is this process's (a successor's record is left alone).

    Args:
        data_dir: The data dir.
    """
    record = read_record(data_dir)
    if record is not None and record["pid"] == os.getpid():
        (data_dir / RECORD).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and certainly not ours
        return True
    # An exited server whose parent has not reaped it yet is a zombie: dead for our purposes.
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    return True


def _probe(record: dict[str, Any], data_dir: Path, timeout: float = 2.0) -> DaemonInfo | None:
    """Ask the server a record names who it is; None unless it is that record's server."""
    if not _pid_alive(record["pid"]):
        return None
    try:
        response = httpx.get(record["url"] + STATUS_PATH, timeout=timeout)
        body = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    try:
        info = DaemonInfo(
            url=record["url"],
            pid=int(body["pid"]),
            version=str(body["version"]),
            data_dir=str(body["data_dir"]),
            log=str(log_path(data_dir)),
            unfinished=int(body["unfinished"]),
            idle_exit=float(body["idle_exit"]) if body.get("idle_exit") is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        return None
    same_dir = Path(info.data_dir).resolve() == data_dir.resolve()
    return info if info.pid == record["pid"] and same_dir else None


@contextlib.contextmanager
def _starter_lock(data_dir: Path, timeout: float) -> Iterator[None]:
    """One starter at a time per data dir (others wait, then find the server it started)."""
    import fcntl

    with (data_dir / LOCK).open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DaemonError(
                        f"another process has been starting the server in {data_dir} for "
                        f"{timeout:g} s; see {log_path(data_dir)}"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_holder(data_dir: Path) -> int | None:
    """The pid of the server holding the data dir (``server.lock``), or None if none does."""
    import fcntl

    path = data_dir / "server.lock"
    if not path.exists():
        return None
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            text = handle.read().strip()
            return int(text.split()[-1]) if text.startswith("pid ") else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def _terminate(pid: int, data_dir: Path, timeout: float) -> None:
    """SIGTERM a server we identified, and wait until it has let go of the data dir."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) or _lock_holder(data_dir) == pid:
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.05)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()


def _rotate_log(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > _LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))


def _spawn(data_dir: Path, idle_exit: float, extra_args: Sequence[str]) -> subprocess.Popen[bytes]:
    log = log_path(data_dir)
    _rotate_log(log)
    command = [
        sys.executable, "-m", "groq_batch_server", "--daemon",
        "--data-dir", str(data_dir), "--port", "0", "--idle-exit", f"{idle_exit:g}",
        "--log-level", "info", *extra_args,
    ]  # fmt: skip
    with log.open("ab") as out:
        out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {command}\n".encode())
        out.flush()
        # A new session and no inherited descriptors: the caller's terminal, pipes and signals
        # are not the server's, so a CI step that captures output never waits on it.
        child = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=data_dir,
        )
    _children[child.pid] = child
    return child


def ensure_running(
    data_dir: Path | str | None = None,
    *,
    idle_exit: float | None = None,
    timeout: float = 30.0,
    extra_args: Sequence[str] = (),
) -> str:
    """Return the URL of the data dir's background server, starting one if needed.

    Args:
        data_dir: The data dir; `default_data_dir()` when None.
        idle_exit: For a server started now: seconds of idleness after which it exits;
            default ``$GROQ_BATCH_IDLE_EXIT``, else `DEFAULT_IDLE_EXIT` (300).
        timeout: Seconds to wait for a server to start (or for another starter to finish).
        extra_args: For a server started now: more ``python -m groq_batch_server`` options.

    Returns:
        The server's base URL (the API is under ``/openai/v1`` and ``/v1``).

    Raises:
        DaemonError: The server did not start; the message names the log.
    """
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    data.mkdir(parents=True, exist_ok=True)
    if idle_exit is None:
        idle_exit = float(os.environ.get("GROQ_BATCH_IDLE_EXIT") or DEFAULT_IDLE_EXIT)
    ours = version()
    record = read_record(data)
    if record is not None and record.get("version") == ours and _probe(record, data):
        return str(record["url"])
    with _starter_lock(data, timeout):
        # Someone may have started it while we waited for the lock.
        record = read_record(data)
        info = _probe(record, data) if record is not None else None
        if info is not None and info.version == ours:
            return info.url
        if info is not None:
            # A server from another version: ask it to stop, then start ours.
            _terminate(info.pid, data, timeout)
        (data / RECORD).unlink(missing_ok=True)
        holder = _lock_holder(data)
        if holder is not None:
            # Two servers on one data dir would run the same batches twice; the lock says no.
            raise DaemonError(
                f"another groq-batch process is using the local data in {data} (pid {holder}) "
                "and is not its background server; stop it, or pass a different --data-dir"
            )
        child = _spawn(data, idle_exit, extra_args)
        deadline = time.monotonic() + timeout
        while True:
            record = read_record(data)
            if record is not None and record["pid"] == child.pid and _probe(record, data):
                return str(record["url"])
            if child.poll() is not None:
                _children.pop(child.pid, None)
                raise DaemonError(
                    f"the local server exited with status {child.returncode} while starting; "
                    f"see {log_path(data)}"
                )
            if time.monotonic() > deadline:
                raise DaemonError(
                    f"the local server did not start within {timeout:g} s; see {log_path(data)}"
                )
            time.sleep(0.05)


def status(data_dir: Path | str | None = None) -> DaemonInfo | None:
    """Describe the data dir's background server, if one is running.

    Args:
        data_dir: The data dir; `default_data_dir()` when None.

    Returns:
        What it reports, or None if none runs (a stale record counts as none).
    """
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    record = read_record(data)
    return _probe(record, data) if record is not None else None


def stop(data_dir: Path | str | None = None, *, timeout: float = 15.0) -> DaemonInfo | None:
    """Stop the data dir's background server and wait until it has exited.

    Only a process that answered as that data dir's server is signalled; a stale record is
    just removed.

    Args:
        data_dir: The data dir; `default_data_dir()` when None.
        timeout: Seconds to wait for a graceful stop before SIGKILL.

    Returns:
        The server that was stopped, or None if none was running.
    """
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    if not data.is_dir():
        return None
    with _starter_lock(data, timeout):
        info = status(data)
        if info is not None:
            _terminate(info.pid, data, timeout)
        (data / RECORD).unlink(missing_ok=True)
    return info
