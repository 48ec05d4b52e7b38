"""Executors run a batch's requests: `EchoExecutor` offline, `UpstreamExecutor` for real.

This module gathers them under the name the server and its tests import; each lives in its own
module: the contract (`groq_batch_server.execution`), the echo (`groq_batch_server.echo`, with
its Whisper answers in `groq_batch_server.echo_audio`) and the upstream forwarder
(`groq_batch_server.upstream`).
"""

from __future__ import annotations

from groq_batch_server.echo import EchoExecutor
from groq_batch_server.execution import ExecRequest, Executor, Interrupted, Outcome
from groq_batch_server.upstream import UpstreamExecutor

__all__ = [
    "EchoExecutor",
    "ExecRequest",
    "Executor",
    "Interrupted",
    "Outcome",
    "UpstreamExecutor",
]
