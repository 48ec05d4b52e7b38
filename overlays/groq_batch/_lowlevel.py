"""Casting a response for the low-level `client.get/post/...(path, cast_to=...)` methods.

The SDK casts to its pydantic models; here a model is an attrs class (`from_dict`) or, for code
that brings its own, a pydantic model (`model_validate`). A strict client raises
`APIResponseValidationError` when the body does not fit; a lenient one (the default) keeps what
came: the text when the body is not JSON, an unvalidated model when validation fails.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import httpx

from groq_batch._errors import APIResponseValidationError, InvalidTypeError

__all__ = ["cast_response"]


def cast_response(response: httpx.Response, cast_to: Any, *, strict: bool) -> Any:
    """Turn a read response into what `cast_to` names.

    Args:
        response: The response, its body read (or left unread for `httpx.Response`).
        cast_to: `httpx.Response`, `str`, `bytes`, `object`, `None`, a model class or a `Union`.
        strict: Whether a body that does not fit raises.

    Returns:
        The cast value.

    Raises:
        APIResponseValidationError: When `strict` and the body does not fit.
    """
    if cast_to is httpx.Response:
        return response
    if cast_to is str:
        return response.text
    if cast_to is bytes:
        return response.content
    if cast_to is None or cast_to is type(None):
        return None
    try:
        data = response.json()
    except ValueError as exc:
        if strict:
            raise APIResponseValidationError(
                response, response.text, message="The API returned a body that is not JSON."
            ) from exc
        return response.text
    if cast_to is object:
        return data
    return _construct(response, cast_to, data, strict=strict)


def _variants(cast_to: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(cast_to)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(cast_to)
    return (cast_to,)


def _construct(response: httpx.Response, cast_to: Any, data: Any, *, strict: bool) -> Any:
    last: Exception | None = None
    for variant in _variants(cast_to):
        try:
            return _validate(variant, data)
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            # pydantic's ValidationError is a ValueError.
            last = exc
    if strict or last is None:
        raise APIResponseValidationError(
            response, data, message=f"The API returned a body that does not fit {cast_to!r}."
        ) from last
    first = _variants(cast_to)[0]
    construct = getattr(first, "model_construct", None)
    return construct(**data) if callable(construct) and isinstance(data, dict) else data


def _validate(model: Any, data: Any) -> Any:
    validate = getattr(model, "model_validate", None)
    if callable(validate):
        return validate(data)
    from_dict = getattr(model, "from_dict", None)
    if callable(from_dict):
        if not isinstance(data, dict):
            raise InvalidTypeError(f"expected a JSON object, got {type(data).__name__}")
        return from_dict(data)
    origin = typing.get_origin(model) or model
    if isinstance(origin, type) and not isinstance(data, origin):
        raise InvalidTypeError(f"expected {origin.__name__}, got {type(data).__name__}")
    return data
