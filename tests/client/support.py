"""Responses that arrive as a stream, as a real server's do (httpx reads `content=` at once)."""

from __future__ import annotations

import json as jsonlib
from typing import Any

import httpx


def respond(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response whose body is read only when the client reads it.

    Args:
        body: Bytes as they are, or anything else as JSON.
        status: The status code.
        headers: More headers.

    Returns:
        The response.
    """
    data = body if isinstance(body, bytes) else jsonlib.dumps(body).encode()
    kind = "application/octet-stream" if isinstance(body, bytes) else "application/json"
    all_headers = {"content-type": kind, "content-length": str(len(data)), **(headers or {})}
    return httpx.Response(status, stream=httpx.ByteStream(data), headers=all_headers)
