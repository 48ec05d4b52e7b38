"""The spec is valid OpenAPI 3.1 and covers every operation the project promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"

OPERATIONS = {
    ("post", "/openai/v1/files"): "uploadFile",
    ("get", "/openai/v1/files"): "listFiles",
    ("get", "/openai/v1/files/{file_id}"): "retrieveFile",
    ("delete", "/openai/v1/files/{file_id}"): "deleteFile",
    ("get", "/openai/v1/files/{file_id}/content"): "downloadFile",
    ("post", "/openai/v1/batches"): "createBatch",
    ("get", "/openai/v1/batches"): "listBatches",
    ("get", "/openai/v1/batches/{batch_id}"): "retrieveBatch",
    ("post", "/openai/v1/batches/{batch_id}/cancel"): "cancelBatch",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = yaml.safe_load(fh)
    return loaded


def test_spec_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_server_and_bearer_auth(spec: dict[str, Any]) -> None:
    assert spec["servers"][0]["url"] == "https://api.groq.com"
    scheme = spec["components"]["securitySchemes"]["api_key"]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "apiKey"}
    assert spec["security"] == [{"api_key": []}]


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
def test_operation_present(spec: dict[str, Any], method: str, path: str) -> None:
    operation = spec["paths"][path][method]
    assert operation["operationId"] == OPERATIONS[(method, path)]
    assert "200" in operation["responses"]


def test_no_operation_beyond_the_promised_ones(spec: dict[str, Any]) -> None:
    found = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
def test_errors_use_groq_envelope(spec: dict[str, Any], method: str, path: str) -> None:
    responses = spec["paths"][path][method]["responses"]
    errors = {code for code in responses if not code.startswith("2")}
    # Every operation can be refused for auth, plan, rate and server reasons.
    assert {"401", "403", "429", "5XX"} <= errors
    for code in errors:
        ref = responses[code]["$ref"]
        name = ref.rsplit("/", 1)[-1]
        body = spec["components"]["responses"][name]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ErrorResponse"}


def test_error_statuses_from_groq_wire_are_declared(spec: dict[str, Any]) -> None:
    declared = {
        code
        for item in spec["paths"].values()
        for method, op in item.items()
        if method != "parameters"
        for code in op["responses"]
    }
    assert {"400", "401", "403", "404", "409", "413", "422", "429", "498", "5XX"} <= declared


def test_list_batches_query_parameters(spec: dict[str, Any]) -> None:
    params = {p["name"]: p for p in spec["paths"]["/openai/v1/batches"]["get"]["parameters"]}
    assert set(params) == {"after", "limit", "cursor", "id"}
    assert params["id"]["schema"]["type"] == "array"
    assert params["id"]["explode"] is True
    assert params["id"]["schema"]["maxItems"] == 200


def test_every_schema_has_description_and_example(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    missing_description = [name for name, s in schemas.items() if not s.get("description")]
    # The multipart form carries a binary part, which has no meaningful JSON example.
    missing_example = [
        name for name, s in schemas.items() if not s.get("examples") and name != "FileUploadRequest"
    ]
    assert missing_description == []
    assert missing_example == []


def test_examples_include_unknown_field_and_unknown_status(spec: dict[str, Any]) -> None:
    batch = spec["components"]["schemas"]["Batch"]
    known_status = set(spec["components"]["schemas"]["BatchStatus"]["enum"])
    known_fields = set(batch["properties"])
    assert any(set(example) - known_fields for example in batch["examples"])
    assert any(example["status"] not in known_status for example in batch["examples"])


def test_batch_errors_accept_both_wire_shapes(spec: dict[str, Any]) -> None:
    variants = spec["components"]["schemas"]["Batch"]["properties"]["errors"]["anyOf"]
    assert {"$ref": "#/components/schemas/BatchErrors"} in variants
    assert {"type": "array", "items": {"$ref": "#/components/schemas/BatchError"}} in variants
    assert {"type": "null"} in variants


def test_batch_nullable_fields(spec: dict[str, Any]) -> None:
    props = spec["components"]["schemas"]["Batch"]["properties"]
    for field in (
        "output_file_id",
        "error_file_id",
        "in_progress_at",
        "expires_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    ):
        assert "null" in props[field]["type"], field
    assert {"type": "null"} in props["metadata"]["anyOf"]


BATCH_ENDPOINTS = {"/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations"}


def test_batch_endpoints_cover_chat_and_audio(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert set(schemas["BatchEndpoint"]["enum"]) == BATCH_ENDPOINTS
    # Open: a newer endpoint Groq adds must not be refused by an older client.
    for field in (
        schemas["CreateBatchRequest"]["properties"]["endpoint"],
        schemas["BatchRequestInput"]["properties"]["url"],
    ):
        assert field["anyOf"] == [
            {"$ref": "#/components/schemas/BatchEndpoint"},
            {"type": "string"},
        ]


def test_input_examples_include_a_mixed_batch(spec: dict[str, Any]) -> None:
    examples = spec["components"]["schemas"]["BatchRequestInput"]["examples"]
    assert {example["url"] for example in examples} == BATCH_ENDPOINTS
    audio = [e["body"] for e in examples if e["url"].startswith("/v1/audio/")]
    required = spec["components"]["schemas"]["AudioRequest"]["required"]
    assert audio
    assert all(set(required) <= set(body) for body in audio)


def test_audio_request_and_transcription_shapes(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    audio = schemas["AudioRequest"]
    assert set(audio["required"]) == {"model", "url"}
    assert {
        "language",
        "prompt",
        "response_format",
        "temperature",
        "timestamp_granularities",
    } <= set(audio["properties"])
    assert set(schemas["AudioResponseFormat"]["enum"]) == {"json", "text", "verbose_json"}
    transcription = schemas["Transcription"]
    assert transcription["required"] == ["text"]
    assert {"task", "language", "duration", "segments", "x_groq"} <= set(
        transcription["properties"]
    )


RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-remaining-requests": "14370",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-limit-tokens": "18000",
    "x-ratelimit-remaining-tokens": "17997",
    "x-ratelimit-reset-tokens": "7.66s",
}


def _header_schema(spec: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    name = header["$ref"].rsplit("/", 1)[-1]
    schema: dict[str, Any] = spec["components"]["headers"][name]["schema"]
    return schema


@pytest.mark.parametrize(("method", "path"), sorted(OPERATIONS))
def test_success_responses_document_rate_limit_headers(
    spec: dict[str, Any], method: str, path: str
) -> None:
    responses = spec["paths"][path][method]["responses"]
    for code in (c for c in responses if c.startswith("2")):
        headers = responses[code]["headers"]
        assert set(RATE_LIMIT_HEADERS) <= set(headers), code
        # Groq documents them as always sent on chat completions; on files and batches that is
        # unconfirmed, so they are optional.
        assert not any(h.get("required") for h in headers.values())


def test_rate_limited_response_documents_retry_after_and_rate_limit_headers(
    spec: dict[str, Any],
) -> None:
    headers = spec["components"]["responses"]["RateLimited"]["headers"]
    assert {"retry-after", *RATE_LIMIT_HEADERS} <= set(headers)


@pytest.mark.parametrize(("name", "value"), sorted(RATE_LIMIT_HEADERS.items()))
def test_rate_limit_header_schemas_accept_groqs_documented_values(
    spec: dict[str, Any], name: str, value: str
) -> None:
    header = spec["paths"]["/openai/v1/batches"]["post"]["responses"]["200"]["headers"][name]
    schema = _header_schema(spec, header)
    if name.startswith("x-ratelimit-reset-"):
        # A duration, as Groq writes it: `2m59.56s`, `7.66s`.
        assert schema["type"] == "string"
        assert re.fullmatch(schema["pattern"], value)
        assert not re.fullmatch(schema["pattern"], "60")
        assert value in schema["examples"]
    else:
        # A count; header values are strings on the wire, read as integers.
        assert schema == {"type": "integer", "minimum": 0, "examples": [int(value)]}
