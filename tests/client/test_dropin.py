"""Groq's batch guide, run as written with only the import changed, against the local server.

Each snippet below is the Python of Groq's batch guide (console.groq.com/docs/batch), copied as
it is. The tests run it twice: once with `from groq_batch import Groq` (the only edit a user
makes), once unchanged with the official `groq` SDK, and check both do the same thing. The
guide's example ids are swapped for ids that exist on the local server, since the guide's own
are placeholders; the code around them is untouched. `GROQ_API_KEY` and `GROQ_BASE_URL` point
both clients at the server, as a user's environment would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from groq_batch_server import LocalServer
from tests.server_support import Api, jsonl, request_line, write_jsonl

API_KEY = "gsk_dropin"
OFFICIAL_IMPORT = "from groq import Groq"
IMPORTS = {"groq_batch": "from groq_batch import Groq", "groq": OFFICIAL_IMPORT}
SDKS = sorted(IMPORTS)

# The guide's placeholder ids, replaced by real ones when a snippet runs.
GUIDE_INPUT_FILE_ID = "file_01jh6x76wtemjr74t1fh0faj5t"
GUIDE_BATCH_ID = "batch_01jh6xa7reempvjyh6n3yst2zw"
GUIDE_OUTPUT_FILE_ID = "file_01jh6xa97be52b7pg88czwrrwb"

# Step 2: upload the batch file.
UPLOAD = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

file_path = "batch_file.jsonl"
response = client.files.create(file=open(file_path, "rb"), purpose="batch")

print(response)
"""

# Step 3: create the batch.
CREATE = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

response = client.batches.create(
    completion_window="24h",
    endpoint="/v1/chat/completions",
    input_file_id="file_01jh6x76wtemjr74t1fh0faj5t",
)
print(response.to_json())
"""

# Step 4: check the batch's status.
RETRIEVE = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

response = client.batches.retrieve("batch_01jh6xa7reempvjyh6n3yst2zw")

print(response.to_json())
"""

# Step 5: save the results.
RESULTS = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

response = client.files.content("file_01jh6xa97be52b7pg88czwrrwb")
response.write_to_file("batch_results.jsonl")
print("Batch file saved to batch_results.jsonl")
"""

# "Iterate Over All Batches".
LIST = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

# Initial request - gets first page of batches
response = client.batches.list()
print("First page:", response)

# If there's a next cursor, use it to get the next page
if response.paging and response.paging.get("next_cursor"):
    next_response = client.batches.list(
        extra_query={
            "cursor": response.paging.get("next_cursor")
        }  # Use the next_cursor for next page
    )
    print("Next page:", next_response)
"""

# The wire names the guide's JSON shows, read as attributes (`file.bytes`, `batch.object`).
WIRE_NAMES = """\
import os
from groq import Groq

client = Groq(api_key=os.environ.get("GROQ_API_KEY"))

file = client.files.info("file_01jh6x76wtemjr74t1fh0faj5t")
batch = client.batches.retrieve("batch_01jh6xa7reempvjyh6n3yst2zw")
print(file.object, file.bytes, file.filename, batch.object, batch.endpoint)
"""

# Fields of the guide's sample Batch object (step 3); `to_json()` must print every one.
GUIDE_BATCH_KEYS = {
    "id",
    "object",
    "endpoint",
    "errors",
    "input_file_id",
    "completion_window",
    "status",
    "output_file_id",
    "error_file_id",
    "finalizing_at",
    "failed_at",
    "expired_at",
    "cancelled_at",
    "request_counts",
    "metadata",
    "created_at",
    "expires_at",
    "cancelling_at",
    "completed_at",
    "in_progress_at",
}

Run = Callable[..., tuple[str, dict[str, Any]]]


@pytest.fixture
def server(make_local_server: Callable[..., LocalServer]) -> LocalServer:
    return make_local_server(api_key=API_KEY)


@pytest.fixture
def api(server: LocalServer) -> Iterator[Api]:
    client = Api(server.base_url, api_key=API_KEY)
    yield client
    client.close()


@pytest.fixture
def run(
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """Run a guide snippet with one SDK; return what it printed and its variables."""
    monkeypatch.setenv("GROQ_API_KEY", API_KEY)
    monkeypatch.setenv("GROQ_BASE_URL", server.base_url)
    monkeypatch.chdir(tmp_path)

    def run_snippet(snippet: str, sdk: str, **ids: str) -> tuple[str, dict[str, Any]]:
        assert snippet.count(OFFICIAL_IMPORT) == 1
        code = snippet.replace(OFFICIAL_IMPORT, IMPORTS[sdk])
        for placeholder, real in ids.items():
            assert placeholder in code
            code = code.replace(placeholder, real)
        namespace: dict[str, Any] = {"__name__": "__guide__"}
        capsys.readouterr()
        exec(compile(code, f"<guide snippet, {sdk}>", "exec"), namespace)
        return capsys.readouterr().out, namespace

    return run_snippet


def _finished_batch(api: Api, lines: int = 3) -> dict[str, Any]:
    batch = api.submit([request_line(i) for i in range(lines)])
    return api.wait(batch["id"])


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # the guide never closes its file
@pytest.mark.parametrize("sdk", SDKS)
def test_upload_prints_the_file(run: Run, sdk: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "batch_file.jsonl", [request_line(i) for i in range(3)])
    out, ns = run(UPLOAD, sdk)
    assert ns["response"].id in out
    assert ns["response"].bytes == path.stat().st_size


def test_create_prints_the_batch_as_json_like_the_official_sdk(run: Run, api: Api) -> None:
    file_id = api.upload(jsonl([request_line(0)]))["id"]
    printed = {sdk: run(CREATE, sdk, **{GUIDE_INPUT_FILE_ID: file_id})[0] for sdk in SDKS}
    created = {sdk: json.loads(out) for sdk, out in printed.items()}
    for sdk, batch in created.items():
        assert printed[sdk].startswith('{\n  "'), "two-space indent, as the SDK's to_json()"
        assert set(batch) >= GUIDE_BATCH_KEYS, sdk
        assert batch["object"] == "batch"
        assert batch["input_file_id"] == file_id
        assert batch["status"] == "validating"
    # Two different batches: the same fields, the same values apart from ids and times.
    ours, theirs = created["groq_batch"], created["groq"]
    assert set(ours) == set(theirs)
    # `metadata` differs on purpose: groq_batch's create adds its idempotency marker there.
    varying = {"id", "created_at", "expires_at", "in_progress_at", "metadata"}
    assert {k: v for k, v in ours.items() if k not in varying} == {
        k: v for k, v in theirs.items() if k not in varying
    }


def test_retrieve_prints_the_same_json_as_the_official_sdk(run: Run, api: Api) -> None:
    batch = _finished_batch(api)
    printed = {sdk: run(RETRIEVE, sdk, **{GUIDE_BATCH_ID: batch["id"]})[0] for sdk in SDKS}
    assert json.loads(printed["groq_batch"]) == json.loads(printed["groq"]) == batch
    assert printed["groq_batch"].startswith('{\n  "')


def test_wire_names_read_as_attributes(run: Run, api: Api) -> None:
    batch = _finished_batch(api)
    ids = {GUIDE_INPUT_FILE_ID: batch["input_file_id"], GUIDE_BATCH_ID: batch["id"]}
    printed = {sdk: run(WIRE_NAMES, sdk, **ids)[0] for sdk in SDKS}
    size = len(api.content(batch["input_file_id"]))
    assert (
        printed["groq_batch"]
        == printed["groq"]
        == (f"file {size} input.jsonl batch /v1/chat/completions\n")
    )


def test_results_are_written_to_a_file(run: Run, api: Api, tmp_path: Path) -> None:
    batch = _finished_batch(api)
    expected = api.content(batch["output_file_id"])
    for sdk in SDKS:
        out, _ = run(RESULTS, sdk, **{GUIDE_OUTPUT_FILE_ID: batch["output_file_id"]})
        assert out == "Batch file saved to batch_results.jsonl\n"
        assert (tmp_path / "batch_results.jsonl").read_bytes() == expected, sdk
        (tmp_path / "batch_results.jsonl").unlink()


def test_list_follows_paging_next_cursor_with_extra_query(run: Run, api: Api) -> None:
    # One more batch than the server's default page of 20, so there is a next cursor.
    file_id = api.upload(jsonl([request_line(0)]))["id"]
    created = [api.create(file_id)["id"] for _ in range(21)]
    pages: dict[str, tuple[list[str], list[str]]] = {}
    for sdk in SDKS:
        out, ns = run(LIST, sdk)
        assert "First page:" in out
        assert "Next page:" in out, f"{sdk}: the guide's `if` found no next_cursor"
        first = [b.id for b in ns["response"].data]
        after = [b.id for b in ns["next_response"].data]
        pages[sdk] = (first, after)
    newest_first = created[::-1]
    assert pages["groq_batch"] == pages["groq"] == (newest_first[:20], newest_first[20:])
