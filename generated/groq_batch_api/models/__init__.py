"""Contains all the data models used in inputs/outputs"""

from .audio_request import AudioRequest
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

__all__ = (
    "AudioRequest",
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
