"""The SDK's response class names (`groq._response`), for code that imports or checks them.

`APIResponse` / `AsyncAPIResponse` are what `with_raw_response` and `with_streaming_response`
return. A file's content is `BinaryContent` / `AsyncBinaryContent`, whichever way it is asked
for: it has the SDK's binary response surface and also streams to disk and resumes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_batch import _flavours

if TYPE_CHECKING:
    from groq_batch._async.content import AsyncBinaryContent
    from groq_batch._async.content import AsyncBinaryContent as AsyncBinaryAPIResponse
    from groq_batch._async.content import AsyncBinaryContent as AsyncStreamedBinaryAPIResponse
    from groq_batch._async.response import AsyncAPIResponse as AsyncAPIResponse
    from groq_batch._sync.content import BinaryContent
    from groq_batch._sync.content import BinaryContent as BinaryAPIResponse
    from groq_batch._sync.content import BinaryContent as StreamedBinaryAPIResponse
    from groq_batch._sync.response import APIResponse as APIResponse

__all__ = [
    "APIResponse",
    "AsyncAPIResponse",
    "AsyncBinaryAPIResponse",
    "AsyncBinaryContent",
    "AsyncStreamedBinaryAPIResponse",
    "BinaryAPIResponse",
    "BinaryContent",
    "StreamedBinaryAPIResponse",
]

_TABLE = {
    "APIResponse": ("groq_batch._sync.response", "APIResponse"),
    "AsyncAPIResponse": ("groq_batch._async.response", "AsyncAPIResponse"),
    "BinaryAPIResponse": ("groq_batch._sync.content", "BinaryContent"),
    "StreamedBinaryAPIResponse": ("groq_batch._sync.content", "BinaryContent"),
    "BinaryContent": ("groq_batch._sync.content", "BinaryContent"),
    "AsyncBinaryAPIResponse": ("groq_batch._async.content", "AsyncBinaryContent"),
    "AsyncStreamedBinaryAPIResponse": ("groq_batch._async.content", "AsyncBinaryContent"),
    "AsyncBinaryContent": ("groq_batch._async.content", "AsyncBinaryContent"),
}


def __getattr__(name: str) -> object:
    # Loaded on first use, as the rest of the package is (`_flavours.lazy_exports` cannot rename).
    if name not in _TABLE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attr = _TABLE[name]
    return getattr(importlib.import_module(module), attr)


del _flavours
