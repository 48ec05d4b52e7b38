from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

T = TypeVar("T", bound="CompletionUsage")


@_attrs_define(eq=False)
class CompletionUsage(WireModel):
    """Token counts and timings for a completion."""

    prompt_tokens: int
    """ Tokens in the prompt. """
    completion_tokens: int
    """ Tokens generated. """
    total_tokens: int
    """ Prompt plus completion tokens. """
    queue_time: float | Unset = UNSET
    """ Seconds queued. """
    prompt_time: float | Unset = UNSET
    """ Seconds spent on the prompt. """
    completion_time: float | Unset = UNSET
    """ Seconds spent generating. """
    total_time: float | Unset = UNSET
    """ Prompt plus completion seconds. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "prompt_tokens": "prompt_tokens",
        "completion_tokens": "completion_tokens",
        "total_tokens": "total_tokens",
        "queue_time": "queue_time",
        "prompt_time": "prompt_time",
        "completion_time": "completion_time",
        "total_time": "total_time",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        prompt_tokens = self.prompt_tokens

        completion_tokens = self.completion_tokens

        total_tokens = self.total_tokens

        queue_time = self.queue_time

        prompt_time = self.prompt_time

        completion_time = self.completion_time

        total_time = self.total_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": total_tokens,
            }
        )
        if queue_time is not UNSET:
            field_dict["queue_time"] = queue_time
        if prompt_time is not UNSET:
            field_dict["prompt_time"] = prompt_time
        if completion_time is not UNSET:
            field_dict["completion_time"] = completion_time
        if total_time is not UNSET:
            field_dict["total_time"] = total_time

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        prompt_tokens = d.pop("prompt_tokens")

        completion_tokens = d.pop("completion_tokens")

        total_tokens = d.pop("total_tokens")

        queue_time = d.pop("queue_time", UNSET)

        prompt_time = d.pop("prompt_time", UNSET)

        completion_time = d.pop("completion_time", UNSET)

        total_time = d.pop("total_time", UNSET)

        completion_usage = cls(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            queue_time=queue_time,
            prompt_time=prompt_time,
            completion_time=completion_time,
            total_time=total_time,
        )

        completion_usage.additional_properties = d
        return completion_usage
