from __future__ import annotations

from collections.abc import Mapping
from typing import (
    Any,
    ClassVar,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

T = TypeVar("T", bound="TranscriptionSegment")


@_attrs_define(eq=False)
class TranscriptionSegment(WireModel):
    """One segment of a `verbose_json` transcription."""

    id: int
    """ The segment's position. """
    start: float
    """ Start time, in seconds. """
    end: float
    """ End time, in seconds. """
    text: str
    """ The segment's text. """
    seek: int | Unset = UNSET
    """ Seek offset of the segment, in audio frames. """
    tokens: list[int] | Unset = UNSET
    """ The segment's token ids. """
    temperature: float | Unset = UNSET
    """ The temperature the segment was decoded with. """
    avg_logprob: float | Unset = UNSET
    """ Average log probability of the tokens. """
    compression_ratio: float | Unset = UNSET
    """ Compression ratio of the segment; high values suggest repetition. """
    no_speech_prob: float | Unset = UNSET
    """ Probability that the segment is silence. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "id": "id",
        "start": "start",
        "end": "end",
        "text": "text",
        "seek": "seek",
        "tokens": "tokens",
        "temperature": "temperature",
        "avg_logprob": "avg_logprob",
        "compression_ratio": "compression_ratio",
        "no_speech_prob": "no_speech_prob",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        id = self.id

        start = self.start

        end = self.end

        text = self.text

        seek = self.seek

        tokens: list[int] | Unset = UNSET
        if not isinstance(self.tokens, Unset):
            tokens = self.tokens

        temperature = self.temperature

        avg_logprob = self.avg_logprob

        compression_ratio = self.compression_ratio

        no_speech_prob = self.no_speech_prob

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "start": start,
                "end": end,
                "text": text,
            }
        )
        if seek is not UNSET:
            field_dict["seek"] = seek
        if tokens is not UNSET:
            field_dict["tokens"] = tokens
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if avg_logprob is not UNSET:
            field_dict["avg_logprob"] = avg_logprob
        if compression_ratio is not UNSET:
            field_dict["compression_ratio"] = compression_ratio
        if no_speech_prob is not UNSET:
            field_dict["no_speech_prob"] = no_speech_prob

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        start = d.pop("start")

        end = d.pop("end")

        text = d.pop("text")

        seek = d.pop("seek", UNSET)

        tokens = cast(list[int], d.pop("tokens", UNSET))

        temperature = d.pop("temperature", UNSET)

        avg_logprob = d.pop("avg_logprob", UNSET)

        compression_ratio = d.pop("compression_ratio", UNSET)

        no_speech_prob = d.pop("no_speech_prob", UNSET)

        transcription_segment = cls(
            id=id,
            start=start,
            end=end,
            text=text,
            seek=seek,
            tokens=tokens,
            temperature=temperature,
            avg_logprob=avg_logprob,
            compression_ratio=compression_ratio,
            no_speech_prob=no_speech_prob,
        )

        transcription_segment.additional_properties = d
        return transcription_segment
