"""The per-user background server behind ``--local``: started on demand, shared, stopped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from groq_batch import local
from groq_batch_server import LocalServer, daemon
from tests.server_support import Api, jsonl, request_line

SCRIPT = Path(sys.executable).parent / "groq-batch"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data dir (and XDG data home); whatever server runs on it is stopped after."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data = tmp_path / "data"
    yield data
    daemon.stop(data)
    assert daemon.status(data) is None


def _cli(*args: str, data: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "GROQ_BASE_URL")}
    return subprocess.Popen(
        [str(SCRIPT), *args, "--local", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    # communicate() returns only once stdout and stderr close: a server that inherited them
    # would hang this, as it would hang a CI step capturing a command's output.
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def _gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Reaps it if this process started it; treats a zombie as gone.
        if not local.pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_two_concurrent_local_commands_share_one_server_that_outlives_them(
    data_dir: Path, tmp_path: Path
) -> None:
    first = _cli("list", "--json", "--debug", data=data_dir)
    second = _cli("list", "--json", data=data_dir)
    results = [_finish(first), _finish(second)]
    for code, out, err in results:
        assert code == 0, err
        assert json.loads(out) == []
    # --debug names the log file.
    assert str(data_dir / "server.log") in results[0][2]
    info = daemon.status(data_dir)
    assert info is not None, (data_dir / "server.log").read_text()
    assert info.log == str(data_dir / "server.log")
    assert (data_dir / "server.log").read_text().count("listening on") == 1

    # Submit and leave: the batch runs with no command attached.
    path = tmp_path / "in.jsonl"
    path.write_bytes(jsonl([request_line(i) for i in range(30)]))
    code, out, err = _finish(_cli("submit", str(path), "--json", data=data_dir))
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    (batch_id,) = next(e for e in events if e["event"] == "submitted")["batch_ids"]
    secret = local.read_secret(data_dir)
    api = Api(info.url, api_key=secret)
    done = api.wait(batch_id, timeout=60)
    api.close()
    assert done["status"] == "completed"
    assert done["request_counts"]["completed"] == 30

    # The OpenAI-style path answers too, and the server is still the same process.
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{info.url}/v1/batches/{batch_id}", headers=auth).json()["status"] == (
        "completed"
    )
    again = daemon.status(data_dir)
    assert again is not None
    assert again.pid == info.pid


def test_serve_status_and_stop(data_dir: Path) -> None:
    def serve(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), "serve", *args, "--data-dir", str(data_dir)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    url = local.ensure_running(data_dir)
    info = daemon.status(data_dir)
    assert info is not None
    shown = serve("--status")
    assert shown.returncode == 0, shown.stderr
    assert url in shown.stdout
    assert f"pid {info.pid}" in shown.stdout
    assert str(data_dir / "server.log") in shown.stdout
    stopped = serve("--stop")
    assert stopped.returncode == 0, stopped.stderr
    assert f"pid {info.pid}" in stopped.stdout
    assert _gone(info.pid)
    assert not (data_dir / "daemon.json").exists()
    assert serve("--status").returncode == 1
    assert daemon.stop(data_dir) is None


def test_stale_records_are_replaced(data_dir: Path) -> None:
    data_dir.mkdir()
    # The server died (a dead pid): a new one starts.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    record = {"url": "http://127.0.0.1:9", "pid": int(dead.stdout), "version": daemon.version()}
    (data_dir / "daemon.json").write_text(json.dumps(record))
    local.ensure_running(data_dir)
    first = daemon.stop(data_dir)
    assert first is not None
    assert first.pid != record["pid"]

    with LocalServer() as other:
        # A live pid, and the port now belongs to another server (another data dir's).
        (data_dir / "daemon.json").write_text(
            json.dumps({"url": other.base_url, "pid": os.getpid(), "version": daemon.version()})
        )
        assert daemon.status(data_dir) is None
        url = local.ensure_running(data_dir)
        assert url != other.base_url
        second = daemon.status(data_dir)
        assert second is not None
        assert second.pid not in (first.pid, os.getpid())

        # The record is lost while its server still holds the data dir: refused, not doubled.
        (data_dir / "daemon.json").write_text(
            json.dumps({"url": other.base_url, "pid": os.getpid(), "version": daemon.version()})
        )
        with pytest.raises(daemon.DaemonError, match="another groq-batch process"):
            local.ensure_running(data_dir, timeout=5)
    (data_dir / "daemon.json").write_text(
        json.dumps({"url": url, "pid": second.pid, "version": daemon.version()})
    )


def test_a_server_of_another_version_is_replaced(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_url = local.ensure_running(data_dir)
    old = daemon.status(data_dir)
    assert old is not None
    monkeypatch.setattr(local, "version", lambda: "999.0")
    new_url = local.ensure_running(data_dir)
    assert _gone(old.pid)
    new = daemon.status(data_dir)
    assert new is not None
    assert new.pid != old.pid
    assert new.url == new_url
    assert old_url  # the old one answered before it was replaced


def test_an_idle_server_exits_by_itself(data_dir: Path) -> None:
    # Long enough that the server is still there when first asked, even on a loaded machine.
    local.ensure_running(data_dir, idle_exit=3)
    info = daemon.status(data_dir)
    assert info is not None
    assert info.idle_exit == 3
    assert _gone(info.pid)
    assert not (data_dir / "daemon.json").exists()
    assert "idle for 3 s" in (data_dir / "server.log").read_text()


def test_concurrent_starters_start_one_server(data_dir: Path) -> None:
    urls: list[str] = []
    threads = [
        threading.Thread(target=lambda: urls.append(local.ensure_running(data_dir)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(urls) == 4
    assert len(set(urls)) == 1
    assert (data_dir / "server.log").read_text().count("listening on") == 1
