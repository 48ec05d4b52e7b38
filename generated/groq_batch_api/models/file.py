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

from ..models.file_purpose import FilePurpose
from ..types import WireModel

T = TypeVar("T", bound="File")


@_attrs_define(eq=False)
class File(WireModel):
    """A stored file."""

    id: str
    """ The file's id (`file_` and a ULID). """
    object_: Literal["file"]
    """ Always `file`. """
    bytes_: int
    """ Size in bytes. """
    created_at: int
    """ When the file was stored, in Unix seconds. """
    filename: str
    """ The name the file was uploaded with. """
    purpose: FilePurpose | str
    """ `batch` or `batch_output`; other values are kept as strings. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "id": "id",
        "object": "object_",
        "bytes": "bytes_",
        "created_at": "created_at",
        "filename": "filename",
        "purpose": "purpose",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        bytes_ = self.bytes_

        created_at = self.created_at

        filename = self.filename

        purpose: str
        if isinstance(self.purpose, FilePurpose):
            purpose = self.purpose.value
        else:
            purpose = self.purpose

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "bytes": bytes_,
                "created_at": created_at,
                "filename": filename,
                "purpose": purpose,
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

        bytes_ = d.pop("bytes")

        created_at = d.pop("created_at")

        filename = d.pop("filename")

        def _parse_purpose(data: object) -> FilePurpose | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                purpose_type_0 = FilePurpose(data)

                return purpose_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(FilePurpose | str, data)

        purpose = _parse_purpose(d.pop("purpose"))

        file = cls(
            id=id,
            object_=object_,
            bytes_=bytes_,
            created_at=created_at,
            filename=filename,
            purpose=purpose,
        )

        file.additional_properties = d
        return file

    @property
    def object(self) -> Literal["file"]:
        """Always `file`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: Literal["file"]) -> None:
        self.object_ = value

    @property
    def bytes(self) -> int:
        """Size in bytes. (`bytes_` is the same field.)"""
        return self.bytes_

    @bytes.setter
    def bytes(self, value: int) -> None:
        self.bytes_ = value
