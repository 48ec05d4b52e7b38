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
from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="CreateBatchRequest")


@_attrs_define(eq=False)
class CreateBatchRequest(WireModel):
    """What a new batch runs."""

    input_file_id: str
    """ An uploaded file (purpose `batch`) of at most 50,000 lines and 100 MB. """
    endpoint: BatchEndpoint | str
    """ The batch's endpoint, one of `BatchEndpoint`. Each line names its own `url`, so one
    file may mix chat and audio lines whichever of the three this is.
     """
    completion_window: str
    """ How long the batch may take, from `24h` to `7d` (hours `h` or days `d`). """
    metadata: Metadata | None | Unset = UNSET
    """ Optional string pairs to attach to the batch. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "input_file_id": "input_file_id",
        "endpoint": "endpoint",
        "completion_window": "completion_window",
        "metadata": "metadata",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        from ..models.metadata import Metadata

        input_file_id = self.input_file_id

        endpoint: str
        if isinstance(self.endpoint, BatchEndpoint):
            endpoint = self.endpoint.value
        else:
            endpoint = self.endpoint

        completion_window = self.completion_window

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, Metadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input_file_id": input_file_id,
                "endpoint": endpoint,
                "completion_window": completion_window,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.metadata import Metadata

        d = dict(src_dict)
        input_file_id = d.pop("input_file_id")

        def _parse_endpoint(data: object) -> BatchEndpoint | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                endpoint_type_0 = BatchEndpoint(data)

                return endpoint_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchEndpoint | str, data)

        endpoint = _parse_endpoint(d.pop("endpoint"))

        completion_window = d.pop("completion_window")

        def _parse_metadata(data: object) -> Metadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = Metadata.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Metadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        create_batch_request = cls(
            input_file_id=input_file_id,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=metadata,
        )

        create_batch_request.additional_properties = d
        return create_batch_request
