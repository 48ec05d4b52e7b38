"""The job registry, exit codes and next-step hints, in-process against a local server."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import groq_batch_cli as cli
from groq_batch import Groq
from groq_batch.jobs import JobRegistry, file_sha256
from groq_batch.jsonl import iter_jsonl
from groq_batch_server import LocalServer
from tests.cli_support import FAST, events, isolated_home, main, remote, write_requests

__all__ = ["isolated_home"]

SECRET = "gsk_registry_SECRET_42"


def conn(server: LocalServer) -> list[str]:
    return ["--base-url", server.base_url, "--api-key", SECRET]


def batches_on(server: LocalServer) -> list[Any]:
    with Groq(api_key="k", base_url=server.base_url) as client:
        return list(client.batches.list())


def test_run_records_a_job_whose_name_every_command_accepts(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 4)
    out = tmp_path / "out.jsonl"
    code, stdout, err = main(
        capsys, "run", str(source), "-o", str(out), "--name", "j1", "--json", *FAST,
        *conn(local_server),
    )  # fmt: skip
    assert code == cli.EXIT_OK, err
    estimate, submitted, finished = events(stdout)
    assert estimate["event"] == "estimate"
    assert submitted == {"event": "submitted", "job": "j1", "batch_ids": submitted["batch_ids"]}
    assert finished["batch_ids"] == submitted["batch_ids"]
    ids = submitted["batch_ids"]

    code, stdout, _ = main(capsys, "jobs", "--json")
    (job,) = json.loads(stdout)
    assert job["name"] == "j1"
    assert job["batch_ids"] == ids
    assert job["input_path"] == str(source.resolve())
    assert job["input_sha256"] == file_sha256(source)
    assert job["output_path"] == str(out.resolve())
    assert job["endpoint"] == local_server.base_url
    assert job["state"] == "written"
    registry = isolated_home / "groq-batch" / "jobs.sqlite3"
    assert SECRET.encode() not in registry.read_bytes()

    # The name stands for the batch ids, and the job says where they live: only the key is given.
    code, stdout, err = main(capsys, "status", "j1", "--json", "--api-key", SECRET)
    assert code == 0, err
    assert [b["id"] for b in json.loads(stdout)] == ids
    code, stdout, err = main(capsys, "wait", "j1", "--api-key", SECRET)
    assert code == 0, err
    # The job's recorded output, not a made-up results.jsonl (issue 26).
    assert f"next: groq-batch results j1 -o {out.resolve()}" in err
    # The job's recorded input is never the place to write its results.
    code, _, err = main(capsys, "results", "j1", "-o", str(source), "--api-key", SECRET)
    assert code == cli.EXIT_USAGE
    assert "is the input file" in err
    again = tmp_path / "again.jsonl"
    code, stdout, err = main(
        capsys, "results", "j1", "-o", str(again), "--json", "--api-key", SECRET
    )
    assert code == 0, err
    assert json.loads(stdout)["batch_ids"] == ids
    assert sorted(r["custom_id"] for r in iter_jsonl(again)) == [f"r{i}" for i in range(4)]
    code, stdout, err = main(
        capsys, "download", "j1", str(tmp_path / "dl"), "--json", "--api-key", SECRET
    )
    assert code == 0, err
    assert json.loads(stdout)["batch_ids"] == ids
    assert (tmp_path / "dl" / f"{ids[0]}_output.jsonl").is_file()

    code, stdout, _ = main(capsys, "jobs")
    assert "j1" in stdout
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stdout)


def test_local_jobs_reconnect_to_their_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    data = tmp_path / "data"
    code, _, err = main(
        capsys, "submit", str(source), "--local", "--data-dir", str(data), "--name", "lj"
    )
    assert code == 0, err
    assert "submitted job lj: 1 batch(es): batch_" in err
    # No connection option, no key: the job remembers it lives in that local data dir.
    code, stdout, err = main(capsys, "wait", "lj", "--json", *FAST)
    assert code == 0, err
    assert json.loads(stdout)[0]["status"] == "completed"
    assert JobRegistry().get("lj").state == "finished"  # type: ignore[union-attr]


def test_failed_rows_exit_3_point_to_resubmit_and_resubmit_is_idempotent(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3, bad=1)
    code, _, err = main(
        capsys, "run", str(source), "-o", str(tmp_path / "o.jsonl"), "--name", "f", *FAST,
        *conn(local_server),
    )  # fmt: skip
    assert code == cli.EXIT_FAILED_ROWS
    assert "1 request(s) did not succeed; to retry them: groq-batch resubmit f" in err
    (parent,) = JobRegistry().get("f").batch_ids  # type: ignore[union-attr]

    # The bad row's model does not exist: a retry cannot change that, so it is asked for.
    code, stdout, err = main(
        capsys, "resubmit", "f", "--include-permanent", "--json", "--api-key", SECRET
    )
    assert code == 0, err
    first = json.loads(stdout)
    assert first["already"] is False
    assert first["retry_of"] == [parent]
    assert len(first["batch_ids"]) == 1
    code, stdout, err = main(capsys, "resubmit", "f", "--api-key", SECRET)
    assert code == 0
    assert f"{parent} already retried by {first['batch_ids'][0]}" in err
    assert "--again" in err
    # Without the registry, the retry is found by its batch metadata (groq_batch_parent).
    (Path(str(JobRegistry().path))).unlink()
    code, stdout, err = main(capsys, "resubmit", parent, "--json", *conn(local_server))
    assert code == 0, err
    assert json.loads(stdout) == {
        "already": True,
        "retry_of": [parent],
        "batch_ids": first["batch_ids"],
    }
    assert len(batches_on(local_server)) == 2
    code, stdout, err = main(
        capsys, "resubmit", parent, "--again", "--include-permanent", "--json",
        *conn(local_server),
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(stdout)["batch_ids"] != first["batch_ids"]
    assert len(batches_on(local_server)) == 3


def test_a_cancelled_batch_exits_3_from_wait_and_from_results(
    tmp_path: Path, make_local_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Small chunks: the cancel lands between two, with most requests not yet run.
    server = make_local_server(request_latency=0.05, chunk_size=5)
    source = write_requests(tmp_path / "in.jsonl", 40)
    code, _, err = main(capsys, "submit", str(source), "--name", "c", *conn(server))
    assert code == 0, err
    code, stdout, err = main(capsys, "cancel", "c", "--json", "--api-key", SECRET)
    assert code == 0, err
    assert len(json.loads(stdout)) == 1
    assert JobRegistry().get("c").state == "cancelled"  # type: ignore[union-attr]
    code, stdout, err = main(capsys, "wait", "c", "--json", *FAST, "--api-key", SECRET)
    assert code == cli.EXIT_FAILED_ROWS, err
    assert json.loads(stdout)[0]["status"] == "cancelled"
    out = tmp_path / "o.jsonl"
    code, stdout, err = main(capsys, "results", "c", "-o", str(out), "--api-key", SECRET)
    assert code == cli.EXIT_FAILED_ROWS, err
    outcomes = Counter(r["outcome"] for r in iter_jsonl(out))
    assert outcomes["cancelled"] > 0
    assert sum(outcomes.values()) == 40


def test_timeout_and_network_errors_say_the_batches_keep_running(
    tmp_path: Path,
    make_local_server: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_local_server(request_latency=0.2)
    source = write_requests(tmp_path / "in.jsonl", 40)
    code, _, err = main(capsys, "submit", str(source), "--name", "t", *conn(server))
    assert code == 0, err
    code, _, err = main(capsys, "wait", "t", "--timeout", "0.2", *FAST, "--api-key", SECRET)
    assert code == cli.EXIT_TIMEOUT
    assert "the batches keep running on the server" in err
    assert "groq-batch wait t && groq-batch results t -o results.jsonl" in err
    server.stop()
    monkeypatch.setenv("GROQ_MAX_RETRIES", "0")
    code, stdout, err = main(
        capsys, "wait", "t", "--timeout", "1", *FAST, "--json", "--api-key", SECRET
    )
    # A waiter may keep trying until its deadline, or give up on the connection: either way
    # it must say what to do next.
    assert code in (cli.EXIT_ERROR, cli.EXIT_TIMEOUT), err
    assert "the batches keep running on the server" in err
    (stopped,) = events(stdout)
    assert stopped["event"] == "stopped"
    assert stopped["continue"] == "groq-batch wait t && groq-batch results t -o results.jsonl"


def test_output_dash_sends_results_to_stdout_and_the_summary_to_stderr(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 3)
    code, stdout, err = main(capsys, "run", str(source), "-o", "-", *FAST, *conn(local_server))
    assert code == 0, err
    rows = events(stdout)
    assert sorted(r["custom_id"] for r in rows) == ["r0", "r1", "r2"]
    assert "3 results written to stdout" in err
    assert "succeeded" in err
    assert "wall time" in err


def test_the_summary_names_batches_tokens_every_outcome_and_wall_time(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    code, stdout, err = main(
        capsys, "run", str(source), "-o", str(tmp_path / "o"), *FAST, *conn(local_server)
    )
    assert code == 0, err
    (batch,) = batches_on(local_server)
    assert batch.id in stdout
    for outcome in cli.OUTCOMES:
        assert re.search(rf"^{outcome}\s+\d+$", stdout, re.M), outcome
    assert re.search(r"^request_error\s+0$", stdout, re.M)
    assert re.search(r"^total tokens\s+[1-9]\d*$", stdout, re.M)
    assert re.search(r"^wall time\s+\d+\.\d s$", stdout, re.M)


def test_a_registry_that_cannot_be_written_loses_no_batch_id(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    isolated_home: Path,
) -> None:
    (isolated_home / "groq-batch" / "jobs.sqlite3").mkdir(parents=True)
    source = write_requests(tmp_path / "in.jsonl", 2)
    code, _, err = main(
        capsys, "run", str(source), "-o", str(tmp_path / "o"), *FAST, *conn(local_server)
    )
    assert code == 0, err
    (batch,) = batches_on(local_server)
    printed = err.index(batch.id)
    assert "warning: could not read the job registry" in err
    assert printed < err.index("the job is not recorded")
    assert f"use its batch ids: {batch.id}" in err


def test_download_of_an_unknown_batch_leaves_no_directory(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new" / "dir"
    code, _, err = main(
        capsys, "download", "batch_nope", str(target), *remote(local_server.base_url)
    )
    assert code == cli.EXIT_ERROR
    assert "not found" in err
    assert not (tmp_path / "new").exists()


def test_jobs_on_a_fresh_machine_creates_nothing(
    capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    code, stdout, _ = main(capsys, "jobs")
    assert code == 0
    assert "no jobs yet" in stdout
    assert not isolated_home.exists()


def test_files_list_shows_local_times_and_json_keeps_epochs(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    assert main(capsys, "submit", str(source), *conn(local_server))[0] == 0
    code, stdout, _ = main(capsys, "files", "list", *conn(local_server))
    assert code == 0
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", stdout)
    code, stdout, _ = main(capsys, "files", "list", "--json", *conn(local_server))
    assert isinstance(json.loads(stdout)[0]["created_at"], int)


def test_run_reattaches_to_an_unfinished_job_unless_told_new(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    out = tmp_path / "o.jsonl"
    code, stdout, err = main(capsys, "submit", str(source), "--json", *conn(local_server))
    assert code == 0, err
    (batch_id,) = next(e for e in events(stdout) if e["event"] == "submitted")["batch_ids"]
    # As an interrupted `run` leaves it: a job with an output and results not yet written.
    JobRegistry().record(
        [batch_id], name="half", endpoint=local_server.base_url, input_path=source, output_path=out
    )
    argv = ["run", str(source), "-o", str(out), "--json", *FAST, *conn(local_server)]
    code, stdout, err = main(capsys, *argv, "--new")
    assert code == 0, err
    assert [e["event"] for e in events(stdout)][:2] == ["estimate", "submitted"]
    assert len(batches_on(local_server)) == 2
    code, stdout, err = main(capsys, *argv, "--resume")
    assert code == 0, err
    assert events(stdout)[0] == {"event": "reattached", "job": "half", "batch_ids": [batch_id]}
    assert len(batches_on(local_server)) == 2
    assert JobRegistry().get("half").state == "written"  # type: ignore[union-attr]
    code, _, err = main(capsys, *argv, "--resume", "--new")
    assert code == cli.EXIT_USAGE
    assert "not allowed with" in err


def test_output_dash_with_json_keeps_stdout_for_results_only(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    argv = ["run", str(source), "-o", "-", "--json", *FAST, *conn(local_server)]
    code, stdout, err = main(capsys, *argv)
    assert code == 0, err
    assert sorted(r["custom_id"] for r in events(stdout)) == ["r0", "r1"]
    assert [e["event"] for e in events(err)] == ["estimate", "submitted", "finished"]
