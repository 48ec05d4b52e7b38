from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.file_upload_purpose import FileUploadPurpose
from ..types import File, WireModel

T = TypeVar("T", bound="FileUploadRequest")


@_attrs_define(eq=False)
class FileUploadRequest(WireModel):
    """The multipart form of an upload."""

    file: File
    """ The JSONL file, with a filename. """
    purpose: FileUploadPurpose
    """ The purpose of an uploaded file. Only `batch` is accepted. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "file": "file",
        "purpose": "purpose",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        purpose = self.purpose.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "purpose": purpose,
            }
        )

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(
            ("purpose", (None, str(self.purpose.value).encode(), "text/plain"))
        )

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        purpose = FileUploadPurpose(d.pop("purpose"))

        file_upload_request = cls(
            file=file,
            purpose=purpose,
        )

        file_upload_request.additional_properties = d
        return file_upload_request
