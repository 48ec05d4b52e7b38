"""The per-user background server behind ``--local``, seen from the client: find it, start it.

One line gives a client on the same background server as ``groq-batch ... --local`` (started if
none runs), with no API key to set::

    from groq_batch import local_client

    client = local_client()          # or: async_local_client() for an AsyncGroq

The server keeps its data in the per-user data folder (`default_data_dir`: where each platform
keeps a user's data, ``$XDG_DATA_HOME/groq-batch`` on Linux), private (0700, every file in it
0600, created so). Which files it holds there, and how whether a server runs is decided (by the
lock and the pid, never by how fast it answers), is `groq_batch.local_daemon`'s to say.

A client made here follows the server: when a request cannot connect (the server exited when
idle, or died), the client looks the server up again, starting one if needed, and carries on.

Starting a server needs the ``server`` extra (``pip install 'groq-batch[server]'``).

The pieces live by concept, and are all importable from here as before: the private files and
the data folder in `groq_batch.private_files`, finding and starting the server in
`groq_batch.local_daemon`, and the transports that follow it in `groq_batch.following`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from groq_batch.following import AsyncFollowingTransport, FollowingTransport
from groq_batch.local_daemon import (
    DEFAULT_IDLE_EXIT,
    IDLE_EXIT_ENV,
    LocalServerError,
    ensure_running,
    find_running,
    lock_holder,
    log_path,
    pid_alive,
    read_record,
    read_secret,
    starter_lock,
    terminate,
    version,
)

# Read through this module by the server and the tests, as before the split.
from groq_batch.local_daemon import RECORD as RECORD
from groq_batch.local_daemon import SERVER_LOCK as SERVER_LOCK
from groq_batch.local_daemon import SERVER_PID as SERVER_PID
from groq_batch.local_daemon import detach_options as detach_options
from groq_batch.private_files import (
    default_data_dir,
    private_database,
    private_dir,
    private_file,
    write_private,
)

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
