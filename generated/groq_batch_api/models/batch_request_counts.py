from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="BatchRequestCounts")


@_attrs_define(eq=False)
class BatchRequestCounts(WireModel):
    """How many of the batch's requests exist, finished, and failed."""

    total: int
    """ Requests in the batch (0 while validating). """
    completed: int
    """ Requests that finished successfully. """
    failed: int
    """ Requests that failed. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "total": "total",
        "completed": "completed",
        "failed": "failed",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        total = self.total

        completed = self.completed

        failed = self.failed

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "total": total,
                "completed": completed,
                "failed": failed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        total = d.pop("total")

        completed = d.pop("completed")

        failed = d.pop("failed")

        batch_request_counts = cls(
            total=total,
            completed=completed,
            failed=failed,
        )

        batch_request_counts.additional_properties = d
        return batch_request_counts
