"""Where `AsyncBatchJob` and `AsyncJobMethods` lived before; kept for imports.

The job is written once, async, in `_async/workflow.py`; `_sync/workflow.py` is generated from it.
"""

from __future__ import annotations

from groq_batch._async.workflow import AsyncBatchJob, AsyncJobMethods

__all__ = ["AsyncBatchJob", "AsyncJobMethods"]
