from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="BatchRequestOutputError")


@_attrs_define(eq=False)
class BatchRequestOutputError(WireModel):
    """A failure that is not an HTTP response, for example an expired request."""

    code: str
    """ A machine-readable code, for example `batch_expired`. """
    message: str
    """ What happened. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "code": "code",
        "message": "message",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("code")

        message = d.pop("message")

        batch_request_output_error = cls(
            code=code,
            message=message,
        )

        batch_request_output_error.additional_properties = d
        return batch_request_output_error
