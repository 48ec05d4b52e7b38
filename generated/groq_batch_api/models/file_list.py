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
    from ..models.file import File


T = TypeVar("T", bound="FileList")


@_attrs_define(eq=False)
class FileList(WireModel):
    """The caller's files."""

    object_: Literal["list"]
    """ Always `list`. """
    data: list[File]
    """ The files. """
    first_id: None | str | Unset = UNSET
    """ The first file id in `data`. Groq does not document it; OpenAI clients use it. """
    last_id: None | str | Unset = UNSET
    """ The last file id in `data`. """
    has_more: bool | Unset = UNSET
    """ Whether more files follow. OpenAI clients page on it; Groq returns every file. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "object": "object_",
        "data": "data",
        "first_id": "first_id",
        "last_id": "last_id",
        "has_more": "has_more",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
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

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.file import File

        d = dict(src_dict)
        object_ = cast(Literal["list"], d.pop("object"))
        if object_ != "list":
            raise ValueError(f"object must match const 'list', got '{object_}'")

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = File.from_dict(data_item_data)

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

        file_list = cls(
            object_=object_,
            data=data,
            first_id=first_id,
            last_id=last_id,
            has_more=has_more,
        )

        file_list.additional_properties = d
        return file_list

    @property
    def object(self) -> Literal["list"]:
        """Always `list`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: Literal["list"]) -> None:
        self.object_ = value
