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

from ..models.audio_request_options_timestamp_granularities_type_0_item import (
    AudioRequestOptionsTimestampGranularitiesType0Item,
)
from ..models.audio_response_format import AudioResponseFormat
from ..types import UNSET, Unset, WireModel

T = TypeVar("T", bound="AudioRequestOptions")


@_attrs_define(eq=False)
class AudioRequestOptions(WireModel):
    """The options an audio line's body may set, each checked only when present: a value
    outside these is refused at validation, and `null` counts as absent. (`AudioRequest`
    types the whole body.)

    """

    language: None | str | Unset = UNSET
    """ The spoken language as ISO-639-1 (`en`). """
    prompt: None | str | Unset = UNSET
    """ Text to guide the model's style. """
    response_format: AudioResponseFormat | None | Unset = UNSET
    temperature: float | None | Unset = UNSET
    """ Sampling temperature. """
    timestamp_granularities: (
        list[AudioRequestOptionsTimestampGranularitiesType0Item] | None | Unset
    ) = UNSET
    """ `segment` and/or `word`. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "language": "language",
        "prompt": "prompt",
        "response_format": "response_format",
        "temperature": "temperature",
        "timestamp_granularities": "timestamp_granularities",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        prompt: None | str | Unset
        if isinstance(self.prompt, Unset):
            prompt = UNSET
        else:
            prompt = self.prompt

        response_format: None | str | Unset
        if isinstance(self.response_format, Unset):
            response_format = UNSET
        elif isinstance(self.response_format, AudioResponseFormat):
            response_format = self.response_format.value
        else:
            response_format = self.response_format

        temperature: float | None | Unset
        if isinstance(self.temperature, Unset):
            temperature = UNSET
        else:
            temperature = self.temperature

        timestamp_granularities: list[str] | None | Unset
        if isinstance(self.timestamp_granularities, Unset):
            timestamp_granularities = UNSET
        elif isinstance(self.timestamp_granularities, list):
            timestamp_granularities = []
            for (
                timestamp_granularities_type_0_item_data
            ) in self.timestamp_granularities:
                timestamp_granularities_type_0_item = (
                    timestamp_granularities_type_0_item_data.value
                )
                timestamp_granularities.append(timestamp_granularities_type_0_item)

        else:
            timestamp_granularities = self.timestamp_granularities

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
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

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_prompt(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        prompt = _parse_prompt(d.pop("prompt", UNSET))

        def _parse_response_format(data: object) -> AudioResponseFormat | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                response_format_type_0 = AudioResponseFormat(data)

                return response_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AudioResponseFormat | None | Unset, data)

        response_format = _parse_response_format(d.pop("response_format", UNSET))

        def _parse_temperature(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        temperature = _parse_temperature(d.pop("temperature", UNSET))

        def _parse_timestamp_granularities(
            data: object,
        ) -> list[AudioRequestOptionsTimestampGranularitiesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                timestamp_granularities_type_0 = []
                _timestamp_granularities_type_0 = data
                for (
                    timestamp_granularities_type_0_item_data
                ) in _timestamp_granularities_type_0:
                    timestamp_granularities_type_0_item = (
                        AudioRequestOptionsTimestampGranularitiesType0Item(
                            timestamp_granularities_type_0_item_data
                        )
                    )

                    timestamp_granularities_type_0.append(
                        timestamp_granularities_type_0_item
                    )

                return timestamp_granularities_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                list[AudioRequestOptionsTimestampGranularitiesType0Item] | None | Unset,
                data,
            )

        timestamp_granularities = _parse_timestamp_granularities(
            d.pop("timestamp_granularities", UNSET)
        )

        audio_request_options = cls(
            language=language,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
        )

        audio_request_options.additional_properties = d
        return audio_request_options
