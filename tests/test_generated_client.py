"""The generated client's multipart upload and binary download against a real loopback server.

This is the one place tests touch the generated package's call functions directly: everything
else goes through the `groq_batch` facades.
"""

from __future__ import annotations

import io
import json

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from groq_batch_api import AuthenticatedClient
from groq_batch_api.api.files import download_file, upload_file
from groq_batch_api.models import File as FileObject
from groq_batch_api.models import FileUploadPurpose, FileUploadRequest
from groq_batch_api.types import File

JSONL = (
    b'{"custom_id":"r1","method":"POST","url":"/v1/chat/completions",'
    b'"body":{"model":"llama-3.1-8b-instant","messages":[{"role":"user","content":"hi"}]}}\n'
)


def test_multipart_upload(httpserver: HTTPServer) -> None:
    seen: dict[str, object] = {}

    def handler(request: Request) -> Response:
        seen["auth"] = request.headers.get("Authorization")
        seen["purpose"] = request.form.get("purpose")
        upload = request.files["file"]
        seen["filename"] = upload.filename
        seen["content"] = upload.read()
        body = {
            "id": "file_01jh6x76wtemjr74t1fh0faj5t",
            "object": "file",
            "bytes": len(seen["content"]),  # type: ignore[arg-type]
            "created_at": 1736472501,
            "filename": upload.filename,
            "purpose": "batch",
        }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/openai/v1/files", method="POST").respond_with_handler(handler)
    client = AuthenticatedClient(base_url=httpserver.url_for(""), token="test-token")
    body = FileUploadRequest(
        file=File(payload=io.BytesIO(JSONL), file_name="requests.jsonl"),
        purpose=FileUploadPurpose.BATCH,
    )
    with client:
        response = upload_file.sync_detailed(client=client, body=body)
    assert response.status_code == 200
    assert isinstance(response.parsed, FileObject)
    assert response.parsed.bytes_ == len(JSONL)
    assert seen == {
        "auth": "Bearer test-token",
        "purpose": "batch",
        "filename": "requests.jsonl",
        "content": JSONL,
    }


def test_binary_download(httpserver: HTTPServer) -> None:
    payload = JSONL * 50
    httpserver.expect_request("/openai/v1/files/file_abc/content", method="GET").respond_with_data(
        payload, content_type="application/octet-stream"
    )
    client = AuthenticatedClient(base_url=httpserver.url_for(""), token="test-token")
    with client:
        response = download_file.sync_detailed("file_abc", client=client)
    assert response.status_code == 200
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == payload


def test_download_sends_range_header(httpserver: HTTPServer) -> None:
    payload = JSONL * 4
    httpserver.expect_request(
        "/openai/v1/files/file_abc/content", method="GET", headers={"Range": "bytes=10-"}
    ).respond_with_data(payload[10:], status=206, content_type="application/octet-stream")
    client = AuthenticatedClient(base_url=httpserver.url_for(""), token="test-token")
    with client:
        response = download_file.sync_detailed("file_abc", client=client, range_="bytes=10-")
    assert response.status_code == 206
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == payload[10:]


def test_error_status_parses_the_envelope(httpserver: HTTPServer) -> None:
    envelope = {"error": {"message": "No such file", "type": "invalid_request_error"}}
    httpserver.expect_request("/openai/v1/files/missing/content").respond_with_json(
        envelope, status=404
    )
    client = AuthenticatedClient(base_url=httpserver.url_for(""), token="test-token")
    with client:
        response = download_file.sync_detailed("missing", client=client)
    assert response.status_code == 404
    assert response.parsed is not None
    assert not isinstance(response.parsed, File)
    assert response.parsed.error.message == "No such file"
