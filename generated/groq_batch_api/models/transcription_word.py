from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import WireModel

T = TypeVar("T", bound="TranscriptionWord")


@_attrs_define(eq=False)
class TranscriptionWord(WireModel):
    """One word of a `verbose_json` transcription with `timestamp_granularities` `word`."""

    word: str
    """ The word. """
    start: float
    """ Start time, in seconds. """
    end: float
    """ End time, in seconds. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "word": "word",
        "start": "start",
        "end": "end",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        word = self.word

        start = self.start

        end = self.end

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "word": word,
                "start": start,
                "end": end,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        word = d.pop("word")

        start = d.pop("start")

        end = d.pop("end")

        transcription_word = cls(
            word=word,
            start=start,
            end=end,
        )

        transcription_word.additional_properties = d
        return transcription_word
