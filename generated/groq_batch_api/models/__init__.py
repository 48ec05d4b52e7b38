"""Contains all the data models used in inputs/outputs

Each model's module is imported on first use of its name (PEP 562), so that importing one
model does not import them all.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .audio_request import AudioRequest
    from .audio_request_options import AudioRequestOptions
    from .audio_request_options_timestamp_granularities_type_0_item import (
        AudioRequestOptionsTimestampGranularitiesType0Item,
    )
    from .audio_response_format import AudioResponseFormat
    from .batch import Batch
    from .batch_endpoint import BatchEndpoint
    from .batch_error import BatchError
    from .batch_errors import BatchErrors
    from .batch_list import BatchList
    from .batch_list_paging import BatchListPaging
    from .batch_request_counts import BatchRequestCounts
    from .batch_request_input import BatchRequestInput
    from .batch_request_input_body import BatchRequestInputBody
    from .batch_request_line import BatchRequestLine
    from .batch_request_line_body import BatchRequestLineBody
    from .batch_request_line_method import BatchRequestLineMethod
    from .batch_request_output import BatchRequestOutput
    from .batch_request_output_error import BatchRequestOutputError
    from .batch_request_output_response import BatchRequestOutputResponse
    from .batch_request_output_response_body import BatchRequestOutputResponseBody
    from .batch_status import BatchStatus
    from .chat_completion import ChatCompletion
    from .chat_completion_choice import ChatCompletionChoice
    from .chat_completion_logprobs import ChatCompletionLogprobs
    from .chat_completion_message import ChatCompletionMessage
    from .chat_completion_tool_call import ChatCompletionToolCall
    from .chat_completion_x_groq import ChatCompletionXGroq
    from .completion_usage import CompletionUsage
    from .create_batch_request import CreateBatchRequest
    from .error import Error
    from .error_response import ErrorResponse
    from .file import File
    from .file_deleted import FileDeleted
    from .file_list import FileList
    from .file_purpose import FilePurpose
    from .file_upload_purpose import FileUploadPurpose
    from .file_upload_request import FileUploadRequest
    from .metadata import Metadata
    from .transcription import Transcription
    from .transcription_segment import TranscriptionSegment
    from .transcription_word import TranscriptionWord
    from .transcription_x_groq import TranscriptionXGroq

_MODULES = {
    "AudioRequest": ".audio_request",
    "AudioRequestOptions": ".audio_request_options",
    "AudioRequestOptionsTimestampGranularitiesType0Item": ".audio_request_options_timestamp_granularities_type_0_item",
    "AudioResponseFormat": ".audio_response_format",
    "Batch": ".batch",
    "BatchEndpoint": ".batch_endpoint",
    "BatchError": ".batch_error",
    "BatchErrors": ".batch_errors",
    "BatchList": ".batch_list",
    "BatchListPaging": ".batch_list_paging",
    "BatchRequestCounts": ".batch_request_counts",
    "BatchRequestInput": ".batch_request_input",
    "BatchRequestInputBody": ".batch_request_input_body",
    "BatchRequestLine": ".batch_request_line",
    "BatchRequestLineBody": ".batch_request_line_body",
    "BatchRequestLineMethod": ".batch_request_line_method",
    "BatchRequestOutput": ".batch_request_output",
    "BatchRequestOutputError": ".batch_request_output_error",
    "BatchRequestOutputResponse": ".batch_request_output_response",
    "BatchRequestOutputResponseBody": ".batch_request_output_response_body",
    "BatchStatus": ".batch_status",
    "ChatCompletion": ".chat_completion",
    "ChatCompletionChoice": ".chat_completion_choice",
    "ChatCompletionLogprobs": ".chat_completion_logprobs",
    "ChatCompletionMessage": ".chat_completion_message",
    "ChatCompletionToolCall": ".chat_completion_tool_call",
    "ChatCompletionXGroq": ".chat_completion_x_groq",
    "CompletionUsage": ".completion_usage",
    "CreateBatchRequest": ".create_batch_request",
    "Error": ".error",
    "ErrorResponse": ".error_response",
    "File": ".file",
    "FileDeleted": ".file_deleted",
    "FileList": ".file_list",
    "FilePurpose": ".file_purpose",
    "FileUploadPurpose": ".file_upload_purpose",
    "FileUploadRequest": ".file_upload_request",
    "Metadata": ".metadata",
    "Transcription": ".transcription",
    "TranscriptionSegment": ".transcription_segment",
    "TranscriptionWord": ".transcription_word",
    "TranscriptionXGroq": ".transcription_x_groq",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)


__all__ = (
    "AudioRequest",
    "AudioRequestOptions",
    "AudioRequestOptionsTimestampGranularitiesType0Item",
    "AudioResponseFormat",
    "Batch",
    "BatchEndpoint",
    "BatchError",
    "BatchErrors",
    "BatchList",
    "BatchListPaging",
    "BatchRequestCounts",
    "BatchRequestInput",
    "BatchRequestInputBody",
    "BatchRequestLine",
    "BatchRequestLineBody",
    "BatchRequestLineMethod",
    "BatchRequestOutput",
    "BatchRequestOutputError",
    "BatchRequestOutputResponse",
    "BatchRequestOutputResponseBody",
    "BatchStatus",
    "ChatCompletion",
    "ChatCompletionChoice",
    "ChatCompletionLogprobs",
    "ChatCompletionMessage",
    "ChatCompletionToolCall",
    "ChatCompletionXGroq",
    "CompletionUsage",
    "CreateBatchRequest",
    "Error",
    "ErrorResponse",
    "File",
    "FileDeleted",
    "FileList",
    "FilePurpose",
    "FileUploadPurpose",
    "FileUploadRequest",
    "Metadata",
    "Transcription",
    "TranscriptionSegment",
    "TranscriptionWord",
    "TranscriptionXGroq",
)
