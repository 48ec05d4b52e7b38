"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from groq_batch_server import LocalServer


# Hypothesis's deadline and its slow-generation check time the machine, not the code: on a CI
# runner with both cores busy (or under `nox -s mutants`, the suite once per mutant, two at a
# time) they fail tests whose behaviour is right. Every property here is judged on what it
# returns; how fast is the benchmarks' business.
_UNTIMED = {"suppress_health_check": [HealthCheck.too_slow], "deadline": None}
settings.register_profile("suite", **_UNTIMED)
settings.register_profile("mutants", **_UNTIMED)
settings.load_profile("suite")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop users of `AsyncGroq` have."""
    return "asyncio"


@pytest.fixture(autouse=True)
def _private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real per-user data dir (job registry, ``--local`` server).

    A test that runs a command without choosing a data home would otherwise use (and leave
    records in) the developer's own ``~/.local/share/groq-batch``; a test that sets its own wins.
    """
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


# --------------------------------------------------------------------------- local server
@pytest.fixture
def make_local_server(tmp_path: Path) -> Iterator[Callable[..., LocalServer]]:
    """A factory for started local servers, each stopped at the end of the test.

    Call it with any `ServerConfig` fields, for example
    ``make_local_server(api_key="gsk_test", time_scale=86400, request_latency=0.01)``. Each
    server gets its own data dir under ``tmp_path`` unless ``data_dir`` is given.
    """
    from groq_batch_server import LocalServer, ServerConfig

    started: list[LocalServer] = []

    def make(**overrides: Any) -> LocalServer:
        overrides.setdefault("data_dir", tmp_path / f"server-{len(started)}")
        server = LocalServer(ServerConfig(**overrides)).start()
        started.append(server)
        return server

    yield make
    for server in reversed(started):
        server.stop()


@pytest.fixture
def local_server(make_local_server: Callable[..., LocalServer]) -> LocalServer:
    """A local Groq-compatible server on a free loopback port: fresh data dir, no API key."""
    return make_local_server(api_key=None)


@pytest.fixture(autouse=True)
def _stop_background_servers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Stop any ``--local`` background server a test left in its ``tmp_path``.

    A test that runs ``groq-batch ... --local`` starts one (detached, so it outlives the
    command); it must not outlive the test.
    """
    # Asked for here (not after the test), so tmp_path is torn down after this fixture.
    tmp_path = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None
    yield
    if tmp_path is None:
        return
    records = list(tmp_path.rglob("daemon.json"))
    if records:
        from groq_batch_server import daemon

        for record in records:
            daemon.stop(record.parent)


# ------------------------------------------------------------------------------- cassettes
@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """pytest-recording settings: filter `Authorization`; the record mode comes from the CLI."""
    from tests.cassette_support import vcr_config

    return vcr_config()


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register the cassette matchers that `vcr_config` names (`headers`, `json_body`)."""
    from tests.cassette_support import register_matchers

    register_matchers(vcr)
