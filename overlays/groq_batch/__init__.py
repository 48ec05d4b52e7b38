"""groq-batch: Groq's Batch API as a whole job, sync and async, from Python or the shell."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
