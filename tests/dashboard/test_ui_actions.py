"""The dashboard's actions and the `groq-batch ui` command, over plain HTTP (no browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from groq_batch import Groq
from groq_batch.jobs import JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer
from tests.ui_support import write_job


def test_download_and_resubmit_act_through_the_library_and_record_the_retry(
    tmp_path: Path, make_local_server: Callable[..., LocalServer]
) -> None:
    server = make_local_server(api_key=None)
    registry = JobRegistry(tmp_path / "jobs.sqlite3")
    with Groq(api_key="k", base_url=server.base_url) as client:
        source = write_job(tmp_path / "in.jsonl", 12, bad_every=3)
        job = client.batches.submit(source)
        job.wait(poll_interval=0.05, timeout=30)
        registry.record(job.ids, name="mixed", endpoint=server.base_url, input_path=source)
        ui = UIServer(
            client,
            endpoint=server.base_url,
            registry=registry,
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{ui.port}") as http:
                assert http.get(ui.login_url()).status_code == 303  # the cookie
                # The cost slot shows the offline estimate of the recorded input.
                from groq_batch.estimate import estimate

                high = estimate(source).batch_cost_high
                page = http.get("/job/mixed")
                assert f"${high:.4f}" in page.text

                got = http.post("/job/mixed/download")
                assert got.status_code == 303
                assert "downloaded" in got.headers["location"]
                files = sorted(p.name for p in (tmp_path / "downloads" / "mixed").iterdir())
                assert files == [f"{job.ids[0]}_errors.jsonl", f"{job.ids[0]}_output.jsonl"]

                got = http.post("/job/mixed/resubmit")
                assert "resubmitted" in got.headers["location"], got.headers["location"]
                (retry,) = [r for r in registry.list() if r.name != "mixed"]
                assert retry.retry_of == job.ids[0]
                (batch,) = [client.batches.retrieve(i) for i in retry.batch_ids]
                assert batch.request_counts.total == 4  # type: ignore[union-attr]

                assert http.post("/job/mixed/explode").status_code == 303
                assert len(registry.list()) == 2
        finally:
            ui.stop()


def test_ui_command_opens_the_browser_on_a_url_without_the_token(tmp_path: Path) -> None:
    """Another user sees a browser's command line (ps): the URL it gets must open nothing."""
    opened = tmp_path / "browser-argv"
    browser = tmp_path / "browser"
    # What `webbrowser.open` runs, as $BROWSER: it records the command line it was given.
    browser.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(opened)!r}, 'w').write(json.dumps(sys.argv))\n"
    )
    browser.chmod(0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg"), "BROWSER": str(browser)}
    env.pop("GROQ_API_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "groq_batch_cli", "ui", "--local"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("groq-batch dashboard: http://127.0.0.1:"), line
        printed = line.split()[2]
        assert "/login?code=" in printed
        home = printed.split("/login")[0] + "/"
        with httpx.Client(timeout=10) as http:
            # The socket listens before the URL is printed: no retry needed.
            assert http.get(home).status_code == 403
            login = http.get(printed)
            assert login.status_code == 303
            ((name, token),) = login.cookies.items()
            assert name.startswith("groq_batch_ui_")
            page = http.get(home)
            assert page.status_code == 200
            assert "local:" in page.text  # the endpoint the --local connection resolved to
        # The printed code is spent; the browser got a code of its own.
        assert httpx.get(printed).status_code == 403
        deadline = time.monotonic() + 30
        while not opened.exists():
            assert proc.poll() is None
            assert time.monotonic() < deadline, "the browser was never opened"
            time.sleep(0.05)
        argv = json.loads(opened.read_text())
        assert len(argv) == 2
        assert argv[1].startswith(home + "login?code=")
        assert token not in argv[1]
        assert token not in line
        with httpx.Client(timeout=10) as http:
            assert http.get(argv[1]).status_code == 303
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_key_echoed_by_the_server_never_reaches_a_redirect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The download failure's message goes into the redirect's URL (browser history): scrubbed."""
    from tests.echo_support import EchoingGateway

    key = "sk-dashboard_key_echoed_0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    registry = JobRegistry(tmp_path / "jobs.sqlite3")
    with (
        EchoingGateway() as gateway,
        Groq(base_url=gateway.base_url, provider="openai-compatible", max_retries=0) as client,
    ):
        registry.record(
            ["batch_echo"], name="echo", endpoint=gateway.base_url, provider="openai-compatible"
        )
        ui = UIServer(
            client,
            endpoint=gateway.base_url,
            registry=registry,
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{ui.port}") as http:
                assert http.get(ui.login_url()).status_code == 303  # the cookie
                got = http.post("/job/echo/download")
        finally:
            ui.stop()
        assert got.status_code == 303
        location = urllib.parse.unquote_plus(got.headers["location"])
        assert "download failed" in location
        assert "Invalid API Key" in location
        assert gateway.received
        assert all(r == f"Bearer {key}" for r in gateway.received)
    assert key not in location
    assert key not in got.headers["location"]


def test_the_dashboard_reaches_a_job_recorded_elsewhere_with_its_own_providers_key(
    tmp_path: Path,
    make_local_server: Callable[..., LocalServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The dashboard follows `job_connection`, as the CLI does: never its own key elsewhere."""
    from tests.echo_support import EchoingGateway

    groq_key, openai_key = "gsk_dashboard_groq_key_0123456789", "sk-dashboard_openai_0123456789"
    monkeypatch.setenv("GROQ_API_KEY", groq_key)
    monkeypatch.setenv("OPENAI_API_KEY", openai_key)
    server = make_local_server(api_key=groq_key)
    registry = JobRegistry(tmp_path / "jobs.sqlite3")
    with (
        EchoingGateway() as gateway,
        Groq(base_url=server.base_url, max_retries=0) as client,
    ):
        registry.record(
            ["batch_gw"], name="gw", endpoint=gateway.base_url, provider="openai-compatible"
        )
        registry.record(["batch_unknown"], name="unknown", endpoint=gateway.base_url)
        ui = UIServer(
            client,
            endpoint=server.base_url,
            registry=registry,
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{ui.port}") as http:
                assert http.get(ui.login_url()).status_code == 303  # the cookie
                refused = http.get("/job/unknown")
                assert refused.status_code == 409
                assert "--provider" in refused.text
                assert gateway.received == []  # no key went to the unknown URL
                http.post("/job/gw/cancel")
        finally:
            ui.stop()
        assert gateway.received
        assert set(gateway.received) == {f"Bearer {openai_key}"}


def test_the_local_dashboard_keeps_working_after_the_server_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from groq_batch import local
    from groq_batch_cli.ui import UIServer
    from groq_batch_server import daemon

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    data = tmp_path / "data"
    with local.local_client(data) as client:
        ui = UIServer(
            client,
            endpoint=f"local:{data}",
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{ui.port}", timeout=30) as http:
                assert http.get(ui.login_url()).status_code == 303  # the cookie
                assert http.get("/").status_code == 200
                first = daemon.stop(data)  # as its idle exit does
                assert first is not None
                # It answered 500 for ever: the client now finds (starts) the server again.
                assert http.get("/").status_code == 200
                second = daemon.status(data)
                assert second is not None
                assert second.pid != first.pid
        finally:
            ui.stop()
