"""`groq-batch run` in a terminal without the `cli` extra (no rich) works, with plain output.

Issue 26, item 15: the command is installed either way, so it must not die on a missing rich.
The test builds a real environment without rich (uv, from its cache, no network) and runs the
command in a pseudo-terminal, so that it takes its terminal path (tables, a progress bar).
"""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import MODEL, ROOT, write_requests


def _venv_without_rich(where: Path) -> Path:
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is needed to build an environment without rich")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    # nox's uv sessions export UV_PYTHON (their own venv), which wins over VIRTUAL_ENV: name the
    # new environment's interpreter explicitly, or the install lands in the session's venv.
    env = {k: v for k, v in os.environ.items() if k not in ("UV_PYTHON", "VIRTUAL_ENV")}
    made = subprocess.run(
        [uv, "venv", "-q", "--python", version, str(where)],
        env=env,
        capture_output=True,
        check=False,
    )
    python = where / "bin" / "python"
    installed = made.returncode == 0 and (
        subprocess.run(
            [uv, "pip", "install", "-q", "--offline", "--python", str(python), "-e", str(ROOT)],
            env=env,
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not installed:
        pytest.skip("the base dependencies are not in uv's cache (offline)")
    probe = subprocess.run([str(python), "-c", "import rich"], capture_output=True, check=False)
    assert probe.returncode != 0, "the environment was meant to be without rich"
    return where / "bin" / "groq-batch"


def _run_in_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run a command on a pseudo-terminal (stdin, stdout, stderr); its exit code and output."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        argv, stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True
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
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace")


def test_run_in_a_terminal_without_rich_prints_plain_output(tmp_path: Path, local_server) -> None:
    script = _venv_without_rich(tmp_path / "venv")
    source = write_requests(tmp_path / "q.jsonl", 3)
    out = tmp_path / "out.jsonl"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "TERM": "xterm",
        "COLUMNS": "120",
    }
    code, text = _run_in_terminal(
        [
            str(script),
            "run",
            str(source),
            "-o",
            str(out),
            "--base-url",
            local_server.base_url,
            "--api-key",
            "gsk_test_key",
            "--poll-interval",
            "0.05",
        ],
        env,
    )
    assert code == 0, text
    assert "ModuleNotFoundError" not in text
    assert "Traceback" not in text
    assert "3 results written to" in text
    assert len(out.read_text().splitlines()) == 3
    assert MODEL in text  # the estimate's table, as plain text
