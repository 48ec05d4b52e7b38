from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="BatchRequestLineBody")


@_attrs_define(eq=False)
class BatchRequestLineBody(WireModel):
    """The request body; every endpoint needs `model`."""

    model: str
    """ The model that runs the request. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "model": "model",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        model = self.model

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        batch_request_line_body = cls(
            model=model,
        )

        batch_request_line_body.additional_properties = d
        return batch_request_line_body
