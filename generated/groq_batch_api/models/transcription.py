from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Self,
    TypeVar,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.transcription_segment import TranscriptionSegment
    from ..models.transcription_word import TranscriptionWord
    from ..models.transcription_x_groq import TranscriptionXGroq


T = TypeVar("T", bound="Transcription")


@_attrs_define(eq=False)
class Transcription(WireModel):
    """The body of a successful audio line (`/v1/audio/transcriptions` or
    `/v1/audio/translations`). With `response_format: json` it is just `text`; with
    `verbose_json` it also carries `task`, `language`, `duration` and `segments`.

    """

    text: str
    """ The transcript (or, for a translation, the English text). """
    task: str | Unset = UNSET
    """ `transcribe` or `translate`. """
    language: str | Unset = UNSET
    """ The detected or given language. """
    duration: float | Unset = UNSET
    """ The audio's length, in seconds. """
    segments: list[TranscriptionSegment] | Unset = UNSET
    """ The transcript in timed segments. """
    words: list[TranscriptionWord] | Unset = UNSET
    """ The transcript word by word, when word timestamps were asked for. """
    x_groq: TranscriptionXGroq | Unset = UNSET
    """ Groq's own details, such as its request id. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "text": "text",
        "task": "task",
        "language": "language",
        "duration": "duration",
        "segments": "segments",
        "words": "words",
        "x_groq": "x_groq",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        text = self.text

        task = self.task

        language = self.language

        duration = self.duration

        segments: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.segments, Unset):
            segments = []
            for segments_item_data in self.segments:
                segments_item = segments_item_data.to_dict()
                segments.append(segments_item)

        words: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.words, Unset):
            words = []
            for words_item_data in self.words:
                words_item = words_item_data.to_dict()
                words.append(words_item)

        x_groq: dict[str, Any] | Unset = UNSET
        if not isinstance(self.x_groq, Unset):
            x_groq = self.x_groq.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
            }
        )
        if task is not UNSET:
            field_dict["task"] = task
        if language is not UNSET:
            field_dict["language"] = language
        if duration is not UNSET:
            field_dict["duration"] = duration
        if segments is not UNSET:
            field_dict["segments"] = segments
        if words is not UNSET:
            field_dict["words"] = words
        if x_groq is not UNSET:
            field_dict["x_groq"] = x_groq

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.transcription_segment import TranscriptionSegment
        from ..models.transcription_word import TranscriptionWord
        from ..models.transcription_x_groq import TranscriptionXGroq

        d = dict(src_dict)
        text = d.pop("text")

        task = d.pop("task", UNSET)

        language = d.pop("language", UNSET)

        duration = d.pop("duration", UNSET)

        _segments = d.pop("segments", UNSET)
        segments: list[TranscriptionSegment] | Unset = UNSET
        if _segments is not UNSET:
            segments = []
            for segments_item_data in _segments:
                segments_item = TranscriptionSegment.from_dict(segments_item_data)

                segments.append(segments_item)

        _words = d.pop("words", UNSET)
        words: list[TranscriptionWord] | Unset = UNSET
        if _words is not UNSET:
            words = []
            for words_item_data in _words:
                words_item = TranscriptionWord.from_dict(words_item_data)

                words.append(words_item)

        _x_groq = d.pop("x_groq", UNSET)
        x_groq: TranscriptionXGroq | Unset
        if isinstance(_x_groq, Unset):
            x_groq = UNSET
        else:
            x_groq = TranscriptionXGroq.from_dict(_x_groq)

        transcription = cls(
            text=text,
            task=task,
            language=language,
            duration=duration,
            segments=segments,
            words=words,
            x_groq=x_groq,
        )

        transcription.additional_properties = d
        return transcription
