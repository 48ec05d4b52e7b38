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

from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.batch_request_output_error import BatchRequestOutputError
    from ..models.batch_request_output_response import BatchRequestOutputResponse


T = TypeVar("T", bound="BatchRequestOutput")


@_attrs_define(eq=False)
class BatchRequestOutput(WireModel):
    """One line of a batch's output or error file."""

    custom_id: str
    """ The `custom_id` of the input line. """
    id: str | Unset = UNSET
    """ The line's id (`batch_req_out_` and a ULID). """
    response: BatchRequestOutputResponse | None | Unset = UNSET
    """ The response, when the request ran. """
    error: BatchRequestOutputError | None | Unset = UNSET
    """ The failure, when the request did not get a response. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "custom_id": "custom_id",
        "id": "id",
        "response": "response",
        "error": "error",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        from ..models.batch_request_output_error import BatchRequestOutputError
        from ..models.batch_request_output_response import BatchRequestOutputResponse

        custom_id = self.custom_id

        id = self.id

        response: dict[str, Any] | None | Unset
        if isinstance(self.response, Unset):
            response = UNSET
        elif isinstance(self.response, BatchRequestOutputResponse):
            response = self.response.to_dict()
        else:
            response = self.response

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, BatchRequestOutputError):
            error = self.error.to_dict()
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "custom_id": custom_id,
            }
        )
        if id is not UNSET:
            field_dict["id"] = id
        if response is not UNSET:
            field_dict["response"] = response
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch_request_output_error import BatchRequestOutputError
        from ..models.batch_request_output_response import BatchRequestOutputResponse

        d = dict(src_dict)
        custom_id = d.pop("custom_id")

        id = d.pop("id", UNSET)

        def _parse_response(data: object) -> BatchRequestOutputResponse | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_type_0 = BatchRequestOutputResponse.from_dict(data)

                return response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchRequestOutputResponse | None | Unset, data)

        response = _parse_response(d.pop("response", UNSET))

        def _parse_error(data: object) -> BatchRequestOutputError | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_0 = BatchRequestOutputError.from_dict(data)

                return error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchRequestOutputError | None | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        batch_request_output = cls(
            custom_id=custom_id,
            id=id,
            response=response,
            error=error,
        )

        batch_request_output.additional_properties = d
        return batch_request_output
