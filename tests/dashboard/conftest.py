"""The dashboard tests' fixtures: a dashboard on a local server, and Debian's Chromium."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from groq_batch import Groq
from groq_batch.jobs import JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer

CHROMIUM = "/usr/bin/chromium"
SECRET = "gsk_ui_SECRET_never_in_a_page_77"


@pytest.fixture
def dashboard(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    make_local_server: Callable[..., LocalServer],
) -> Iterator[tuple[UIServer, Groq, LocalServer]]:
    """A dashboard on a key-protected local server whose requests take a little while.

    Parametrize it indirectly with a session token to pin one; by default it is random.
    """
    server = make_local_server(api_key=SECRET, request_latency=0.02, chunk_size=10)
    with Groq(api_key=SECRET, base_url=server.base_url) as client:
        ui = UIServer(
            client,
            endpoint=server.base_url,
            registry=JobRegistry(tmp_path / "jobs.sqlite3"),
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
            token=getattr(request, "param", None),
        ).start()
        try:
            yield ui, client, server
        finally:
            ui.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"the dashboard tests need Debian's Chromium at {CHROMIUM}: "
            "apt-get install chromium (CI's .ci/run installs it)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def base(ui: UIServer) -> str:
    return f"http://127.0.0.1:{ui.port}"


@contextlib.contextmanager
def logged_in(ui: UIServer) -> Iterator[httpx.Client]:
    """An HTTP client holding the dashboard's cookie, got the way a browser gets it."""
    with httpx.Client(base_url=base(ui)) as http:
        answer = http.get(ui.login_url())
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/"
        yield http
