"""The seed's type names, all over the generated models: one `Batch` model, never a second copy.

`BatchCreateResponse`, `BatchRetrieveResponse` and `BatchCancelResponse` are the generated `Batch`
(Groq's SDK has three identical copies; here they are one class). `BatchListResponse` is the page
that `batches.list()` returns (sync or async); `FileListResponse` likewise for `files.list()`.

Notes on `Batch`, as the facade returns it:

- `status` is a `BatchStatus` (a `str` enum, so `batch.status == "completed"` works) or, for a
  status this version does not know, the plain string.
- `errors` is always a `BatchErrors` or None, whichever shape the wire sent.
- Optional fields absent from the wire are None.
- Fields the spec does not list (for example `project_id`) are kept: `batch["project_id"]`, or
  `batch.additional_properties`.

Every model speaks the wire, as the official SDK's models do:

- Each field is an attribute under its wire name: `file.bytes`, `batch.object`, `error.type`.
  (`file.bytes_`, `batch.object_` and `error.type_` are the same fields under the generated
  names, kept as aliases.)
- `to_dict()` and `to_json()` give the JSON object with wire names, leaving out fields the server
  did not send; `to_json()` indents by two, or is compact with `indent=None`.
- Every model reads like that JSON object: `batch["status"]`, `page.paging.get("next_cursor")`,
  `"team" in batch.metadata`, `dict(batch.metadata)`, `len(...)`, iteration over its keys. A
  model equals a dict with the same items, so `batch.metadata == {"team": "ml"}`.
- `str(batch)` is one line (id, status, counts), so `on_update=print` prints something readable.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypeAlias, TypedDict

from groq_batch._pagination import AsyncPage, BasePage
from groq_batch._uploads import FileInput
from groq_batch_api.models import (
    AudioRequest as AudioRequest,
)
from groq_batch_api.models import (
    Batch as Batch,
)
from groq_batch_api.models import (
    BatchEndpoint as BatchEndpoint,
)
from groq_batch_api.models import (
    BatchError as BatchError,
)
from groq_batch_api.models import (
    BatchErrors as BatchErrors,
)
from groq_batch_api.models import (
    BatchListPaging as BatchListPaging,
)
from groq_batch_api.models import (
    BatchRequestCounts as BatchRequestCounts,
)
from groq_batch_api.models import (
    BatchStatus as BatchStatus,
)
from groq_batch_api.models import (
    Error as Error,
)
from groq_batch_api.models import (
    ErrorResponse as ErrorResponse,
)
from groq_batch_api.models import (
    File as FileObject,
)
from groq_batch_api.models import (
    FileDeleted as FileDeleted,
)
from groq_batch_api.models import (
    FileList as FileList,
)
from groq_batch_api.models import (
    FilePurpose as FilePurpose,
)
from groq_batch_api.models import (
    Metadata as Metadata,
)
from groq_batch_api.models import (
    Transcription as Transcription,
)
from groq_batch_api.models import (
    TranscriptionSegment as TranscriptionSegment,
)

__all__ = [
    "AsyncBatchListResponse",
    "AudioRequest",
    "Batch",
    "BatchCancelResponse",
    "BatchCreateParams",
    "BatchCreateResponse",
    "BatchEndpoint",
    "BatchError",
    "BatchErrors",
    "BatchListPaging",
    "BatchListResponse",
    "BatchRequestCounts",
    "BatchRetrieveResponse",
    "BatchStatus",
    "Error",
    "ErrorResponse",
    "FileCreateParams",
    "FileCreateResponse",
    "FileDeleteResponse",
    "FileDeleted",
    "FileInfoResponse",
    "FileList",
    "FileListResponse",
    "FileObject",
    "FilePurpose",
    "Metadata",
    "Transcription",
    "TranscriptionSegment",
]

BatchCreateResponse: TypeAlias = Batch
BatchRetrieveResponse: TypeAlias = Batch
BatchCancelResponse: TypeAlias = Batch
# The base of both pages, so `page: BatchListResponse = await aclient.batches.list()` holds too.
BatchListResponse: TypeAlias = BasePage[Batch]
AsyncBatchListResponse: TypeAlias = AsyncPage[Batch]

FileCreateResponse: TypeAlias = FileObject
FileInfoResponse: TypeAlias = FileObject
FileListResponse: TypeAlias = BasePage[FileObject]
FileDeleteResponse: TypeAlias = FileDeleted


class BatchCreateParams(TypedDict):
    """The parameters of `batches.create`, as the seed names them."""

    input_file_id: str
    endpoint: (
        Literal["/v1/chat/completions", "/v1/audio/transcriptions", "/v1/audio/translations"] | str
    )
    completion_window: Literal["24h"] | str
    metadata: NotRequired[dict[str, str] | None]


class FileCreateParams(TypedDict):
    """The parameters of `files.create`, as the SDK names them."""

    file: FileInput
    purpose: Literal["batch"]
