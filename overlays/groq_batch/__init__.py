"""groq-batch: Groq's Batch API as a whole job, sync and async, from Python or the shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groq_batch._client import AsyncGroq as AsyncGroq
    from groq_batch._client import Groq as Groq
    from groq_batch._content import AsyncBinaryContent as AsyncBinaryContent
    from groq_batch._content import BinaryContent as BinaryContent
    from groq_batch._errors import APIConnectionError as APIConnectionError
    from groq_batch._errors import APIError as APIError
    from groq_batch._errors import APIResponseValidationError as APIResponseValidationError
    from groq_batch._errors import APIStatusError as APIStatusError
    from groq_batch._errors import APITimeoutError as APITimeoutError
    from groq_batch._errors import AuthenticationError as AuthenticationError
    from groq_batch._errors import BadRequestError as BadRequestError
    from groq_batch._errors import CapacityExceededError as CapacityExceededError
    from groq_batch._errors import ConflictError as ConflictError
    from groq_batch._errors import GroqError as GroqError
    from groq_batch._errors import IncompleteContentError as IncompleteContentError
    from groq_batch._errors import InternalServerError as InternalServerError
    from groq_batch._errors import NotFoundError as NotFoundError
    from groq_batch._errors import PermissionDeniedError as PermissionDeniedError
    from groq_batch._errors import RateLimitError as RateLimitError
    from groq_batch._errors import RequestTooLargeError as RequestTooLargeError
    from groq_batch._errors import UnprocessableEntityError as UnprocessableEntityError
    from groq_batch._pagination import AsyncPage as AsyncPage
    from groq_batch._pagination import SyncPage as SyncPage
    from groq_batch._types import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
    from groq_batch._types import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from groq_batch._types import NOT_GIVEN as NOT_GIVEN
    from groq_batch._types import NotGiven as NotGiven
    from groq_batch.resources.batches import IDEMPOTENCY_METADATA_KEY as IDEMPOTENCY_METADATA_KEY

__version__ = "0.1.0"

# Each public name, and the module that defines it. They load on first use (PEP 562), so
# `import groq_batch` costs almost nothing: httpx and the generated models load with the first
# client, and the server, the CLI and terminal libraries never load unless asked for.
_LAZY: dict[str, str] = {
    "APIConnectionError": "groq_batch._errors",
    "APIError": "groq_batch._errors",
    "APIResponseValidationError": "groq_batch._errors",
    "APIStatusError": "groq_batch._errors",
    "APITimeoutError": "groq_batch._errors",
    "AsyncBinaryContent": "groq_batch._content",
    "AsyncGroq": "groq_batch._client",
    "AsyncPage": "groq_batch._pagination",
    "AuthenticationError": "groq_batch._errors",
    "BadRequestError": "groq_batch._errors",
    "BinaryContent": "groq_batch._content",
    "CapacityExceededError": "groq_batch._errors",
    "ConflictError": "groq_batch._errors",
    "DEFAULT_MAX_RETRIES": "groq_batch._types",
    "DEFAULT_TIMEOUT": "groq_batch._types",
    "Groq": "groq_batch._client",
    "GroqError": "groq_batch._errors",
    "IDEMPOTENCY_METADATA_KEY": "groq_batch.resources.batches",
    "IncompleteContentError": "groq_batch._errors",
    "InternalServerError": "groq_batch._errors",
    "NOT_GIVEN": "groq_batch._types",
    "NotFoundError": "groq_batch._errors",
    "NotGiven": "groq_batch._types",
    "PermissionDeniedError": "groq_batch._errors",
    "RateLimitError": "groq_batch._errors",
    "RequestTooLargeError": "groq_batch._errors",
    "SyncPage": "groq_batch._pagination",
    "UnprocessableEntityError": "groq_batch._errors",
}

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "IDEMPOTENCY_METADATA_KEY",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBinaryContent",
    "AsyncGroq",
    "AsyncPage",
    "AuthenticationError",
    "BadRequestError",
    "BinaryContent",
    "CapacityExceededError",
    "ConflictError",
    "Groq",
    "GroqError",
    "IncompleteContentError",
    "InternalServerError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTooLargeError",
    "SyncPage",
    "UnprocessableEntityError",
    "__version__",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'groq_batch' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
