"""groq-batch: Groq's Batch API as a whole job, sync and async, from Python or the shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_batch.lazy import lazy_exports

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq as AsyncGroq
    from groq_batch._async.content import AsyncBinaryContent as AsyncBinaryContent
    from groq_batch._async.pagination import AsyncPage as AsyncPage
    from groq_batch._async.response import AsyncAPIResponse as AsyncAPIResponse
    from groq_batch._async.workflow import AsyncBatchJob as AsyncBatchJob
    from groq_batch._errors import APIConnectionError as APIConnectionError
    from groq_batch._errors import APIError as APIError
    from groq_batch._errors import APIResponseValidationError as APIResponseValidationError
    from groq_batch._errors import APIStatusError as APIStatusError
    from groq_batch._errors import APITimeoutError as APITimeoutError
    from groq_batch._errors import AuthenticationError as AuthenticationError
    from groq_batch._errors import BadRequestError as BadRequestError
    from groq_batch._errors import BatchNotFinishedError as BatchNotFinishedError
    from groq_batch._errors import CapacityExceededError as CapacityExceededError
    from groq_batch._errors import ConflictError as ConflictError
    from groq_batch._errors import GroqError as GroqError
    from groq_batch._errors import IncompleteContentError as IncompleteContentError
    from groq_batch._errors import InsecureTransportWarning as InsecureTransportWarning
    from groq_batch._errors import InternalServerError as InternalServerError
    from groq_batch._errors import InvalidTypeError as InvalidTypeError
    from groq_batch._errors import InvalidValueError as InvalidValueError
    from groq_batch._errors import JobKeyError as JobKeyError
    from groq_batch._errors import JobNameError as JobNameError
    from groq_batch._errors import JobSubmitError as JobSubmitError
    from groq_batch._errors import LocalServerError as LocalServerError
    from groq_batch._errors import MalformedResultError as MalformedResultError
    from groq_batch._errors import MissingExtraError as MissingExtraError
    from groq_batch._errors import NotFoundError as NotFoundError
    from groq_batch._errors import PermissionDeniedError as PermissionDeniedError
    from groq_batch._errors import RateLimitError as RateLimitError
    from groq_batch._errors import RequestTooLargeError as RequestTooLargeError
    from groq_batch._errors import TableInputError as TableInputError
    from groq_batch._errors import UnprocessableEntityError as UnprocessableEntityError
    from groq_batch._errors import UnresolvedCreateError as UnresolvedCreateError
    from groq_batch._errors import ValidationError as ValidationError
    from groq_batch._errors import WaitTimeoutError as WaitTimeoutError
    from groq_batch._http_clients import DefaultAioHttpClient as DefaultAioHttpClient
    from groq_batch._http_clients import DefaultAsyncHttpxClient as DefaultAsyncHttpxClient
    from groq_batch._http_clients import DefaultHttpxClient as DefaultHttpxClient
    from groq_batch._sync.client import Groq as Groq
    from groq_batch._sync.content import BinaryContent as BinaryContent
    from groq_batch._sync.pagination import SyncPage as SyncPage
    from groq_batch._sync.response import APIResponse as APIResponse
    from groq_batch._sync.workflow import BatchJob as BatchJob
    from groq_batch._timing import AsyncTiming as AsyncTiming
    from groq_batch._timing import Timing as Timing
    from groq_batch._types import DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES
    from groq_batch._types import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
    from groq_batch._types import NOT_GIVEN as NOT_GIVEN
    from groq_batch._types import NotGiven as NotGiven
    from groq_batch._types import Omit as Omit
    from groq_batch._types import Timeout as Timeout
    from groq_batch._types import not_given as not_given
    from groq_batch._types import omit as omit
    from groq_batch._uploads import file_from_path as file_from_path
    from groq_batch.costs import ActualCost as ActualCost
    from groq_batch.costs import Estimate as Estimate
    from groq_batch.costs import actual_cost as actual_cost
    from groq_batch.costs import estimate as estimate
    from groq_batch.jobs import JobRegistry as JobRegistry
    from groq_batch.jsonl import BatchRequest as BatchRequest
    from groq_batch.jsonl import chat_request as chat_request
    from groq_batch.jsonl import transcription_request as transcription_request
    from groq_batch.jsonl import translation_request as translation_request
    from groq_batch.local import async_local_client as async_local_client
    from groq_batch.local import local_client as local_client
    from groq_batch.progress import UploadProgress as UploadProgress
    from groq_batch.providers import IDEMPOTENCY_METADATA_KEY as IDEMPOTENCY_METADATA_KEY
    from groq_batch.results import BatchResult as BatchResult
    from groq_batch.results import JoinStats as JoinStats
    from groq_batch.results import Outcome as Outcome
    from groq_batch.results import ResultSummary as ResultSummary
    from groq_batch.tables import requests_from_table as requests_from_table
    from groq_batch.validation import MetadataLimits as MetadataLimits
    from groq_batch.validation import Problem as Problem
    from groq_batch.validation import ValidationReport as ValidationReport
    from groq_batch.validation import validate as validate
    from groq_batch.validation import validate_metadata as validate_metadata

__version__ = "0.1.0"

# Each public name, and the module that defines it: the one list of names (`__all__` is made
# from it; the imports above are for type checkers, and a test keeps the two the same). They
# load on first use (PEP 562), so `import groq_batch` costs almost nothing: httpx and the
# generated models load with the first client, and the server, the CLI and terminal libraries
# never load unless asked for.
_LAZY: dict[str, str] = {
    "APIResponse": "groq_batch._sync.response",
    "AsyncAPIResponse": "groq_batch._async.response",
    "DefaultHttpxClient": "groq_batch._http_clients",
    "DefaultAsyncHttpxClient": "groq_batch._http_clients",
    "DefaultAioHttpClient": "groq_batch._http_clients",
    "file_from_path": "groq_batch._uploads",
    "Omit": "groq_batch._types",
    "omit": "groq_batch._types",
    "not_given": "groq_batch._types",
    "Timeout": "groq_batch._types",
    "ActualCost": "groq_batch.costs",
    "APIConnectionError": "groq_batch._errors",
    "APIError": "groq_batch._errors",
    "APIResponseValidationError": "groq_batch._errors",
    "APIStatusError": "groq_batch._errors",
    "APITimeoutError": "groq_batch._errors",
    "AsyncBatchJob": "groq_batch._async.workflow",
    "AsyncBinaryContent": "groq_batch._async.content",
    "LocalServerError": "groq_batch._errors",
    "async_local_client": "groq_batch.local",
    "local_client": "groq_batch.local",
    "AsyncGroq": "groq_batch._async.client",
    "AsyncPage": "groq_batch._async.pagination",
    "AsyncTiming": "groq_batch._timing",
    "AuthenticationError": "groq_batch._errors",
    "BadRequestError": "groq_batch._errors",
    "BatchJob": "groq_batch._sync.workflow",
    "BatchNotFinishedError": "groq_batch._errors",
    "BatchRequest": "groq_batch.jsonl",
    "BatchResult": "groq_batch.results",
    "BinaryContent": "groq_batch._sync.content",
    "CapacityExceededError": "groq_batch._errors",
    "ConflictError": "groq_batch._errors",
    "DEFAULT_MAX_RETRIES": "groq_batch._types",
    "DEFAULT_TIMEOUT": "groq_batch._types",
    "Estimate": "groq_batch.costs",
    "Groq": "groq_batch._sync.client",
    "GroqError": "groq_batch._errors",
    "IDEMPOTENCY_METADATA_KEY": "groq_batch.providers",
    "IncompleteContentError": "groq_batch._errors",
    "InsecureTransportWarning": "groq_batch._errors",
    "InternalServerError": "groq_batch._errors",
    "InvalidTypeError": "groq_batch._errors",
    "InvalidValueError": "groq_batch._errors",
    "JobKeyError": "groq_batch._errors",
    "JobNameError": "groq_batch._errors",
    "MalformedResultError": "groq_batch._errors",
    "MissingExtraError": "groq_batch._errors",
    "TableInputError": "groq_batch._errors",
    "UnresolvedCreateError": "groq_batch._errors",
    "JobSubmitError": "groq_batch._errors",
    "NOT_GIVEN": "groq_batch._types",
    "NotFoundError": "groq_batch._errors",
    "NotGiven": "groq_batch._types",
    "Outcome": "groq_batch.results",
    "PermissionDeniedError": "groq_batch._errors",
    "Problem": "groq_batch.validation",
    "RateLimitError": "groq_batch._errors",
    "RequestTooLargeError": "groq_batch._errors",
    "ResultSummary": "groq_batch.results",
    "SyncPage": "groq_batch._sync.pagination",
    "Timing": "groq_batch._timing",
    "UnprocessableEntityError": "groq_batch._errors",
    "UploadProgress": "groq_batch.progress",
    "ValidationError": "groq_batch._errors",
    "ValidationReport": "groq_batch.validation",
    "WaitTimeoutError": "groq_batch._errors",
    "actual_cost": "groq_batch.costs",
    "chat_request": "groq_batch.jsonl",
    "JobRegistry": "groq_batch.jobs",
    "JoinStats": "groq_batch.results",
    "MetadataLimits": "groq_batch.validation",
    "transcription_request": "groq_batch.jsonl",
    "translation_request": "groq_batch.jsonl",
    "validate_metadata": "groq_batch.validation",
    "estimate": "groq_batch.costs",
    "requests_from_table": "groq_batch.tables",
    "validate": "groq_batch.validation",
}

# Constants, then classes, then functions, each alphabetical.
__all__ = sorted([*_LAZY, "__version__"], key=lambda n: (not n.isupper(), not n[:1].isupper(), n))


__getattr__ = lazy_exports(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
