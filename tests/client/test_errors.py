"""One error map: every status to its class, with envelope, request id and response."""

from __future__ import annotations

import logging

import httpx
import pytest

import groq_batch
from groq_batch import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ConflictError,
    GroqError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    UnprocessableEntityError,
)
from tests.client_support import API_KEY, BATCH, FILE, batch, make_client


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (498, CapacityExceededError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
        (424, APIStatusError),
    ],
)
def test_each_status_maps_to_its_class(status: int, cls: type[APIStatusError]) -> None:
    envelope = {
        "error": {
            "message": f"status {status} happened",
            "type": "invalid_request_error",
            "code": "some_code",
        }
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=envelope, headers={"x-request-id": "req_01abc"})

    client, _ = make_client(handler, max_retries=0)
    with pytest.raises(cls) as info:
        client.batches.retrieve("batch_1")
    err = info.value
    assert type(err) is cls
    assert isinstance(err, GroqError)
    assert err.status_code == status
    assert err.request_id == "req_01abc"
    assert err.body == envelope
    assert err.error is not None
    assert err.error.message == f"status {status} happened"
    assert err.code == "some_code"
    assert err.response.status_code == status
    assert err.request.url.path == "/openai/v1/batches/batch_1"
    assert f"status {status} happened" in str(err)


def test_an_error_body_that_is_not_an_envelope_is_kept_raw() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    client, _ = make_client(handler, max_retries=0)
    with pytest.raises(InternalServerError) as info:
        client.files.list()
    assert info.value.error is None
    assert info.value.body == "<html>bad gateway</html>"
    assert info.value.request_id is None
    assert info.value.code is None


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"id": "batch_1", "object": "batch"}', "missing field"),
        (b'{"object": "list"}', "missing field"),
    ],
)
def test_an_undescribed_response_is_a_validation_error(content: bytes, fragment: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content)

    # Strict, as the SDK's `_strict_response_validation=True` (issue 25: lenient by default).
    client, _ = make_client(handler, _strict_response_validation=True)
    with pytest.raises(APIResponseValidationError) as info:
        client.batches.retrieve("batch_1")
    assert fragment in str(info.value)
    assert info.value.status_code == 200


@pytest.mark.parametrize(
    "broken",
    [
        {"created_at": "yesterday"},
        {"created_at": True},
        {"status": 3},
        {"object": "file"},
        {"request_counts": {"total": "3", "completed": 0, "failed": 0}},
        {"request_counts": "none"},
        {"errors": "everything"},
        {"errors": [{"code": 1, "message": "m"}]},
        {"completed_at": "soon"},
        {"output_file_id": 42},
    ],
)
def test_a_batch_with_wrong_types_is_a_validation_error(broken: dict[str, object]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**BATCH, **broken})

    # Strict, as the SDK's `_strict_response_validation=True` (issue 25: lenient by default).
    client, _ = make_client(handler, _strict_response_validation=True)
    with pytest.raises(APIResponseValidationError):
        client.batches.retrieve("batch_1")


@pytest.mark.parametrize("broken", [{"bytes": "1kb"}, {"id": None}, {"filename": 3}])
def test_a_file_with_wrong_types_is_a_validation_error(broken: dict[str, object]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**FILE, **broken})

    # Strict, as the SDK's `_strict_response_validation=True` (issue 25: lenient by default).
    client, _ = make_client(handler, _strict_response_validation=True)
    with pytest.raises(APIResponseValidationError):
        client.files.info("file_1")


def test_unknown_status_and_fields_never_break_parsing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json=batch(status="queued_for_capacity", project_id="project_01", extra={"a": 1})
        )

    client, _ = make_client(handler)
    result = client.batches.retrieve("batch_1")
    assert result.status == "queued_for_capacity"
    assert result["project_id"] == "project_01"
    assert result.additional_properties["extra"] == {"a": 1}


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.ConnectTimeout("slow"), APITimeoutError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
    ],
)
def test_transport_failures_are_mapped(exc: Exception, cls: type[APIConnectionError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    client, _ = make_client(handler, max_retries=0)
    with pytest.raises(cls) as info:
        client.files.list()
    assert type(info.value) is cls
    assert info.value.__cause__ is exc
    assert info.value.request.url.path == "/openai/v1/files"


def test_api_timeout_error_is_a_connection_error() -> None:
    assert issubclass(APITimeoutError, APIConnectionError)
    for name in groq_batch.__all__:
        value = getattr(groq_batch, name)
        if isinstance(value, type) and issubclass(value, Warning):
            assert not issubclass(value, GroqError), name  # a warning is not an error
        elif isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, GroqError), name


def test_the_key_never_shows_in_errors_requests_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {API_KEY}"
        return httpx.Response(401, json={"error": {"message": "bad key", "type": "auth"}})

    client, _ = make_client(handler, max_retries=0)
    caplog.set_level(logging.DEBUG, logger="groq_batch")
    with pytest.raises(AuthenticationError) as info:
        client.batches.list()
    err = info.value
    shown = [str(err), repr(err), repr(err.request), repr(err.request.headers), repr(err.response)]
    shown += [repr(client), str(client), repr(client._transport), repr(client._transport.settings)]
    shown += [record.getMessage() for record in caplog.records]
    assert any("Bearer <redacted>" in line for line in shown), "the DEBUG log shows the header"
    for text in shown:
        assert API_KEY not in text
        assert API_KEY[4:20] not in text
