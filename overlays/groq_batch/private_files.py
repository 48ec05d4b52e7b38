"""Private files: a user's data folder (0700) and the files in it (0600), created so.

The job registry, the ``--local`` server's data and the dashboard's cache hold prompts' paths,
batch ids and the local server's secret: they are this user's alone. Each file is created
with its mode (never created open and tightened after), and one left by an older version is
tightened when it is next used. `default_data_dir` is where the platform keeps a user's data.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from pathlib import Path

import platformdirs

__all__ = [
    "APP_NAME",
    "default_data_dir",
    "private_database",
    "private_dir",
    "private_file",
    "tighten",
    "write_private",
]

APP_NAME = "groq-batch"
# Which conventions apply; tests simulate the other platform by replacing these.
_POSIX = os.name == "posix"
_PLATFORM_DIRS: type[platformdirs.PlatformDirsABC] = platformdirs.PlatformDirs


def default_data_dir() -> Path:
    r"""The per-user data folder: the job registry, and the ``--local`` server's data.

    Where the platform keeps a user's data: ``$XDG_DATA_HOME/groq-batch`` on Linux (else
    ``~/.local/share/groq-batch``), ``~/Library/Application Support/groq-batch`` on macOS, and
    ``%LOCALAPPDATA%\groq-batch`` on Windows.

    Returns:
        The folder (not created).
    """
    return Path(_PLATFORM_DIRS(APP_NAME, appauthor=False, roaming=False).user_data_dir)


def tighten(path: Path, mode: int) -> None:
    """Take away what `mode` does not allow from a file of ours that predates the rule.

    Another user's file, and a link, are left alone.

    Args:
        path: The file or folder.
        mode: The permission bits it may keep (``0o600``, ``0o700``).
    """
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
        tighten(folder, 0o700)
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
        tighten(target, 0o600)
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
        tighten(target.with_name(target.name + suffix), 0o600)
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
