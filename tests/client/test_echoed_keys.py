"""A key a server echoes back never leaves the process (issue 23, item 2).

Some gateways put the request's ``Authorization`` header into their error text. Every text
that leaves the process (exception messages and bodies, ``--debug`` tracebacks, the dashboard's
redirects) is scrubbed of every secret the process holds. The servers are real: a loopback
gateway that echoes the header (tests/echo_support.py) and the project's local server.
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

import pytest

from groq_batch import AuthenticationError, Groq, GroqError
from tests.echo_support import EchoingGateway, echoing_gateway

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

__all__ = ["echoing_gateway"]

KEY = "gsk_echoed_back_0123456789abcdefghijklmnopqrstuvwxyz"
SCRIPT = Path(sys.executable).parent / "groq-batch"


def everything_about(exc: BaseException) -> str:
    """All the text an error can show: str, repr, message, body, and the chained traceback."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    parts += [str(getattr(exc, "message", "")), repr(getattr(exc, "body", None))]
    parts += [repr(getattr(exc, "error", None))]
    return "\n".join(parts)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GROQ_API_KEY", "GROQ_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")
    }
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_an_echoed_key_is_not_in_the_error(
    echoing_gateway: EchoingGateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="groq_batch")
    with (
        Groq(
            api_key=KEY,
            base_url=echoing_gateway.base_url,
            provider="openai-compatible",
            max_retries=0,
        ) as client,
        pytest.raises(AuthenticationError) as info,
    ):
        client.batches.list()
    assert echoing_gateway.received == [f"Bearer {KEY}"]  # the server did echo it
    assert "Invalid API Key" in str(info.value)
    assert KEY not in everything_about(info.value)
    assert KEY not in caplog.text


def test_cli_debug_never_prints_an_echoed_key(
    echoing_gateway: EchoingGateway, tmp_path: Path
) -> None:
    env = {"OPENAI_API_KEY": KEY, "XDG_DATA_HOME": str(tmp_path)}
    base = ["--provider", "openai-compatible", "--base-url", echoing_gateway.base_url]
    for debug in ([], ["--debug"]):
        proc = run_cli(*debug, "list", *base, env=env)
        assert proc.returncode == 1, proc.stderr
        assert "Invalid API Key" in proc.stderr
        if debug:
            assert "Traceback" in proc.stderr  # --debug really printed the chain
        assert KEY not in proc.stdout + proc.stderr
    assert echoing_gateway.received == [f"Bearer {KEY}"] * 2


def test_cli_debug_never_prints_a_key_given_as_a_batch_id(
    make_local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = make_local_server(api_key=KEY)
    env = {"GROQ_API_KEY": KEY, "XDG_DATA_HOME": str(tmp_path)}
    proc = run_cli("--debug", "status", KEY, "--base-url", server.base_url, env=env)
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr
    assert KEY not in proc.stdout + proc.stderr


def test_a_key_given_to_any_client_is_scrubbed_from_another_clients_error(
    echoing_gateway: EchoingGateway,
) -> None:
    """One registry of held secrets: a key one client holds never shows in another's error."""
    other = "sk-another_clients_key_0123456789abcdef"
    with Groq(api_key=other, base_url="http://127.0.0.1:9", max_retries=0):
        pass
    with (
        Groq(
            api_key=KEY,
            base_url=echoing_gateway.base_url,
            provider="openai-compatible",
            max_retries=0,
        ) as client,
        pytest.raises(GroqError) as info,
    ):
        # The id is the other client's key: the URL, and any message quoting it, hold it.
        client.batches.retrieve(other)
    assert other not in everything_about(info.value)
    assert KEY not in everything_about(info.value)


def test_a_log_line_never_shows_a_held_key(
    echoing_gateway: EchoingGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """The package's loggers scrub every record, whatever a caller or a server put in it."""
    caplog.set_level(logging.DEBUG)
    with Groq(api_key=KEY, base_url=echoing_gateway.base_url, max_retries=0):
        pass
    logging.getLogger("groq_batch").warning("the server said: %s", f"Bearer {KEY}")
    logging.getLogger("groq_batch.results").info("row text %r", KEY)
    assert "the server said: Bearer <redacted>" in caplog.text
    assert KEY not in caplog.text
