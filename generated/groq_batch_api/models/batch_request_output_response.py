from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Self,
    TypeVar,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.batch_request_output_response_body import (
        BatchRequestOutputResponseBody,
    )


T = TypeVar("T", bound="BatchRequestOutputResponse")


@_attrs_define(eq=False)
class BatchRequestOutputResponse(WireModel):
    """The HTTP response a request got."""

    status_code: int
    """ The HTTP status; 2xx means success. """
    request_id: str | Unset = UNSET
    """ Groq's id for the request. """
    body: BatchRequestOutputResponseBody | Unset = UNSET
    """ The response body: for a success, a `ChatCompletion` (chat lines) or a `Transcription`
    (audio lines); for a failure, an `ErrorResponse`.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "status_code": "status_code",
        "request_id": "request_id",
        "body": "body",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        status_code = self.status_code

        request_id = self.request_id

        body: dict[str, Any] | Unset = UNSET
        if not isinstance(self.body, Unset):
            body = self.body.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status_code": status_code,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if body is not UNSET:
            field_dict["body"] = body

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch_request_output_response_body import (
            BatchRequestOutputResponseBody,
        )

        d = dict(src_dict)
        status_code = d.pop("status_code")

        request_id = d.pop("request_id", UNSET)

        _body = d.pop("body", UNSET)
        body: BatchRequestOutputResponseBody | Unset
        if isinstance(_body, Unset):
            body = UNSET
        else:
            body = BatchRequestOutputResponseBody.from_dict(_body)

        batch_request_output_response = cls(
            status_code=status_code,
            request_id=request_id,
            body=body,
        )

        batch_request_output_response.additional_properties = d
        return batch_request_output_response
