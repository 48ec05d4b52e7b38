"""Finding and starting the per-user background server behind ``--local``.

The server keeps its data in the per-user data folder (`default_data_dir`). In it:

- ``daemon.json``: where the running server listens (``url``, ``pid``, ``version``), written by
  the server once it holds the folder;
- ``daemon.secret``: a random secret the server requires on every request (else 401), so no
  other user of the machine can read or cancel this user's batches through its port;
- ``server.lock``: held by the one server using the folder for as long as it runs;
- ``daemon.lock``: held by whoever is starting or stopping a server, so two starters start one.

Whether a server runs is decided by the lock and the pid, never by how fast it answers: a server
that is stopped (SIGSTOP) or busy is still running, and is neither replaced nor forgotten.

Starting a server needs the ``server`` extra (``pip install 'groq-batch[server]'``); this module
never imports the server package, it runs ``python -m groq_batch_server`` in a new process.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from groq_batch._errors import LocalServerError
from groq_batch.private_files import default_data_dir, private_dir, tighten, write_private

__all__ = [
    "DEFAULT_IDLE_EXIT",
    "IDLE_EXIT_ENV",
    "LOG",
    "RECORD",
    "SECRET",
    "SERVER_LOCK",
    "SERVER_PID",
    "STARTER_LOCK",
    "LocalServerError",
    "detach_options",
    "ensure_running",
    "find_running",
    "lock_holder",
    "log_path",
    "pid_alive",
    "read_record",
    "read_secret",
    "starter_lock",
    "terminate",
    "version",
]

RECORD = "daemon.json"
SECRET = "daemon.secret"  # noqa: S105 (a file name, not a secret)
STARTER_LOCK = "daemon.lock"
SERVER_LOCK = "server.lock"
SERVER_PID = "server.pid"
LOG = "server.log"
DEFAULT_IDLE_EXIT = 300.0
IDLE_EXIT_ENV = "GROQ_BATCH_IDLE_EXIT"
# A log over this size is rotated (one old copy kept) when a server starts.
_LOG_ROTATE_BYTES = 10 * 1024 * 1024
# Which conventions apply; tests simulate the other platform by replacing this.
_POSIX = os.name == "posix"

# Servers this process started: their exit must be reaped here, or a dead one would linger as
# a zombie that still "exists" for os.kill(pid, 0).
_children: dict[int, subprocess.Popen[bytes]] = {}


def log_path(data_dir: str | os.PathLike[str]) -> Path:
    """The background server's log file.

    Args:
        data_dir: The data folder.

    Returns:
        The log's path.
    """
    return Path(data_dir) / LOG


# ----------------------------------------------------------------------- record and secret
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


def read_record(data_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The record a background server left in the data folder, if any (not checked).

    Args:
        data_dir: The data folder.

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


def read_secret(data_dir: str | os.PathLike[str], *, create: bool = False) -> str | None:
    """The secret the data folder's background server requires (``Authorization: Bearer``).

    Args:
        data_dir: The data folder.
        create: Make one (in a private file) if there is none yet.

    Returns:
        The secret, or None if there is none and `create` is false.
    """
    path = Path(data_dir) / SECRET
    with contextlib.suppress(FileNotFoundError):
        text = path.read_text(encoding="utf-8").strip()
        if text:
            tighten(path, 0o600)
            return text
    if not create:
        return None
    private_dir(data_dir)
    secret = secrets.token_urlsafe(32)
    write_private(path, secret)
    return secret


# ---------------------------------------------------------------------- is it running
def _filelock() -> Any:
    try:
        import filelock
    except ImportError as exc:
        raise LocalServerError(
            "the local server needs the server extra: pip install 'groq-batch[server]'"
        ) from exc
    return filelock


def pid_alive(pid: int) -> bool:
    """Whether a process exists (a zombie counts as gone); always True where that is unknowable.

    On Windows ``os.kill(pid, 0)`` would terminate the process, so there the lock alone says
    whether the server runs.

    Args:
        pid: The process id.

    Returns:
        False only if the process is known to be gone.
    """
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    if not _POSIX:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, and certainly not ours
        return True
    # An exited server whose parent has not reaped it yet is a zombie: dead for our purposes.
    with contextlib.suppress(OSError, IndexError):
        text = Path(f"/proc/{pid}/stat").read_text()
        return text.rpartition(")")[2].split()[0] != "Z"
    return True


def lock_holder(data_dir: str | os.PathLike[str]) -> int | None:
    """Who holds the data folder's server lock: its pid, -1 if unknown, None if nobody.

    Args:
        data_dir: The data folder.

    Returns:
        The holder's pid, -1 when the lock is held but the pid file is unreadable, or None.
    """
    data = Path(data_dir)
    path = data / SERVER_LOCK
    if not path.exists():
        return None
    lock = _filelock().FileLock(path, mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except _filelock().Timeout:
        try:
            return int((data / SERVER_PID).read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            return -1
    lock.release()
    return None


def find_running(data_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The record of the data folder's background server, if it runs.

    It runs when its process exists and holds the folder's lock; how fast it answers does not
    matter (a stopped or busy server still runs).

    Args:
        data_dir: The data folder.

    Returns:
        Its record, or None if no background server runs on the folder.
    """
    record = read_record(data_dir)
    if record is None or not pid_alive(record["pid"]):
        return None
    holder = lock_holder(data_dir)
    if holder is None or holder not in (record["pid"], -1):
        return None
    return record


@contextlib.contextmanager
def starter_lock(data_dir: str | os.PathLike[str], timeout: float) -> Iterator[None]:
    """One starter (or stopper) at a time per data folder; the others wait, then find its work.

    Args:
        data_dir: The data folder.
        timeout: Seconds to wait for the lock.

    Yields:
        Nothing; the lock is held inside the block.

    Raises:
        LocalServerError: Another process held the lock for `timeout` seconds.
    """
    filelock = _filelock()
    lock = filelock.FileLock(Path(data_dir) / STARTER_LOCK, mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=timeout)
    except filelock.Timeout:
        raise LocalServerError(
            f"another process has been starting the server in {data_dir} for {timeout:g} s; "
            f"see {log_path(data_dir)}"
        ) from None
    try:
        yield
    finally:
        lock.release()


def terminate(pid: int, data_dir: str | os.PathLike[str], timeout: float) -> None:
    """Stop a server we identified, and wait until it has let go of the data folder.

    A stopped (SIGSTOP) server is continued so it can finish gracefully; one that does not
    finish within `timeout` is killed.

    Args:
        pid: The server's pid.
        data_dir: Its data folder.
        timeout: Seconds to wait before killing it.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.kill(pid, signal.SIGTERM)
        if _POSIX:
            os.kill(pid, signal.SIGCONT)
    deadline = time.monotonic() + timeout
    while (_POSIX and pid_alive(pid)) or lock_holder(data_dir) in (pid, -1):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            deadline = time.monotonic() + timeout
        time.sleep(0.05)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()


# ------------------------------------------------------------------------------- starting
def _rotate_log(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > _LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))


def detach_options(posix: bool) -> dict[str, Any]:
    """How to start the server so it outlives the caller and shares none of its signals.

    Args:
        posix: Whether the platform is POSIX.

    Returns:
        Keyword arguments for `subprocess.Popen`.
    """
    if posix:
        return {"start_new_session": True}
    # No console, its own process group: Ctrl-C in the caller's console is not the server's.
    flags = 0x00000008 | 0x00000200 | 0x08000000  # DETACHED_PROCESS, NEW_PROCESS_GROUP, NO_WINDOW
    return {"creationflags": flags}


def _spawn(data_dir: Path, idle_exit: float, extra_args: Sequence[str]) -> subprocess.Popen[bytes]:
    log = log_path(data_dir)
    _rotate_log(log)
    command = [
        sys.executable, "-m", "groq_batch_server", "--daemon",
        "--data-dir", str(data_dir), "--port", "0", "--idle-exit", f"{idle_exit:g}",
        "--log-level", "info", *extra_args,
    ]  # fmt: skip
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    tighten(log, 0o600)
    with os.fdopen(fd, "ab") as out:
        out.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {command}\n".encode())
        out.flush()
        # No inherited descriptors: the caller's terminal and pipes are not the server's, so a
        # CI step that captures output never waits on it.
        child = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            close_fds=True,
            cwd=data_dir,
            **detach_options(_POSIX),
        )
    _children[child.pid] = child
    return child


def _require_server() -> None:
    if importlib.util.find_spec("groq_batch_server") is None or any(
        importlib.util.find_spec(name) is None for name in ("uvicorn", "starlette", "filelock")
    ):
        raise LocalServerError(
            "the local server needs the server extra: pip install 'groq-batch[server]'"
        )


def ensure_running(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    idle_exit: float | None = None,
    timeout: float = 30.0,
    extra_args: Sequence[str] = (),
) -> str:
    """Return the URL of the data folder's background server, starting one if needed.

    Args:
        data_dir: The data folder; `default_data_dir()` when None.
        idle_exit: For a server started now: seconds of idleness after which it exits;
            default ``$GROQ_BATCH_IDLE_EXIT``, else `DEFAULT_IDLE_EXIT` (300).
        timeout: Seconds to wait for a server to start (or for another starter to finish).
        extra_args: For a server started now: more ``python -m groq_batch_server`` options.

    Returns:
        The server's base URL (the API is under ``/openai/v1`` and ``/v1``).

    Raises:
        LocalServerError: The server did not start (the message names the log), or the
            ``server`` extra is not installed.
    """
    _require_server()
    data = private_dir(data_dir if data_dir is not None else default_data_dir())
    if idle_exit is None:
        idle_exit = float(os.environ.get(IDLE_EXIT_ENV) or DEFAULT_IDLE_EXIT)
    ours = version()
    record = find_running(data)
    if record is not None and record.get("version") == ours and read_secret(data):
        return str(record["url"])
    with starter_lock(data, timeout):
        lost_secret = read_secret(data) is None
        read_secret(data, create=True)
        # Someone may have started it while we waited for the lock.
        record = find_running(data)
        if record is not None and record.get("version") == ours and not lost_secret:
            return str(record["url"])
        if record is not None:
            # A server from another version, or one whose secret file was deleted (no client
            # could reach it): ask it to stop, then start ours.
            terminate(record["pid"], data, timeout)
        (data / RECORD).unlink(missing_ok=True)
        holder = lock_holder(data)
        if holder is not None:
            # Two servers on one data folder would run the same batches twice: refused.
            raise LocalServerError(
                f"another groq-batch process is using the local data in {data} (pid {holder}) "
                "and is not its background server; stop it, or pass a different --data-dir"
            )
        child = _spawn(data, idle_exit, extra_args)
        deadline = time.monotonic() + timeout
        while True:
            # The server records itself once it holds the folder and its socket listens.
            record = find_running(data)
            if record is not None and record["pid"] == child.pid:
                return str(record["url"])
            if child.poll() is not None:
                _children.pop(child.pid, None)
                raise LocalServerError(
                    f"the local server exited with status {child.returncode} while starting; "
                    f"see {log_path(data)}"
                )
            if time.monotonic() > deadline:
                raise LocalServerError(
                    f"the local server did not start within {timeout:g} s; see {log_path(data)}"
                )
            time.sleep(0.05)
