"""What an executor is: the request it takes, the outcome it gives, and how it stops.

An executor takes a chunk of requests and returns one `Outcome` per request, in order: either
the HTTP response the request got (any status; a 4xx is a per-request failure that goes to the
error file with ``response`` filled in, as Groq does), or a non-HTTP error. The executors
themselves live in `groq_batch_server.echo` and `groq_batch_server.upstream`; the worker only
needs this module.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from groq_batch_server.catalog import AUDIO_TRANSCRIPTIONS, CHAT_COMPLETIONS

__all__ = [
    "ExecRequest",
    "Executor",
    "Interrupted",
    "Outcome",
    "RequestRefused",
    "endpoint_of",
    "error_body",
]


class Interrupted(Exception):
    """The server is stopping; the chunk was abandoned and will be redone after a restart."""


class ExecRequest(NamedTuple):
    """One request to run.

    Attributes:
        custom_id: The caller's id for it.
        body: The request body (a chat-completions or audio request).
        url: The line's endpoint (``/v1/chat/completions``, ``/v1/audio/transcriptions``,
            ``/v1/audio/translations``). None means "tell from the body": an audio body has a
            ``url`` and no ``messages``, and is taken as a transcription.
    """

    custom_id: str
    body: Mapping[str, Any]
    url: str | None = None


class Outcome(NamedTuple):
    """What one request got.

    Attributes:
        status_code: The HTTP status of the response, or None for a non-HTTP error.
        body: The response body (a completion, or an error envelope), or None.
        request_id: The id of the response (Groq's ``req_...``), or None.
        error_code: For a non-HTTP error: a machine-readable code.
        error_message: For a non-HTTP error: what happened.
    """

    status_code: int | None
    body: Mapping[str, Any] | None = None
    request_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class Executor(Protocol):
    """Runs chunks of requests."""

    def run(self, requests: Sequence[ExecRequest], stop: threading.Event) -> list[Outcome]:
        """Run a chunk of requests.

        Args:
            requests: The chunk.
            stop: Set when the server is stopping; long waits must end early.

        Returns:
            One outcome per request, in order.

        Raises:
            Interrupted: `stop` was set before the chunk finished.
        """
        ...

    def close(self) -> None:
        """Release what the executor holds (connections, threads)."""
        ...


def error_body(message: str, type_: str, code: str | None = None) -> dict[str, Any]:
    """An error envelope as Groq sends it: ``{"error": {"message", "type", "code"?}}``."""
    error: dict[str, Any] = {"message": message, "type": type_}
    if code is not None:
        error["code"] = code
    return {"error": error}


def endpoint_of(request: ExecRequest) -> str:
    """The endpoint a request is for: its line's ``url``, or else what its body looks like."""
    if request.url is not None:
        return request.url
    body = request.body
    if "messages" not in body and isinstance(body.get("url"), str):
        return AUDIO_TRANSCRIPTIONS
    return CHAT_COMPLETIONS


class RequestRefused(Exception):
    """A request Groq would refuse; carries the status and error body to answer with."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message, "invalid_request_error", code)
