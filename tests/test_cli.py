"""The command line, run as users run it: as a subprocess, and in-process for exit codes."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from groq_batch import cli
from groq_batch.jsonl import chat_request, iter_jsonl, write_jsonl
from tests.cli_support import EXAMPLE, SCRIPT, isolated_home, run_cli

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


def test_local_state_persists_between_commands(tmp_path: Path) -> None:
    data = tmp_path / "data"
    requests = [
        chat_request(
            f"r{i}", model="llama-3.1-8b-instant", messages=[{"role": "user", "content": "hi"}]
        )
        for i in range(5)
    ]
    path = tmp_path / "in.jsonl"
    write_jsonl(requests, path)
    # Submit and leave: the next --local command's server picks the batch up again.
    submitted = run_cli("submit", str(path), "--local", "--data-dir", str(data), "--json")
    assert submitted.returncode == 0, submitted.stderr
    events = [json.loads(line) for line in submitted.stdout.splitlines()]
    assert [e["event"] for e in events] == ["submitted", "batches"]
    batch_id = events[0]["batch_ids"][0]
    assert events[1]["batches"][0]["id"] == batch_id
    assert events[1]["batches"][0]["status"] == "validating"
    waited = run_cli("wait", batch_id, "--local", "--data-dir", str(data), "--json")
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout)[0]["request_counts"]["completed"] == 5
    status = run_cli("status", batch_id, "--local", "--data-dir", str(data), "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)[0]["status"] == "completed"
    listed = run_cli("list", "--local", "--data-dir", str(data), "--json")
    assert [b["id"] for b in json.loads(listed.stdout)] == [batch_id]
    out = tmp_path / "res.jsonl"
    results = run_cli("results", batch_id, "-o", str(out), "--local", "--data-dir", str(data))
    assert results.returncode == 0, results.stderr
    assert sorted(r["custom_id"] for r in iter_jsonl(out)) == [f"r{i}" for i in range(5)]
    files = run_cli("files", "list", "--local", "--data-dir", str(data), "--json")
    purposes = Counter(f["purpose"] for f in json.loads(files.stdout))
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


def test_user_errors_have_no_traceback(tmp_path: Path) -> None:
    missing = run_cli("submit", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == cli.EXIT_USAGE
    assert "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    no_key = run_cli("status", "batch_x")
    assert no_key.returncode == cli.EXIT_USAGE
    assert "GROQ_API_KEY" in no_key.stderr
    assert "Traceback" not in no_key.stderr
    unknown = run_cli("status", "batch_nope", "--local", "--data-dir", str(tmp_path / "d"))
    assert unknown.returncode == cli.EXIT_ERROR
    assert "not found" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    offline = run_cli(
        "list", "--api-key", "k", "--base-url", "http://127.0.0.1:9", env={"GROQ_MAX_RETRIES": "0"}
    )
    assert offline.returncode == cli.EXIT_ERROR
    assert "cannot reach the API" in offline.stderr
    assert "Traceback" not in offline.stderr
    debug = run_cli("submit", str(tmp_path / "nope.jsonl"), "--debug")
    assert "Traceback" in debug.stderr


def test_failed_rows_give_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    write_jsonl(
        [
            chat_request(
                "ok", model="llama-3.1-8b-instant", messages=[{"role": "user", "content": "x"}]
            ),
            chat_request("bad", model="no-such-model", messages=[{"role": "user", "content": "x"}]),
        ],
        path,
    )
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        "run", str(path), "--local", "--data-dir", str(tmp_path / "d"), "-o", str(out), "--json"
    )
    assert proc.returncode == cli.EXIT_FAILED_ROWS, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])
    assert summary["event"] == "finished"
    assert summary["batch_ids"] == json.loads(proc.stdout.splitlines()[0])["batch_ids"]
    assert summary["outcomes"]["succeeded"] == 1
    assert summary["outcomes"]["request_error"] == 1
    rows = {r["custom_id"]: r for r in iter_jsonl(out)}
    assert rows["bad"]["outcome"] == "request_error"
    assert rows["bad"]["error"]["message"]


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
        lines = [proc.stdout.readline() for _ in range(5)]
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


def test_run_with_bad_input_lists_every_problem_and_uploads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"custom_id": "a", "method": "GET", "url": "/v1/chat/completions", '
        '"body": {"model": "m", "messages": [{"role": "user", "content": "x"}]}}\n'
        "{broken\n"
    )
    data = tmp_path / "d"
    proc = run_cli("run", str(path), "--local", "--data-dir", str(data), "-o", str(tmp_path / "o"))
    assert proc.returncode == cli.EXIT_USAGE
    assert "line 1, field method" in proc.stderr
    assert "line 2" in proc.stderr
    assert "nothing was uploaded" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
    listed = run_cli("files", "list", "--local", "--data-dir", str(data), "--json")
    assert json.loads(listed.stdout) == []
