"""Models dump as the SDK's do: `to_dict`/`to_json` options, key order, the pydantic names."""

from __future__ import annotations

import json
from typing import Any

from groq_batch.types import Batch, FileObject

WIRE: dict[str, Any] = {
    "status": "completed",
    "object": "batch",
    "id": "batch_1",
    "endpoint": "/v1/chat/completions",
    "input_file_id": "file_1",
    "completion_window": "24h",
    "created_at": 1,
    "output_file_id": None,
    "request_counts": {"total": 2, "completed": 2, "failed": 0},
    "metadata": {"team": "ml"},
    "project_id": "proj_1",
}


def _batch() -> Batch:
    return Batch.from_dict(WIRE)


def test_keys_come_in_the_sdks_order_with_unknown_fields_last() -> None:
    keys = list(_batch().to_dict())
    assert keys[:7] == [
        "id",
        "completion_window",
        "created_at",
        "endpoint",
        "input_file_id",
        "object",
        "status",
    ]
    assert keys[7:] == ["metadata", "output_file_id", "request_counts", "project_id"]


def test_to_dict_takes_the_sdks_options() -> None:
    batch = _batch()
    assert "output_file_id" in batch.to_dict()
    assert "output_file_id" not in batch.to_dict(exclude_none=True)
    full = batch.to_dict(exclude_unset=False)
    assert full["completed_at"] is None
    assert "completed_at" not in batch.to_dict(exclude_defaults=True)
    assert batch.to_dict(mode="json")["status"] == "completed"
    assert type(batch.to_dict(mode="json")["status"]) is str
    assert batch.to_dict(use_api_names=False, warnings=False)["object"] == "batch"


def test_to_json_is_indented_or_compact() -> None:
    batch = _batch()
    assert batch.to_json().startswith('{\n  "id": "batch_1"')
    compact = batch.to_json(indent=None, exclude_none=True)
    assert compact.startswith('{"id":"batch_1","completion_window":"24h"')
    assert "output_file_id" not in compact
    assert json.loads(compact)["request_counts"] == {"total": 2, "completed": 2, "failed": 0}


def test_model_dump_means_what_pydantic_means() -> None:
    batch = _batch()
    dumped = batch.model_dump()
    assert dumped["cancelled_at"] is None  # every field, unset ones as None
    assert "cancelled_at" not in batch.model_dump(exclude_unset=True)
    assert set(batch.model_dump(include={"id", "status"})) == {"id", "status"}
    assert "metadata" not in batch.model_dump(exclude={"metadata"})
    assert json.loads(batch.model_dump_json())["id"] == "batch_1"
    assert batch.model_dump_json().startswith('{"id":"batch_1",')
    assert batch.model_dump_json(indent=2).startswith('{\n  "id"')


def test_fields_set_extra_and_copy() -> None:
    batch = _batch()
    assert "project_id" in batch.model_fields_set
    assert "cancelled_at" not in batch.model_fields_set
    assert batch.model_extra == {"project_id": "proj_1"}
    copy = batch.model_copy(update={"status": "failed", "note": "x"})
    assert copy.status == "failed"
    assert batch.status == "completed"
    assert copy.model_extra == {"project_id": "proj_1", "note": "x"}
    assert batch.model_extra == {"project_id": "proj_1"}
    deep = batch.model_copy(deep=True)
    assert deep.request_counts is not batch.request_counts


def test_the_walk_agrees_with_the_generated_serialisation() -> None:
    for model in (_batch(), FileObject.from_dict({"id": "f", "object": "file", "bytes": 1,
                                                  "created_at": 1, "filename": "a.jsonl",
                                                  "purpose": "batch"})):  # fmt: skip
        assert model.to_dict() == model._to_wire_dict()


def test_parsing_is_lenient_by_default_and_strict_on_request() -> None:
    import httpx
    import pytest

    from groq_batch import APIResponseValidationError
    from tests.client_support import make_client

    partial = {"object": "file", "filename": "a.jsonl", "bytes": "1kb"}
    lenient, _ = make_client(lambda r: httpx.Response(200, json=partial))
    file = lenient.files.info("file_1")
    kept: dict[str, object] = {"id": file.id, "bytes": file.bytes}
    assert kept == {"id": None, "bytes": "1kb"}  # kept as it came, as the SDK keeps it
    strict, _ = make_client(
        lambda r: httpx.Response(200, json=partial), _strict_response_validation=True
    )
    with pytest.raises(APIResponseValidationError):
        strict.files.info("file_1")
    not_json, _ = make_client(lambda r: httpx.Response(200, content=b"<html>"))
    with pytest.raises(APIResponseValidationError):
        not_json.files.info("file_1")


_OPTIONAL_TIMESTAMPS = (
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)


def test_strict_parsing_checks_every_optional_batch_timestamp_and_file_id() -> None:
    # The client reads the list of optional fields from the generated model: each must still be
    # None when absent, and a strict client must still refuse one of the wrong type.
    import httpx
    import pytest

    from groq_batch import APIResponseValidationError
    from tests.client_support import make_client

    bare = {k: v for k, v in WIRE.items() if k != "output_file_id"}
    client, _ = make_client(
        lambda r: httpx.Response(200, json=bare), _strict_response_validation=True
    )
    batch = client.batches.retrieve("batch_1")
    for name in (*_OPTIONAL_TIMESTAMPS, "output_file_id", "error_file_id"):
        assert getattr(batch, name) is None, name
    for name, wrong in [(n, "soon") for n in _OPTIONAL_TIMESTAMPS] + [
        ("output_file_id", 7),
        ("error_file_id", 7),
    ]:
        body = {**bare, name: wrong}
        strict, _ = make_client(
            lambda r, body=body: httpx.Response(200, json=body), _strict_response_validation=True
        )
        with pytest.raises(APIResponseValidationError):
            strict.batches.retrieve("batch_1")
