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
    from ..models.batch_error import BatchError


T = TypeVar("T", bound="BatchErrors")


@_attrs_define(eq=False)
class BatchErrors(WireModel):
    """The problems found in a batch's input file, in the list envelope."""

    data: list[BatchError]
    """ The problems. """
    object_: str | Unset = UNSET
    """ Always `list`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "data": "data",
        "object": "object_",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        object_ = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )
        if object_ is not UNSET:
            field_dict["object"] = object_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch_error import BatchError

        d = dict(src_dict)
        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = BatchError.from_dict(data_item_data)

            data.append(data_item)

        object_ = d.pop("object", UNSET)

        batch_errors = cls(
            data=data,
            object_=object_,
        )

        batch_errors.additional_properties = d
        return batch_errors

    @property
    def object(self) -> str | Unset:
        """Always `list`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: str | Unset) -> None:
        self.object_ = value
