"""Uploads are byte-exact: no file content can end its multipart part early (issue 23, item 12).

The generated upload once sent every file with the fixed boundary `+++`, so a file holding
`\\r\\n--+++` was cut there and stored short, with no error. These tests upload adversarial bytes
through the client to the real local server and read them back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from groq_batch import AsyncGroq, Groq
from tests.client_support import API_KEY

if TYPE_CHECKING:
    from tests.server_support import LocalServer

# Every pattern a multipart parser looks for, at the start, middle and end of a part: the old
# fixed boundary (as delimiter and as closing delimiter), bare and CRLF-led `--`, lone CR and LF,
# NULs, a fake part header, and bytes that are not UTF-8.
ADVERSARIAL = (
    b"--+++\r\n"
    b'{"custom_id": "a"}\r\n--+++\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nevil'
    b"\r\n--+++--\r\n"
    b"\x00\x00--\r\n--\r\r\n\n\x00--+++\x00\xff\xfe\x80"
    + bytes(range(256))
    + b"\r\n--"
    + b"\r\n--+++"
)


def _boundary(request: httpx.Request) -> str:
    found = re.search(r"boundary=([^;\s]+)", request.headers["content-type"])
    assert found is not None, request.headers["content-type"]
    return found.group(1)


def test_adversarial_bytes_round_trip_identical(local_server: LocalServer, tmp_path: Path) -> None:
    path = tmp_path / "tricky.jsonl"
    path.write_bytes(ADVERSARIAL)
    with Groq(api_key=API_KEY, base_url=local_server.base_url) as client:
        for file in (path, ("tricky.jsonl", ADVERSARIAL)):
            stored = client.files.create(file=file)
            assert stored.bytes_ == len(ADVERSARIAL)
            assert client.files.content(stored.id).read() == ADVERSARIAL


@pytest.mark.anyio
async def test_adversarial_bytes_round_trip_identical_async(local_server: LocalServer) -> None:
    async with AsyncGroq(api_key=API_KEY, base_url=local_server.base_url) as client:
        stored = await client.files.create(file=("tricky.jsonl", ADVERSARIAL))
        assert stored.bytes_ == len(ADVERSARIAL)
        assert await (await client.files.content(stored.id)).read() == ADVERSARIAL


def test_each_upload_gets_its_own_random_boundary(local_server: LocalServer) -> None:
    sent: list[httpx.Request] = []
    hooks = {"request": [sent.append]}
    with (
        httpx.Client(event_hooks=hooks) as http,
        Groq(api_key=API_KEY, base_url=local_server.base_url, http_client=http) as client,
    ):
        for _ in range(2):
            client.files.create(file=("a.jsonl", ADVERSARIAL))
    boundaries = [_boundary(r) for r in sent if r.method == "POST"]
    assert len(boundaries) == 2
    assert boundaries[0] != boundaries[1]
    for boundary in boundaries:
        assert len(boundary) >= 16
        assert f"--{boundary}".encode() not in ADVERSARIAL
