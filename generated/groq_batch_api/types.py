"""Contains some shared types for properties"""

import copy
import enum
import json
from collections.abc import Iterator, Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, ClassVar, Generic, Literal, Self, TypeVar

import attrs
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
    - `to_dict()` / `to_json()` are the official SDK's, with its options and key order; the
      pydantic names (`model_dump`, `model_dump_json`, `model_copy`, `model_fields_set`,
      `model_extra`) mean what they mean on the SDK's models.
    """

    __slots__ = ()
    _WIRE_NAMES: ClassVar[dict[str, str]] = {}

    def _to_wire_dict(self) -> dict[str, Any]:
        """The generator's own serialisation (every generated model defines it)."""
        raise NotImplementedError

    @classmethod
    def _sdk_order(cls) -> list[tuple[str, str, Any]]:
        """(wire name, attribute, default) of each field, in the official SDK's order.

        The SDK's models declare `id` first, then the required fields, then the optional ones,
        each group in alphabetical order; fields the spec does not declare come last.
        """
        order = cls.__dict__.get("_SDK_ORDER_CACHE")
        if order is None:
            fields = {f.name: f for f in attrs.fields(cls)}  # type: ignore[misc, arg-type]
            entries = [
                (wire, name, fields[name].default)
                for wire, name in cls._WIRE_NAMES.items()
            ]
            required = sorted(
                e for e in entries if e[2] is attrs.NOTHING and e[0] != "id"
            )
            optional = sorted(
                e for e in entries if e[2] is not attrs.NOTHING and e[0] != "id"
            )
            order = [e for e in entries if e[0] == "id"] + required + optional
            cls._SDK_ORDER_CACHE = order
        return order

    def _dump(
        self,
        *,
        mode: str,
        exclude_unset: bool,
        exclude_defaults: bool,
        exclude_none: bool,
        include: Any = None,
        exclude: Any = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        options = {
            "mode": mode,
            "exclude_unset": exclude_unset,
            "exclude_defaults": exclude_defaults,
            "exclude_none": exclude_none,
        }
        extras = getattr(self, "additional_properties", {})
        for wire, name, default in [
            *self._sdk_order(),
            *((k, None, UNSET) for k in extras),
        ]:
            if (include is not None and wire not in include) or (
                exclude is not None and wire in exclude
            ):
                continue
            value = extras[wire] if name is None else getattr(self, name)
            if isinstance(value, Unset):
                if exclude_unset or exclude_defaults:
                    continue
                value = None
            elif exclude_defaults and default is not attrs.NOTHING and value == default:
                continue
            if value is None and exclude_none:
                continue
            out[wire] = _dump_value(value, options)
        return out

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "python",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> dict[str, Any]:
        """The model as a dict, as the official SDK's `to_dict()` gives it.

        Args:
            mode: `json` gives only JSON types (enums as their strings); `python` keeps them.
            use_api_names: Keys are the wire names (the SDK's default). The attribute names are
                the wire names too, so `False` gives the same keys.
            exclude_unset: Leave out fields the server did not send (the SDK's default).
            exclude_defaults: Leave out fields equal to their default.
            exclude_none: Leave out fields whose value is None.
            warnings: Accepted for the SDK's signature; there is nothing to warn about.

        Returns:
            The dict, keys in the SDK's order (`id`, required fields, optional fields, then the
            fields the spec does not declare).
        """
        return self._dump(
            mode=mode,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        warnings: bool = True,
    ) -> str:
        """The model as JSON, as the official SDK's `to_json()` gives it.

        Args:
            indent: Spaces per level; `None` gives compact JSON (`{"a":1}`).
            use_api_names: As in `to_dict`.
            exclude_unset: As in `to_dict`.
            exclude_defaults: As in `to_dict`.
            exclude_none: As in `to_dict`.
            warnings: As in `to_dict`.

        Returns:
            The JSON text, non-ASCII characters kept as they are.
        """
        data = self._dump(
            mode="json",
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )
        return _json_text(data, indent)

    def model_dump(
        self,
        *,
        mode: Literal["json", "python"] | str = "python",
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
        serialize_as_any: bool = False,
    ) -> dict[str, Any]:
        """pydantic's `model_dump()`: every field (unset ones as None) unless told otherwise.

        Args:
            mode: `json` or `python`, as in `to_dict`.
            include: Only these top-level fields (a set of names).
            exclude: Not these top-level fields (a set of names).
            context: Accepted for pydantic's signature.
            by_alias: Accepted for pydantic's signature (names are the wire names either way).
            exclude_unset: Leave out fields the server did not send.
            exclude_defaults: Leave out fields equal to their default.
            exclude_none: Leave out fields whose value is None.
            round_trip: Accepted for pydantic's signature.
            warnings: Accepted for pydantic's signature.
            serialize_as_any: Accepted for pydantic's signature.

        Returns:
            The dict.
        """
        return self._dump(
            mode=mode,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            include=include,
            exclude=exclude,
        )

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Any = None,
        exclude: Any = None,
        context: Any = None,
        by_alias: bool | None = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
        round_trip: bool = False,
        warnings: bool | str = True,
        serialize_as_any: bool = False,
    ) -> str:
        """pydantic's `model_dump_json()`: compact JSON by default.

        Args:
            indent: Spaces per level, or None for compact JSON.
            include: As in `model_dump`.
            exclude: As in `model_dump`.
            context: As in `model_dump`.
            by_alias: As in `model_dump`.
            exclude_unset: As in `model_dump`.
            exclude_defaults: As in `model_dump`.
            exclude_none: As in `model_dump`.
            round_trip: As in `model_dump`.
            warnings: As in `model_dump`.
            serialize_as_any: As in `model_dump`.

        Returns:
            The JSON text.
        """
        data = self._dump(
            mode="json",
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
            include=include,
            exclude=exclude,
        )
        return _json_text(data, indent)

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Self:
        """pydantic's `model_copy()`: a copy, with some fields replaced (by wire name).

        Args:
            update: Fields to set on the copy; unknown names become extra fields.
            deep: Copy nested models and lists too.

        Returns:
            The copy.
        """
        clone = copy.deepcopy(self) if deep else copy.copy(self)
        if not deep and hasattr(self, "additional_properties"):
            clone.additional_properties = dict(self.additional_properties)
        for key, value in (update or {}).items():
            name = self._WIRE_NAMES.get(key)
            if name is None:
                clone.additional_properties[key] = value
            else:
                setattr(clone, name, value)
        return clone

    @property
    def model_fields_set(self) -> set[str]:
        """pydantic's `model_fields_set`: the fields the server sent (unknown ones included)."""
        sent = {
            wire
            for wire, name in self._WIRE_NAMES.items()
            if not isinstance(getattr(self, name), Unset)
        }
        return sent | set(getattr(self, "additional_properties", {}))

    @property
    def model_extra(self) -> dict[str, Any]:
        """pydantic's `model_extra`: the fields the spec does not declare, as sent."""
        extra: dict[str, Any] = getattr(self, "additional_properties", {})
        return extra

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


def _dump_value(value: Any, options: dict[str, Any]) -> Any:
    """One value of a dump: nested models with the same options, enums as strings in JSON mode."""
    if isinstance(value, WireModel):
        return value._dump(**options)
    if isinstance(value, list | tuple):
        return [_dump_value(item, options) for item in value]
    if isinstance(value, dict):
        return {key: _dump_value(item, options) for key, item in value.items()}
    if isinstance(value, enum.Enum) and options["mode"] == "json":
        return value.value
    return value


def _json_text(data: Any, indent: int | None) -> str:
    # The SDK's formatting: compact without spaces when not indented; non-ASCII kept.
    if indent is None:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(data, ensure_ascii=False, indent=indent)


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
