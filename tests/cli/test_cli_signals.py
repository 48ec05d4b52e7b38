"""What a killed or interrupted `groq-batch run` leaves behind: the ids, a hint, a job to resume.

These need real processes: pipes (so that Python buffers stdout fully), SIGKILL and SIGINT.
"""

from __future__ import annotations

import json
import signal
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import groq_batch_cli as cli
from groq_batch import Groq
from groq_batch.jsonl import iter_jsonl
from tests.cli_support import (
    FAST,
    events,
    isolated_home,
    main,
    read_line_until,
    remote,
    start_cli,
    write_requests,
)

__all__ = ["isolated_home"]


def batch_ids_on(url: str) -> list[str]:
    with Groq(api_key="k", base_url=url) as client:
        return [b.id for b in client.batches.list()]


@pytest.mark.parametrize("mode", ["json", "human"])
def test_ids_are_out_before_a_sigkill_when_output_is_a_pipe(
    tmp_path: Path, make_local_server: Any, mode: str
) -> None:
    # Slow enough that the run is certainly still waiting when it is killed.
    server = make_local_server(request_latency=0.5)
    source = write_requests(tmp_path / "in.jsonl", 20)
    flags = ["--json"] if mode == "json" else []
    proc = start_cli(
        "run", str(source), "-o", str(tmp_path / "o"), *flags, *remote(server.base_url)
    )
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        if mode == "json":
            line, _ = read_line_until(proc.stdout, lambda s: '"submitted"' in s)
            ids = json.loads(line)["batch_ids"]
        else:
            line, _ = read_line_until(proc.stderr, lambda s: s.startswith("submitted job"))
            ids = line.rsplit(": ", 1)[1].strip().split(", ")
        proc.kill()
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert ids == batch_ids_on(server.base_url)
    assert not (tmp_path / "o").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_ctrl_c_during_run_says_how_to_continue_and_rerunning_reattaches(
    tmp_path: Path, make_local_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    data, port = tmp_path / "server", free_port()
    slow = make_local_server(data_dir=data, port=port, request_latency=0.5)
    source = write_requests(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"
    url = slow.base_url
    argv = ["run", str(source), "-o", str(out), *remote(url), *FAST]
    proc = start_cli(*argv)
    try:
        assert proc.stderr is not None
        line, _ = read_line_until(proc.stderr, lambda s: s.startswith("submitted job"))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == cli.EXIT_INTERRUPTED, err
    name = line.split()[2].rstrip(":")
    assert "the batches keep running on the server" in err
    assert f"groq-batch wait {name} && groq-batch results {name} -o {out}" in err
    assert f"groq-batch run {source} -o {out}" in err
    assert "Traceback" not in err

    code, stdout, _ = main(capsys, "jobs", "--json")
    (job,) = json.loads(stdout)
    assert (job["name"], job["state"]) == (name, "submitted")

    # The same server comes back (same port and data), fast now; the same command re-attaches.
    slow.stop()
    make_local_server(data_dir=data, port=port)
    code, stdout, err = main(capsys, *argv, "--json")
    assert code == cli.EXIT_OK, err
    reattached, finished = events(stdout)
    assert reattached == {"event": "reattached", "job": name, "batch_ids": job["batch_ids"]}
    assert finished["batch_ids"] == job["batch_ids"]
    assert batch_ids_on(url) == job["batch_ids"]
    assert Counter(r["custom_id"] for r in iter_jsonl(out)) == {f"r{i}": 1 for i in range(30)}
    code, stdout, _ = main(capsys, "jobs", "--json")
    assert json.loads(stdout)[0]["state"] == "written"
    # A written job is the same run done: the same command re-uses its results (issue 26),
    # and --again submits a new job.
    code, stdout, err = main(capsys, *argv, "--json")
    assert code == cli.EXIT_OK, err
    assert [e["event"] for e in events(stdout)][:2] == ["reused", "finished"]
    assert batch_ids_on(url) == job["batch_ids"]
    code, stdout, err = main(capsys, *argv, "--json", "--again")
    assert code == cli.EXIT_OK, err
    assert [e["event"] for e in events(stdout)][:2] == ["estimate", "submitted"]
