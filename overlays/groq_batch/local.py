"""The per-user background server behind ``--local``, seen from the client: find it, start it.

One line gives a client on the same background server as ``groq-batch ... --local`` (started if
none runs), with no API key to set::

    from groq_batch import local_client

    client = local_client()          # or: async_local_client() for an AsyncGroq

The server keeps its data in the per-user data folder (`default_data_dir`: where each platform
keeps a user's data, ``$XDG_DATA_HOME/groq-batch`` on Linux). In it:

- ``daemon.json``: where the running server listens (``url``, ``pid``, ``version``), written by
  the server once it holds the folder;
- ``daemon.secret``: a random secret the server requires on every request (else 401), so no
  other user of the machine can read or cancel this user's batches through its port;
- ``server.lock``: held by the one server using the folder for as long as it runs;
- ``daemon.lock``: held by whoever is starting or stopping a server, so two starters start one.

The folder is private (0700) and every file in it 0600, created so (never loosened first).

Whether a server runs is decided by the lock and the pid, never by how fast it answers: a server
that is stopped (SIGSTOP) or busy is still running, and is neither replaced nor forgotten.

A client made here follows the server: when a request cannot connect (the server exited when
idle, or died), the client looks the server up again, starting one if needed, and carries on.

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
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import platformdirs

from groq_batch._errors import GroqError

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq
    from groq_batch._sync.client import Groq

__all__ = [
    "DEFAULT_IDLE_EXIT",
    "IDLE_EXIT_ENV",
    "AsyncFollowingTransport",
    "FollowingTransport",
    "LocalServerError",
    "async_local_client",
    "default_data_dir",
    "ensure_running",
    "find_running",
    "local_client",
    "lock_holder",
    "log_path",
    "pid_alive",
    "private_database",
    "private_dir",
    "private_file",
    "read_record",
    "read_secret",
    "starter_lock",
    "terminate",
    "version",
    "write_private",
]

APP_NAME = "groq-batch"
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
# Which conventions apply; tests simulate the other platform by replacing these.
_POSIX = os.name == "posix"
_PLATFORM_DIRS: type[platformdirs.PlatformDirsABC] = platformdirs.PlatformDirs

# Servers this process started: their exit must be reaped here, or a dead one would linger as
# a zombie that still "exists" for os.kill(pid, 0).
_children: dict[int, subprocess.Popen[bytes]] = {}


class LocalServerError(GroqError):
    """The background server could not be started, reached or stopped."""


# ------------------------------------------------------------------------------- the folder
def default_data_dir() -> Path:
    r"""The per-user data folder: the job registry, and the ``--local`` server's data.

    Where the platform keeps a user's data: ``$XDG_DATA_HOME/groq-batch`` on Linux (else
    ``~/.local/share/groq-batch``), ``~/Library/Application Support/groq-batch`` on macOS, and
    ``%LOCALAPPDATA%\groq-batch`` on Windows.

    Returns:
        The folder (not created).
    """
    return Path(_PLATFORM_DIRS(APP_NAME, appauthor=False, roaming=False).user_data_dir)


def _tighten(path: Path, mode: int) -> None:
    """Take away what `mode` does not allow from a file of ours that predates the rule."""
    if not _POSIX:  # Windows keeps a user's data folder private by its ACLs; no mode bits
        return
    with contextlib.suppress(OSError):
        info = path.lstat()
        current = stat.S_IMODE(info.st_mode)
        if info.st_uid == os.getuid() and current & ~mode and not stat.S_ISLNK(info.st_mode):
            os.chmod(path, current & mode)


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create a folder only its owner can enter (0700), or tighten an existing one.

    Missing parents are created as usual; only the folder itself is private.

    Args:
        path: The folder.

    Returns:
        The folder, as a `Path`.
    """
    folder = Path(path)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        # The mode is applied at creation, so the folder is never open to others.
        folder.mkdir(mode=0o700)
    except FileExistsError:
        _tighten(folder, 0o700)
    return folder


def private_file(path: str | os.PathLike[str]) -> Path:
    """Create an empty file only its owner can read (0600), or tighten an existing one.

    Args:
        path: The file.

    Returns:
        The file, as a `Path`.
    """
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _tighten(target, 0o600)
    else:
        os.close(fd)
    return target


def private_database(path: str | os.PathLike[str]) -> Path:
    """Make a SQLite database file private before SQLite opens it (and its WAL and journal).

    SQLite creates ``-wal``, ``-shm`` and ``-journal`` with the database file's own mode, so a
    0600 database keeps them 0600 too; those left by older versions are tightened here.

    Args:
        path: The database file.

    Returns:
        The file, as a `Path`.
    """
    target = private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        _tighten(target.with_name(target.name + suffix), 0o600)
    return target


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Replace a file's content atomically with a private (0600) file.

    Args:
        path: The file.
        text: Its new content.
    """
    target = Path(path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
            _tighten(path, 0o600)
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
    _tighten(log, 0o600)
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


# ------------------------------------------------------------------- following the server
def _moved(request: httpx.Request, url: str) -> None:
    """Point a request at the server's current origin (its Host header included)."""
    origin = httpx.URL(url)
    request.url = request.url.copy_with(scheme=origin.scheme, host=origin.host, port=origin.port)
    request.headers["Host"] = origin.netloc.decode("ascii")


class _Follower:
    """The background server's current URL, looked up again after a failed connection."""

    def __init__(self, data_dir: Path, url: str, idle_exit: float | None) -> None:
        self.data_dir = data_dir
        self.url = url
        self.idle_exit = idle_exit
        self._lock = threading.Lock()

    def relocate(self, failed: str) -> str:
        with self._lock:
            if self.url == failed:  # another request may have found it already
                self.url = ensure_running(self.data_dir, idle_exit=self.idle_exit)
            return self.url


class FollowingTransport(httpx.BaseTransport):
    """An httpx transport that follows the data folder's background server.

    A request that cannot connect (the server exited when idle, or died) never reached a
    server, so it is safe to send again: the server is looked up (started if needed) and the
    request goes to wherever it now listens.

    Args:
        data_dir: The data folder.
        url: The server's URL now.
        idle_exit: For a server started later: its idle exit.
        inner: The transport that sends (a new `httpx.HTTPTransport` when None).
    """

    def __init__(
        self,
        data_dir: Path,
        url: str,
        *,
        idle_exit: float | None = None,
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self._follower = _Follower(data_dir, url, idle_exit)
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send a request to the server, wherever it now listens.

        Args:
            request: The request.

        Returns:
            The response.
        """
        url = self._follower.url
        _moved(request, url)
        try:
            return self._inner.handle_request(request)
        except httpx.ConnectError:
            _moved(request, self._follower.relocate(url))
            return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the inner transport."""
        self._inner.close()


class AsyncFollowingTransport(httpx.AsyncBaseTransport):
    """`FollowingTransport` for `httpx.AsyncClient` (the lookup runs in a worker thread).

    Args:
        data_dir: The data folder.
        url: The server's URL now.
        idle_exit: For a server started later: its idle exit.
        inner: The transport that sends (a new `httpx.AsyncHTTPTransport` when None).
    """

    def __init__(
        self,
        data_dir: Path,
        url: str,
        *,
        idle_exit: float | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._follower = _Follower(data_dir, url, idle_exit)
        self._inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send a request to the server, wherever it now listens.

        Args:
            request: The request.

        Returns:
            The response.
        """
        import anyio.to_thread

        url = self._follower.url
        _moved(request, url)
        try:
            return await self._inner.handle_async_request(request)
        except httpx.ConnectError:
            moved = await anyio.to_thread.run_sync(self._follower.relocate, url)
            _moved(request, moved)
            return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


def _start(
    data_dir: str | os.PathLike[str] | None, idle_exit: float | None
) -> tuple[Path, str, str]:
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    url = ensure_running(data, idle_exit=idle_exit)
    secret = read_secret(data)
    if secret is None:  # pragma: no cover - ensure_running made it
        raise LocalServerError(f"the local server's secret is missing from {data}")
    return data, url, secret


def local_client(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    idle_exit: float | None = None,
    **options: Any,
) -> Groq:
    """A `Groq` client on the per-user background server (the one ``--local`` uses).

    The server is started if none runs; it needs no API key (the client sends the server's
    own secret), and the client follows it if it exits and is started again.

    Args:
        data_dir: The data folder; `default_data_dir()` when None (as ``--local``).
        idle_exit: For a server started now: seconds of idleness after which it exits.
        **options: More `Groq` options (``provider``, ``timeout``, ``max_retries``...).

    Returns:
        The client; close it (or use it in a ``with`` block) when done.

    Raises:
        LocalServerError: The server could not be started (e.g. the ``server`` extra is not
            installed).
    """
    from groq_batch._sync.client import Groq

    data, url, secret = _start(data_dir, idle_exit)
    http_client = httpx.Client(transport=FollowingTransport(data, url, idle_exit=idle_exit))
    client = Groq(api_key=secret, base_url=url, http_client=http_client, **options)
    return client


def async_local_client(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    idle_exit: float | None = None,
    **options: Any,
) -> AsyncGroq:
    """An `AsyncGroq` client on the per-user background server (see `local_client`).

    Args:
        data_dir: The data folder; `default_data_dir()` when None (as ``--local``).
        idle_exit: For a server started now: seconds of idleness after which it exits.
        **options: More `AsyncGroq` options.

    Returns:
        The client; close it (or use it in an ``async with`` block) when done.

    Raises:
        LocalServerError: The server could not be started.
    """
    from groq_batch._async.client import AsyncGroq

    data, url, secret = _start(data_dir, idle_exit)
    http_client = httpx.AsyncClient(
        transport=AsyncFollowingTransport(data, url, idle_exit=idle_exit)
    )
    client = AsyncGroq(api_key=secret, base_url=url, http_client=http_client, **options)
    return client
