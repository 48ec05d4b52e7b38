"""Every example in the spec parses with the generated models and round-trips unchanged."""

from __future__ import annotations

import copy
import enum
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import groq_batch_api.models as models
from groq_batch_api.models import Batch, BatchErrors, BatchStatus, FilePurpose

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
SCHEMAS: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"][
    "schemas"
]

EXAMPLES = [
    pytest.param(name, index, example, id=f"{name}[{index}]")
    for name, schema in SCHEMAS.items()
    for index, example in enumerate(schema.get("examples", []))
]


def test_every_schema_has_a_generated_class() -> None:
    assert [name for name in SCHEMAS if not hasattr(models, name)] == []


@pytest.mark.parametrize(("name", "index", "example"), EXAMPLES)
def test_example_round_trips(name: str, index: int, example: Any) -> None:
    cls = getattr(models, name)
    original = copy.deepcopy(example)
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        assert cls(example).value == original
        return
    parsed = cls.from_dict(example)
    assert parsed.to_dict() == original
    assert example == original, "from_dict must not mutate its input"


def test_unknown_status_is_kept_as_a_string() -> None:
    example = next(e for e in SCHEMAS["Batch"]["examples"] if e["status"] == "queued_for_capacity")
    batch = Batch.from_dict(example)
    assert batch.status == "queued_for_capacity"
    assert not isinstance(batch.status, BatchStatus)


def test_known_status_becomes_the_enum() -> None:
    batch = Batch.from_dict(SCHEMAS["Batch"]["examples"][0])
    assert batch.status is BatchStatus.COMPLETED


def test_unknown_field_survives() -> None:
    example = next(e for e in SCHEMAS["Batch"]["examples"] if "project_id" in e)
    batch = Batch.from_dict(example)
    assert batch.additional_properties == {"project_id": "project_01jtkfs8evfhctdnt5dc12rh0j"}
    assert batch.to_dict()["project_id"] == "project_01jtkfs8evfhctdnt5dc12rh0j"


def test_errors_parse_in_both_shapes() -> None:
    bare = Batch.from_dict(SCHEMAS["Batch"]["examples"][0])
    assert isinstance(bare.errors, list)
    assert bare.errors[0].line == 4
    assert bare.errors[0].param == "method"
    enveloped = Batch.from_dict(SCHEMAS["Batch"]["examples"][2])
    assert isinstance(enveloped.errors, BatchErrors)


def test_null_fields_are_none_not_unset() -> None:
    batch = Batch.from_dict(SCHEMAS["Batch"]["examples"][1])
    assert batch.error_file_id is None
    assert batch.metadata is None
    assert batch.output_file_id == "file_01ks9k0gpve6erm10zrd6mcdh8"


def test_file_purpose_accepts_unknown_values() -> None:
    example = dict(SCHEMAS["File"]["examples"][0], purpose="fine-tune")
    parsed = models.File.from_dict(example)
    assert parsed.purpose == "fine-tune"
    assert models.File.from_dict(SCHEMAS["File"]["examples"][1]).purpose is FilePurpose.BATCH_OUTPUT


def test_const_object_is_checked() -> None:
    bad = dict(SCHEMAS["Batch"]["examples"][0], object="file")
    with pytest.raises(ValueError, match="object"):
        Batch.from_dict(bad)


# ------------------------------------------------------------------- models speak the wire
MODEL_EXAMPLES = [
    param for param in EXAMPLES if not issubclass(getattr(models, param.values[0]), enum.Enum)
]


def _declared(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = SCHEMAS[name].get("properties", {})
    return properties


@pytest.mark.parametrize(("name", "index", "example"), MODEL_EXAMPLES)
def test_every_wire_key_is_readable_by_its_wire_name(name: str, index: int, example: Any) -> None:
    parsed = getattr(models, name).from_dict(example)
    wire = parsed.to_dict()
    for key in example:
        # As an item, for declared and unknown fields alike...
        assert key in parsed
        assert parsed[key] is parsed.get(key)
        # ...and declared fields as attributes too, under the wire name (`file.bytes`).
        if key in _declared(name):
            assert getattr(parsed, key) is parsed[key], key
    assert set(parsed) == set(example) == set(wire)
    assert len(parsed) == len(example)


@pytest.mark.parametrize(("name", "index", "example"), MODEL_EXAMPLES)
def test_to_json_is_the_wire_object_indented_by_two(name: str, index: int, example: Any) -> None:
    parsed = getattr(models, name).from_dict(example)
    assert json.loads(parsed.to_json()) == example
    assert parsed.to_json() == json.dumps(parsed.to_dict(), indent=2, ensure_ascii=False)
    assert parsed.to_json(indent=None) == json.dumps(
        parsed.to_dict(), separators=(",", ":"), ensure_ascii=False
    )


def test_reserved_word_fields_answer_to_both_names() -> None:
    file = models.File.from_dict(SCHEMAS["File"]["examples"][0])
    assert file.bytes == file.bytes_ == 966
    assert file.object == file.object_ == "file"
    file.bytes = 1000
    assert file.bytes_ == 1000
    assert file.to_dict()["bytes"] == 1000
    error = models.Error.from_dict(SCHEMAS["Error"]["examples"][0])
    assert error.type == error.type_ == "invalid_request_error"
    batch = Batch.from_dict(SCHEMAS["Batch"]["examples"][1])
    assert batch.object == "batch"


def test_unset_fields_are_left_out_of_to_json_and_iteration() -> None:
    example = SCHEMAS["Batch"]["examples"][2]
    assert "finalizing_at" not in example
    batch = Batch.from_dict(example)
    assert "finalizing_at" not in json.loads(batch.to_json())
    assert "finalizing_at" not in batch
    assert batch.get("finalizing_at", "absent") == "absent"
    with pytest.raises(KeyError):
        batch["finalizing_at"]
    # Sent as null is not the same as not sent: the key is there, its value None.
    assert batch["output_file_id"] is None
    assert json.loads(batch.to_json())["output_file_id"] is None


def test_paging_behaves_as_the_dict_it_is_in_the_official_sdk() -> None:
    page = models.BatchList.from_dict(SCHEMAS["BatchList"]["examples"][0])
    cursor = SCHEMAS["BatchList"]["examples"][0]["paging"]["next_cursor"]
    assert page.paging is not None
    assert page.paging.get("next_cursor") == cursor
    assert page.paging["next_cursor"] == cursor
    assert "next_cursor" in page.paging
    assert dict(page.paging) == {"next_cursor": cursor}
    assert page.paging == {"next_cursor": cursor}
    assert len(page.paging) == 1
    last = models.BatchListPaging.from_dict({})
    assert last.get("next_cursor") is None
    assert not last
    assert len(last) == 0


def test_metadata_behaves_as_the_dict_it_is_in_the_official_sdk() -> None:
    example = SCHEMAS["Metadata"]["examples"][0]
    metadata = models.Metadata.from_dict(example)
    assert metadata["project"] == "customer_support_analysis"
    assert metadata.get("missing") is None
    assert "batch_type" in metadata
    assert list(metadata) == list(example)
    assert dict(metadata.items()) == example
    assert len(metadata) == 2
    assert metadata == example
    assert example == metadata
    metadata["team"] = "ml"
    del metadata["project"]
    assert metadata.to_dict() == {"batch_type": "chat_completions", "team": "ml"}


def test_assigning_a_declared_wire_key_sets_the_field() -> None:
    paging = models.BatchListPaging.from_dict({})
    paging["next_cursor"] = "c2"
    assert paging.next_cursor == "c2"
    assert paging.additional_properties == {}
    with pytest.raises(TypeError, match="declared field"):
        del paging["next_cursor"]


def test_models_compare_by_their_wire_items() -> None:
    example = SCHEMAS["Batch"]["examples"][1]
    assert Batch.from_dict(example) == Batch.from_dict(copy.deepcopy(example))
    assert Batch.from_dict(example) == example
    assert Batch.from_dict(example) != dict(example, status="failed")


def test_no_declared_field_hides_a_mapping_method() -> None:
    # A field called `items` would become an attribute and break `dict(model)`: refuse it here.
    mapping_methods = {"get", "keys", "items", "values", "to_dict", "to_json", "from_dict"}
    clashes = [
        (name, prop)
        for name in SCHEMAS
        for prop in _declared(name)
        if prop in mapping_methods or f"{prop}_" in mapping_methods
    ]
    assert clashes == []


def test_batch_str_is_one_readable_line() -> None:
    batch = Batch.from_dict(SCHEMAS["Batch"]["examples"][0])
    assert str(batch) == "batch_01jh6xa7reempvjyh6n3yst2zw completed: 2/3 completed, 1 failed"
    counts_missing = {
        k: v for k, v in SCHEMAS["Batch"]["examples"][0].items() if k != "request_counts"
    }
    assert str(Batch.from_dict(counts_missing)) == "batch_01jh6xa7reempvjyh6n3yst2zw completed"


def test_to_json_matches_the_official_sdk() -> None:
    groq_types = pytest.importorskip("groq.types")
    # The bare-array `errors` of Groq's guide is a shape the official SDK does not model.
    examples = [e for e in SCHEMAS["Batch"]["examples"] if not isinstance(e.get("errors"), list)]
    assert examples
    for example in examples:
        ours = Batch.from_dict(example)
        theirs = groq_types.BatchRetrieveResponse.construct(**example)
        assert json.loads(ours.to_json()) == json.loads(theirs.to_json())
        assert ours.to_dict() == theirs.to_dict()


# ------------------------------------------------------------------------ audio and mixed
def test_audio_endpoints_parse_to_the_enum_and_unknown_ones_stay_strings() -> None:
    lines = [
        models.BatchRequestInput.from_dict(e) for e in SCHEMAS["BatchRequestInput"]["examples"]
    ]
    assert [line.url for line in lines] == [
        models.BatchEndpoint.CHAT_COMPLETIONS,
        models.BatchEndpoint.AUDIO_TRANSCRIPTIONS,
        models.BatchEndpoint.AUDIO_TRANSLATIONS,
    ]
    newer = dict(SCHEMAS["BatchRequestInput"]["examples"][0], url="/v1/embeddings")
    assert models.BatchRequestInput.from_dict(newer).url == "/v1/embeddings"
    request = models.CreateBatchRequest(
        input_file_id="file_1", endpoint="/v1/audio/translations", completion_window="24h"
    )
    assert request.to_dict()["endpoint"] == "/v1/audio/translations"


def test_transcription_line_body_parses_in_both_formats() -> None:
    plain, verbose = (
        models.Transcription.from_dict(e) for e in SCHEMAS["Transcription"]["examples"]
    )
    assert plain.text == verbose.text
    assert "segments" not in plain
    assert isinstance(verbose.segments, list)
    assert verbose.segments[0].end == pytest.approx(6.48)
    assert verbose.duration == pytest.approx(6.48)
    line = next(e for e in SCHEMAS["BatchRequestOutput"]["examples"] if e["custom_id"] == "job-1")
    body = models.BatchRequestOutput.from_dict(line).response.body  # type: ignore[union-attr]
    assert models.Transcription.from_dict(body.to_dict()).text == plain.text
