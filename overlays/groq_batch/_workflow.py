"""Where `BatchJob` and `JobMethods` lived before the sync flavour was generated; kept for imports.

The job is written once, async, in `_async/workflow.py`; `_sync/workflow.py` is generated from it.
"""

from __future__ import annotations

from groq_batch._sync.workflow import BatchJob, JobMethods

__all__ = ["BatchJob", "JobMethods"]
