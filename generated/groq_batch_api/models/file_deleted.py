from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="FileDeleted")


@_attrs_define(eq=False)
class FileDeleted(WireModel):
    """Confirms a deletion."""

    id: str
    """ The deleted file's id. """
    object_: Literal["file"]
    """ Always `file`. """
    deleted: bool
    """ Whether the file is gone. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "id": "id",
        "object": "object_",
        "deleted": "deleted",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        deleted = self.deleted

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "deleted": deleted,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["file"], d.pop("object"))
        if object_ != "file":
            raise ValueError(f"object must match const 'file', got '{object_}'")

        deleted = d.pop("deleted")

        file_deleted = cls(
            id=id,
            object_=object_,
            deleted=deleted,
        )

        file_deleted.additional_properties = d
        return file_deleted

    @property
    def object(self) -> Literal["file"]:
        """Always `file`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: Literal["file"]) -> None:
        self.object_ = value
