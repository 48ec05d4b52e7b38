"""A loopback server answers its own machine's programs, not web pages (DNS rebinding, CSRF)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from groq_batch.providers import is_loopback_host
from groq_batch_server import LocalServer
from groq_batch_server.loopback import split_host


def _post_batch(server: LocalServer, headers: dict[str, str]) -> httpx.Response:
    # What a page can make a browser send with no preflight: a "simple" text/plain POST.
    return httpx.post(
        server.base_url + "/openai/v1/batches",
        content=b'{"input_file_id": "file_x", "endpoint": "/v1/chat/completions", '
        b'"completion_window": "24h"}',
        headers={"Content-Type": "text/plain", **headers},
        timeout=10,
    )


def test_a_foreign_host_is_refused(local_server: LocalServer) -> None:
    port = local_server.port
    foreign = ["evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "[::1"]
    foreign += [f"localhost.evil.example:{port}", "0.0.0.0", "user@127.0.0.1"]
    for host in foreign:
        response = _post_batch(local_server, {"Host": host})
        assert response.status_code == 403, host
        assert "Host" in response.json()["error"]["message"]
        get = httpx.get(local_server.base_url + "/openai/v1/batches", headers={"Host": host})
        assert get.status_code == 403, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "LOCALHOST",
                 "127.0.0.2"):  # fmt: skip
        response = httpx.get(local_server.base_url + "/openai/v1/batches", headers={"Host": host})
        assert response.status_code == 200, host


def test_a_foreign_origin_is_refused(local_server: LocalServer) -> None:
    port = local_server.port
    for origin in ("https://evil.example", "null", f"http://evil.example:{port}",
                   "http://127.0.0.1:1", f"file://127.0.0.1:{port}"):  # fmt: skip
        response = _post_batch(local_server, {"Origin": origin})
        assert response.status_code == 403, origin
        assert "Cross-origin" in response.json()["error"]["message"]
    assert httpx.get(local_server.base_url + "/openai/v1/batches").json()["data"] == []
    # The server's own origin (a page it served, were there one) is not foreign.
    same = httpx.get(
        local_server.base_url + "/openai/v1/batches",
        headers={"Origin": f"http://localhost:{port}"},
    )
    assert same.status_code == 200


def test_a_server_bound_to_every_interface_keeps_its_hosts(
    make_local_server: Callable[..., LocalServer],
) -> None:
    # Reached over the network by name, as a user who binds 0.0.0.0 means it to be.
    server = make_local_server(host="0.0.0.0")
    response = httpx.get(
        f"http://127.0.0.1:{server.port}/openai/v1/batches", headers={"Host": "devbox:1"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:80", ("127.0.0.1", 80)),
        ("[::1]:8080", ("::1", 8080)),
        ("localhost", ("localhost", None)),
        ("a:b", None),
        ("x/y", None),
    ],
)
def test_host_headers_parse(value: str, expected: tuple[str, int | None] | None) -> None:
    assert split_host(value) == expected


def test_loopback_names() -> None:
    assert is_loopback_host("localhost")
    assert is_loopback_host("[::1]")
    assert is_loopback_host("127.8.9.10")
    assert is_loopback_host("localhost.")
    assert is_loopback_host("app.localhost")
    assert not is_loopback_host("localhost.evil.example")
    assert not is_loopback_host("10.0.0.1")
