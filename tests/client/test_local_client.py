"""A client on the local server needs no key: `local_client()`, or any loopback base URL."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

import groq_batch
from groq_batch import Groq, GroqError, local
from groq_batch_server import LocalServer


def test_a_loopback_base_url_needs_no_key(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    with Groq(base_url=local_server.base_url) as client:
        assert client.batches.list().data == []
    # Anywhere else, a key is still required.
    with pytest.raises(GroqError, match="api_key"):
        Groq(base_url="https://api.example.com")


def test_local_client_is_a_documented_one_liner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    with groq_batch.local_client() as client:
        assert client.batches.list().data == []
        # The same server as `--local`: the default data folder's.
        record = local.read_record(local.default_data_dir())
        assert record is not None
        assert str(client.base_url).rstrip("/") == record["url"]
    assert "local_client" in groq_batch.__all__
    assert "async_local_client" in groq_batch.__all__


def test_local_client_without_the_server_extra_says_which_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "uvicorn" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(local.LocalServerError, match=r"pip install 'groq-batch\[server\]'"):
        local.local_client(tmp_path / "data")
    assert not (tmp_path / "data" / "daemon.json").exists()
