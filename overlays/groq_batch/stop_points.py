"""A test hook: stop the process dead at a named point of a job, as ``kill -9`` would there.

Set ``GROQ_BATCH_STOP_AT`` to one point and the process SIGKILLs itself when it gets there; run
the same command again to see that the job resumes. This is the one place the variable is read
(once, at import), and it exists for the crash tests (``tests/cli/test_cli_resume_anywhere.py``):
nothing a user sets. The points:

- ``validate``: the input validated, before it is split or anything is uploaded.
- ``upload:K``: halfway through sending part K (1-based) of a job's input.
- ``uploaded:K``: part K stored by the server, before the job's journal records it.
- ``create:K``: part K's batch created, before the journal records it (and before part K+1).
- ``submitted``: every part's batch created, before the job is recorded (the registry, or
  the caller's ``on_submitted``) and its journal dropped.
- ``recorded``: the job recorded, before its journal is dropped.
- ``wait``: after the first poll of a job's batches.
- ``results:N``: after the N-th result of a job was handed to the caller (while it writes),
  or written into a part file of a dataset output (``-o answers/``).
"""

from __future__ import annotations

import os
import signal

__all__ = ["STOP_AT_ENV", "armed", "stop_at", "stop_now"]

STOP_AT_ENV = "GROQ_BATCH_STOP_AT"

# Read once: the per-result check is on the hot path of a million-row join.
_WANTED = os.environ.get(STOP_AT_ENV) or None


def armed(point: str, number: int | None = None) -> bool:
    """Whether ``GROQ_BATCH_STOP_AT`` names this point.

    Args:
        point: The point's name (``upload``, ``create``, ...).
        number: The part or result number, for the points that have one.

    Returns:
        True when the process is to stop there.
    """
    if _WANTED is None:
        return False
    return (point if number is None else f"{point}:{number}") == _WANTED


def stop_at(point: str, number: int | None = None) -> None:
    """SIGKILL this process if ``GROQ_BATCH_STOP_AT`` names this point; otherwise nothing.

    Args:
        point: The point's name.
        number: The part or result number, for the points that have one.
    """
    if armed(point, number):
        stop_now()


def stop_now() -> None:
    """Die as ``kill -9`` kills: no ``finally``, no ``atexit``, no flushed buffers."""
    if hasattr(signal, "SIGKILL"):
        os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # Windows has no SIGKILL; an exit that runs nothing is the nearest
