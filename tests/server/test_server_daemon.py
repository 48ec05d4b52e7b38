"""The per-user background server behind ``--local``: started on demand, shared, stopped."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from groq_batch import local, local_daemon, private_files
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
    monkeypatch.setattr(local_daemon, "version", lambda: "999.0")
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


# ---------------------------------------------------------------- the user's alone (issue 23)
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_everything_in_the_data_folder_is_private_from_creation(data_dir: Path) -> None:
    # The usual umask, which left everything 0644 in 0755 folders.
    previous = os.umask(0o022)
    try:
        with local.local_client(data_dir) as client:
            uploaded = client.files.create(
                file=("in.jsonl", jsonl([request_line(i) for i in range(3)])), purpose="batch"
            )
            batch = client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
            )
            url = str(client.base_url).rstrip("/")
            Api(url, api_key=local.read_secret(data_dir)).wait(batch.id, timeout=60)
    finally:
        os.umask(previous)
    assert _mode(data_dir) == 0o700
    for folder in ("blobs", "tmp"):
        assert _mode(data_dir / folder) == 0o700, folder
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    expected = {"daemon.json", "daemon.secret", "server.log", "server.lock", "server.pid"}
    expected |= {"groq-batch.sqlite3", "groq-batch.sqlite3-wal", "groq-batch.sqlite3-shm"}
    assert expected <= names
    assert len(list((data_dir / "blobs").iterdir())) >= 2  # the input and the output
    for path in files:
        assert _mode(path) == 0o600, path


def test_the_background_server_refuses_requests_without_its_secret(data_dir: Path) -> None:
    url = local.ensure_running(data_dir)
    secret = local.read_secret(data_dir)
    assert secret
    with local.local_client(data_dir) as client:
        uploaded = client.files.create(file=("in.jsonl", jsonl([request_line(0)])), purpose="batch")
    attempts = [
        ("GET", "/openai/v1/batches"),
        ("GET", "/v1/files"),
        ("GET", f"/openai/v1/files/{uploaded.id}/content"),
        ("DELETE", f"/openai/v1/files/{uploaded.id}"),
        ("POST", "/openai/v1/batches/batch_x/cancel"),
        ("GET", daemon.STATUS_PATH),
    ]
    for given in (None, "wrong", "local"):
        headers = {"Authorization": f"Bearer {given}"} if given else {}
        for method, path in attempts:
            response = httpx.request(method, url + path, headers=headers, timeout=10)
            assert response.status_code == 401, (given, method, path)
    good = {"Authorization": f"Bearer {secret}"}
    content = httpx.get(f"{url}/openai/v1/files/{uploaded.id}/content", headers=good, timeout=10)
    assert content.status_code == 200
    assert content.json() == request_line(0)


def _serve(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "serve", *args, "--data-dir", str(data)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="SIGSTOP is POSIX")
def test_a_stopped_server_is_still_found_by_status_stop_and_clients(data_dir: Path) -> None:
    url = local.ensure_running(data_dir)
    info = daemon.status(data_dir)
    assert info is not None
    assert info.answering
    os.kill(info.pid, signal.SIGSTOP)
    try:
        # Its 2 s probe times out: that alone once judged it dead and deleted its record.
        slow = daemon.status(data_dir, timeout=2.0)
        assert slow is not None
        assert slow.pid == info.pid
        assert not slow.answering
        assert local.ensure_running(data_dir, timeout=5) == url
        shown = _serve(data_dir, "--status")
        assert shown.returncode == 0, shown.stdout + shown.stderr
        assert f"pid {info.pid}" in shown.stdout
        assert (data_dir / "daemon.json").exists()
    finally:
        os.kill(info.pid, signal.SIGCONT)
    again = daemon.status(data_dir, timeout=30)
    assert again is not None
    assert again.pid == info.pid
    assert again.answering
    with local.local_client(data_dir) as client:
        assert client.batches.list().data == []

    # Stopped again, `--stop` still finds it and stops it.
    os.kill(info.pid, signal.SIGSTOP)
    stopped = _serve(data_dir, "--stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert f"pid {info.pid}" in stopped.stdout
    assert _gone(info.pid)
    assert daemon.status(data_dir) is None


def test_a_client_follows_the_server_when_it_exits(data_dir: Path) -> None:
    with local.local_client(data_dir) as client:
        assert client.batches.list().data == []
        first = daemon.stop(data_dir)
        assert first is not None
        assert _gone(first.pid)
        # Its port is dead: the client looks the server up again, which starts one.
        uploaded = client.files.create(file=("in.jsonl", jsonl([request_line(0)])), purpose="batch")
        second = daemon.status(data_dir)
        assert second is not None
        assert second.pid != first.pid
        assert [f.id for f in client.files.list().data] == [uploaded.id]


def test_an_async_client_follows_the_server_when_it_exits(data_dir: Path) -> None:
    import asyncio

    async def scenario() -> None:
        async with local.async_local_client(data_dir) as client:
            assert (await client.batches.list()).data == []
            first = await asyncio.to_thread(daemon.stop, data_dir)
            assert first is not None
            assert (await client.files.list()).data == []
            second = daemon.status(data_dir)
            assert second is not None
            assert second.pid != first.pid

    asyncio.run(scenario())


def test_a_run_whose_server_dies_finishes_with_every_row_once(
    data_dir: Path, tmp_path: Path
) -> None:
    # A slow server, so the run is still polling when the server dies.
    local.ensure_running(data_dir, extra_args=["--request-latency", "0.05"])
    secret = local.read_secret(data_dir)
    first = daemon.status(data_dir)
    assert first is not None
    path = tmp_path / "in.jsonl"
    n = 60
    path.write_bytes(jsonl([request_line(i) for i in range(n)]))
    out = tmp_path / "out.jsonl"
    proc = _cli("run", str(path), "-o", str(out), "--poll-interval", "0.1", data=data_dir)
    api = Api(first.url, api_key=secret)
    deadline = time.monotonic() + 60
    while not api.http.get("/batches").json()["data"]:
        assert time.monotonic() < deadline, "the run never created its batch"
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    api.close()
    os.kill(first.pid, signal.SIGKILL)
    assert _gone(first.pid)
    code, _, err = _finish(proc)
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["custom_id"] for r in rows) == sorted(f"request-{i}" for i in range(n))
    second = daemon.status(data_dir)
    assert second is not None
    assert second.pid != first.pid


# ------------------------------------------------------------------------------ portability
def test_the_data_folder_follows_each_platforms_convention(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import platformdirs.macos
    import platformdirs.unix
    import platformdirs.windows

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(private_files, "_PLATFORM_DIRS", platformdirs.unix.Unix)
    assert local.default_data_dir() == tmp_path / "xdg" / "groq-batch"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert local.default_data_dir() == tmp_path / "home" / ".local" / "share" / "groq-batch"
    monkeypatch.setattr(private_files, "_PLATFORM_DIRS", platformdirs.macos.MacOS)
    assert local.default_data_dir() == (
        tmp_path / "home" / "Library" / "Application Support" / "groq-batch"
    )
    # Windows, simulated: its known-folder lookup answers what Windows would.
    monkeypatch.setattr(
        platformdirs.windows, "get_win_folder", lambda name: str(tmp_path / "AppData" / "Local")
    )
    monkeypatch.setattr(private_files, "_PLATFORM_DIRS", platformdirs.windows.Windows)
    assert local.default_data_dir() == tmp_path / "AppData" / "Local" / "groq-batch"


def test_the_non_posix_path_starts_finds_and_stops_the_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows, simulated: no os.kill(pid, 0) (there it would terminate the process), no
    # SIGCONT, no sessions; the lock alone says whether the server runs.
    options = local.detach_options(posix=False)
    assert "start_new_session" not in options
    assert options["creationflags"] & 0x00000008  # DETACHED_PROCESS
    real_kill = os.kill
    sent: list[int] = []

    def kill(pid: int, signum: int) -> None:
        assert signum not in (0, getattr(signal, "SIGCONT", -1)), "not on Windows"
        sent.append(signum)
        real_kill(pid, signum)

    real_options = local.detach_options
    monkeypatch.setattr(local_daemon, "_POSIX", False)
    monkeypatch.setattr(local_daemon.os, "kill", kill)
    # Popen's Windows flags do not exist here: start it as POSIX does, all else as Windows.
    monkeypatch.setattr(local_daemon, "detach_options", lambda posix: real_options(True))
    url = local.ensure_running(data_dir)
    info = daemon.status(data_dir)
    assert info is not None
    assert info.url == url
    assert local.ensure_running(data_dir) == url
    stopped = daemon.stop(data_dir)
    assert stopped is not None
    assert sent == [signal.SIGTERM]
    monkeypatch.undo()
    assert _gone(info.pid)
    assert daemon.status(data_dir) is None


def test_a_lost_secret_gives_a_new_server_that_requires_the_new_one(data_dir: Path) -> None:
    local.ensure_running(data_dir)
    old = daemon.status(data_dir)
    assert old is not None
    (data_dir / "daemon.secret").unlink()
    url = local.ensure_running(data_dir)
    assert _gone(old.pid)
    secret = local.read_secret(data_dir)
    assert secret
    ok = httpx.get(url + "/openai/v1/batches", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
