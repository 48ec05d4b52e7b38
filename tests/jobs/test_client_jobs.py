"""The job registry from Python, and the checks `submit` makes before the first byte goes out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from groq_batch import AsyncGroq, Groq, ValidationError
from groq_batch.jsonl import BatchRequest, chat_request, write_jsonl
from groq_batch_cli import main
from groq_batch_server import LocalServer

MODEL = "llama-3.1-8b-instant"


def _requests(n: int) -> list[BatchRequest]:
    return [
        chat_request(f"r-{i}", model=MODEL, messages=[{"role": "user", "content": f"Q{i}"}])
        for i in range(n)
    ]


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg"


def test_a_job_name_reattaches_and_lists(local_server: LocalServer, data_home: Path) -> None:
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        job = client.batches.submit(_requests(3))
        client.jobs.record(job.ids, endpoint=str(client.base_url), name="nightly")

        assert [r.name for r in client.jobs.list()] == ["nightly"]
        assert client.jobs.get("nightly") is not None
        same = client.batches.job("nightly")
        assert list(same.ids) == list(job.ids)
        client.batches.wait(same, poll_interval=0.05)
        assert sorted(r.custom_id for r in same.results()) == ["r-0", "r-1", "r-2"]
    assert (data_home / "groq-batch" / "jobs.sqlite3").exists()


def test_batch_ids_never_touch_the_registry(local_server: LocalServer, data_home: Path) -> None:
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        job = client.batches.job(["batch_a", "batch_b"])
    assert list(job.ids) == ["batch_a", "batch_b"]
    assert not (data_home / "groq-batch").exists()


@pytest.mark.anyio
async def test_async_job_name_reattaches(local_server: LocalServer, data_home: Path) -> None:
    async with AsyncGroq(api_key="k", base_url=local_server.base_url) as client:
        job = await client.batches.submit(_requests(2))
        client.jobs.record(job.ids, endpoint=str(client.base_url), name="async-job")
        assert list(client.batches.job("async-job").ids) == list(job.ids)


def test_submit_refuses_oversized_metadata_before_uploading(local_server: LocalServer) -> None:
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        too_many = {f"k{i}": "v" for i in range(14)}
        with pytest.raises(ValidationError) as info:
            client.batches.submit(_requests(2), metadata=too_many)
        assert info.value.problems[0].field == "metadata"
        long_value = {"note": "x" * 513}
        with pytest.raises(ValidationError) as info:
            client.batches.submit(_requests(2), metadata=long_value)
        assert info.value.problems[0].field == "metadata.note"
        assert list(client.files.list()) == []
        assert list(client.batches.list()) == []


def test_validate_json_reports_the_split(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.jsonl"
    write_jsonl(_requests(50_001), path)
    assert main(["validate", str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["parts"] == 2
    assert [w["code"] for w in report["warnings"]] == ["will_split"]


def test_audio_endpoint_is_a_valid_choice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from groq_batch.jsonl import transcription_request

    path = tmp_path / "audio.jsonl"
    write_jsonl(
        [transcription_request("a-1", model="whisper-large-v3", url="https://x/a.mp3")], path
    )
    code = main(["validate", str(path), "--endpoint", "/v1/audio/transcriptions", "--json"])
    assert code == 0, capsys.readouterr()
