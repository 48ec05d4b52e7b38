"""A recorded job is reached with its own provider's key, never another's (issue 23, item 1).

The registry records the provider (and its key variable) with the URL; `job_connection` alone
decides which key goes to a recorded job, for the CLI and the dashboard alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from groq_batch.jobs import (
    SCHEMA_VERSION,
    JobKeyError,
    JobRegistry,
    default_registry_path,
    endpoint_label,
    job_connection,
)
from groq_batch_server import LocalServer
from tests.cli_support import isolated_home, main, write_requests
from tests.echo_support import EchoingGateway, echoing_gateway

__all__ = ["echoing_gateway", "isolated_home"]

GROQ_KEY = "gsk_groq_users_own_key_0123456789abcdef"
OPENAI_KEY = "sk-openai_users_own_key_0123456789abcdef"


@pytest.fixture
def both_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", GROQ_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.delenv("GROQ_BATCH_PROVIDER", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def test_a_gateway_job_is_reached_with_its_providers_key_not_groqs(
    tmp_path: Path,
    make_local_server: Callable[..., LocalServer],
    capsys: pytest.CaptureFixture[str],
    both_keys: None,
) -> None:
    # The gateway accepts only the OpenAI-format key the job was submitted with: the Groq key
    # arriving there is the leak this guards against (and would be answered 401).
    gateway = make_local_server(api_key=OPENAI_KEY)
    source = write_requests(tmp_path / "in.jsonl", 2)
    code, _, err = main(
        capsys,
        "submit",
        str(source),
        "--provider",
        "openai-compatible",
        "--base-url",
        gateway.base_url,
        "--name",
        "gw",
        "--window",
        "24h",
    )
    assert code == 0, err
    record = JobRegistry().get("gw")
    assert record is not None
    assert (record.provider, record.key_env) == ("openai-compatible", "OPENAI_API_KEY")
    code, out, err = main(capsys, "status", "gw")
    assert code == 0, err
    assert "validating" in out or "in_progress" in out or "completed" in out


def test_a_job_run_on_openai_never_gets_the_groq_key(
    capsys: pytest.CaptureFixture[str], both_keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = JobRegistry()
    registry.record(
        ["batch_o"],
        name="oa",
        endpoint=endpoint_label(local_data_dir=None, base_url="https://api.openai.com/v1"),
        provider="openai",
    )
    record = registry.get("oa")
    assert record is not None
    connection = job_connection(record)
    assert (connection.provider.name, connection.api_key) == ("openai", OPENAI_KEY)
    assert connection.base_url == "https://api.openai.com/v1"
    assert OPENAI_KEY not in repr(connection)
    # Without the OpenAI key the command refuses (exit 2) before connecting anywhere: it never
    # falls back to the Groq key that is set.
    monkeypatch.delenv("OPENAI_API_KEY")
    code, _out, err = main(capsys, "status", "oa")
    assert code == 2
    assert "OPENAI_API_KEY" in err
    assert "oa" in err
    with pytest.raises(JobKeyError, match="drop --provider"):
        job_connection(record, provider="groq")


def test_a_key_goes_only_to_a_url_its_provider_owns(both_keys: None, tmp_path: Path) -> None:
    registry = JobRegistry(tmp_path / "jobs.sqlite3")
    registry.record(
        ["batch_f"], name="foreign", endpoint="https://gateway.example/v1", provider="groq"
    )
    registry.record(["batch_l"], name="loop", endpoint="http://127.0.0.1:9/v1", provider="groq")
    foreign, loop = registry.get("foreign"), registry.get("loop")
    assert foreign is not None
    assert loop is not None
    with pytest.raises(JobKeyError, match="not groq's"):
        job_connection(foreign)
    # A key the user gives for this command is theirs to send.
    assert job_connection(foreign, api_key="explicit-key-123").api_key == "explicit-key-123"
    assert job_connection(loop).api_key == GROQ_KEY


_OLD_SCHEMA = """
CREATE TABLE jobs (
    name TEXT PRIMARY KEY, batch_ids TEXT NOT NULL, input_path TEXT, input_sha256 TEXT,
    output_path TEXT, endpoint TEXT NOT NULL, state TEXT NOT NULL, retry_of TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE job_batches (
    batch_id TEXT NOT NULL, name TEXT NOT NULL REFERENCES jobs(name) ON DELETE CASCADE,
    PRIMARY KEY (batch_id, name)
);
"""


def _old_registry(path: Path, rows: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(_OLD_SCHEMA)
        for name, endpoint in rows.items():
            db.execute(
                "INSERT INTO jobs VALUES (?, ?, NULL, NULL, NULL, ?, 'submitted', NULL, 1, 1)",
                (name, f"batch_{name}", endpoint),
            )
            db.execute("INSERT INTO job_batches VALUES (?, ?)", (f"batch_{name}", name))
    db.close()


def test_an_old_registry_is_migrated_and_an_unknown_url_gets_no_key(
    capsys: pytest.CaptureFixture[str],
    both_keys: None,
    echoing_gateway: EchoingGateway,
) -> None:
    path = default_registry_path()
    _old_registry(
        path,
        {
            "g": "groq",
            "o": "https://api.openai.com/v1",
            "gw": echoing_gateway.base_url,
            "l": "local:/nowhere",
        },
    )
    registry = JobRegistry()
    found = {r.name: (r.provider, r.key_env) for r in registry.list()}
    assert found == {
        "g": ("groq", "GROQ_API_KEY"),
        "o": ("openai", "OPENAI_API_KEY"),
        "gw": (None, None),
        "l": (None, None),
    }
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()

    # The job on an unknown URL: refused with a clear message, and nothing reached the server.
    code, _, err = main(capsys, "status", "gw")
    assert code == 2
    assert "--provider" in err
    assert "--api-key" in err
    assert echoing_gateway.received == []

    # Named explicitly, the provider's own key goes there, and only it.
    code, _, err = main(capsys, "status", "gw", "--provider", "openai-compatible")
    assert code == 1
    assert echoing_gateway.received == [f"Bearer {OPENAI_KEY}"]


def test_a_recorded_gateway_receives_only_its_own_providers_key(
    capsys: pytest.CaptureFixture[str], both_keys: None, echoing_gateway: EchoingGateway
) -> None:
    """The logging server on the recorded port: what arrives is the job's key, never Groq's."""
    JobRegistry().record(
        ["batch_g"], name="gw", endpoint=echoing_gateway.base_url, provider="openai-compatible"
    )
    for command in (["status", "gw"], ["cancel", "gw"], ["wait", "gw", "--timeout", "1"]):
        code, out, err = main(capsys, *command)
        assert code == 1, err
        assert GROQ_KEY not in out + err
        assert OPENAI_KEY not in out + err  # echoed back in the 401, scrubbed
    assert echoing_gateway.received
    assert set(echoing_gateway.received) == {f"Bearer {OPENAI_KEY}"}
