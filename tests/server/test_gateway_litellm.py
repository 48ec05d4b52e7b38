"""The whole job through a real third-party gateway: a LiteLLM proxy in front of the local server.

This is proof against software nobody here wrote. LiteLLM is heavy, so it lives in its own
virtualenv, built by `nox -s gateway`, which passes the path of its `litellm` executable in
``GROQ_BATCH_LITELLM``; without it, this module is skipped.

How LiteLLM routes the Files and Batches API to an OpenAI-compatible upstream (read from its
source, litellm 1.108): ``/v1/files`` with no model goes to the provider named in the config's
``files_settings`` (``custom_llm_provider: openai`` with its ``api_base``); ``/v1/batches`` for the
``openai`` provider uses ``OPENAI_BASE_URL``/``OPENAI_API_BASE`` and ``OPENAI_API_KEY``. The
local server requires the upstream key and the client only knows the gateway's master key, so
a passing job also proves the gateway, not the client, reached the server.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from groq_batch import AuthenticationError, Groq
from groq_batch.jsonl import chat_request
from groq_batch.results import Outcome
from groq_batch_server import LocalServer

LITELLM = os.environ.get("GROQ_BATCH_LITELLM", "")
pytestmark = [
    pytest.mark.gateway,
    pytest.mark.skipif(not LITELLM, reason="needs GROQ_BATCH_LITELLM (run `nox -s gateway`)"),
]

MODEL = "llama-3.1-8b-instant"
UPSTREAM_KEY = "sk-upstream-only"
GATEWAY_KEY = "sk-gateway-master"
# LiteLLM's start imports a great deal: ~165 s on a 2-core machine shared by several test runs
# (measured), far less on an idle one. The deadline only bounds a proxy that never comes up.
STARTUP_DEADLINE = 300.0

CONFIG = """\
model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_base: {upstream}
      api_key: {key}
files_settings:
  - custom_llm_provider: openai
    api_base: {upstream}
    api_key: {key}
general_settings:
  master_key: {master}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def gateway(
    make_local_server: Callable[..., LocalServer], tmp_path: Path
) -> Iterator[tuple[str, LocalServer]]:
    """A LiteLLM proxy on loopback whose upstream is a local server that needs its own key."""
    server = make_local_server(api_key=UPSTREAM_KEY)
    upstream = server.base_url + "/v1"
    config = tmp_path / "litellm.yaml"
    config.write_text(
        CONFIG.format(model=MODEL, upstream=upstream, key=UPSTREAM_KEY, master=GATEWAY_KEY)
    )
    port = _free_port()
    log = (tmp_path / "litellm.log").open("w")
    env = {
        **os.environ,
        "OPENAI_API_BASE": upstream,
        "OPENAI_BASE_URL": upstream,
        "OPENAI_API_KEY": UPSTREAM_KEY,
        # The only network here is loopback: use the price map shipped in the wheel.
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_TELEMETRY": "False",
        # Its log reaches the file as it is written, for the failure message.
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [LITELLM, "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE
        while True:
            # A readiness probe, not a sleep: the loop ends as soon as the proxy answers.
            if proc.poll() is not None:
                tail = (tmp_path / "litellm.log").read_text()[-4000:]
                raise AssertionError(f"litellm exited early:\n{tail}")
            try:
                if httpx.get(base + "/health/liveliness", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"litellm not ready in {STARTUP_DEADLINE} s")
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)
        yield base + "/v1", server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_whole_job_through_a_litellm_proxy(gateway: tuple[str, LocalServer]) -> None:
    base_url, server = gateway
    requests = [
        chat_request(f"g-{i}", model=MODEL, messages=[{"role": "user", "content": f"Q{i}?"}])
        for i in range(5)
    ]
    # The upstream refuses the gateway's key: only LiteLLM holds the upstream's.
    with (
        Groq(api_key=GATEWAY_KEY, base_url=server.base_url, max_retries=0) as direct,
        pytest.raises(AuthenticationError),
    ):
        direct.batches.list()
    with Groq(provider="openai-compatible", api_key=GATEWAY_KEY, base_url=base_url) as client:
        job = client.batches.submit(requests, metadata={"via": "litellm"})
        (final,) = client.batches.wait(job, poll_interval=0.1, timeout=120)
        assert final.status == "completed"
        results = sorted(job.results(), key=lambda r: r.custom_id)
        assert [r.custom_id for r in results] == [f"g-{i}" for i in range(5)]
        assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
        assert results[0].line["response"]["body"]["choices"][0]["message"]["content"]
    # The batch exists upstream, created through the gateway.
    with Groq(api_key=UPSTREAM_KEY, base_url=server.base_url) as upstream:
        assert upstream.batches.retrieve(final.id).request_counts.completed == 5  # type: ignore[union-attr]
