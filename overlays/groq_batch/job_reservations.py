"""Name reservations: a job's name is held before anything is uploaded, so two never share one.

A reservation is a row of the registry's ``reservations`` table under a unique key, taken in
one transaction (``BEGIN IMMEDIATE``): of two processes reserving one name, exactly one gets it.
A reservation whose process is gone (it crashed between reserving and recording) holds
nothing: `claim` clears it. A process is known by its host, pid and start time, so a new process
that got a crashed one's pid is not taken for it.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import sqlite3
from pathlib import Path

from groq_batch._errors import JobNameError

__all__ = [
    "RESERVATION_TTL",
    "claim",
    "fresh_name",
    "insert_reservation",
    "pid_alive",
    "process_started",
]

RESERVATION_TTL = 24 * 3600.0
"""Seconds after which a reservation whose owner cannot be checked (another host) lapses."""


def process_started(pid: int) -> str | None:
    """When a process started (clock ticks since boot, from Linux's /proc), or None if unknown.

    Recorded with a reservation so that a new process that got a crashed one's pid is not taken
    for it.

    Args:
        pid: The process id.

    Returns:
        Its start time as Linux's ``/proc/<pid>/stat`` gives it, or None elsewhere.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as dead).

    Unlike `groq_batch.local_daemon.pid_alive`, this asks Windows too (a reservation has no
    lock to say whether its process runs).

    Args:
        pid: The process id.

    Returns:
        True if it runs.
    """
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate it on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def claim(db: sqlite3.Connection, name: str, now: float, own_token: str | None = None) -> None:
    """Refuse ``name`` if another live process reserved it; clear a lapsed reservation.

    Args:
        db: The registry, inside a ``BEGIN IMMEDIATE`` transaction.
        name: The name to take.
        now: The time (epoch seconds).
        own_token: The token of the caller's own reservation of ``name``, if it holds one.

    Raises:
        JobNameError: Another live process holds the name.
    """
    row = db.execute(
        "SELECT token, host, pid, started, created_at FROM reservations WHERE name = ?",
        (name,),
    ).fetchone()
    if row is None or row[0] == own_token:
        return
    token, host, pid, started, created = row
    if host == socket.gethostname():
        now_started = process_started(int(pid))
        reused = started is not None and now_started is not None and started != now_started
        lapsed = reused or not pid_alive(int(pid))
    else:
        lapsed = now - float(created) > RESERVATION_TTL
    if not lapsed:
        raise JobNameError(
            f"a job named {name!r} is being submitted by another process "
            f"(pid {pid} on {host}); pick another --name, or wait for it and see "
            "`groq-batch jobs`"
        )
    db.execute("DELETE FROM reservations WHERE name = ? AND token = ?", (name, token))


def insert_reservation(db: sqlite3.Connection, name: str, token: str, now: float) -> None:
    """Reserve ``name`` for this process under ``token`` (after `claim` let it through).

    Args:
        db: The registry, inside the same ``BEGIN IMMEDIATE`` transaction as the `claim`.
        name: The name.
        token: The reservation's token, which only its holder knows.
        now: The time (epoch seconds).

    Raises:
        JobNameError: The name is reserved already.
    """
    try:
        db.execute(
            # Columns by name: a migrated table has `started` last.
            "INSERT INTO reservations (name, token, host, pid, started, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, token, socket.gethostname(), os.getpid(), process_started(os.getpid()), now),
        )
    except sqlite3.IntegrityError as exc:  # only if BEGIN IMMEDIATE were bypassed
        raise JobNameError(f"a job named {name!r} is being submitted") from exc


def fresh_name(db: sqlite3.Connection, input_path: str | None) -> str:
    """An unused name: the input's stem and four hex digits (``questions-3f9a``).

    Args:
        db: The registry.
        input_path: The job's input file, if any.

    Returns:
        A name no recorded or reserved job has.
    """
    stem = Path(input_path).stem if input_path else "job"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:24] or "job"
    if stem.startswith("batch_"):
        stem = "job-" + stem
    while True:
        candidate = f"{stem}-{secrets.token_hex(2)}"
        taken = db.execute(
            "SELECT 1 FROM jobs WHERE name = ? UNION SELECT 1 FROM reservations WHERE name = ?",
            (candidate, candidate),
        ).fetchone()
        if taken is None:
            return candidate
