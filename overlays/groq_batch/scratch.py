"""A job's scratch folders (split parts, the order spill), and the sweep of those a dead run left.

A job writes large temporary files: its input split into parts before they are uploaded, and
its results spilled by row range while they are put back in input order (hundreds of MB at a
million rows). A process killed with ``kill -9`` runs no cleanup, so its folder would stay in
the system's temporary directory for good. So every such folder is a `ScratchDir`: a private
(0700) folder named ``groq-batch-scratch-<kind>-…``, which its process holds an exclusive
``flock`` on for as long as it lives. The kernel drops the lock when the process dies, however
it dies; the next process that makes a scratch folder (`sweep`, once per process) removes every
such folder of this user's that nobody holds a lock on. A live process's folder is always
locked, so it is never removed: the folder is created under another name and renamed into place
only once it is locked.

Without ``flock`` (Windows), folders are removed as before, on exit, and nothing is swept.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["PREFIX", "ScratchDir", "sweep"]

PREFIX = "groq-batch-scratch-"
"""How a scratch folder's name begins, in the system's temporary directory."""
_NEW = ".groq-batch-new-"
# A folder is made under this name, locked, then renamed: one killed in between is empty, and
# is swept only once it is old (a live process holds such a folder unlocked for a moment).
_NEW_AGE = 3600.0

_swept = False
_sweep_lock = threading.Lock()


def _lock_dir(path: str) -> int | None:
    """Open a folder and take its exclusive lock without waiting: its descriptor, or None.

    None when another live process holds the lock, or when locks are not available here.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no flock
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def sweep(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the scratch folders of this user's processes that died without cleaning up.

    Args:
        directory: Where to look; the system's temporary directory when None.

    Returns:
        The folders removed.
    """
    root = Path(tempfile.gettempdir() if directory is None else directory)
    removed: list[Path] = []
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith((PREFIX, _NEW)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        # Only this user's own folders, never through a link.
        if not entry.is_dir(follow_symlinks=False) or (uid is not None and info.st_uid != uid):
            continue
        if entry.name.startswith(_NEW) and time.time() - info.st_mtime < _NEW_AGE:
            continue
        fd = _lock_dir(entry.path)
        if fd is None:
            continue  # held: a live process's
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(fd)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed


def _sweep_once() -> None:
    global _swept
    with _sweep_lock:
        if _swept:
            return
        _swept = True
    with contextlib.suppress(OSError):
        sweep()


class ScratchDir:
    """A private temporary folder, locked while this process lives, removed by `cleanup`.

    Used like ``tempfile.TemporaryDirectory``: ``name`` is its path, ``cleanup()`` removes it,
    and ``with ScratchDir("parts") as name:`` removes it on leaving. One a process left behind
    (killed before its cleanup) is removed by the next process's `sweep`.

    Args:
        kind: A word for what it holds (``parts``, ``order``), part of its name.
    """

    def __init__(self, kind: str) -> None:
        _sweep_once()
        new = tempfile.mkdtemp(prefix=_NEW)  # 0700, like every mkdtemp folder
        self._fd = _lock_dir(new)
        # Locked before any sweep can see it under a name it looks at. Without a lock (no
        # flock here, or a file system that refuses it), a name no sweep looks at: removed on
        # exit only, as a plain temporary folder. The random name is nobody else's (os.rename
        # would fail on a folder that has files).
        prefix = PREFIX if self._fd is not None else "groq-batch-"
        final = os.path.join(os.path.dirname(new), f"{prefix}{kind}-{secrets.token_hex(8)}")
        try:
            os.rename(new, final)
        except BaseException:
            if self._fd is not None:
                os.close(self._fd)
            shutil.rmtree(new, ignore_errors=True)
            raise
        self.name = final

    def cleanup(self) -> None:
        """Remove the folder and everything in it, and release its lock."""
        shutil.rmtree(self.name, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> str:
        return self.name

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    def __del__(self) -> None:
        # As TemporaryDirectory does: a folder nobody cleaned up goes with its object.
        if getattr(self, "_fd", None) is not None or os.path.isdir(getattr(self, "name", "")):
            with contextlib.suppress(Exception):
                self.cleanup()
