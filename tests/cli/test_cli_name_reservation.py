"""A job name is reserved before anything is uploaded (issue 23, item 10).

Two concurrent runs with the same `--name` once both uploaded and created a batch; the loser
then exited 2, leaving its batch running unrecorded. Now the name is reserved in the registry,
atomically, before the first byte goes out; a reservation whose process is gone holds nothing.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import groq_batch_cli as cli
from groq_batch import Groq
from groq_batch.jobs import JobNameError, JobRegistry
from groq_batch_server import LocalServer
from tests.cli_support import (
    FAST,
    events,
    isolated_home,
    main,
    read_line_until,
    remote,
    run_cli,
    start_cli,
    write_requests,
)

__all__ = ["isolated_home"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGSTOP")


def _on_server(server: LocalServer) -> tuple[list[Any], list[Any]]:
    with Groq(api_key="k", base_url=server.base_url) as client:
        return list(client.batches.list()), list(client.files.list())


def _holder(registry: Path, name: str) -> subprocess.Popen[str]:
    """Another process that reserves ``name`` and then waits for its stdin to close."""
    code = (
        "import sys\n"
        "from groq_batch.jobs import JobRegistry\n"
        f"JobRegistry({str(registry)!r}).reserve({name!r})\n"
        "print('reserved', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    read_line_until(proc.stdout, lambda line: line.startswith("reserved"))
    return proc


def test_two_concurrent_submits_with_one_name_make_one_batch(
    tmp_path: Path, local_server: LocalServer, isolated_home: Path
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    argv = ["submit", str(source), "--name", "same", "--json", *remote(local_server.base_url)]
    first = start_cli(*argv)
    assert first.stdout is not None
    try:
        # The estimate comes after the reservation and before any upload: freeze the first
        # process there, so the second runs its whole course while the first holds the name.
        read_line_until(first.stdout, lambda line: '"estimate"' in line)
        first.send_signal(signal.SIGSTOP)
        second = run_cli(*argv)
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=120)
    assert first.returncode == cli.EXIT_OK, err
    assert second.returncode == cli.EXIT_USAGE, second.stderr
    assert "--name same: a job named 'same' is being submitted by another process" in second.stderr
    assert "nothing was uploaded" in second.stderr
    assert "Traceback" not in second.stderr
    batches, files = _on_server(local_server)
    assert len(batches) == 1
    # The loser uploaded nothing (the server's own output files aside).
    assert [f.filename for f in files if not f.filename.startswith("batch_")] == ["in.jsonl"]
    submitted = next(e for e in events(out) if e["event"] == "submitted")
    assert submitted["batch_ids"] == [batches[0].id]
    record = JobRegistry().get("same")
    assert record is not None
    assert record.batch_ids == (batches[0].id,)


def test_a_crashed_reservation_does_not_hold_the_name(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    registry = isolated_home / "groq-batch" / "jobs.sqlite3"
    source = write_requests(tmp_path / "in.jsonl", 1)
    argv = ["submit", str(source), "--name", "held", *remote(local_server.base_url)]
    holder = _holder(registry, "held")
    try:
        code, _, err = main(capsys, *argv)
        assert code == cli.EXIT_USAGE
        assert f"pid {holder.pid}" in err
        assert _on_server(local_server) == ([], [])
    finally:
        holder.kill()  # a crash: the reservation is never released
        holder.wait()
    code, _, err = main(capsys, *argv)
    assert code == cli.EXIT_OK, err
    assert len(_on_server(local_server)[0]) == 1


def test_a_refused_submit_frees_its_name(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    bad = write_requests(tmp_path / "bad.jsonl", 2)
    bad.write_text(bad.read_text() + "{not json\n")
    good = write_requests(tmp_path / "good.jsonl", 1)
    conn = remote(local_server.base_url)
    code, _, err = main(capsys, "submit", str(bad), "--name", "again", *conn)
    assert code == cli.EXIT_USAGE, err
    code, _, err = main(capsys, "submit", str(good), "--name", "again", *conn)
    assert code == cli.EXIT_OK, err
    assert JobRegistry().get("again") is not None


def test_run_with_the_name_of_its_unfinished_job_reattaches(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    out = tmp_path / "o.jsonl"
    conn = remote(local_server.base_url)
    code, stdout, err = main(capsys, "submit", str(source), "--json", *conn)
    assert code == 0, err
    (batch_id,) = next(e for e in events(stdout) if e["event"] == "submitted")["batch_ids"]
    # As an interrupted `run --name half` leaves it: recorded, results not yet written.
    JobRegistry().record(
        [batch_id], name="half", endpoint=local_server.base_url, input_path=source, output_path=out
    )
    argv = ["run", str(source), "-o", str(out), "--name", "half", "--json", *FAST, *conn]
    code, stdout, err = main(capsys, *argv)
    assert code == 0, err
    assert events(stdout)[0] == {"event": "reattached", "job": "half", "batch_ids": [batch_id]}
    assert len(_on_server(local_server)[0]) == 1
    # Written now: the same name is a new job, and so refused.
    code, _, err = main(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert "already exists" in err
    assert len(_on_server(local_server)[0]) == 1


def test_a_reservation_is_exclusive_until_recorded_or_released(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    mine, theirs = JobRegistry(path), JobRegistry(path)
    assert mine.reserve("n") == "n"
    with pytest.raises(JobNameError, match="being submitted"):
        theirs.reserve("n")
    with pytest.raises(JobNameError, match="being submitted"):
        theirs.record(["batch_x"], name="n", endpoint="groq")
    mine.release("n")
    assert theirs.reserve("n") == "n"
    theirs.record(["batch_y"], name="n", endpoint="groq")
    with pytest.raises(JobNameError, match="already exists"):
        mine.reserve("n")
    fresh = mine.reserve(None, input_path=tmp_path / "questions.jsonl")
    assert fresh.startswith("questions-")
    assert json.dumps(mine.list()[0].to_dict())  # reservations are not jobs
    assert [r.name for r in mine.list()] == ["n"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_reservation_whose_pid_was_reused_holds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "jobs.sqlite3"
    JobRegistry(path).reserve("n")
    # As if the reserving process had crashed and a new one had got its pid: same pid and host,
    # another start time.
    with sqlite3.connect(path) as db:
        db.execute("UPDATE reservations SET started = 'not-the-same'")
    db.close()
    assert JobRegistry(path).reserve("n") == "n"
