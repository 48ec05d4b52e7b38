"""Contains some shared types for properties"""

import json
from collections.abc import Iterator, Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, ClassVar, Generic, Literal, TypeVar

from attrs import define


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()


class WireModel(Mapping[str, Any]):
    """What every model shares: it reads like the JSON object it came from.

    - `model["wire_name"]`, `model.get("wire_name")`, `"wire_name" in model`, iteration over the
      keys the object has, and `len(model)` work as on a dict, for declared fields (by wire name,
      so `file["bytes"]`) and unknown fields alike. A field that was never set (`UNSET`) is absent.
    - A model equals any mapping with the same items, so `batch.metadata == {"k": "v"}`.
    - `to_json()` is the official SDK's: wire names, unset fields left out, two-space indent.
    """

    __slots__ = ()
    _WIRE_NAMES: ClassVar[dict[str, str]] = {}

    def to_dict(self) -> dict[str, Any]:
        """The model as a JSON-ready dict with wire names; unset fields are left out."""
        raise NotImplementedError  # every generated model defines it

    def to_json(self, *, indent: int | None = 2) -> str:
        """The model as JSON with wire names; unset fields are left out.

        Args:
            indent: Spaces per level; `None` gives compact JSON, as in the official SDK.
        """
        if indent is None:
            return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @property
    def additional_keys(self) -> list[str]:
        """The wire names of fields the spec does not declare."""
        return list(getattr(self, "additional_properties", {}))

    def __getitem__(self, key: str) -> Any:
        name = self._WIRE_NAMES.get(key)
        if name is None:
            return getattr(self, "additional_properties", {})[key]
        value = getattr(self, name)
        if isinstance(value, Unset):
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        name = self._WIRE_NAMES.get(key)
        if name is None:
            self.additional_properties[key] = value  # type: ignore[attr-defined]
        else:
            setattr(self, name, value)

    def __delitem__(self, key: str) -> None:
        if key in self._WIRE_NAMES:
            raise TypeError(
                f"{key!r} is a declared field; assign to it instead of deleting it"
            )
        del self.additional_properties[key]  # type: ignore[attr-defined]

    def __contains__(self, key: object) -> bool:
        name = self._WIRE_NAMES.get(key) if isinstance(key, str) else None
        if name is not None:
            return not isinstance(getattr(self, name), Unset)
        return key in getattr(self, "additional_properties", {})

    def __iter__(self) -> Iterator[str]:
        for key, name in self._WIRE_NAMES.items():
            if not isinstance(getattr(self, name), Unset):
                yield key
        yield from getattr(self, "additional_properties", {})

    def __len__(self) -> int:
        return sum(1 for _ in self)


# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


@define
class Response(Generic[T]):
    """A response from an endpoint"""

    status_code: HTTPStatus
    content: bytes
    headers: MutableMapping[str, str]
    parsed: T | None


__all__ = [
    "UNSET",
    "File",
    "FileTypes",
    "RequestFiles",
    "Response",
    "Unset",
    "WireModel",
]
