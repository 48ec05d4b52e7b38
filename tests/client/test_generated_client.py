"""The generated client's multipart upload and binary download against the real local server.

This is the one place tests touch the generated package's call functions directly: everything
else goes through the `groq_batch` facades.
"""

from __future__ import annotations

import io

from groq_batch_api import AuthenticatedClient
from groq_batch_api.api.files import download_file, upload_file
from groq_batch_api.models import ErrorResponse, FilePurpose, FileUploadPurpose, FileUploadRequest
from groq_batch_api.models import File as FileObject
from groq_batch_api.types import File
from groq_batch_server import LocalServer

JSONL = (
    b'{"custom_id":"r1","method":"POST","url":"/v1/chat/completions",'
    b'"body":{"model":"llama-3.1-8b-instant","messages":[{"role":"user","content":"hi"}]}}\n'
) * 50


def upload(client: AuthenticatedClient) -> FileObject:
    body = FileUploadRequest(
        file=File(payload=io.BytesIO(JSONL), file_name="requests.jsonl"),
        purpose=FileUploadPurpose.BATCH,
    )
    response = upload_file.sync_detailed(client=client, body=body)
    assert response.status_code == 200
    assert isinstance(response.parsed, FileObject)
    return response.parsed


def test_multipart_upload_then_binary_download(local_server: LocalServer) -> None:
    with AuthenticatedClient(base_url=local_server.base_url, token="test-token") as client:
        stored = upload(client)
        assert stored.bytes == len(JSONL)
        assert stored.filename == "requests.jsonl"
        assert stored.purpose is FilePurpose.BATCH
        response = download_file.sync_detailed(stored.id, client=client)
    assert response.status_code == 200
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == JSONL


def test_download_range_answers_206(local_server: LocalServer) -> None:
    with AuthenticatedClient(base_url=local_server.base_url, token="test-token") as client:
        stored = upload(client)
        response = download_file.sync_detailed(stored.id, client=client, range_="bytes=10-")
    assert response.status_code == 206
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == JSONL[10:]


def test_error_status_parses_the_envelope(local_server: LocalServer) -> None:
    with AuthenticatedClient(base_url=local_server.base_url, token="test-token") as client:
        response = download_file.sync_detailed("file_missing", client=client)
    assert response.status_code == 404
    assert isinstance(response.parsed, ErrorResponse)
    assert "file_missing" in response.parsed.error.message


def test_bearer_token_is_required_when_configured(make_local_server: object) -> None:
    server = make_local_server(api_key="sekret")  # type: ignore[operator]
    with AuthenticatedClient(base_url=server.base_url, token="wrong") as client:
        response = download_file.sync_detailed("file_x", client=client)
    assert response.status_code == 401
    assert isinstance(response.parsed, ErrorResponse)
