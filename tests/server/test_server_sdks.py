"""Both official SDKs work against the local server unchanged."""

from __future__ import annotations

import json
import time
from pathlib import Path

import groq
import openai
import pytest

from groq_batch_server import LocalServer
from tests.server_support import TERMINAL, request_line, write_jsonl


def test_seed_complete_workflow_with_groq_sdk(local_server: LocalServer, tmp_path: Path) -> None:
    """The seed reference's "Complete Batch Processing Workflow", step by step."""
    client = groq.Groq(base_url=local_server.base_url, api_key="gsk_unused")
    batch_requests = [
        {
            "custom_id": f"request-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "llama3-8b-8192",
                "messages": [{"role": "user", "content": question}],
                "max_tokens": 100,
            },
        }
        for i, question in enumerate(
            [
                "What is artificial intelligence?",
                "Explain machine learning in simple terms.",
                "What are the benefits of deep learning?",
            ],
            start=1,
        )
    ]
    path = tmp_path / "batch_requests.jsonl"
    with path.open("w") as f:
        for request in batch_requests:
            f.write(json.dumps(request) + "\n")
    with path.open("rb") as file:
        file_response = client.files.create(file=file, purpose="batch")
    assert file_response.id.startswith("file_")
    assert file_response.purpose == "batch"
    assert file_response.bytes == path.stat().st_size

    batch = client.batches.create(
        input_file_id=file_response.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"description": "AI Q&A batch processing"},
    )
    assert batch.status == "validating"
    assert batch.request_counts is not None
    assert batch.request_counts.total == 0

    deadline = time.monotonic() + 20
    while True:
        batch_status = client.batches.retrieve(batch.id)
        if batch_status.status in ("completed", "failed", "cancelled"):
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert batch_status.status == "completed"
    assert batch_status.metadata == {"description": "AI Q&A batch processing"}
    assert batch_status.request_counts is not None
    assert (batch_status.request_counts.total, batch_status.request_counts.completed) == (3, 3)
    assert batch_status.output_file_id is not None
    assert batch_status.error_file_id is None

    output = client.files.content(batch_status.output_file_id)
    lines = [json.loads(line) for line in output.text().splitlines()]
    assert sorted(line["custom_id"] for line in lines) == ["request-1", "request-2", "request-3"]
    for line in lines:
        assert line["response"]["status_code"] == 200
        assert line["response"]["body"]["choices"][0]["message"]["content"]

    info = client.files.info(batch_status.output_file_id)
    assert info.purpose == "batch_output"
    listed = client.batches.list()
    assert [b.id for b in listed.data] == [batch.id]
    with pytest.raises(groq.ConflictError):
        client.batches.cancel(batch.id)  # a completed batch cannot be cancelled


def test_groq_sdk_errors_map_to_its_exceptions(local_server: LocalServer) -> None:
    client = groq.Groq(base_url=local_server.base_url, api_key="gsk_unused", max_retries=0)
    with pytest.raises(groq.NotFoundError) as caught:
        client.batches.retrieve("batch_missing")
    assert caught.value.body == {
        "error": {
            "message": "Batch batch_missing not found",
            "type": "invalid_request_error",
            "code": "batch_not_found",
            "param": "batch_id",
        }
    }
    assert caught.value.response.headers["x-request-id"].startswith("req_")
    with pytest.raises(groq.BadRequestError):
        client.batches.create(
            input_file_id="file_x", endpoint="/v1/chat/completions", completion_window="soon"
        )


@pytest.mark.parametrize("prefix", ["/openai/v1", "/v1"])
def test_openai_sdk_full_cycle(local_server: LocalServer, tmp_path: Path, prefix: str) -> None:
    # Groq's path, and the standard OpenAI base URL (http://HOST:PORT/v1).
    client = openai.OpenAI(base_url=local_server.base_url + prefix, api_key="unused")
    path = write_jsonl(tmp_path / "in.jsonl", [request_line(i) for i in range(5)])
    file = client.files.create(file=path.open("rb"), purpose="batch")
    assert file.id.startswith("file_")
    batch = client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    deadline = time.monotonic() + 20
    while batch.status not in TERMINAL:
        assert time.monotonic() < deadline
        time.sleep(0.02)
        batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    assert batch.output_file_id is not None
    text = client.files.content(batch.output_file_id).text
    assert len(text.splitlines()) == 5
    page = client.batches.list(limit=1)
    assert [b.id for b in page.data] == [batch.id]
    assert {f.id for f in client.files.list()} == {file.id, batch.output_file_id}
    deleted = client.files.delete(file.id)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(file.id)
