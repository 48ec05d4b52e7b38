"""The API's resources: `client.batches` and `client.files`.

`groq_batch.batch_requests` and `groq_batch.file_requests` hold what both flavours share
(building requests, the create look-up's verdict). The methods are written once in
`groq_batch/_async/` and generated into `groq_batch/_sync/`; the classes are re-exported here,
loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_batch import _flavours

if TYPE_CHECKING:
    from groq_batch._async.batches import AsyncBatches as AsyncBatches
    from groq_batch._async.files import AsyncFiles as AsyncFiles
    from groq_batch._sync.batches import Batches as Batches
    from groq_batch._sync.files import Files as Files

__all__ = ["AsyncBatches", "AsyncFiles", "Batches", "Files"]

__getattr__ = _flavours.lazy_exports(
    __name__,
    {
        "AsyncBatches": "groq_batch._async.batches",
        "AsyncFiles": "groq_batch._async.files",
        "Batches": "groq_batch._sync.batches",
        "Files": "groq_batch._sync.files",
    },
)
