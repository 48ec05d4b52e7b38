"""The seed reference's usage examples, run against the local server.

Each example is the seed's text (re-indented: the reference lost its indentation) with only the
import changed (`groq` -> `groq_batch`) and its sleeps shortened. Ids the examples assume exist
("file-abc123", "batch_abc123") are replaced with real ones from the server.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from groq_batch import Groq
from tests.client_support import API_KEY
from tests.server_support import jsonl, request_line

if TYPE_CHECKING:
    from groq_batch_server import LocalServer

COMPLETE_WORKFLOW = """
from groq import Groq
import json
import time
client = Groq()
# 1. Create batch request data
batch_requests = [
    {
        "custom_id": "request-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "llama3-8b-8192",
            "messages": [{"role": "user", "content": "What is artificial intelligence?"}],
            "max_tokens": 100
        }
    },
    {
        "custom_id": "request-2",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "llama3-8b-8192",
            "messages": [{"role": "user", "content": "Explain machine learning in simple terms."}],
            "max_tokens": 100
        }
    },
    {
        "custom_id": "request-3",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "llama3-8b-8192",
            "messages": [{"role": "user", "content": "What are the benefits of deep learning?"}],
            "max_tokens": 100
        }
    }
]
# 2. Write requests to JSONL file
with open("batch_requests.jsonl", "w") as f:
    for request in batch_requests:
        f.write(json.dumps(request) + "\\n")
# 3. Upload the file
with open("batch_requests.jsonl", "rb") as file:
    file_response = client.files.create(
        file=file,
        purpose="batch"
    )
print(f"File uploaded: {file_response.id}")
# 4. Create batch job
batch = client.batches.create(
    input_file_id=file_response.id,
    endpoint="/v1/chat/completions",
    completion_window="24h",
    metadata={"description": "AI Q&A batch processing"}
)
print(f"Batch created: {batch.id}")
print(f"Status: {batch.status}")
# 5. Monitor batch progress
while True:
    batch_status = client.batches.retrieve(batch.id)
    print(f"Batch status: {batch_status.status}")
    if batch_status.status == "completed":
        print("Batch completed!")
        print(f"Output file: {batch_status.output_file_id}")
        break
    elif batch_status.status == "failed":
        print("Batch failed!")
        if batch_status.errors:
            print(f"Errors: {batch_status.errors}")
        break
    elif batch_status.status == "cancelled":
        print("Batch was cancelled!")
        break
    time.sleep(30)  # Wait 30 seconds before checking again
"""

CREATE = """
from groq import Groq
client = Groq()
# Assuming you have already uploaded a file with batch requests
batch = client.batches.create(
    input_file_id="file-abc123",
    endpoint="/v1/chat/completions",
    completion_window="24h",
    metadata={
        "project": "customer_support_analysis",
        "batch_type": "chat_completions"
    }
)
print(f"Batch ID: {batch.id}")
print(f"Status: {batch.status}")
print(f"Created at: {batch.created_at}")
print(f"Request counts: {batch.request_counts}")
"""

MONITOR = """
from groq import Groq
client = Groq()
# Get batch information
batch = client.batches.retrieve("batch_abc123")
print(f"Batch ID: {batch.id}")
print(f"Status: {batch.status}")
print(f"Input file: {batch.input_file_id}")
print(f"Endpoint: {batch.endpoint}")
print(f"Completion window: {batch.completion_window}")
# Print request counts
if batch.request_counts:
    print(f"Total requests: {batch.request_counts.total}")
    print(f"Completed: {batch.request_counts.completed}")
    print(f"Failed: {batch.request_counts.failed}")
# Check if completed and get output
if batch.status == "completed" and batch.output_file_id:
    print(f"Output file: {batch.output_file_id}")
    # You can then download the output file using the files API
"""

LIST = """
from groq import Groq
client = Groq()
# List all batches
batches = client.batches.list(limit=10)
print(f"Total batches: {len(batches.data)}")
for batch in batches.data:
    print(f"- {batch.id}: {batch.status}")
    print(f" Endpoint: {batch.endpoint}")
    print(f" Created: {batch.created_at}")
    if batch.request_counts:
        print(f" Requests: {batch.request_counts.completed}/{batch.request_counts.total}")
"""

CANCEL = """
from groq import Groq
client = Groq()
# Cancel a batch that's in progress
try:
    result = client.batches.cancel("batch_abc123")
    print(f"Batch cancelled: {result.id}")
    print(f"Status: {result.status}")
except Exception as e:
    print(f"Failed to cancel batch: {e}")
"""

ASYNC = """
import asyncio
from groq import AsyncGroq
async def main():
    client = AsyncGroq()
    # Create batch asynchronously
    batch = await client.batches.create(
        input_file_id="file-abc123",
        endpoint="/v1/chat/completions",
        completion_window="24h"
    )
    print(f"Batch created: {batch.id}")
    # Monitor progress asynchronously
    while True:
        batch_status = await client.batches.retrieve(batch.id)
        if batch_status.status in ["completed", "failed", "cancelled"]:
            break
        await asyncio.sleep(30)
    print(f"Final status: {batch_status.status}")
asyncio.run(main())
"""


def run_example(source: str, **ids: str) -> None:
    """Run an example with only the import changed, the sleeps shortened and real ids."""
    code = source.replace("from groq import", "from groq_batch import")
    code = code.replace("time.sleep(30)", "time.sleep(0.05)")
    code = code.replace("asyncio.sleep(30)", "asyncio.sleep(0.05)")
    for placeholder, real in ids.items():
        code = code.replace(placeholder, real)
    exec(compile(textwrap.dedent(code), "<seed example>", "exec"), {"__name__": "__main__"})


@pytest.fixture
def seed_env(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[LocalServer], Groq]]:
    """Point `Groq()` at a local server through the environment, as a user's shell would."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GROQ_API_KEY", API_KEY)
    clients: list[Groq] = []

    def use(server: LocalServer) -> Groq:
        monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
        clients.append(Groq())
        return clients[-1]

    use(local_server)
    yield use
    for client in clients:
        client.close()


def uploaded_file(client: Groq) -> str:
    return client.files.create(file=("in.jsonl", jsonl([request_line(1), request_line(2)]))).id


def test_complete_workflow(seed_env: object, capsys: pytest.CaptureFixture[str]) -> None:
    run_example(COMPLETE_WORKFLOW)
    out = capsys.readouterr().out
    assert "File uploaded: file_" in out
    assert "Batch created: batch_" in out
    assert "Status: validating" in out
    assert "Batch completed!" in out
    assert "Output file: file_" in out
    assert Path("batch_requests.jsonl").read_text().count("\n") == 3


def test_create(
    seed_env: Callable[[LocalServer], Groq],
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file_id = uploaded_file(seed_env(local_server))
    run_example(CREATE, **{"file-abc123": file_id})
    out = capsys.readouterr().out
    assert "Batch ID: batch_" in out
    assert "Status: validating" in out
    assert "Created at: 1" in out
    assert "Request counts: BatchRequestCounts(total=" in out


def test_monitor(
    seed_env: Callable[[LocalServer], Groq],
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = seed_env(local_server)
    batch = client.batches.create(
        input_file_id=uploaded_file(client),
        endpoint="/v1/chat/completions",
        completion_window="24h",
    )
    run_example(MONITOR, batch_abc123=batch.id)
    out = capsys.readouterr().out
    assert f"Batch ID: {batch.id}" in out
    assert "Endpoint: /v1/chat/completions" in out
    assert "Completion window: 24h" in out
    assert "Total requests: " in out


def test_list(
    seed_env: Callable[[LocalServer], Groq],
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = seed_env(local_server)
    file_id = uploaded_file(client)
    made = [
        client.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
        ).id
        for _ in range(3)
    ]
    run_example(LIST)
    out = capsys.readouterr().out
    assert "Total batches: 3" in out
    for batch_id in made:
        assert f"- {batch_id}: " in out
    assert out.count(" Endpoint: /v1/chat/completions") == 3


def test_cancel(
    seed_env: Callable[[LocalServer], Groq],
    make_local_server: Callable[..., LocalServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Slow requests keep the batch in progress long enough to cancel it.
    client = seed_env(make_local_server(request_latency=5.0))
    batch = client.batches.create(
        input_file_id=uploaded_file(client),
        endpoint="/v1/chat/completions",
        completion_window="24h",
    )
    run_example(CANCEL, batch_abc123=batch.id)
    out = capsys.readouterr().out
    assert f"Batch cancelled: {batch.id}" in out
    assert "Status: cancelling" in out or "Status: cancelled" in out


def test_async_usage(
    seed_env: Callable[[LocalServer], Groq],
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file_id = uploaded_file(seed_env(local_server))
    run_example(ASYNC, **{"file-abc123": file_id})
    out = capsys.readouterr().out
    assert "Batch created: batch_" in out
    assert "Final status: completed" in out
