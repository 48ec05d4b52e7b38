"""A `groq-batch run` killed anywhere, then run again: one job, one file per part, each row once.

Each test stops the client dead (SIGKILL) at a named point through the `GROQ_BATCH_STOP_AT`
test hook (`groq_batch.stop_points`), or kills it from outside, then runs the same command
again and counts what the server holds and what the output says.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from groq_batch import Groq
from groq_batch.stop_points import STOP_AT_ENV
from tests.cli_support import FAST, MODEL, SCRIPT, isolated_home, remote, write_requests

__all__ = ["isolated_home"]

ROWS = 9
PARTS = 3


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, never asked anything (stdin is not a terminal)."""
    environ = {k: v for k, v in os.environ.items() if k != STOP_AT_ENV}
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**environ, **(env or {})},
        timeout=120,
        check=False,
    )


def command(source: Path, output: Path, url: str) -> list[str]:
    return [
        "run",
        str(source),
        "-o",
        str(output),
        "--max-lines",
        str(ROWS // PARTS),
        *FAST,
        *remote(url),
    ]


def on_server(url: str) -> tuple[list[Any], list[Any]]:
    """The server's batches, and its input files (purpose ``batch``)."""
    with Groq(api_key="k", base_url=url) as client:
        batches = list(client.batches.list())
        files = [f for f in client.files.list() if f.purpose == "batch"]
    return batches, files


def assert_one_job(url: str, output: Path) -> None:
    batches, files = on_server(url)
    assert len(batches) == PARTS, [b.metadata for b in batches]
    assert len(files) == PARTS, [(f.id, f.filename) for f in files]
    assert sorted(b.input_file_id for b in batches) == sorted(f.id for f in files)
    rows = [json.loads(line) for line in output.read_text().splitlines() if line.strip()]
    counts = Counter(row["custom_id"] for row in rows)
    assert counts == Counter({f"r{i}": 1 for i in range(ROWS)})
    assert all(row["outcome"] == "succeeded" for row in rows)


POINTS = [
    "validate",
    "upload:1",
    "upload:2",
    "uploaded:2",
    # Parts upload together: the last one stored, not journaled, with the others in flight.
    "uploaded:3",
    "create:1",
    "create:2",
    "submitted",
    "wait",
    "results:4",
]


@pytest.mark.parametrize("point", POINTS)
def test_a_run_stopped_dead_at_each_point_resumes_with_one_job_and_every_row_once(
    tmp_path: Path, local_server: Any, point: str
) -> None:
    source = write_requests(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    args = command(source, output, local_server.base_url)

    stopped = run_cli(*args, env={STOP_AT_ENV: point})
    assert stopped.returncode == -signal.SIGKILL, stopped.stderr

    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert_one_job(local_server.base_url, output)


def test_a_journal_left_by_a_run_killed_once_its_job_was_recorded_is_not_reused_by_again(
    tmp_path: Path, local_server: Any
) -> None:
    source = write_requests(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    args = command(source, output, local_server.base_url)
    # Killed after the job is in the registry, before its journal is removed.
    stopped = run_cli(*args, env={STOP_AT_ENV: "recorded"})
    assert stopped.returncode == -signal.SIGKILL, stopped.stderr
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert_one_job(local_server.base_url, output)

    # --again asks for a new job: the recorded job's journal must not hand back its batches.
    fresh = run_cli(*args, "--again")
    assert fresh.returncode == 0, fresh.stderr
    batches, files = on_server(local_server.base_url)
    assert len(batches) == 2 * PARTS
    assert len(files) == 2 * PARTS
    assert len({b.metadata.additional_properties["groq_batch_job"] for b in batches}) == 2


def write_prompts(path: Path) -> Path:
    """A CSV table of ROWS prompts with their own ids."""
    lines = ["id,question", *(f"q{i},What is {i}?" for i in range(ROWS))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dataset_command(source: Path, folder: Path, url: str) -> list[str]:
    return [
        "run",
        str(source),
        "--prompt-column",
        "question",
        "--id-column",
        "id",
        "--model",
        MODEL,
        "-o",
        f"{folder}/",
        "--max-lines",
        str(ROWS // PARTS),
        *FAST,
        *remote(url),
    ]


@pytest.mark.parametrize("point", ["results:2", "results:5"])
def test_a_dataset_run_stopped_while_writing_parts_resumes_with_each_row_once(
    tmp_path: Path, local_server: Any, point: str
) -> None:
    import duckdb
    import pyarrow.dataset as ds

    source = write_prompts(tmp_path / "prompts.csv")
    folder = tmp_path / "answers"
    args = dataset_command(source, folder, local_server.base_url)

    # Stopped dead while a part file is being written (results:2 in part 1, results:5 in 2).
    stopped = run_cli(*args, env={STOP_AT_ENV: point})
    assert stopped.returncode == -signal.SIGKILL, stopped.stderr
    assert len(list(folder.glob("*.parquet"))) < PARTS

    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    batches, files = on_server(local_server.base_url)
    assert len(batches) == PARTS, [b.metadata for b in batches]
    assert len(files) == PARTS, [(f.id, f.filename) for f in files]
    # One finished file per part and nothing else: no temporary file, hidden or not.
    assert sorted(p.name for p in folder.iterdir()) == [
        f"part-{n:05d}.parquet" for n in range(1, PARTS + 1)
    ]
    rows = duckdb.sql(
        f"SELECT count(*), count(DISTINCT custom_id), count(*) FILTER (WHERE id = custom_id) "
        f"FROM read_parquet('{folder}/*.parquet')"
    ).fetchall()
    assert rows == [(ROWS, ROWS, ROWS)]
    table = ds.dataset(folder, format="parquet").to_table(columns=["custom_id"])
    assert Counter(table.column("custom_id").to_pylist()) == Counter(
        {f"q{i}": 1 for i in range(ROWS)}
    )


def test_the_stop_hook_is_inert_without_the_variable(tmp_path: Path, local_server: Any) -> None:
    source = write_requests(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    done = run_cli(*command(source, output, local_server.base_url))
    assert done.returncode == 0, done.stderr
    assert_one_job(local_server.base_url, output)
    # A finished submission leaves no journal to resume.
    journals = list((tmp_path / "xdg").rglob("submissions/*.json"))
    assert journals == []


def test_a_real_kill_9_during_submission_then_the_same_command(
    tmp_path: Path, make_local_server: Any
) -> None:
    # Every request takes a while, so the kill lands while the parts are being submitted.
    server = make_local_server(request_latency=0.3)
    source = write_requests(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    args = command(source, output, server.base_url)
    environ = {k: v for k, v in os.environ.items() if k != STOP_AT_ENV}
    proc = subprocess.Popen(
        [str(SCRIPT), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=environ,
    )
    try:
        # Wait until the server holds the first part, then kill: mid-submission.
        deadline = time.monotonic() + 60
        while not on_server(server.base_url)[1]:
            assert proc.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline, "no part was uploaded within 60 s"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Wherever the kill landed (an upload, a create, the wait), the same command finishes the
    # one job.
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert_one_job(server.base_url, output)


@pytest.mark.parametrize(
    ("point", "table", "kinds"),
    # A file's parts are ranges of the file itself: a run killed while uploading them leaves
    # nothing; one killed while writing a table's results in input order leaves its order spill.
    [("upload:2", False, []), ("results:4", True, ["order"])],
)
def test_the_scratch_folders_a_killed_run_leaves_are_removed_by_the_next_run(
    tmp_path: Path, local_server: Any, point: str, table: bool, kinds: list[str]
) -> None:
    # What a kill leaves in the temporary directory, the same command sweeps.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    if table:
        args = dataset_command(
            write_prompts(tmp_path / "prompts.csv"), tmp_path, local_server.base_url
        )
        args[args.index("-o") + 1] = str(tmp_path / "answers.parquet")
    else:
        source = write_requests(tmp_path / "in.jsonl", ROWS)
        args = command(source, tmp_path / "out.jsonl", local_server.base_url)
    env = {"TMPDIR": str(scratch)}

    stopped = run_cli(*args, env={**env, STOP_AT_ENV: point})
    assert stopped.returncode == -signal.SIGKILL, stopped.stderr
    left = sorted(p.name.split("-")[3] for p in scratch.iterdir())
    assert left == kinds

    again = run_cli(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("bound", [1, 2])
def test_run_uploads_at_most_max_concurrent_uploads_parts_at_once(
    tmp_path: Path, make_local_server: Any, monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    from tests.jobs.upload_gate import gated_server

    # The server holds uploads until one more than the bound is in flight (never) or 3 s pass.
    server, gate = gated_server(make_local_server, monkeypatch, hold=bound + 1)
    source = write_requests(tmp_path / "in.jsonl", ROWS)
    output = tmp_path / "out.jsonl"
    args = command(source, output, server.base_url)
    done = run_cli(*args, "--max-concurrent-uploads", str(bound))
    assert done.returncode == 0, done.stderr
    assert (gate.peak, gate.seen) == (bound, PARTS)
    assert_one_job(server.base_url, output)
