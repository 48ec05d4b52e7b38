from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset, WireModel

if TYPE_CHECKING:
    from ..models.chat_completion_choice import ChatCompletionChoice
    from ..models.chat_completion_x_groq import ChatCompletionXGroq
    from ..models.completion_usage import CompletionUsage


T = TypeVar("T", bound="ChatCompletion")


@_attrs_define(eq=False)
class ChatCompletion(WireModel):
    """The body of a successful chat-completions response."""

    id: str
    """ The completion's id. """
    object_: str
    """ Always `chat.completion`. """
    created: int
    """ Unix seconds. """
    model: str
    """ The model that answered. """
    choices: list[ChatCompletionChoice]
    """ The completion choices. """
    usage: CompletionUsage | Unset = UNSET
    """ Token counts and timings for a completion. """
    system_fingerprint: None | str | Unset = UNSET
    """ The backend configuration that served the request. """
    service_tier: None | str | Unset = UNSET
    """ The service tier, `batch` for batch requests. """
    x_groq: ChatCompletionXGroq | Unset = UNSET
    """ Groq's own details, such as its request id. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _WIRE_NAMES: ClassVar[dict[str, str]] = {
        "id": "id",
        "object": "object_",
        "created": "created",
        "model": "model",
        "choices": "choices",
        "usage": "usage",
        "system_fingerprint": "system_fingerprint",
        "service_tier": "service_tier",
        "x_groq": "x_groq",
    }

    def _to_wire_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        created = self.created

        model = self.model

        choices = []
        for choices_item_data in self.choices:
            choices_item = choices_item_data.to_dict()
            choices.append(choices_item)

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        system_fingerprint: None | str | Unset
        if isinstance(self.system_fingerprint, Unset):
            system_fingerprint = UNSET
        else:
            system_fingerprint = self.system_fingerprint

        service_tier: None | str | Unset
        if isinstance(self.service_tier, Unset):
            service_tier = UNSET
        else:
            service_tier = self.service_tier

        x_groq: dict[str, Any] | Unset = UNSET
        if not isinstance(self.x_groq, Unset):
            x_groq = self.x_groq.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "created": created,
                "model": model,
                "choices": choices,
            }
        )
        if usage is not UNSET:
            field_dict["usage"] = usage
        if system_fingerprint is not UNSET:
            field_dict["system_fingerprint"] = system_fingerprint
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if x_groq is not UNSET:
            field_dict["x_groq"] = x_groq

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.chat_completion_choice import ChatCompletionChoice
        from ..models.chat_completion_x_groq import ChatCompletionXGroq
        from ..models.completion_usage import CompletionUsage

        d = dict(src_dict)
        id = d.pop("id")

        object_ = d.pop("object")

        created = d.pop("created")

        model = d.pop("model")

        choices = []
        _choices = d.pop("choices")
        for choices_item_data in _choices:
            choices_item = ChatCompletionChoice.from_dict(choices_item_data)

            choices.append(choices_item)

        _usage = d.pop("usage", UNSET)
        usage: CompletionUsage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = CompletionUsage.from_dict(_usage)

        def _parse_system_fingerprint(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        system_fingerprint = _parse_system_fingerprint(
            d.pop("system_fingerprint", UNSET)
        )

        def _parse_service_tier(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        service_tier = _parse_service_tier(d.pop("service_tier", UNSET))

        _x_groq = d.pop("x_groq", UNSET)
        x_groq: ChatCompletionXGroq | Unset
        if isinstance(_x_groq, Unset):
            x_groq = UNSET
        else:
            x_groq = ChatCompletionXGroq.from_dict(_x_groq)

        chat_completion = cls(
            id=id,
            object_=object_,
            created=created,
            model=model,
            choices=choices,
            usage=usage,
            system_fingerprint=system_fingerprint,
            service_tier=service_tier,
            x_groq=x_groq,
        )

        chat_completion.additional_properties = d
        return chat_completion

    @property
    def object(self) -> str:
        """Always `chat.completion`. (`object_` is the same field.)"""
        return self.object_

    @object.setter
    def object(self, value: str) -> None:
        self.object_ = value
