"""What the CLI tests share: an isolated per-user data dir, and running the CLI as users do."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest

import groq_batch_cli as cli
from groq_batch.jsonl import chat_request, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "questions.jsonl"
SCRIPT = Path(sys.executable).parent / "groq-batch"
MODEL = "llama-3.1-8b-instant"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every CLI test gets its own XDG data home (job registry, --local data) and no key."""
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    monkeypatch.delenv("GROQ_BASE_URL", raising=False)
    return home


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `groq-batch` as a subprocess, in the test's environment plus ``env``."""
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `groq-batch` with stdout and stderr on pipes (so Python buffers them fully)."""
    return subprocess.Popen(
        [str(SCRIPT), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )


def read_line_until(
    stream: IO[str], predicate: Callable[[str], bool], timeout: float = 60
) -> tuple[str, list[str]]:
    """Read lines from a pipe until one satisfies ``predicate``; fail after ``timeout``."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(stream, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            line = stream.readline()
            if not line:
                break
            seen.append(line)
            if predicate(line):
                return line, seen
    raise AssertionError(f"no matching line within {timeout} s; saw {seen!r}")


def write_requests(path: Path, count: int, *, bad: int = 0) -> Path:
    """Write ``count`` chat requests, the last ``bad`` of them for a model that does not exist."""
    write_jsonl(
        [
            chat_request(
                f"r{i}",
                model=MODEL if i < count - bad else "no-such-model",
                messages=[{"role": "user", "content": f"question {i}"}],
            )
            for i in range(count)
        ],
        path,
    )
    return path


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return its exit code, stdout and stderr."""
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse's usage errors and --help
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def events(stdout: str) -> list[dict[str, Any]]:
    """Parse JSON lines."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def remote(url: str) -> list[str]:
    """Connection options for a server started by a fixture."""
    return ["--base-url", url, "--api-key", "gsk_test_key"]


FAST = ("--poll-interval", "0.05")
"""Poll often: the tests' batches take a fraction of a second."""
