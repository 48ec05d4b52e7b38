"""`groq-batch jobs | head -2` ends quietly, as git and ls do (issue 26, item 8)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from groq_batch.jobs import JobRegistry
from tests.cli_support import SCRIPT, isolated_home

__all__ = ["isolated_home"]


def test_a_reader_that_stops_early_gets_no_error(isolated_home: Path) -> None:
    registry = JobRegistry()
    registry.record(["batch_first"], endpoint="groq", name="job-first")
    # More than a pipe holds (64 KiB), so the writer is still writing when `head` leaves.
    with closing(sqlite3.connect(registry.path)) as db, db:
        db.executemany(
            "INSERT INTO jobs (name, batch_ids, endpoint, state, created_at, updated_at) "
            "VALUES (?, ?, 'groq', 'submitted', ?, ?)",
            [(f"job-{i}", f"batch_{i:026d}", i, i) for i in range(1500)],
        )
    proc = subprocess.run(
        ["bash", "-c", f'"{SCRIPT}" jobs --limit 1500 | head -2; echo "rc=${{PIPESTATUS[0]}}"'],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
        check=False,
    )
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) == 3
    assert lines[-1] in ("rc=0", "rc=141")
