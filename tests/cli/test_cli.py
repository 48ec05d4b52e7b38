"""The command line, run as users run it: as a subprocess, and in-process for exit codes."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.jsonl import iter_jsonl
from tests.cli_support import (
    EXAMPLE,
    FAST,
    SCRIPT,
    events,
    isolated_home,
    main,
    read_line_until,
    run_cli,
    write_requests,
)

__all__ = ["isolated_home"]


def test_main_job_quickstart_command(tmp_path: Path) -> None:
    """The README's main-job command, exactly as a user types it, on a fresh data home."""
    out = tmp_path / "results.jsonl"
    proc = run_cli(
        "run", str(EXAMPLE), "--local", "-o", str(out), env={"XDG_DATA_HOME": str(tmp_path / "xdg")}
    )
    assert proc.returncode == 0, proc.stderr
    inputs = list(iter_jsonl(EXAMPLE))
    assert len(inputs) >= 100
    rows = list(iter_jsonl(out))
    assert Counter(r["custom_id"] for r in rows) == Counter(i["custom_id"] for i in inputs)
    by_id = {i["custom_id"]: i for i in inputs}
    for row in rows:
        assert row["outcome"] == "succeeded"
        assert row["text"]
        assert row["usage"]["total_tokens"] > 0
        assert row["error"] is None
        assert row["request"] == by_id[row["custom_id"]]["body"]
    # The summary went to stdout; the local data lives in the XDG data home.
    assert "succeeded" in proc.stdout
    assert (tmp_path / "xdg" / "groq-batch").is_dir()


def test_local_state_persists_between_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--local", "--data-dir", str(tmp_path / "data")]
    path = write_requests(tmp_path / "in.jsonl", 5)
    # Submit and leave: each --local command runs its own server, which picks the batch up again.
    code, stdout, err = main(capsys, "submit", str(path), *data, "--json")
    assert code == 0, err
    estimate, submitted, batches = events(stdout)
    assert (estimate["event"], submitted["event"], batches["event"]) == (
        "estimate",
        "submitted",
        "batches",
    )
    batch_id = submitted["batch_ids"][0]
    assert batches["batches"][0]["id"] == batch_id
    assert batches["batches"][0]["status"] == "validating"
    code, stdout, err = main(capsys, "wait", batch_id, *data, "--json", *FAST)
    assert code == 0, err
    assert json.loads(stdout)[0]["request_counts"]["completed"] == 5
    code, stdout, err = main(capsys, "status", batch_id, *data, "--json")
    assert code == 0, err
    assert json.loads(stdout)[0]["status"] == "completed"
    code, stdout, _ = main(capsys, "list", *data, "--json")
    assert [b["id"] for b in json.loads(stdout)] == [batch_id]
    out = tmp_path / "res.jsonl"
    code, _, err = main(capsys, "results", batch_id, "-o", str(out), *data)
    assert code == 0, err
    assert sorted(r["custom_id"] for r in iter_jsonl(out)) == [f"r{i}" for i in range(5)]
    code, stdout, _ = main(capsys, "files", "list", *data, "--json")
    purposes = Counter(f["purpose"] for f in json.loads(stdout))
    assert purposes == {"batch": 1, "batch_output": 1}


def test_validate_reports_every_problem_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"custom_id": "a"}\nnot json\n')
    assert cli.main(["validate", str(path), "--json"]) == cli.EXIT_USAGE
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert {(p["line"], p["field"]) for p in report["problems"]} >= {
        (1, "method"),
        (1, "url"),
        (1, "body"),
        (2, None),
    }
    assert cli.main(["validate", str(EXAMPLE)]) == cli.EXIT_OK
    assert "no problems" in capsys.readouterr().out


def test_user_errors_have_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = main(capsys, "submit", str(tmp_path / "nope.jsonl"))
    assert code == cli.EXIT_USAGE
    assert "no such file" in err
    code, _, err = main(capsys, "status", "batch_x")
    assert code == cli.EXIT_USAGE
    assert "GROQ_API_KEY" in err
    code, _, err = main(
        capsys, "status", "batch_nope", "--local", "--data-dir", str(tmp_path / "d")
    )
    assert code == cli.EXIT_ERROR
    assert "not found" in err
    monkeypatch.setenv("GROQ_MAX_RETRIES", "0")
    code, _, err = main(capsys, "list", "--api-key", "k", "--base-url", "http://127.0.0.1:9")
    assert code == cli.EXIT_ERROR
    assert "cannot reach the API" in err
    # The messages above are the whole story: with --debug, the traceback comes too.
    with pytest.raises(cli.CliError, match="no such file"):
        cli.main(["submit", str(tmp_path / "nope.jsonl"), "--debug"])


def test_failed_rows_give_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_requests(tmp_path / "in.jsonl", 2, bad=1)
    out = tmp_path / "out.jsonl"
    data = ["--local", "--data-dir", str(tmp_path / "d")]
    code, stdout, err = main(capsys, "run", str(path), *data, "-o", str(out), "--json", *FAST)
    assert code == cli.EXIT_FAILED_ROWS, err
    estimate, submitted, summary = events(stdout)
    assert estimate["event"] == "estimate"
    assert summary["event"] == "finished"
    assert summary["batch_ids"] == submitted["batch_ids"]
    assert summary["outcomes"]["succeeded"] == 1
    assert summary["outcomes"]["request_error"] == 1
    rows = {r["custom_id"]: r for r in iter_jsonl(out)}
    assert rows["r1"]["outcome"] == "request_error"
    assert rows["r1"]["error"]["message"]


def test_serve_starts_and_says_where_its_data_lives(tmp_path: Path) -> None:
    data = tmp_path / "served"
    proc = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        _, lines = read_line_until(proc.stdout, lambda line: "listening on" in line, timeout=60)
        if not any("data: " in line for line in lines):
            lines.append(read_line_until(proc.stdout, lambda line: "data: " in line)[0])
        banner = "".join(lines)
        assert "listening on http://127.0.0.1:" in banner
        assert f"data: {data}" in banner
        url = banner.split("listening on ", 1)[1].split()[0]
        import httpx

        assert httpx.get(f"{url}/openai/v1/batches", timeout=5).json()["data"] == []
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert (data).is_dir()


def test_local_data_in_use_is_a_clear_error(
    tmp_path: Path, make_local_server: object, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "busy"
    make_local_server(data_dir=data)  # type: ignore[operator]
    code = cli.main(["list", "--local", "--data-dir", str(data)])
    assert code == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "another groq-batch process is using the local data" in err
    assert str(data) in err


def test_run_with_bad_input_lists_every_problem_and_uploads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"custom_id": "a", "method": "GET", "url": "/v1/chat/completions", '
        '"body": {"model": "m", "messages": [{"role": "user", "content": "x"}]}}\n'
        "{broken\n"
    )
    data = ["--local", "--data-dir", str(tmp_path / "d")]
    code, _, err = main(capsys, "run", str(path), *data, "-o", str(tmp_path / "o"))
    assert code == cli.EXIT_USAGE
    assert "line 1, field method" in err
    assert "line 2" in err
    assert "nothing was uploaded" in err
    assert not (tmp_path / "o").exists()
    code, stdout, _ = main(capsys, "files", "list", *data, "--json")
    assert json.loads(stdout) == []
