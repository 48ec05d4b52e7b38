"""The local server's configuration: one frozen value, shared by the CLI and `LocalServer`.

This module imports nothing heavier than the standard library, so the command line can build
its parser without loading Starlette or uvicorn.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from groq_batch.providers import DEFAULT_PROVIDER, PROVIDERS, Provider

__all__ = ["ExecutorName", "ServerConfig"]

ExecutorName = Literal["echo", "openai-compatible"]

# The limits default to the client's provider profile, so that `validate`, `submit` and this
# server agree on them; `ServerConfig.for_provider` takes another profile's.
_DEFAULT: Provider = PROVIDERS[DEFAULT_PROVIDER]


@dataclass(frozen=True)
class ServerConfig:
    """How a local server runs.

    Attributes:
        data_dir: Where the SQLite database and the blob directory live. None means a fresh
            temporary directory, created when the server starts.
        api_key: When set, every request must carry ``Authorization: Bearer <api_key>``.
        time_scale: How much faster than the wall clock a batch's ``completion_window``
            elapses. ``3600`` makes ``24h`` pass in 24 seconds. ``expires_at`` is reported in
            real (scaled) wall-clock time, so clients can budget against it honestly.
        executor: ``echo`` (deterministic, offline) or ``openai-compatible`` (forwards each
            request body to ``upstream_url``).
        host: The interface to bind; loopback by default.
        port: The port to bind; 0 picks a free one.
        upstream_url: For ``openai-compatible``: the base URL that ``/chat/completions`` is
            appended to, for example ``http://127.0.0.1:8000/v1``.
        upstream_key: For ``openai-compatible``: the bearer key sent upstream, if any.
        upstream_concurrency: For ``openai-compatible``: requests in flight at once.
        upstream_max_retries: For ``openai-compatible``: retries per request on 429, 5xx and
            connection failures.
        upstream_timeout: For ``openai-compatible``: seconds per upstream request.
        request_latency: Simulated seconds of model time per request (real time, not scaled).
            Lets tests watch a batch progress, cancel it midway, or let it expire.
        chunk_size: The most requests committed together; with `commit_interval`, the unit of
            progress and of restart safety.
        commit_interval: Seconds after which finished requests are committed even if fewer
            than `chunk_size` (so ``request_counts`` moves steadily against a slow upstream).
        max_upload_bytes: Uploads larger than this are refused with 413 before being stored.
        max_lines: The most lines a batch input file may have.
        max_metadata_pairs: The most key-value pairs a batch's ``metadata`` may hold.
        max_metadata_key_chars: The longest ``metadata`` key, in characters.
        max_metadata_value_chars: The longest ``metadata`` value, in characters. The upload,
            line and metadata defaults are the default provider profile's
            (`groq_batch.providers`); `for_provider` takes another's.
        upload_timeout: Seconds an upload may go without sending a byte before it is refused
            with 408, its connection closed and its temp file deleted; also how long the body
            of a request refused with 401 is read before the connection is closed.
        models: Extra model ids the echo executor accepts, beyond the batch models of
            ``server/models.json``; ``"*"`` accepts any model.
        processes: Processes that run the echo's requests of large batches, so that its CPU
            work uses every core (`groq_batch_server.line_processes`). None means
            ``$GROQ_BATCH_SERVER_PROCESSES``, else one per core but one (so none on two cores,
            where feeding them cost more than it saved); 0 or 1 runs every request in the
            server's own process.
            The upstream executor and a simulated ``request_latency`` (waiting, not CPU work)
            always run in the server's own process.
        poll_interval: Seconds the worker sleeps when it has nothing to do.
        log_level: uvicorn's log level.
        idle_exit: For `serve`: exit after this many seconds with no request and no unfinished
            batch (the ``--local`` background server); None runs until stopped.
    """

    data_dir: Path | str | None = None
    api_key: str | None = None
    time_scale: float = 1.0
    executor: ExecutorName = "echo"
    host: str = "127.0.0.1"
    port: int = 0
    upstream_url: str | None = None
    upstream_key: str | None = None
    upstream_concurrency: int = 8
    upstream_max_retries: int = 3
    upstream_timeout: float = 60.0
    request_latency: float = 0.0
    chunk_size: int = 500
    commit_interval: float = 0.5
    max_upload_bytes: int = _DEFAULT.max_bytes
    max_lines: int = _DEFAULT.max_lines
    max_metadata_pairs: int = _DEFAULT.max_metadata_pairs
    max_metadata_key_chars: int = _DEFAULT.max_metadata_key_chars
    max_metadata_value_chars: int = _DEFAULT.max_metadata_value_chars
    upload_timeout: float = 30.0
    models: tuple[str, ...] = field(default_factory=tuple)
    processes: int | None = None
    poll_interval: float = 0.05
    log_level: str = "warning"
    idle_exit: float | None = None

    @classmethod
    def for_provider(cls, provider: Provider, **changes: object) -> ServerConfig:
        """A configuration whose limits are a provider profile's.

        Args:
            provider: The profile (``groq_batch.providers.get_provider(name)``).
            **changes: Other fields, by name; a None value keeps the profile's.

        Returns:
            The configuration.
        """
        limits: dict[str, object] = {
            "max_upload_bytes": provider.max_bytes,
            "max_lines": provider.max_lines,
            "max_metadata_pairs": provider.max_metadata_pairs,
            "max_metadata_key_chars": provider.max_metadata_key_chars,
            "max_metadata_value_chars": provider.max_metadata_value_chars,
        }
        limits.update({k: v for k, v in changes.items() if v is not None or k not in limits})
        return cls(**limits)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError(f"time_scale must be positive, got {self.time_scale}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {self.chunk_size}")
        if self.commit_interval <= 0:
            raise ValueError(f"commit_interval must be positive, got {self.commit_interval}")
        if self.request_latency < 0:
            raise ValueError(f"request_latency must be >= 0, got {self.request_latency}")
        if self.idle_exit is not None and self.idle_exit <= 0:
            raise ValueError(f"idle_exit must be positive, got {self.idle_exit}")
        if self.upload_timeout <= 0:
            raise ValueError(f"upload_timeout must be positive, got {self.upload_timeout}")
        if min(self.max_metadata_pairs, self.max_metadata_key_chars,
               self.max_metadata_value_chars) < 0:  # fmt: skip
            raise ValueError("metadata limits must be >= 0")
        if self.processes is not None and self.processes < 0:
            raise ValueError(f"processes must be >= 0, got {self.processes}")
        if self.upstream_concurrency < 1:
            raise ValueError("upstream_concurrency must be at least 1")
        if self.executor not in ("echo", "openai-compatible"):
            raise ValueError(f"unknown executor {self.executor!r}; use echo or openai-compatible")
        if self.executor == "openai-compatible" and not self.upstream_url:
            raise ValueError("the openai-compatible executor needs upstream_url")
        if self.data_dir is not None and not isinstance(self.data_dir, Path):
            object.__setattr__(self, "data_dir", Path(os.fspath(self.data_dir)))
