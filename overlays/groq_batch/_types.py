"""Small shared types: the `NOT_GIVEN` sentinel and the aliases the public signatures use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, TypeAlias

import httpx

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "Body",
    "Headers",
    "NotGiven",
    "Omit",
    "Query",
    "Timeout",
    "TimeoutTypes",
    "not_given",
    "omit",
]


class NotGiven:
    """The type of `NOT_GIVEN`: "the caller said nothing", as distinct from an explicit `None`.

    `timeout=None` means "no timeout at all"; `timeout=NOT_GIVEN` means "use the client's
    default". The sentinel keeps the two apart, as in Groq's own SDK.
    """

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        # One instance only, so `x is NOT_GIVEN` is always the right test, even after copy.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __copy__(self) -> NotGiven:
        return self

    def __deepcopy__(self, memo: object) -> NotGiven:
        return self

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
not_given: Final = NOT_GIVEN
"""The SDK's newer spelling of `NOT_GIVEN`: the same object."""


class Omit:
    """Leave a default out of the request: `extra_headers={"X-Stainless-Retry-Count": omit}`.

    `None` would send an empty value; `omit` removes the header (or field) altogether.
    """

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "omit"


omit: Final = Omit()

Timeout = httpx.Timeout
"""`httpx.Timeout`, re-exported as the SDK does: `Groq(timeout=Timeout(20.0, connect=2.0))`."""

Headers: TypeAlias = Mapping[str, "str | Omit"]
"""Extra request headers. A value of `None` is not allowed: omit the key instead."""
Query: TypeAlias = Mapping[str, object]
"""Extra query parameters, merged over the ones the method builds."""
Body: TypeAlias = Mapping[str, object]
"""Extra body fields, merged over the JSON body (or added as form fields to an upload)."""
TimeoutTypes: TypeAlias = float | httpx.Timeout | None
"""A timeout in seconds, an `httpx.Timeout`, or `None` for no timeout at all."""

DEFAULT_TIMEOUT: Final = httpx.Timeout(60.0, connect=5.0)
"""Groq's SDK default: a minute to read, five seconds to connect."""
DEFAULT_MAX_RETRIES: Final = 2
"""Retries after the first attempt, so three attempts in all."""
