"""A misspelt model is caught before the batch, and not retried after (issue 26, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.jsonl import chat_request, write_jsonl
from tests.cli_support import FAST, MODEL, isolated_home, main

__all__ = ["isolated_home"]

TYPO = "llama-3.1-8b-instnat"


def _requests(tmp_path: Path) -> Path:
    path = tmp_path / "q.jsonl"
    write_jsonl(
        [
            chat_request("typo", model=TYPO, messages=[{"role": "user", "content": "hi"}]),
            chat_request("fine", model=MODEL, messages=[{"role": "user", "content": "hi"}]),
        ],
        path,
    )
    return path


def test_validate_names_the_closest_known_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = main(capsys, "validate", str(_requests(tmp_path)), "--json")
    assert code == cli.EXIT_OK  # a warning, never a problem: the provider may know more models
    (warning,) = json.loads(out)["warnings"]
    assert warning["code"] == "unknown_model"
    assert warning["line"] == 1
    assert f"did you mean '{MODEL}'?" in warning["message"]


def test_resubmit_leaves_out_errors_a_retry_cannot_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = ["--local", "--data-dir", str(tmp_path / "server"), *FAST]
    out = tmp_path / "out.jsonl"
    code, _, err = main(
        capsys, "run", str(_requests(tmp_path)), "-o", str(out), "--name", "j", *local
    )
    assert code == cli.EXIT_FAILED_ROWS, err
    code, _, err = main(capsys, "resubmit", "j", "--json")
    assert code == cli.EXIT_OK, err
    assert "1 request(s) left out" in err
    assert "typo (model_not_found)" in err
    assert "--include-permanent" in err
    assert main(capsys, "list", *local[:3], "--json")[1].count('"id": "batch_') == 1
    code, stdout, err = main(capsys, "resubmit", "j", "--include-permanent", "--json")
    assert code == cli.EXIT_OK, err
    assert len(json.loads(stdout)["batch_ids"]) == 1
