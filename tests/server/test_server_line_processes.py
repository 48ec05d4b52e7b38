"""The echo's requests run in line processes: the same answers, the same guarantees, no orphans.

A batch run with `LineProcesses` must come out as it does in the server's own process (every
answer the same but for the fresh ids and timestamps), count a cancel mid-batch the same, resume
after a restart with every line answered once, and leave no process behind when the server
stops, however it stops.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from groq_batch_server import ServerConfig
from groq_batch_server.executors import EchoExecutor
from groq_batch_server.line_processes import (
    MIN_LINES,
    PROCESSES_ENV,
    LineProcesses,
    default_processes,
)
from groq_batch_server.runtime import make_line_processes
from groq_batch_server.store import BatchRow, Store
from groq_batch_server.worker import TERMINAL_STATUSES, Worker, request_cancel
from tests.server_support import jsonl, request_line, store_batch

AUDIO_URL = "https://example.com/audio/test01_20s.wav"
ROOT = Path(__file__).resolve().parents[2]


def _chat(index: int, content: str | None = None, **body: Any) -> dict[str, Any]:
    line = request_line(index, content=content)
    line["body"].update(body)
    return line


def _corpus() -> bytes:
    """Good, refused and awkward lines of every kind the echo answers."""
    lines: list[dict[str, Any] | str] = []
    for i in range(120):
        lines += [
            request_line(10 * i),
            request_line(10 * i + 1, model="no-such-model"),  # a 404 per request
            _chat(10 * i + 2, "a long answer " * 20, max_tokens=2),  # cut
            _chat(10 * i + 3, response_format={"type": "json_object"}),
            _chat(
                10 * i + 4,
                tools=[
                    {
                        "type": "function",
                        "function": {
                            "name": "f",
                            "parameters": {
                                "type": "object",
                                "properties": {"n": {"type": "integer"}},
                                "required": ["n"],
                            },
                        },
                    }
                ],
                tool_choice="required",
            ),
            {
                "custom_id": f"request-{10 * i + 5}",
                "method": "POST",
                "url": "/v1/audio/transcriptions",
                "body": {
                    "model": "whisper-large-v3",
                    "url": AUDIO_URL,
                    "response_format": "verbose_json",
                },
            },
            _chat(10 * i + 6, "héllo ✓ \u2028 </script>", temperature=0.00002),
            # Spelled by hand: spacing, key order and a number past 64 bits, kept as written.
            '{ "body" : {"seed": 123456789012345678901234567890, "messages": [{"content": '
            f'"Q{i}", "role": "user"}}], "model": "llama-3.1-8b-instant"}}, "url": '
            f'"/v1/chat/completions", "method": "POST", "custom_id": "request-{10 * i + 7}"}}',
            _chat(10 * i + 8, messages=[]),  # a 400 from the echo
            _chat(10 * i + 9, "x" * 3000),
        ]
    return jsonl(lines)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "data")
    yield store
    store.close()


def _worker(store: Store, processes: LineProcesses | None, chunk_size: int = 50) -> Worker:
    return Worker(
        store,
        EchoExecutor(),
        chunk_size=chunk_size,
        max_lines=50_000,
        max_bytes=100 * 1024 * 1024,
        processes=processes,
    )


def _finish(worker: Worker, store: Store, batch_id: str) -> BatchRow:
    for _ in range(10_000):
        row = store.get_batch(batch_id)
        assert row is not None
        if row.status in TERMINAL_STATUSES:
            return row
        worker.step()
    raise AssertionError("the batch never finished")


def _lines(store: Store, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    # Split on newlines only: an answer may hold U+2028, which `splitlines` would split on.
    return [json.loads(line) for line in store.blob_path(file_id).read_bytes().splitlines()]


def _comparable(line: dict[str, Any]) -> dict[str, Any]:
    """A result line without what is new on every run: its ids and its timestamp."""
    line = json.loads(json.dumps(line))
    line.pop("id")
    response = line.get("response")
    if response is not None:
        response.pop("request_id")
        body = response["body"]
        body.pop("created", None)
        if isinstance(body.get("x_groq"), dict):
            body["x_groq"].pop("id")
    return line


def _run(store: Store, content: bytes, processes: LineProcesses | None) -> dict[str, Any]:
    batch_id = store_batch(store, content)
    row = _finish(_worker(store, processes), store, batch_id)
    results = _lines(store, row.output_file_id) + _lines(store, row.error_file_id)
    return {
        "status": row.status,
        "counts": (row.total, row.completed, row.failed),
        "results": sorted((_comparable(r) for r in results), key=lambda r: r["custom_id"]),
    }


def test_the_line_processes_answer_every_line_as_the_server_process_does(store: Store) -> None:
    content = _corpus()
    here = _run(store, content, None)
    processes = LineProcesses(2, min_lines=1)
    try:
        there = _run(store, content, processes)
        pids = processes.pids()
    finally:
        processes.close()
    assert len(pids) == 2
    assert os.getpid() not in pids  # the work really left this process
    assert here["status"] == "completed"
    assert here["counts"] == (1200, 960, 240)
    assert there == here
    statuses = {r["custom_id"]: (r["response"] or {}).get("status_code") for r in here["results"]}
    assert {statuses[f"request-{n}"] for n in range(5, 1200, 10)} == {200}  # audio answered
    assert {statuses[f"request-{n}"] for n in range(7, 1200, 10)} == {200}


def test_small_batches_stay_in_the_server_process(store: Store) -> None:
    processes = LineProcesses(2)
    try:
        batch_id = store_batch(store, jsonl([request_line(i) for i in range(MIN_LINES - 1)]))
        row = _finish(_worker(store, processes), store, batch_id)
        assert row.completed == MIN_LINES - 1
        assert processes.pids() == []  # never started
    finally:
        processes.close()


def test_a_cancel_mid_batch_counts_the_same_with_line_processes(store: Store) -> None:
    processes = LineProcesses(2, min_lines=1)
    try:
        batch_id = store_batch(store, jsonl([request_line(i) for i in range(3000)]))
        worker = _worker(store, processes, chunk_size=100)
        while (row := store.get_batch(batch_id)) is not None and row.completed == 0:
            worker.step()
        assert request_cancel(store, batch_id) is not None
        done = _finish(worker, store, batch_id)
    finally:
        processes.close()
    assert done.status == "cancelled"
    assert 0 < done.completed < 3000
    output = _lines(store, done.output_file_id)
    errors = _lines(store, done.error_file_id)
    assert len(output) == done.completed
    assert [e["error"]["code"] for e in errors] == ["batch_cancelled"] * (3000 - done.completed)
    ids = sorted(int(r["custom_id"].split("-")[1]) for r in output + errors)
    assert ids == list(range(3000))  # every line once


def test_a_restart_mid_batch_answers_every_line_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    first = LineProcesses(2, min_lines=1)
    batch_id = store_batch(store, jsonl([request_line(i) for i in range(2500)]))
    worker = _worker(store, first, chunk_size=100)
    while (row := store.get_batch(batch_id)) is not None and row.completed == 0:
        worker.step()
    worker.stop()  # also stops its line processes
    assert first.pids() == []
    store.close()
    store = Store(tmp_path / "data")
    second = LineProcesses(2, min_lines=1)
    try:
        done = _finish(_worker(store, second, chunk_size=100), store, batch_id)
    finally:
        second.close()
    assert (done.status, done.completed, done.failed) == ("completed", 2500, 0)
    output = _lines(store, done.output_file_id)
    assert sorted(int(r["custom_id"].split("-")[1]) for r in output) == list(range(2500))
    store.close()


def test_a_line_process_that_dies_leaves_the_batch_to_the_server_process(store: Store) -> None:
    processes = LineProcesses(2, min_lines=1)
    try:
        warm = store_batch(store, jsonl([request_line(i) for i in range(10)]))
        _finish(_worker(store, processes), store, warm)
        for pid in processes.pids():
            os.kill(pid, signal.SIGKILL)
        batch_id = store_batch(store, jsonl([request_line(i) for i in range(500)]))
        done = _finish(_worker(store, processes), store, batch_id)
    finally:
        processes.close()
    assert (done.status, done.completed) == ("completed", 500)


def test_the_process_count_comes_from_the_config() -> None:
    assert make_line_processes(ServerConfig(processes=0)) is None
    assert make_line_processes(ServerConfig(processes=1)) is None
    three = make_line_processes(ServerConfig(processes=3))
    assert three is not None
    assert three.processes == 3
    # Waiting is not CPU work, and the upstream executor waits on the network.
    assert make_line_processes(ServerConfig(processes=3, request_latency=0.01)) is None
    upstream = ServerConfig(processes=3, executor="openai-compatible", upstream_url="http://x")
    assert make_line_processes(upstream) is None
    with pytest.raises(ValueError, match="processes"):
        ServerConfig(processes=-1)


def test_the_command_line_sets_the_process_count() -> None:
    from groq_batch_server.__main__ import build_config, build_parser

    parser = build_parser()
    assert build_config(parser.parse_args([])).processes is None  # the default, decided later
    assert build_config(parser.parse_args(["--processes", "3"])).processes == 3
    assert build_config(parser.parse_args(["--processes", "0"])).processes == 0
    assert "--processes" in parser.format_help()


def test_the_default_leaves_a_core_to_the_server_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PROCESSES_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert default_processes() == 1  # in the server's own process
    assert make_line_processes(ServerConfig()) is None
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert default_processes() == 5
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_processes() == 8
    monkeypatch.setenv(PROCESSES_ENV, "3")
    assert default_processes() == 3
    configured = make_line_processes(ServerConfig())
    assert configured is not None
    assert configured.processes == 3
    assert make_line_processes(ServerConfig(processes=0)) is None  # the option wins


# ------------------------------------------------------------------------------ no orphans
def _children(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (a zombie is not live)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(condition: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_no_line_process_outlives_the_server(tmp_path: Path, how: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "groq_batch_server", "--port", "0", "--processes", "2",
         "--data-dir", str(tmp_path / "data"), "--log-level", "info"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        url = ""
        for text in proc.stderr:
            if "listening on" in text:
                url = text.split("listening on", 1)[1].split()[0]
            if "startup complete" in text:
                break
        assert url
        lines = jsonl([request_line(i) for i in range(MIN_LINES + 500)])
        with httpx.Client(base_url=url + "/openai/v1", timeout=60) as http:
            file_id = http.post(
                "/files", data={"purpose": "batch"}, files={"file": ("in.jsonl", lines)}
            ).json()["id"]
            batch = http.post(
                "/batches",
                json={"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                      "completion_window": "24h"},
            ).json()  # fmt: skip

            def finished() -> bool:
                status = http.get(f"/batches/{batch['id']}").json()["status"]
                return status in TERMINAL_STATUSES

            _wait(finished, "the batch")
        children = _children(proc.pid)
        assert len(children) == 2  # the line processes ran it, and wait for the next batch
        proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
        proc.wait(30)
        _wait(lambda: not any(_alive(pid) for pid in children), "the line processes to exit")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_the_background_server_runs_large_batches_in_line_processes_and_stops_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from groq_batch import local
    from groq_batch_server import daemon

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # The --local server is started by the client, with the client's environment.
    monkeypatch.setenv(PROCESSES_ENV, "2")
    data = tmp_path / "data"
    local.ensure_running(data)
    try:
        info = daemon.status(data)
        assert info is not None
        path = tmp_path / "in.jsonl"
        path.write_bytes(jsonl([request_line(i) for i in range(MIN_LINES + 200)]))
        with local.local_client(data) as client:
            job = client.batches.submit(path)
            client.batches.wait(job, poll_interval=0.1)
            assert sum(1 for r in client.batches.results(job, inputs=path) if r.ok) == 1200
        children = _children(info.pid)
        assert len(children) == 2
    finally:
        daemon.stop(data)
    _wait(lambda: not any(_alive(pid) for pid in children), "the line processes to exit")
