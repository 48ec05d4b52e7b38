from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.batch import Batch
    from ..models.batch_list_paging import BatchListPaging


T = TypeVar("T", bound="BatchList")


@_attrs_define(eq=False)
class BatchList(WireModel):
    """A page of batches."""

    object_: Literal["list"]
    """ Always `list`. """
    data: list[Batch]
    """ The batches on this page. """
    first_id: None | str | Unset = UNSET
    """ The first batch id on this page. """
    last_id: None | str | Unset = UNSET
    """ The last batch id on this page; pass as `after` for the next page. """
    has_more: bool | Unset = UNSET
    """ Whether another page follows (the `after` style). """
    paging: BatchListPaging | None | Unset = UNSET
    """ Groq's cursor information (the `cursor` style). """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "object": "object_",
        "data": "data",
        "first_id": "first_id",
        "last_id": "last_id",
        "has_more": "has_more",
        "paging": "paging",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        from ..models.batch_list_paging import BatchListPaging

        object_ = self.object_

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        first_id: None | str | Unset
        if isinstance(self.first_id, Unset):
            first_id = UNSET
        else:
            first_id = self.first_id

        last_id: None | str | Unset
        if isinstance(self.last_id, Unset):
            last_id = UNSET
        else:
            last_id = self.last_id

        has_more = self.has_more

        paging: dict[str, Any] | None | Unset
        if isinstance(self.paging, Unset):
            paging = UNSET
        elif isinstance(self.paging, BatchListPaging):
            paging = self.paging.to_dict()
        else:
            paging = self.paging

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "data": data,
            }
        )
        if first_id is not UNSET:
            field_dict["first_id"] = first_id
        if last_id is not UNSET:
            field_dict["last_id"] = last_id
        if has_more is not UNSET:
            field_dict["has_more"] = has_more
        if paging is not UNSET:
            field_dict["paging"] = paging

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.batch import Batch
        from ..models.batch_list_paging import BatchListPaging

        d = dict(src_dict)
        object_ = cast(Literal["list"], d.pop("object"))
        if object_ != "list":
            raise ValueError(f"object must match const 'list', got '{object_}'")

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = Batch.from_dict(data_item_data)

            data.append(data_item)

        def _parse_first_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        first_id = _parse_first_id(d.pop("first_id", UNSET))

        def _parse_last_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_id = _parse_last_id(d.pop("last_id", UNSET))

        has_more = d.pop("has_more", UNSET)

        def _parse_paging(data: object) -> BatchListPaging | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                paging_type_0 = BatchListPaging.from_dict(data)

                return paging_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BatchListPaging | None | Unset, data)

        paging = _parse_paging(d.pop("paging", UNSET))

        batch_list = cls(
            object_=object_,
            data=data,
            first_id=first_id,
            last_id=last_id,
            has_more=has_more,
            paging=paging,
        )

        batch_list.additional_properties = d
        return batch_list

    @property
    def object(self) -> Literal["list"]:
        """Always `list`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: Literal["list"]) -> None:
        self.object_ = value
