"""The decision behind both following transports, once: aim a request, re-aim it after a failure.

The transports themselves are exercised against a real background server in
``tests/server/test_server_daemon.py`` (a sync and an async client follow it when it exits).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from groq_batch.following import ServerFollower


def test_a_request_is_aimed_at_the_servers_current_origin_its_host_included(
    tmp_path: Path,
) -> None:
    follower = ServerFollower(tmp_path, "http://127.0.0.1:4321", None)
    request = httpx.Request("GET", "http://127.0.0.1:1111/openai/v1/batches?limit=2")

    assert follower.aim(request) == "http://127.0.0.1:4321"

    assert str(request.url) == "http://127.0.0.1:4321/openai/v1/batches?limit=2"
    assert request.headers["Host"] == "127.0.0.1:4321"


def test_a_request_that_failed_on_a_url_already_replaced_takes_the_new_one_unlooked_up(
    tmp_path: Path,
) -> None:
    follower = ServerFollower(tmp_path, "http://127.0.0.1:4321", None)
    request = httpx.Request("GET", "http://127.0.0.1:4321/openai/v1/batches")
    failed = follower.aim(request)
    # Meanwhile another request failed too and found the server again, elsewhere.
    follower.url = "http://127.0.0.1:5555"

    follower.reaim(request, failed)

    assert request.url.port == 5555
    assert request.headers["Host"] == "127.0.0.1:5555"
    # Nothing was looked up or started: no secret, record or lock in the data folder.
    assert list(tmp_path.iterdir()) == []
