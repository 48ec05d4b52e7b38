from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    ClassVar,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

T = TypeVar("T", bound="Error")


@_attrs_define(eq=False)
class Error(WireModel):
    """The error itself: a human message, a machine `type`, and optional details."""

    message: str
    """ A description of what went wrong. """
    type_: str
    """ The error's category, for example `invalid_request_error`. """
    code: None | str | Unset = UNSET
    """ A machine-readable code, for example `json_validate_failed`. """
    param: None | str | Unset = UNSET
    """ The request parameter the error is about, if any. """
    failed_generation: None | str | Unset = UNSET
    """ For generation errors, the output the model produced. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "message": "message",
        "type": "type_",
        "code": "code",
        "param": "param",
        "failed_generation": "failed_generation",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        message = self.message

        type_ = self.type_

        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        param: None | str | Unset
        if isinstance(self.param, Unset):
            param = UNSET
        else:
            param = self.param

        failed_generation: None | str | Unset
        if isinstance(self.failed_generation, Unset):
            failed_generation = UNSET
        else:
            failed_generation = self.failed_generation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
                "type": type_,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code
        if param is not UNSET:
            field_dict["param"] = param
        if failed_generation is not UNSET:
            field_dict["failed_generation"] = failed_generation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        message = d.pop("message")

        type_ = d.pop("type")

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        def _parse_param(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        param = _parse_param(d.pop("param", UNSET))

        def _parse_failed_generation(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failed_generation = _parse_failed_generation(d.pop("failed_generation", UNSET))

        error = cls(
            message=message,
            type_=type_,
            code=code,
            param=param,
            failed_generation=failed_generation,
        )

        error.additional_properties = d
        return error

    @property
    def type(self) -> str:
        """The error's category, for example `invalid_request_error`. (`type_` is the same field.)"""
        return self.type_

    @type.setter
    def type(self, value: str) -> None:
        self.type_ = value
