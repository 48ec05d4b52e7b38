"""The server as a separate process: the command line, a hard kill mid-batch, and memory."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from tests.server_support import Api, jsonl, multipart_upload, repeat_to, request_line

_LISTENING = re.compile(r"listening on (http://\S+)")


class ServerProcess:
    """``python -m groq_batch_server`` (or ``groq-batch serve``) in a child process."""

    def __init__(self, args: Sequence[str], *, command: Sequence[str] | None = None) -> None:
        command = command or [sys.executable, "-m", "groq_batch_server"]
        self.proc = subprocess.Popen(
            [*command, "--port", "0", "--log-level", "info", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self._url: str | None = None
        self._ready = threading.Event()
        # Drain stderr continuously, so a chatty server can never block on a full pipe.
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(20) or self._url is None:
            self.kill()
            raise AssertionError("server did not start:\n" + "".join(self.log))
        self.url = self._url

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line)
            match = _LISTENING.search(line)
            if match:
                self._url = match.group(1)
            if "Application startup complete" in line:
                self._ready.set()
        self._ready.set()

    def peak_rss_kib(self) -> int:
        """The process's peak resident memory so far (Linux ``VmHWM``)."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        assert match is not None
        return int(match.group(1))

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash."""
        self.proc.kill()
        self.proc.wait(10)

    def terminate(self) -> int:
        self.proc.terminate()
        return self.proc.wait(10)


@pytest.fixture
def processes() -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.kill()


def test_cli_serve_starts_and_logs_where_its_data_lives(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    groq_batch = Path(sys.executable).with_name("groq-batch")
    command = [str(groq_batch), "serve"] if groq_batch.exists() else None
    server = ServerProcess(
        ["--data-dir", str(tmp_path / "data"), "--api-key", "gsk_k", "--fault", "status=503"],
        command=command,
    )
    processes.append(server)
    log = "".join(server.log)
    assert f"data: {tmp_path / 'data'}" in log
    assert "fault: status=503" in log
    assert (tmp_path / "data" / "groq-batch.sqlite3").exists()
    headers = {"Authorization": "Bearer gsk_k"}
    assert httpx.get(server.url + "/openai/v1/files", headers=headers).status_code == 503
    assert httpx.get(server.url + "/openai/v1/files", headers=headers).status_code == 200
    assert httpx.get(server.url + "/openai/v1/files").status_code == 401
    assert server.terminate() == 0


def test_default_data_dir_is_temporary(processes: list[ServerProcess]) -> None:
    server = ServerProcess([])
    processes.append(server)
    match = re.search(r"data: (\S+) \(temporary, deleted on exit\)", "".join(server.log))
    assert match is not None
    data_dir = Path(match.group(1))
    assert data_dir.is_dir()
    assert server.terminate() == 0
    assert not data_dir.exists()


def test_a_second_server_on_the_same_data_dir_refuses_to_start(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    processes.append(ServerProcess(["--data-dir", str(tmp_path)]))
    done = subprocess.run(
        [sys.executable, "-m", "groq_batch_server", "--port", "0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1
    assert "in use by another groq-batch server (pid" in done.stderr


def test_bad_arguments_exit_with_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "groq_batch_server", "--fault", "explode"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown fault kind" in done.stderr


def test_restart_after_a_kill_loses_and_duplicates_nothing(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    args = ["--data-dir", str(data), "--request-latency", "0.004", "--chunk-size", "10"]
    first = ServerProcess(args)
    processes.append(first)
    api = Api(first.url)
    inputs = [request_line(i) for i in range(400)]
    batch = api.submit(inputs)
    api.wait(batch["id"], lambda b: b["request_counts"]["completed"] >= 60, timeout=30)
    first.kill()
    api.close()

    # What was committed before the crash, straight from the database.
    with sqlite3.connect(data / "groq-batch.sqlite3") as db:
        before = dict(db.execute("SELECT line, id FROM results WHERE batch_id = ?", (batch["id"],)))
        status = db.execute("SELECT status FROM batches WHERE id = ?", (batch["id"],)).fetchone()
    assert status == ("in_progress",)
    assert 60 <= len(before) < 400

    second = ServerProcess(args)
    processes.append(second)
    api = Api(second.url)
    done = api.wait(batch["id"], timeout=30)
    assert done["status"] == "completed"
    assert done["request_counts"] == {"total": 400, "completed": 400, "failed": 0}
    outputs = api.lines(done["output_file_id"])
    assert done["error_file_id"] is None
    assert [line["custom_id"] for line in outputs] == [line["custom_id"] for line in inputs]
    # Requests finished before the crash kept their results: they were not run again.
    ids_by_line = {number: line["id"] for number, line in enumerate(outputs, start=1)}
    assert {n: ids_by_line[n] for n in before} == before
    assert len(set(ids_by_line.values())) == 400
    api.close()
    assert list((data / "tmp").iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_200_mb_upload_and_download_keep_server_memory_flat(
    processes: list[ServerProcess], tmp_path: Path
) -> None:
    size = 200 * 1024 * 1024
    server = ServerProcess(
        ["--data-dir", str(tmp_path / "data"), "--max-upload-bytes", str(size + 1)]
    )
    processes.append(server)
    http = httpx.Client(base_url=server.url + "/openai/v1", timeout=120)
    http.get("/files")  # warm up the request path before the baseline
    baseline = server.peak_rss_kib()

    line = jsonl([request_line(0)])
    body, headers = multipart_upload(repeat_to(size, line * ((1 << 20) // len(line))))

    started = time.monotonic()
    response = http.post("/files", content=body, headers=headers)
    upload_seconds = time.monotonic() - started
    assert response.status_code == 200, response.text
    file = response.json()
    assert file["bytes"] == size
    after_upload = server.peak_rss_kib()

    received = 0
    with http.stream("GET", f"/files/{file['id']}/content") as download:
        for chunk in download.iter_raw():
            received += len(chunk)
    assert received == size
    after_download = server.peak_rss_kib()
    http.close()

    growth_mib = (max(after_upload, after_download) - baseline) / 1024
    report = {
        "upload_s": round(upload_seconds, 2),
        "upload_growth_mib": round((after_upload - baseline) / 1024, 1),
        "download_growth_mib": round((after_download - after_upload) / 1024, 1),
    }
    print("memory:", json.dumps(report))
    assert growth_mib < 50, report


def test_import_groq_batch_does_not_load_the_server() -> None:
    def heavy_modules_after(imports: str) -> list[str]:
        code = (
            f"import sys, json, {imports}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith(("
            "'groq_batch_server', 'starlette', 'uvicorn', 'multipart', 'python_multipart')))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
        )
        return list(json.loads(done.stdout))

    assert heavy_modules_after("groq_batch") == []
    # The probe itself can see those modules when they are loaded.
    assert {"groq_batch_server", "starlette", "uvicorn"} <= set(
        heavy_modules_after("groq_batch, groq_batch_server.runtime")
    )
