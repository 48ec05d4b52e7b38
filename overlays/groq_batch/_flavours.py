"""The few operations whose async and sync forms differ by more than a name.

The async source in ``_async/`` calls ``async_x``; ``generator/unasync.py`` renames each call to
``x`` in ``_sync/``. Everything else a flavour does is written once, in ``_async/``, or is a
pure decision in a shared module.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

# The one lazy-export helper, offered here too for the shared modules that have always used it.
from groq_batch.lazy import lazy_exports

if TYPE_CHECKING:
    from groq_batch._async.pagination import AsyncPage
    from groq_batch._pagination import AsyncPaginator
    from groq_batch.results import BatchResult
    from groq_batch.tables import ResultsStream

__all__ = [
    "async_gather",
    "async_paginate",
    "async_results_stream",
    "async_run_bounded",
    "async_sleep",
    "async_to_thread",
    "gather",
    "lazy_exports",
    "paginate",
    "results_stream",
    "run_bounded",
    "sleep",
    "to_thread",
]

_T = TypeVar("_T")
_P = ParamSpec("_P")
_Item = TypeVar("_Item", bound=Any)


async def async_sleep(seconds: float) -> None:
    """Wait without blocking the event loop."""
    # anyio comes with httpx; importing it here keeps `import groq_batch` light.
    import anyio

    await anyio.sleep(seconds)


def sleep(seconds: float) -> None:
    """Wait, blocking."""
    time.sleep(seconds)


async def async_gather(*calls: Awaitable[_T]) -> list[_T]:
    """Run calls concurrently and return their results in order."""
    import asyncio

    return list(await asyncio.gather(*calls))


def gather(*results: _T) -> list[_T]:
    """The sync form of `async_gather`: the calls already ran, one after the other."""
    return list(results)


async def async_to_thread(func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run blocking local work (file reads, validation) in a worker thread, off the loop."""
    import anyio.to_thread

    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


def to_thread(func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """The sync form of `async_to_thread`: run the work here."""
    return func(*args, **kwargs)


async def async_run_bounded(calls: Sequence[Callable[[], Awaitable[None]]], limit: int) -> None:
    """Run calls concurrently, at most ``limit`` at a time, in the order given.

    The first call to fail stops the launching of the ones not yet started; the ones already
    running are let finish (an upload cut off halfway may still be stored by the server, where
    nobody would know its id), then the first failure is raised as it was, not in a group.
    A cancellation from outside (Ctrl-C, a caller's timeout) cancels every call at once.
    """
    import anyio

    failures: list[Exception] = []
    slots = anyio.Semaphore(max(1, limit))

    async def one(call: Callable[[], Awaitable[None]]) -> None:
        async with slots:
            if failures:
                return
            try:
                await call()
            except Exception as exc:
                failures.append(exc)

    async with anyio.create_task_group() as group:
        for call in calls:
            group.start_soon(one, call)
    if failures:
        raise failures[0]


def run_bounded(calls: Sequence[Callable[[], None]], limit: int) -> None:
    """The sync form of `async_run_bounded`: at most ``limit`` worker threads.

    A failure stops the launching of the calls not yet started and lets the running ones
    finish, as the async form does. A ``KeyboardInterrupt`` in the caller's thread drops the
    calls not yet started; the running ones finish before the interpreter exits.
    """
    if limit <= 1 or len(calls) <= 1:
        for call in calls:
            call()
        return
    import threading
    from concurrent.futures import ThreadPoolExecutor

    failures: list[Exception] = []
    failed = threading.Event()

    def one(call: Callable[[], None]) -> None:
        if failed.is_set():
            return
        try:
            call()
        except Exception as exc:
            failures.append(exc)
            failed.set()

    pool = ThreadPoolExecutor(max_workers=min(limit, len(calls)), thread_name_prefix="groq-batch")
    try:
        for future in [pool.submit(one, call) for call in calls]:
            future.result()
    except BaseException:
        failed.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if failures:
        raise failures[0]


def async_paginate(
    fetch_first: Callable[[], Awaitable[AsyncPage[_Item]]],
) -> AsyncPaginator[_Item]:
    """An async `list()`'s result: awaitable for the first page, and async-iterable."""
    from groq_batch._pagination import AsyncPaginator

    return AsyncPaginator(fetch_first)


def paginate(fetch_first: Callable[[], _T]) -> _T:
    """The sync form of `async_paginate`: fetch the first page now."""
    return fetch_first()


def async_results_stream(results: AsyncIterator[BatchResult]) -> AsyncIterator[BatchResult]:
    """An async job's results, streamed as they come (tables are built from the sync flavour)."""
    return results


def results_stream(results: Iterator[BatchResult]) -> ResultsStream:
    """A job's results, streamed, that can also become a table (``.to_arrow()`` and kin)."""
    # Imported on first use: tables (and its csv machinery) cost nothing until results are read.
    from groq_batch.tables import ResultsStream

    return ResultsStream(results)
