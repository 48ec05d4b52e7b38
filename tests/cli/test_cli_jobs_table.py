"""`groq-batch jobs` on a 110-column terminal (issue 26, item 9).

Names and batch ids are never broken mid-word, and a table job shows the user's CSV, not the
requests file built from it in the data dir.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from tests.cli_support import FAST, MODEL, SCRIPT, isolated_home, main

__all__ = ["isolated_home"]


def _jobs_on_a_terminal(columns: int) -> str:
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [str(SCRIPT), "jobs"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, "TERM": "xterm", "NO_COLOR": "1"},
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # EIO: the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    return re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())


def test_jobs_keeps_names_and_ids_whole_and_shows_the_users_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts.csv").write_text("question\nWhy?\nHow?\n")
    name = "questions-nightly-2026"
    code, _, err = main(
        capsys,
        "run",
        "prompts.csv",
        "--prompt-column",
        "question",
        "--model",
        MODEL,
        "-o",
        "answers.csv",
        "--name",
        name,
        "--local",
        "--data-dir",
        str(tmp_path / "server"),
        *FAST,
    )
    assert code == 0, err
    code, out, _ = main(capsys, "jobs", "--json")
    (job,) = json.loads(out)
    assert job["source_path"] == str(tmp_path / "prompts.csv")
    (batch_id,) = job["batch_ids"]

    shown = _jobs_on_a_terminal(110)
    assert name in shown
    assert batch_id in shown
    assert "prompts.csv" in shown
    assert "tables/" not in shown
    # Plain output (a pipe) says the same on one line.
    code, out, _ = main(capsys, "jobs")
    assert code == 0
    (row,) = [line for line in out.splitlines() if line.startswith(name)]
    assert batch_id in row
    assert "prompts.csv" in row
