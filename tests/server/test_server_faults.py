"""Fault injection: statuses, slow answers, dropped connections and cut-off downloads."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import groq
import httpx
import pytest

from groq_batch_server import FaultRule, LocalServer
from tests.server_support import Api, jsonl, request_line


@pytest.fixture
def api(local_server: LocalServer) -> Iterator[Api]:
    client = Api(local_server.base_url)
    yield client
    client.close()


def _batch_count(api: Api) -> int:
    return len(api.http.get("/batches").json()["data"])


def _create_payload(api: Api) -> dict[str, str]:
    file = api.upload(jsonl([request_line(0)]))
    return {
        "input_file_id": file["id"],
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }


def test_429_with_retry_after_then_recovery(local_server: LocalServer, api: Api) -> None:
    rule = local_server.faults.add(
        FaultRule(
            kind="status", status=429, retry_after="1", times=2, method="GET", path=r"/batches"
        )
    )
    for _ in range(2):
        response = api.http.get("/batches")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "1"
        error = response.json()["error"]
        assert error["code"] == "rate_limit_exceeded"
        assert "1s" in error["message"]
    assert api.http.get("/batches").status_code == 200
    assert [(f.rule, f.method) for f in local_server.faults.history] == [(rule, "GET")] * 2
    assert local_server.faults.rules == []


@pytest.mark.parametrize("status", [500, 502, 503, 498])
def test_status_fault_uses_groqs_envelope(local_server: LocalServer, api: Api, status: int) -> None:
    local_server.faults.add(FaultRule(kind="status", status=status))
    response = api.http.get("/files")
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"message", "type", "code"}
    assert api.http.get("/files").status_code == 200


def test_method_and_path_filters(local_server: LocalServer, api: Api) -> None:
    local_server.faults.add(FaultRule(kind="status", status=503, method="POST", path=r"/cancel$"))
    assert api.http.get("/batches").status_code == 200
    assert api.http.post("/batches/batch_x/cancel").status_code == 503
    assert api.http.post("/batches/batch_x/cancel").status_code == 404


def test_remove_one_rule(local_server: LocalServer, api: Api) -> None:
    first = local_server.faults.add(FaultRule(kind="status", status=500, times=-1))
    second = local_server.faults.add(FaultRule(kind="status", status=503, times=-1))
    local_server.faults.remove(first)
    assert local_server.faults.rules == [second]
    assert api.http.get("/files").status_code == 503


def test_forever_until_cleared(local_server: LocalServer, api: Api) -> None:
    local_server.faults.add(FaultRule(kind="status", status=500, times=-1, path="/files"))
    assert [api.http.get("/files").status_code for _ in range(4)] == [500] * 4
    local_server.faults.clear()
    assert api.http.get("/files").status_code == 200


def test_groq_sdk_retries_429_and_5xx_but_not_498(local_server: LocalServer) -> None:
    client = groq.Groq(base_url=local_server.base_url, api_key="x", max_retries=2)
    local_server.faults.add(FaultRule(kind="status", status=429, retry_after="0.01", times=1))
    local_server.faults.add(FaultRule(kind="status", status=503, retry_after="0.01", times=1))
    assert client.batches.list().data == []
    assert [f.rule.status for f in local_server.faults.history] == [429, 503]
    local_server.faults.add(FaultRule(kind="status", status=498, times=1))
    with pytest.raises(groq.APIStatusError) as caught:
        client.batches.list()
    assert caught.value.status_code == 498


def test_delay_after_handler_acts_then_answers_late(local_server: LocalServer, api: Api) -> None:
    payload = _create_payload(api)
    local_server.faults.add(
        FaultRule(kind="delay", seconds=0.5, method="POST", path=r"/batches$", after_handler=True)
    )
    with pytest.raises(httpx.ReadTimeout):
        api.http.post("/batches", json=payload, timeout=0.1)
    # The client gave up, but the batch exists: the ambiguous case a careful client must check.
    assert _batch_count(api) == 1


def test_delay_before_handler_does_not_act(local_server: LocalServer, api: Api) -> None:
    payload = _create_payload(api)
    local_server.faults.add(FaultRule(kind="delay", seconds=0.5, method="POST", path=r"/batches$"))
    with pytest.raises(httpx.ReadTimeout):
        api.http.post("/batches", json=payload, timeout=0.1)
    # Still waiting out the delay: nothing has been created.
    assert _batch_count(api) == 0


@pytest.mark.parametrize(("after_handler", "created"), [(False, 0), (True, 1)])
def test_drop_closes_without_a_response(
    local_server: LocalServer, api: Api, after_handler: bool, created: int
) -> None:
    payload = _create_payload(api)
    local_server.faults.add(
        FaultRule(kind="drop", method="POST", path=r"/batches$", after_handler=after_handler)
    )
    with pytest.raises(httpx.RemoteProtocolError):
        api.http.post("/batches", json=payload)
    assert _batch_count(api) == created


def test_truncate_cuts_the_body_and_range_resumes(local_server: LocalServer, api: Api) -> None:
    content = jsonl([request_line(i) for i in range(20)])
    file = api.upload(content)
    local_server.faults.add(FaultRule(kind="truncate", at_bytes=100, path=r"/content$"))
    received = bytearray()

    def download() -> None:
        with api.http.stream("GET", f"/files/{file['id']}/content") as response:
            assert response.headers["content-length"] == str(len(content))
            for chunk in response.iter_raw():
                received.extend(chunk)

    with pytest.raises(httpx.RemoteProtocolError):
        download()
    assert bytes(received) == content[:100]
    rest = api.http.get(
        f"/files/{file['id']}/content", headers={"Range": f"bytes={len(received)}-"}
    )
    assert rest.status_code == 206
    assert bytes(received) + rest.content == content


def test_truncate_leaves_short_bodies_alone(local_server: LocalServer, api: Api) -> None:
    content = b'{"a": 1}\n'
    file = api.upload(content)
    local_server.faults.add(FaultRule(kind="truncate", at_bytes=len(content), path=r"/content$"))
    assert api.content(file["id"]) == content


def test_faults_apply_before_auth(make_local_server: Callable[..., LocalServer]) -> None:
    server = make_local_server(api_key="gsk_k")
    server.faults.add(FaultRule(kind="status", status=503))
    assert httpx.get(server.openai_base_url + "/files").status_code == 503
    assert httpx.get(server.openai_base_url + "/files").status_code == 401


# ----------------------------------------------------------------------------- rule syntax
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "status=429;retry_after=1;times=2;method=GET;path=/openai/v1/batches",
            FaultRule(
                kind="status", status=429, retry_after="1", times=2, method="GET",
                path="/openai/v1/batches",
            ),
        ),
        ("status=503", FaultRule(kind="status", status=503)),
        (
            "delay=2;after_handler;method=POST;path=/batches$",
            FaultRule(
                kind="delay", seconds=2.0, after_handler=True, method="POST", path="/batches$"
            ),
        ),
        ("drop;times=-1", FaultRule(kind="drop", times=-1)),
        ("drop; after-handler=false", FaultRule(kind="drop")),
        ("truncate=100;path=/content$", FaultRule(kind="truncate", at_bytes=100, path="/content$")),
        ("status=500;path=/f/[a-z]{3,}", FaultRule(kind="status", path="/f/[a-z]{3,}")),
    ],
)  # fmt: skip
def test_parse(text: str, rule: FaultRule) -> None:
    assert FaultRule.parse(text) == rule
    assert FaultRule.parse(str(rule)) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty fault rule"),
        ("explode", "unknown fault kind 'explode'"),
        ("drop=3", "fault kind 'drop' takes no value"),
        ("status=200", "needs a 4xx or 5xx status, got 200"),
        ("status=abc", "invalid literal for int"),
        ("status=429;colour=red", "unknown fault option 'colour'"),
        ("status=429;times=0", "times must be positive"),
        ("delay", "a delay fault needs seconds > 0"),
        ("status=429;after_handler=maybe", "after_handler must be true or false"),
        ("status=429;method", "fault option 'method' needs a value"),
        ("status=500;path=(", "path is not a valid regex"),
    ],
)
def test_parse_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FaultRule.parse(text)
