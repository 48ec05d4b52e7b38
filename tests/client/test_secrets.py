"""The API key never leaks: not in errors, DEBUG logs, CLI output, usage errors or cassettes.

Every check runs against the real local server and looks for the key itself, so it fails the
moment any path (an exception message, a chained cause, a log line, argparse) prints it. Keys
with trailing whitespace (`open(keyfile).read()`, a mounted secret) are included: today httpx
refuses them with a message that quotes the header; the client strips them (issue 9, item 2).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import vcr

from groq_batch import Groq, GroqError
from groq_batch._http import redact_headers
from tests.cassette_support import register_matchers, vcr_config

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

KEY = "gsk_secretsuite_0123456789abcdefghijklmnopqrstuvwxyz"
SERVER_KEY = "gsk_the_servers_own_key_not_the_clients_0123456789"
SCRIPT = Path(sys.executable).parent / "groq-batch"

CLEAN = pytest.param(KEY, id="clean")
NEWLINE = pytest.param(KEY + "\n", id="newline")
SPACES = pytest.param(KEY + " \r\n", id="spaces")
# Header names whose values are secrets, each carrying the key in its usual form.
SECRET_HEADERS = {
    "x-api-key": KEY,
    "api-key": KEY,
    "Cookie": f"session={KEY}; theme=dark",
    "Proxy-Authorization": f"Basic {KEY}",
}


def everything_about(exc: BaseException) -> str:
    """All the text an error can show: str, repr, and the full chained traceback."""
    return "\n".join([str(exc), repr(exc), "".join(traceback.format_exception(exc))])


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in ("groq_batch", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# ------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("key", [CLEAN, NEWLINE, SPACES])
def test_an_authentication_error_never_shows_the_key(
    make_local_server: Callable[..., LocalServer], key: str
) -> None:
    server = make_local_server(api_key=SERVER_KEY)
    with Groq(api_key=key, base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(GroqError) as info:
            client.files.list()
        assert repr(client).count(KEY) == 0
    assert KEY not in everything_about(info.value)
    assert getattr(info.value, "status_code", None) == 401


@pytest.mark.parametrize("key", [CLEAN, NEWLINE])
def test_connection_and_timeout_errors_never_show_the_key(
    make_local_server: Callable[..., LocalServer], key: str
) -> None:
    from groq_batch_server import FaultRule

    server = make_local_server(api_key=KEY)
    server.faults.add(FaultRule(kind="drop", times=-1, method="GET", path=r"/files$"))
    server.faults.add(FaultRule(kind="delay", seconds=1.0, times=-1, path=r"/batches$"))
    with Groq(api_key=key, base_url=server.base_url, max_retries=0) as client:
        errors = []
        for call in (client.files.list, lambda: client.batches.list(timeout=0.2)):
            with pytest.raises(GroqError) as info:
                call()
            errors.append(info.value)
    for error in errors:
        assert KEY not in everything_about(error)


def test_a_refused_connection_never_shows_the_key() -> None:
    with (
        Groq(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0) as client,
        pytest.raises(GroqError) as info,
    ):
        client.batches.retrieve("batch_x")
    assert KEY not in everything_about(info.value)


# -------------------------------------------------------------------------------- DEBUG logs
@pytest.mark.parametrize("key", [CLEAN, NEWLINE])
def test_debug_logs_redact_every_secret_header(
    local_server: LocalServer, debug_logs: pytest.LogCaptureFixture, key: str
) -> None:
    with Groq(
        api_key=key, base_url=local_server.base_url, default_headers=SECRET_HEADERS
    ) as client:
        client.files.list()
        with pytest.raises(GroqError):
            client.batches.retrieve("batch_missing")
    text = debug_logs.text
    assert KEY not in text
    # The log does show the headers, each redacted: the check above is not vacuous.
    shown = [r.getMessage() for r in debug_logs.records if r.name == "groq_batch"]
    request_lines = [line for line in shown if line.startswith("HTTP request")]
    assert request_lines
    for line in request_lines:
        assert "'authorization': 'Bearer <redacted>'" in line
        assert "'x-api-key': '<redacted>'" in line
        assert "'api-key': '<redacted>'" in line
        assert "'cookie': '<redacted>'" in line
        assert "'proxy-authorization': 'Basic <redacted>'" in line
        assert "'accept': 'application/json'" in line  # what is no secret stays readable
    assert any(line.startswith("HTTP response") for line in shown)


# ------------------------------------------------------------------------ redaction itself
@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Bearer gsk_abc", "Bearer <redacted>"),
        # A key may hold a space (a header value may): the scheme is still the first word.
        ("Bearer gsk_abc def", "Bearer <redacted>"),
        ("gsk_abc", "<redacted>"),
        ("gsk/abc def", "<redacted>"),  # no scheme: nothing is kept
    ],
)
def test_an_authorization_header_shows_its_scheme_and_nothing_else(value: str, shown: str) -> None:
    assert redact_headers(httpx.Headers({"authorization": value})) == {"authorization": shown}
    assert redact_headers({"authorization": value}) == {"authorization": shown}


def test_a_repeated_header_shows_every_value_in_a_log() -> None:
    headers = httpx.Headers(
        [("via", "1.1 edge"), ("via", "1.1 origin"), ("set-cookie", "a=1"), ("set-cookie", "b=2")]
    )
    assert redact_headers(headers) == {"via": "1.1 edge, 1.1 origin", "set-cookie": "<redacted>"}


# ----------------------------------------------------------------------------------- the CLI
def run_cli(*args: str, key_env: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "GROQ_BASE_URL")}
    if key_env is not None:
        env["GROQ_API_KEY"] = key_env
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("key", "via"),
    [
        pytest.param(KEY, "flag", id="clean-flag"),
        pytest.param(KEY + "\n", "env", id="newline-env"),
    ],
)
def test_cli_debug_and_json_errors_never_show_the_key(
    make_local_server: Callable[..., LocalServer], key: str, via: str
) -> None:
    """A wrong key (401) with --debug, which prints the whole traceback, and --json."""
    server = make_local_server(api_key=SERVER_KEY)
    args = ["list", "--base-url", server.base_url, "--debug", "--json"]
    proc = run_cli(*args, "--api-key", key) if via == "flag" else run_cli(*args, key_env=key)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr  # --debug really printed the chain
    assert KEY not in proc.stdout + proc.stderr


def test_cli_json_output_never_shows_the_key(local_server: LocalServer) -> None:
    proc = run_cli("list", "--base-url", local_server.base_url, "--json", "--debug", key_env=KEY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert KEY not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--api-key", KEY, "bogus"),
        ("--api-key", KEY, "files", "bogus"),
    ],
    ids=["before-bogus", "before-files-bogus"],
)
def test_a_usage_error_never_shows_the_key(args: tuple[str, ...]) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert "usage" in proc.stderr.lower()
    assert KEY not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("list", "--api-key", KEY, "--limit", "many"), "--limit"),
        (("bogus", "--api-key", KEY), "bogus"),
    ],
    ids=["bad-limit", "bogus-command"],
)
def test_other_usage_errors_never_show_the_key(args: tuple[str, ...], names: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert names in proc.stderr
    assert KEY not in proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------- cassettes
def test_a_cassette_recorded_with_a_real_key_holds_no_key(
    make_local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    """The project's own cassette settings, recording a live exchange: the key is filtered."""
    server = make_local_server(api_key=KEY)
    recorder = vcr.VCR(cassette_library_dir=str(tmp_path), record_mode="all", **vcr_config())
    register_matchers(recorder)
    with (
        recorder.use_cassette("live.yaml"),
        Groq(api_key=KEY, base_url=server.base_url, max_retries=0) as client,
    ):
        stored = client.files.create(file=("in.jsonl", b'{"custom_id":"a"}\n'))
        client.files.info(stored.id)
        with pytest.raises(GroqError):
            client.batches.retrieve("batch_missing")
    text = (tmp_path / "live.yaml").read_text()
    assert "authorization" in text.lower()
    assert KEY not in text
    assert "gsk_" not in text
