"""Every command that reads an input takes the same inputs, and the batch endpoint follows them.

Issue 26, items 1, 2, 3 and 10: `validate`, `estimate`, `submit` and `run` read tables and
JSONL alike; an input that cannot be read is exit 2, never a $0 estimate; the batch's endpoint
is the lines' url unless one is given, and one no line uses is refused before any upload.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.jsonl import chat_request, transcription_request, write_jsonl
from tests.cli_support import FAST, MODEL, isolated_home, main

__all__ = ["isolated_home"]

TABLE = ["--prompt-column", "question", "--model", MODEL]


def _local(tmp_path: Path) -> list[str]:
    return ["--local", "--data-dir", str(tmp_path / "server"), *FAST]


def _csv(tmp_path: Path, text: str = "topic,question\nsky,Why is the sky blue?\nb,What?\n") -> Path:
    path = tmp_path / "prompts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_takes_a_table_with_the_table_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _csv(tmp_path)
    code, out, err = main(capsys, "validate", str(source), *TABLE)
    assert code == cli.EXIT_OK, err
    assert "2 lines" in out
    assert "no problems" in out
    # Without saying how to read the table, a hint names the options: no "invalid JSON" flood.
    code, out, err = main(capsys, "validate", str(source))
    assert code == cli.EXIT_USAGE
    assert "--prompt-column" in err
    assert "invalid JSON" not in out + err


def test_estimate_takes_a_table_and_prices_its_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _csv(tmp_path)
    code, out, err = main(capsys, "estimate", str(source), *TABLE, "--max-tokens", "50", "--json")
    assert code == cli.EXIT_OK, err
    est = json.loads(out)
    assert est["requests"] == 2
    assert est["batch_cost"][1] > 0


@pytest.mark.parametrize(
    ("name", "data"),
    [("prompts.csv", b"topic,question\na,b\n"), ("notes.jsonl", b"not json at all\n")],
)
def test_estimate_of_an_unreadable_input_is_exit_2_not_a_zero_estimate(
    name: str, data: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    code, out, err = main(capsys, "estimate", str(source))
    assert code == cli.EXIT_USAGE
    assert "$0" not in out
    assert "groq-batch: error:" in err


def test_the_python_api_takes_a_table_for_validate_estimate_and_submit(local_server) -> None:
    pa = pytest.importorskip("pyarrow")
    import groq_batch
    from groq_batch.estimate import estimate
    from groq_batch.tables import prompt_table

    table = prompt_table(
        pa.table({"question": ["Why?", "How?"]}), prompt="question", model=MODEL, max_tokens=20
    )
    assert groq_batch.validate(table).ok
    assert estimate(table).requests == 2
    with groq_batch.Groq(api_key="k", base_url=local_server.base_url) as client:
        job = client.batches.submit(table)
        client.batches.wait(job, poll_interval=0.05)
        assert sorted(r.custom_id for r in client.batches.results(job)) == ["row-1", "row-2"]
    # A table of plain records says how to make prompts of it, rather than failing per line.
    with pytest.raises(groq_batch.ValidationError, match="prompt_table"):
        groq_batch.validate(table.table)
    lines = pa.table({"custom_id": ["x"], "method": ["POST"], "url": ["/v1/chat/completions"]})
    lines = lines.append_column(
        "body", pa.array([{"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}])
    )
    assert groq_batch.validate(lines).ok


def test_a_ragged_csv_row_and_an_empty_prompt_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _csv(tmp_path, "topic,question\na,fine\nb,two,extra\nc,   \nd,fine too\n")
    for command in ("validate", "estimate"):
        code, _, err = main(capsys, command, str(source), *TABLE)
        assert code == cli.EXIT_USAGE, command
        assert "row 2 (line 3): 3 cells" in err
        assert "row 3 (line 4), column 'question': the prompt is empty" in err
        # The ragged row is reported once, not also as an empty prompt.
        assert err.count("row 2") == 1


def _audio(tmp_path: Path) -> Path:
    path = tmp_path / "audio.jsonl"
    write_jsonl(
        [
            transcription_request(f"a{i}", model="whisper-large-v3", url=f"https://x/{i}.wav")
            for i in range(3)
        ],
        path,
    )
    return path


def test_an_all_audio_file_becomes_an_audio_batch_without_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _audio(tmp_path)
    code, out, err = main(capsys, "submit", str(source), *_local(tmp_path), "--json")
    assert code == cli.EXIT_OK, err
    batches = [json.loads(line) for line in out.splitlines() if '"batches"' in line]
    assert {b["endpoint"] for b in batches[-1]["batches"]} == {"/v1/audio/transcriptions"}


def test_a_mixed_file_follows_groqs_mixed_batch_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Groq's batch guide creates its "Mixed Batch" example with endpoint /v1/chat/completions.
    source = tmp_path / "mixed.jsonl"
    write_jsonl(
        [
            transcription_request("a", model="whisper-large-v3", url="https://x/a.wav"),
            chat_request("c", model=MODEL, messages=[{"role": "user", "content": "hi"}]),
        ],
        source,
    )
    code, out, err = main(capsys, "validate", str(source), "--json")
    assert code == cli.EXIT_OK, err
    assert json.loads(out)["endpoint"] == "/v1/chat/completions"


def test_an_endpoint_no_line_uses_is_refused_before_upload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _audio(tmp_path)
    code, _, err = main(
        capsys,
        "run",
        str(source),
        "--endpoint",
        "/v1/chat/completions",
        "-o",
        str(tmp_path / "out.jsonl"),
        *_local(tmp_path),
    )
    assert code == cli.EXIT_USAGE
    assert "endpoint_unused" in err
    assert "the lines use /v1/audio/transcriptions" in err
    assert "nothing was uploaded" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_openai_compatible_without_a_base_url_is_exit_2_before_the_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-123456")
    source = _audio(tmp_path)
    for command in ("submit", "run"):
        extra = ["-o", str(tmp_path / "o.jsonl")] if command == "run" else []
        code, out, err = main(
            capsys, command, str(source), "--provider", "openai-compatible", *extra
        )
        assert code == cli.EXIT_USAGE, command
        assert "--base-url" in err
        assert "estimate" not in out + err
        assert "base_url to the client" not in err
