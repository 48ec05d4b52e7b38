"""The API's resources: `client.batches` and `client.files`, each in a sync and an async flavour."""

from __future__ import annotations

from groq_batch.resources.batches import AsyncBatches as AsyncBatches
from groq_batch.resources.batches import Batches as Batches
from groq_batch.resources.files import AsyncFiles as AsyncFiles
from groq_batch.resources.files import Files as Files

__all__ = ["AsyncBatches", "AsyncFiles", "Batches", "Files"]
