from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_endpoint import BatchEndpoint
from ..types import WireModel

if TYPE_CHECKING:
    from ..models.batch_request_input_body import BatchRequestInputBody


T = TypeVar("T", bound="BatchRequestInput")


@_attrs_define(eq=False)
class BatchRequestInput(WireModel):
    """One line of a batch's input file."""

    custom_id: str
    """ The caller's id for the request, unique within the file. """
    method: str
    """ Always `POST`. """
    url: BatchEndpoint | str
    """ The endpoint this line calls, one of `BatchEndpoint`. Lines of one file may call
    different endpoints (a "mixed batch").
     """
    body: BatchRequestInputBody
    """ The request body, as for the synchronous endpoint: a chat-completions request, or an
    `AudioRequest` for the audio endpoints.
     """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "custom_id": "custom_id",
        "method": "method",
        "url": "url",
        "body": "body",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        custom_id = self.custom_id

        method = self.method

        url: str
        if isinstance(self.url, BatchEndpoint):
            url = self.url.value
        else:
            url = self.url

        body = self.body.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "custom_id": custom_id,
                "method": method,
                "url": url,
                "body": body,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch_request_input_body import BatchRequestInputBody

        d = dict(src_dict)
        custom_id = d.pop("custom_id")

        method = d.pop("method")

        def _parse_url(data: object) -> BatchEndpoint | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                url_type_0 = BatchEndpoint(data)

                return url_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchEndpoint | str, data)

        url = _parse_url(d.pop("url"))

        body = BatchRequestInputBody.from_dict(d.pop("body"))

        batch_request_input = cls(
            custom_id=custom_id,
            method=method,
            url=url,
            body=body,
        )

        batch_request_input.additional_properties = d
        return batch_request_input
