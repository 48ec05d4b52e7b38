"""Scratch folders (split parts, the order spill) a killed process leaves are swept by the next
process, and a live process's never are."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from groq_batch.scratch import PREFIX, ScratchDir, sweep

HOLDER = """
import sys
from groq_batch.scratch import ScratchDir
from groq_batch.stop_points import stop_now
folder = ScratchDir(sys.argv[1])
open(folder.name + "/part-0001.jsonl", "w").write("{}\\n")
print(folder.name, flush=True)
if sys.argv[2] == "die":
    stop_now()
sys.stdin.read()  # lives until the test closes its stdin
folder.cleanup()
"""


def holder(tmp: Path, kind: str, fate: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, kind, fate],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_killed_processs_folder_is_swept_by_the_next_and_a_live_ones_is_kept(
    tmp: Path,
) -> None:
    dead = holder(tmp, "parts", "die")
    dead_dir = Path(dead.communicate()[0].strip())
    assert dead.returncode == -signal.SIGKILL
    assert dead_dir.name.startswith(PREFIX + "parts-")
    assert (dead_dir.stat().st_mode & 0o777) == 0o700
    assert (dead_dir / "part-0001.jsonl").is_file()

    # The next process to make a scratch folder sweeps the dead one's.
    live = holder(tmp, "order", "live")
    assert live.stdout is not None
    live_dir = Path(live.stdout.readline().strip())
    try:
        assert not dead_dir.exists()
        # And while it lives, nobody sweeps its own.
        assert sweep(tmp) == []
        assert (live_dir / "part-0001.jsonl").is_file()
    finally:
        live.communicate("")
    assert live.returncode == 0
    assert list(tmp.iterdir()) == []


def test_sweep_removes_what_a_killed_process_left(tmp: Path) -> None:
    dead = holder(tmp, "parts", "die")
    dead_dir = Path(dead.communicate()[0].strip())
    assert sweep(tmp) == [dead_dir]
    assert list(tmp.iterdir()) == []


def test_this_processs_own_folder_is_never_swept(tmp: Path) -> None:
    with ScratchDir("parts") as name:
        assert sweep(tmp) == []
        assert Path(name).is_dir()
    assert not Path(name).exists()


def test_only_scratch_folders_are_swept(tmp: Path) -> None:
    # Another program's folder, and a user's own folder of a similar name, are not ours.
    (tmp / "groq-batch-notes").mkdir()
    (tmp / "someone-elses").mkdir()
    (tmp / (PREFIX + "link")).symlink_to(tmp / "someone-elses")
    assert sweep(tmp) == []
    assert sorted(p.name for p in tmp.iterdir()) == sorted(
        ["groq-batch-notes", "someone-elses", PREFIX + "link"]
    )


def test_a_folder_that_cannot_be_locked_is_never_swept(
    tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from groq_batch import scratch

    # A file system that refuses flock: the folder is a plain temporary one, out of any sweep.
    take_lock = scratch._lock_dir
    monkeypatch.setattr(scratch, "_lock_dir", lambda path: None)
    with ScratchDir("order") as name:
        assert not Path(name).name.startswith((PREFIX, ".groq-batch-new-"))
        monkeypatch.setattr(scratch, "_lock_dir", take_lock)
        monkeypatch.setattr(scratch, "_NEW_AGE", -1.0)  # even an old folder is not taken
        assert sweep(tmp) == []
        assert Path(name).is_dir()
    assert not Path(name).exists()
