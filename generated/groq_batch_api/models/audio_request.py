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

from ..models.audio_response_format import AudioResponseFormat
from ..types import UNSET, Unset, WireModel

T = TypeVar("T", bound="AudioRequest")


@_attrs_define(eq=False)
class AudioRequest(WireModel):
    """The body of a `/v1/audio/transcriptions` or `/v1/audio/translations` line. The audio is
    fetched from `url`; a batch cannot carry the audio bytes themselves.

    """

    model: str
    """ A Whisper model, for example `whisper-large-v3` or `whisper-large-v3-turbo`. """
    url: str
    """ Where the audio file can be fetched from. """
    language: str | Unset = UNSET
    """ The spoken language as ISO-639-1 (`en`), for transcriptions. """
    prompt: str | Unset = UNSET
    """ Text to guide the model's style or to continue a previous segment. """
    response_format: AudioResponseFormat | str | Unset = UNSET
    """ `json` (the default: `{text}`), `text`, or `verbose_json` (adds language, duration and
    segments). Other values are kept as strings.
     """
    temperature: float | Unset = UNSET
    """ Sampling temperature, from 0 to 1. """
    timestamp_granularities: list[str] | Unset = UNSET
    """ `segment` and/or `word`; needs `response_format: verbose_json`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "model": "model",
        "url": "url",
        "language": "language",
        "prompt": "prompt",
        "response_format": "response_format",
        "temperature": "temperature",
        "timestamp_granularities": "timestamp_granularities",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        model = self.model

        url = self.url

        language = self.language

        prompt = self.prompt

        response_format: str | Unset
        if isinstance(self.response_format, Unset):
            response_format = UNSET
        elif isinstance(self.response_format, AudioResponseFormat):
            response_format = self.response_format.value
        else:
            response_format = self.response_format

        temperature = self.temperature

        timestamp_granularities: list[str] | Unset = UNSET
        if not isinstance(self.timestamp_granularities, Unset):
            timestamp_granularities = self.timestamp_granularities

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "model": model,
                "url": url,
            }
        )
        if language is not UNSET:
            field_dict["language"] = language
        if prompt is not UNSET:
            field_dict["prompt"] = prompt
        if response_format is not UNSET:
            field_dict["response_format"] = response_format
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if timestamp_granularities is not UNSET:
            field_dict["timestamp_granularities"] = timestamp_granularities

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        model = d.pop("model")

        url = d.pop("url")

        language = d.pop("language", UNSET)

        prompt = d.pop("prompt", UNSET)

        def _parse_response_format(data: object) -> AudioResponseFormat | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                response_format_type_0 = AudioResponseFormat(data)

                return response_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AudioResponseFormat | str | Unset, data)

        response_format = _parse_response_format(d.pop("response_format", UNSET))

        temperature = d.pop("temperature", UNSET)

        timestamp_granularities = cast(
            list[str], d.pop("timestamp_granularities", UNSET)
        )

        audio_request = cls(
            model=model,
            url=url,
            language=language,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
        )

        audio_request.additional_properties = d
        return audio_request
