"""A local server that behaves like Groq's Files and Batches API (the ``server`` extra).

It serves the spec's operations under ``/openai/v1`` (and OpenAI's ``/v1``) on loopback, keeps
its state in SQLite plus a blob directory, runs batches with a pluggable executor (deterministic
``echo`` by default), and can inject faults on purpose. Both official SDKs work against it
unchanged::

    from groq_batch_server import LocalServer, ServerConfig

    with LocalServer(ServerConfig(data_dir="state")) as srv:
        groq.Groq(base_url=srv.base_url, api_key="unused")
        openai.OpenAI(base_url=srv.openai_base_url, api_key="unused")

From the shell: ``groq-batch serve --port 8080`` or ``python -m groq_batch_server``.

``import groq_batch`` never imports this package; it loads Starlette and uvicorn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_batch.lazy import lazy_exports
from groq_batch_server.config import ServerConfig

if TYPE_CHECKING:
    from groq_batch_server.faults import FaultRule, FaultSet
    from groq_batch_server.runtime import LocalServer, serve

__all__ = ["FaultRule", "FaultSet", "LocalServer", "ServerConfig", "serve"]


# Loaded on first use, so `groq_batch_server.daemon` (what every --local command and
# `serve --status` import) does not pay for Starlette and uvicorn.
__getattr__ = lazy_exports(
    __name__,
    {
        "LocalServer": "groq_batch_server.runtime",
        "serve": "groq_batch_server.runtime",
        "FaultRule": "groq_batch_server.faults",
        "FaultSet": "groq_batch_server.faults",
    },
)
