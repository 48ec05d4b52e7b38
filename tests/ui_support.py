"""Shared pieces of the dashboard tests: a job writer and a dashboard on a local server."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODEL = "llama-3.1-8b-instant"
BAD_MODEL = "no-such-model"


def write_job(path: Path, rows: int, *, bad_every: int = 0) -> Path:
    """Write ``rows`` chat requests; every ``bad_every``-th names a model the server refuses."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(rows):
            bad = bad_every and i % bad_every == bad_every - 1
            body = {
                "model": BAD_MODEL if bad else MODEL,
                "messages": [{"role": "user", "content": f"question number {i}"}],
            }
            line = {"custom_id": f"row-{i:05d}", "method": "POST", "url": "/v1/chat/completions"}
            fh.write(json.dumps({**line, "body": body}) + "\n")
    return path


@contextmanager
def refusing_endpoint() -> Iterator[str]:
    """A loopback URL whose connections are refused for as long as the block runs.

    The port stays bound (never listening) until the end: a port merely found free and let go
    can be taken by any server started meanwhile (another test's, under a parallel suite), and
    the "unreachable" API would then answer.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
