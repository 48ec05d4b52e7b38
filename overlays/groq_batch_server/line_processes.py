"""Running a batch's requests in worker processes, so that the echo's work uses every core.

The echo executor is pure CPU (parse the stored body, make the answer, count its tokens,
encode it, mint its ids), and one Python process runs it on one core while the HTTP handlers
wait for the same GIL. `LineProcesses` hands each chunk of stored requests to a few processes
instead, split into one share per process, and gets back the result rows to store. The
server's own process keeps everything else: the SQLite writes (each chunk's results and
counters in one transaction, as before), the result files, the HTTP handlers. So every
guarantee of the worker holds as it did: a line is answered once (its result row is the
database's, keyed by line), a restart resumes at the first line without a result, and a
cancel or the deadline is seen between chunks.

Each process is ``python -m groq_batch_server.line_processes``, fed shares of requests on its
standard input and answering on its standard output (pickled; both ends are this package).
Not `multiprocessing`: its ``spawn`` re-imports the caller's main script in every child (a
script that starts a `LocalServer` without an ``if __name__ == "__main__"`` guard would run
again), and ``fork`` copies a process with threads and open SQLite connections. The processes
start only when a batch large enough to gain from them runs, and each exits when its input
closes: on `close`, and also when the server process dies, however it dies (a ``kill -9``
closes the pipe), so no process outlives the server.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, Any

from groq_batch_server.echo import EchoExecutor
from groq_batch_server.execution import Interrupted
from groq_batch_server.lines import execute_pending
from groq_batch_server.rows import PendingRequest, ResultRow

__all__ = ["MIN_LINES", "PROCESSES_ENV", "LineProcesses", "default_processes"]

logger = logging.getLogger("groq_batch_server")

MIN_LINES = 1000
"""The fewest lines a batch must have to run in the processes: below that, starting them
costs more than it saves, so small batches run in the server's own process as always."""


PROCESSES_ENV = "GROQ_BATCH_SERVER_PROCESSES"
"""Overrides the default number of line processes (for example for the ``--local`` server)."""


def default_processes() -> int:
    """`PROCESSES_ENV` when set, else one line process per core but one (at most 8).

    The server's own process needs a core too (SQLite, the result files, HTTP), and feeding a
    process costs CPU of its own: on two cores, with the client on the same machine, a
    million-line job took 101 s in one process and 117 s with two line processes (load
    about 2.5). So two cores run in the server's own process, and more cores spread out.
    """
    configured = os.environ.get(PROCESSES_ENV, "").strip()
    if configured:
        try:
            return max(int(configured), 0)
        except ValueError:
            logger.warning("ignoring %s=%r: not a whole number", PROCESSES_ENV, configured)
    cores = os.cpu_count() or 1
    return min(cores - 1, 8)


class _Broken(Exception):
    """A line process died or stopped answering."""


class _Child:
    """One line process and the thread that feeds it shares, one at a time."""

    def __init__(self, models: Sequence[str]) -> None:
        env = dict(os.environ)
        # The same modules as this process, wherever they were found.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(  # noqa: S603 (this interpreter, this package's module)
            [sys.executable, "-m", "groq_batch_server.line_processes", *models],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.jobs: queue.SimpleQueue[
            tuple[list[PendingRequest], Future[list[ResultRow]]] | None
        ] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._feed, name="groq-batch-lines", daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None
        assert stdout is not None
        broken: BaseException | None = None
        while (job := self.jobs.get()) is not None:
            share, future = job
            if not future.set_running_or_notify_cancel():
                continue
            if broken is not None:
                future.set_exception(_Broken(f"{type(broken).__name__}: {broken}"))
                continue
            try:
                # Plain tuples: a named tuple pickles through Python code, about eight times
                # slower (2.7 us a row there and back, against 0.3).
                pickle.dump([tuple(p) for p in share], stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
                answer = pickle.load(stdout)  # noqa: S301 (our own child, on a private pipe)
            except Exception as exc:  # whatever it is, the exchange is lost: so is the process
                logger.warning("line process %d failed: %s: %s", self.proc.pid,
                               type(exc).__name__, exc)  # fmt: skip
                broken = exc
                future.set_exception(_Broken(f"{type(exc).__name__}: {exc}"))
                continue
            if isinstance(answer, BaseException):
                future.set_exception(answer)
            else:
                future.set_result([ResultRow._make(row) for row in answer])
        with contextlib.suppress(OSError):  # a process that died has closed its end already
            stdin.close()

    def submit(self, share: list[PendingRequest]) -> Future[list[ResultRow]]:
        future: Future[list[ResultRow]] = Future()
        self.jobs.put((share, future))
        return future

    def close(self, timeout: float) -> None:
        self.jobs.put(None)
        self.thread.join(timeout)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class LineProcesses:
    """A lazily started set of processes that run the echo executor on stored requests.

    Args:
        processes: How many processes (at least 2; fewer gains nothing over the server's own).
        models: Extra model ids the echo accepts (as `EchoExecutor`'s ``models``).
        min_lines: The fewest lines a batch must have to run here (see `MIN_LINES`).
    """

    def __init__(
        self, processes: int, *, models: Sequence[str] = (), min_lines: int = MIN_LINES
    ) -> None:
        if processes < 2:
            raise ValueError(f"processes must be at least 2, got {processes}")
        self.processes = processes
        self.models = tuple(models)
        self.min_lines = min_lines
        self._children: list[_Child] = []
        self._lock = threading.Lock()
        # Runs a chunk here when a process died (killed from outside), so the batch goes on.
        self._fallback = EchoExecutor(models=self.models)

    def _started(self) -> list[_Child]:
        with self._lock:
            if not self._children:
                self._children = [_Child(self.models) for _ in range(self.processes)]
            return self._children

    def pids(self) -> list[int]:
        """The process ids of the running line processes (none before the first batch)."""
        return [child.proc.pid for child in self._children]

    def run(
        self, chunks: Sequence[list[PendingRequest]], stop: threading.Event
    ) -> Iterator[list[ResultRow]]:
        """Run chunks of requests, yielding each chunk's results, in order, as it completes.

        Every chunk is handed out at once (one share per process), so the processes work on
        the next chunks while the caller stores the first.

        Args:
            chunks: The chunks, each in line order.
            stop: Set when the server is stopping.

        Yields:
            One result row per request of a chunk, in the chunk's order.

        Raises:
            Interrupted: `stop` was set; the chunks not yet yielded are abandoned.
        """
        done = 0
        shares: list[list[Future[list[ResultRow]]]] = []
        try:
            children = self._started()
            shares = [_share_out(children, chunk) for chunk in chunks]
            for futures in shares:
                rows = [row for future in futures for row in _result(future, stop, children)]
                done += 1
                yield rows
            return
        except _Broken as exc:
            logger.warning("a line process died (%s); running on in the server's own process",
                           exc)  # fmt: skip
            self.close()
        finally:
            # Abandoned (the server is stopping, or a process died): drop the shares not begun.
            for futures in shares[done:]:
                for future in futures:
                    future.cancel()
        for chunk in chunks[done:]:
            yield execute_pending(self._fallback, chunk, stop)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the processes: each finishes the share it is on (milliseconds) and exits."""
        with self._lock:
            children, self._children = self._children, []
        for child in children:
            child.close(timeout)


def _share_out(
    children: list[_Child], chunk: list[PendingRequest]
) -> list[Future[list[ResultRow]]]:
    """Hand a chunk out in one share per process (fewer when the chunk is small)."""
    size = -(-len(chunk) // len(children))
    return [
        child.submit(chunk[start : start + size])
        for child, start in zip(children, range(0, len(chunk), size), strict=False)
    ]


def _result(
    future: Future[list[ResultRow]], stop: threading.Event, children: list[_Child]
) -> list[ResultRow]:
    while True:
        try:
            return future.result(timeout=0.1)
        except FutureTimeout:
            if stop.is_set():
                raise Interrupted from None
            if not all(child.thread.is_alive() for child in children):
                # A share whose feeder is gone would never be answered: never wait on it.
                raise _Broken("a line process feeder stopped") from None


# ----------------------------------------------------------------------- in a line process
def serve_lines(models: Sequence[str], stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """Answer shares of requests until the input closes (the server stopped or died).

    Args:
        models: Extra model ids the echo accepts.
        stdin: Where the pickled shares come from.
        stdout: Where each share's pickled result rows (or the exception it raised) go.
    """
    executor = EchoExecutor(models=models)
    never = threading.Event()
    # Anything else that writes to standard output (a library's print) would corrupt the
    # answers: answers keep the pipe, and file descriptor 1 becomes standard error.
    answers = os.fdopen(os.dup(stdout.fileno()), "wb")
    os.dup2(2, stdout.fileno())
    while True:
        try:
            share = pickle.load(stdin)  # noqa: S301 (our own server, on a private pipe)
        except EOFError:
            return
        answer: Any
        try:
            rows = execute_pending(executor, [PendingRequest._make(p) for p in share], never)
            answer = [tuple(row) for row in rows]
        except Exception as exc:  # sent back: the server's step fails as it would in-process
            answer = exc
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    serve_lines(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer)
