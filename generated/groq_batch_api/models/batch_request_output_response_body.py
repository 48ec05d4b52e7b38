from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="BatchRequestOutputResponseBody")


@_attrs_define(eq=False)
class BatchRequestOutputResponseBody(WireModel):
    """The response body: for a success, a `ChatCompletion` (chat lines) or a `Transcription`
    (audio lines); for a failure, an `ErrorResponse`.

    """

    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {}

    def _to_wire_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        batch_request_output_response_body = cls()

        batch_request_output_response_body.additional_properties = d
        return batch_request_output_response_body
