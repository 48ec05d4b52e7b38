"""What every route shares: the server's state, its look-ups, and when it last served a request.

`ServerState` hangs off the Starlette application; routes reach it through `server_state`. Its
look-ups answer an unknown id with the one 404 shape (`not_found`) every route uses.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from groq_batch_server.config import ServerConfig
from groq_batch_server.errors import HTTPProblem
from groq_batch_server.faults import FaultSet
from groq_batch_server.store import BatchRow, FileRow, Store
from groq_batch_server.worker import Worker

__all__ = ["Activity", "ServerState", "not_found", "server_state"]


class Activity:
    """When the server last served a request, for ``idle_exit``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._last = time.monotonic()

    def begin(self) -> None:
        """A request started."""
        with self._lock:
            self._in_flight += 1
            self._last = time.monotonic()

    def end(self) -> None:
        """A request ended."""
        with self._lock:
            self._in_flight -= 1
            self._last = time.monotonic()

    def touch(self) -> None:
        """Something happened that counts as activity (a batch still running)."""
        with self._lock:
            self._last = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last activity; 0 while a request is being served."""
        with self._lock:
            return 0.0 if self._in_flight else time.monotonic() - self._last


@dataclass
class ServerState:
    """What the routes share: the configuration, the store, the worker and the fault rules."""

    config: ServerConfig
    data_dir: Path
    store: Store
    worker: Worker
    faults: FaultSet
    activity: Activity = field(default_factory=Activity)

    def file(self, file_id: str, param: str = "file_id") -> FileRow:
        """A stored file by id.

        Args:
            file_id: The file's id.
            param: The request parameter that named it, for the error.

        Returns:
            The file's row.

        Raises:
            HTTPProblem: 404 (`not_found`) if there is no such file.
        """
        row = self.store.get_file(file_id)
        if row is None:
            raise not_found("file", file_id, param)
        return row

    def batch(self, batch_id: str) -> BatchRow:
        """A stored batch by id, or `not_found`'s 404 naming ``batch_id``."""
        row = self.store.get_batch(batch_id)
        if row is None:
            raise not_found("batch", batch_id, "batch_id")
        return row


def not_found(kind: str, ident: str, param: str) -> HTTPProblem:
    """The 404 for a file or batch that does not exist.

    Args:
        kind: ``file`` or ``batch``.
        ident: The id asked for.
        param: The request parameter that named it.

    Returns:
        The problem to raise, with Groq's ``file_not_found`` or ``batch_not_found`` code.
    """
    return HTTPProblem(
        404, f"{kind.capitalize()} {ident} not found", code=f"{kind}_not_found", param=param
    )


def server_state(request: Request) -> ServerState:
    """The state of the server that is answering `request`.

    Args:
        request: The request.

    Returns:
        The configuration, store, worker and fault rules.
    """
    state: ServerState = request.app.state.groq
    return state
