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

from ..models.batch_endpoint import BatchEndpoint
from ..models.batch_request_line_method import BatchRequestLineMethod
from ..types import WireModel

if TYPE_CHECKING:
    from ..models.batch_request_line_body import BatchRequestLineBody


T = TypeVar("T", bound="BatchRequestLine")


@_attrs_define(eq=False)
class BatchRequestLine(WireModel):
    """What one line of a batch's input file must be to pass validation (status `validating`).
    A line that breaks a rule here fails the whole batch, with a `BatchError` naming the line
    and the field (`param`). `BatchRequestInput` types a line for programs that read and
    write them and stays open to values added later; this schema is the closed check that
    a validator applies, and it names only what Groq documents.

    Rules beyond a schema are checked beside it: each `custom_id` is unique within the file;
    the file keeps to the batch's line and byte limits (`CreateBatchRequest`); and a line is
    JSON that any store can keep (no `NaN` or `Infinity`, no lone UTF-16 surrogate, bounded
    nesting). What the endpoint itself needs beyond `model` (a chat line's `messages`, an
    audio line's `url`) is that endpoint's business: a line without it passes validation
    and fails as its own request.

    """

    custom_id: str
    """ The caller's id for the request, unique within the file. """
    method: BatchRequestLineMethod
    """ Always `POST`. """
    url: BatchEndpoint
    """ The endpoints a batch line can call. Fields that take one also accept other strings, so a
    newer endpoint Groq adds is not refused by an older client.
     """
    body: BatchRequestLineBody
    """ The request body; every endpoint needs `model`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "custom_id": "custom_id",
        "method": "method",
        "url": "url",
        "body": "body",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        custom_id = self.custom_id

        method = self.method.value

        url = self.url.value

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
        from ..models.batch_request_line_body import BatchRequestLineBody

        d = dict(src_dict)
        custom_id = d.pop("custom_id")

        method = BatchRequestLineMethod(d.pop("method"))

        url = BatchEndpoint(d.pop("url"))

        body = BatchRequestLineBody.from_dict(d.pop("body"))

        batch_request_line = cls(
            custom_id=custom_id,
            method=method,
            url=url,
            body=body,
        )

        batch_request_line.additional_properties = d
        return batch_request_line
