"""Every example in the spec parses with the generated models and round-trips unchanged."""

from __future__ import annotations

import copy
import enum
from pathlib import Path
from typing import Any

import pytest
import yaml

import groq_batch_api.models as models
from groq_batch_api.models import Batch, BatchErrors, BatchStatus, FilePurpose

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"
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
