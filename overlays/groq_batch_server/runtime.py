"""Running the server: `LocalServer` in a background thread, or `serve` in the foreground."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from types import FrameType, TracebackType

import uvicorn

from groq_batch_server.app import ServerState, build_app
from groq_batch_server.config import ServerConfig
from groq_batch_server.executors import EchoExecutor, Executor, UpstreamExecutor
from groq_batch_server.faults import FaultRule, FaultSet
from groq_batch_server.line_processes import LineProcesses, default_processes
from groq_batch_server.store import Store
from groq_batch_server.worker import Worker

__all__ = ["LocalServer", "make_executor", "make_line_processes", "serve"]

logger = logging.getLogger("groq_batch_server")


def make_executor(config: ServerConfig) -> Executor:
    """Build the executor a configuration names.

    Args:
        config: The configuration.

    Returns:
        The executor.
    """
    if config.executor == "openai-compatible":
        if config.upstream_url is None:  # pragma: no cover - ServerConfig checks this
            raise ValueError("the openai-compatible executor needs upstream_url")
        return UpstreamExecutor(
            config.upstream_url,
            api_key=config.upstream_key,
            concurrency=config.upstream_concurrency,
            max_retries=config.upstream_max_retries,
            timeout=config.upstream_timeout,
        )
    return EchoExecutor(latency=config.request_latency, models=config.models)


def make_line_processes(config: ServerConfig) -> LineProcesses | None:
    """The line processes a configuration asks for, or None to run requests in this process.

    Args:
        config: The configuration.

    Returns:
        The (not yet started) processes, for the echo executor without simulated latency when
        more than one is asked for (by default one per core).
    """
    count = config.processes if config.processes is not None else default_processes()
    if config.executor != "echo" or config.request_latency > 0 or count < 2:
        return None
    return LineProcesses(count, models=config.models)


def _bind(host: str, port: int) -> socket.socket:
    """Bind a listening socket ourselves, so port 0 works and the real port is known."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted sockets inherit it. Without it every kept-alive response waits ~40 ms for
    # Nagle and delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Prepared:
    """A server ready to run: its state, ASGI app, bound socket and uvicorn instance."""

    def __init__(self, config: ServerConfig, faults: FaultSet) -> None:
        self.owns_data_dir = config.data_dir is None
        data_dir = (
            Path(tempfile.mkdtemp(prefix="groq-batch-server-"))
            if config.data_dir is None
            else Path(config.data_dir)
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(data_dir)
        executor = make_executor(config)
        try:
            self.socket = _bind(config.host, config.port)
        except BaseException:
            executor.close()
            store.close()
            raise
        worker = Worker(
            store,
            executor,
            chunk_size=config.chunk_size,
            commit_interval=config.commit_interval,
            parallelism=config.upstream_concurrency if config.executor != "echo" else 1,
            max_lines=config.max_lines,
            max_bytes=config.max_upload_bytes,
            poll_interval=config.poll_interval,
            processes=make_line_processes(config),
        )
        self.state = ServerState(config, data_dir, store, worker, faults)
        self.port: int = self.socket.getsockname()[1]
        self.base_url = _url(config.host, self.port)
        self.server = uvicorn.Server(
            uvicorn.Config(
                build_app(self.state),
                log_level=config.log_level,
                access_log=False,
                lifespan="on",
                # Close lingering keep-alive and streaming connections promptly on stop.
                timeout_graceful_shutdown=2,
                # Longer than clients keep idle connections (httpx: 5 s), so the server never
                # closes one just as a client reuses it (a RemoteProtocolError for the client).
                timeout_keep_alive=75,
            )
        )

    def cleanup(self) -> None:
        self.socket.close()
        self.state.store.close()
        if self.owns_data_dir:
            shutil.rmtree(self.state.data_dir, ignore_errors=True)


class LocalServer:
    """A Groq-compatible server on loopback, in a background thread.

    Use it as a context manager::

        with LocalServer(ServerConfig(data_dir=tmp_path)) as srv:
            client = groq.Groq(base_url=srv.base_url, api_key="unused")

    Args:
        config: How to run; the default is an echo server on a free port with a temporary
            data dir (deleted on stop).
        faults: Fault rules to start with; more can be added to `faults` at any time.
    """

    def __init__(
        self, config: ServerConfig | None = None, *, faults: Iterable[FaultRule] = ()
    ) -> None:
        self.config = config or ServerConfig()
        self.faults = FaultSet(list(faults))
        self._prepared: _Prepared | None = None
        self._thread: threading.Thread | None = None

    @property
    def _ready(self) -> _Prepared:
        if self._prepared is None:
            raise RuntimeError("the server is not running; use `with LocalServer(...)` or start()")
        return self._prepared

    @property
    def base_url(self) -> str:
        """The Groq-style base URL, e.g. ``http://127.0.0.1:PORT`` (paths under /openai/v1)."""
        return self._ready.base_url

    @property
    def openai_base_url(self) -> str:
        """The OpenAI-style base URL, ``<base_url>/openai/v1``."""
        return self._ready.base_url + "/openai/v1"

    @property
    def port(self) -> int:
        """The bound port."""
        return self._ready.port

    @property
    def data_dir(self) -> Path:
        """Where the database and blobs live."""
        return self._ready.state.data_dir

    @property
    def store(self) -> Store:
        """The server's store, for tests that inspect its state directly."""
        return self._ready.state.store

    @property
    def worker(self) -> Worker:
        """The server's worker, for tests that hold or inspect batch processing."""
        return self._ready.state.worker

    def start(self, timeout: float = 10.0) -> LocalServer:
        """Start serving; returns once the server accepts connections.

        Args:
            timeout: Seconds to wait for the server to start.

        Returns:
            The server itself.

        Raises:
            RuntimeError: The server did not start.
        """
        if self._prepared is not None:
            raise RuntimeError("the server is already running")
        prepared = _Prepared(self.config, self.faults)
        self._prepared = prepared
        self._thread = threading.Thread(
            target=prepared.server.run,
            kwargs={"sockets": [prepared.socket]},
            name=f"groq-batch-server-{prepared.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not prepared.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the local server failed to start; see the log")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving, wait for the worker to stop, and release the port.

        Args:
            timeout: Seconds to wait for a graceful stop before forcing it.
        """
        prepared, thread = self._prepared, self._thread
        if prepared is None:
            return
        prepared.server.should_exit = True
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                prepared.server.force_exit = True
                thread.join(timeout)
        prepared.cleanup()
        self._prepared = None
        self._thread = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._prepared.base_url if self._prepared else "stopped"
        return f"LocalServer({where})"


def _watch_idle(prepared: _Prepared, idle_exit: float, done: threading.Event) -> None:
    """Stop the server once nothing has happened for `idle_exit` seconds."""
    activity = prepared.state.activity
    while not done.wait(min(1.0, idle_exit / 4)):
        try:
            if prepared.state.store.active_batch_ids():
                activity.touch()  # an unfinished batch keeps the server up
                continue
        except Exception as exc:  # e.g. the store closing under us at shutdown
            logger.debug("idle check failed: %s", exc)
            continue
        if activity.idle_for() >= idle_exit:
            logger.warning("idle for %g s with no unfinished batch: stopping", idle_exit)
            prepared.server.should_exit = True
            return


def serve(config: ServerConfig, *, faults: Iterable[FaultRule] = (), record: bool = False) -> None:
    """Run the server in the foreground until interrupted (Ctrl-C or SIGTERM).

    Logs the URL it listens on and where its data lives. With ``config.idle_exit``, it also
    stops once idle for that long with no unfinished batch.

    Args:
        config: How to run.
        faults: Fault rules to apply.
        record: Record this server as the data dir's background server (``daemon.json``), so
            ``--local`` commands find it; the record is removed on exit.
    """
    from groq_batch_server import daemon

    prepared = _Prepared(config, FaultSet(list(faults)))
    where = f"{prepared.state.data_dir}" + (
        " (temporary, deleted on exit)" if prepared.owns_data_dir else ""
    )
    logger.warning("groq-batch local server listening on %s", prepared.base_url)
    logger.warning("  Groq SDK:   Groq(base_url=%r, api_key=...)", prepared.base_url)
    logger.warning(
        "  OpenAI SDK: OpenAI(base_url=%r, ...) (or %r)",
        prepared.base_url + "/openai/v1",
        prepared.base_url + "/v1",
    )
    logger.warning("  data: %s", where)
    logger.warning(
        "  executor: %s, time scale: %sx, auth: %s",
        config.executor,
        config.time_scale,
        "bearer key required" if config.api_key else "none",
    )
    for rule in prepared.state.faults.rules:
        logger.warning("  fault: %s", rule)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, restores the previous handlers, then
    # re-raises the signal. With the default SIGTERM handler that kills the process before our
    # cleanup runs, so make the re-raised signal an exception we can finish on.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _raise_stopped) if in_main else None
    done = threading.Event()
    if config.idle_exit is not None:
        logger.warning("  idle exit: after %g s with no request and no unfinished batch",
                       config.idle_exit)  # fmt: skip
        threading.Thread(
            target=_watch_idle, args=(prepared, config.idle_exit, done), daemon=True
        ).start()
    if record:
        # The socket is already listening, so a client that reads the record early just waits
        # in the backlog until uvicorn accepts.
        daemon.write_record(prepared.state.data_dir, prepared.base_url)
    try:
        prepared.server.run(sockets=[prepared.socket])
    except (KeyboardInterrupt, _StoppedError):
        pass
    finally:
        done.set()
        if record:
            daemon.remove_record(prepared.state.data_dir)
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        prepared.cleanup()
    logger.warning("groq-batch local server stopped")


class _StoppedError(Exception):
    """SIGTERM arrived (after uvicorn's graceful shutdown)."""


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise _StoppedError(signum)
