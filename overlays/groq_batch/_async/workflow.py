"""The whole batch job: submit (split when needed), wait, results, resubmit.

Every decision lives in a pure module (``job_core``, ``sharding``, ``progress``, ``polling``,
``downloads``); this module only sends and waits. Users reach it as
``client.batches.submit(...)`` and friends, or through the ``BatchJob`` handle they return.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from groq_batch import _flavours
from groq_batch._async.submitting import AsyncPartSubmitter
from groq_batch._errors import GroqError, InvalidValueError
from groq_batch.downloads import atomic_download, download_plan
from groq_batch.job_core import (
    JobBase,
    check_job_metadata,
    check_name_free,
    find_same_run,
    new_job_id,
    record_job,
    registry_entry,
)
from groq_batch.jsonl import write_jsonl
from groq_batch.polling import Poller, RetryCallback, is_outage
from groq_batch.progress import ProgressCallback
from groq_batch.results import (
    FAILED_OUTCOMES,
    BatchResult,
    InputIndex,
    Outcome,
    ResultJoiner,
    is_permanent_failure,
)
from groq_batch.scratch import ScratchDir
from groq_batch.sharding import DEFAULT_MAX_CONCURRENT_UPLOADS, Source, plan_shards
from groq_batch.stop_points import stop_at
from groq_batch_api.models import Batch

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq
    from groq_batch.tables import AsyncResultsStream

__all__ = ["AsyncBatchJob", "AsyncJobMethods"]

log = logging.getLogger("groq_batch")

UpdateCallback = Callable[[Sequence[Batch]], None]


class AsyncBatchJob(JobBase):
    """A handle on one logical job: one batch, or several when the input had to be split.

    The handle is only its batch ids and a client: keep ``job.ids`` anywhere (a file, a
    database) and re-attach later, in another process, with ``client.batches.job(ids)``.

    Attributes:
        ids: The job's batch ids, in part order.
        batches: The latest state seen of each batch.
    """

    def __init__(self, client: AsyncGroq, batches: Sequence[Batch | str]) -> None:
        super().__init__(batches)
        self._client = client

    async def _fetch(self, ids: Sequence[str]) -> list[Batch]:
        fetched = await _flavours.async_gather(*(self._client.batches.retrieve(i) for i in ids))
        return self.merge(fetched)

    async def refresh(self) -> list[Batch]:
        """Fetch the current state of every batch.

        Returns:
            The batches, in part order.
        """
        return await self._fetch(self.ids)

    async def wait(
        self,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_update: UpdateCallback | None = None,
        on_retry: RetryCallback | None = None,
    ) -> list[Batch]:
        """Poll until every batch reaches a terminal status.

        Polls back off from about 1 s to about 60 s; only batches not yet terminal are polled.
        The waits and the deadline use the client's `timing` (real clocks unless a test gave
        fakes).

        Args:
            timeout: Seconds to wait at most; None waits as long as it takes.
            poll_interval: A fixed interval between polls instead of the backoff.
            on_update: Called with every batch after each poll (``request_counts`` included).
            on_retry: Called with the error and the seconds until the next try, each time a poll
                fails because the API is unreachable or overloaded. Such a poll does not end
                the wait: it backs off (1 s doubling to 30 s) and tries again until ``timeout``.

        Returns:
            The final state of every batch.

        Raises:
            WaitTimeoutError: The deadline passed first. The batches are left untouched.
        """
        timing = self._client.transport.timing
        poller = Poller(timeout, poll_interval, timing.monotonic, timing.jitter)
        failures = 0
        while True:
            try:
                batches = await self._fetch(self.pending_ids())
            except GroqError as exc:
                # Each poll keeps the client's retry budget; beyond it, an outage is waited out.
                if not is_outage(exc):
                    raise
                failures += 1
                delay = poller.outage_delay(self.batches, failures)
                log.warning("Polling failed (%s); trying again in %.1f s", exc, delay)
                if on_retry is not None:
                    on_retry(exc, delay)
                await timing.sleep(delay)
                continue
            failures = 0
            if on_update is not None:
                on_update(batches)
            stop_at("wait")
            if self.done:
                return batches
            await timing.sleep(poller.next_delay(batches))

    def results(
        self, *, inputs: Source | None = None, require_done: bool = True
    ) -> AsyncResultsStream:
        """Stream every result, joined to its input, in constant memory.

        Results come from each batch's output file, then its error file; then every input
        with no line in either comes as ``missing``. Partial results of expired and cancelled
        batches come the same way. The sync flavour's stream also becomes a table:
        ``job.results().to_arrow()``, ``.to_pandas()``, ``.to_polars()`` (the ``tables`` extra).

        Args:
            inputs: The job's input (a JSONL path or the requests). When None, the job reads its
                own input files back through the API.
            require_done: Raise if a batch is not terminal yet, instead of reading what exists.

        Returns:
            An iterator of ``BatchResult``, one per input. Nothing is read until it is iterated.

        Raises:
            BatchNotFinishedError: A batch is still running and ``require_done`` is true (on
                the first step of the iteration).
        """
        return _flavours.async_results_stream(self._iter_results(inputs, require_done))

    async def _iter_results(
        self, inputs: Source | None, require_done: bool
    ) -> AsyncIterator[BatchResult]:
        await self.refresh()
        error = self.unfinished_error()
        if error is not None and require_done:
            raise error
        with contextlib.ExitStack() as stack:
            joiner = ResultJoiner(
                await self._input_index(inputs, stack), missing_outcome=self.missing_outcome()
            )
            handed = 0
            for file_id in self.result_file_ids():
                async with await self._client.files.content(file_id) as content:
                    async for line in content.iter_lines():
                        result = joiner.feed(line)
                        if result is not None:
                            yield result
                            handed += 1
                            stop_at("results", handed)
            for result in joiner.missing():
                yield result

    async def _input_index(self, inputs: Source | None, stack: contextlib.ExitStack) -> InputIndex:
        if inputs is not None:
            if isinstance(inputs, str | os.PathLike):
                return stack.enter_context(InputIndex.from_path(inputs))
            return InputIndex.from_requests(inputs)
        tmpdir = stack.enter_context(ScratchDir("inputs"))
        path = Path(tmpdir) / "inputs.jsonl"
        with path.open("wb") as out:
            for batch in self.batches:
                async with await self._client.files.content(batch.input_file_id) as content:
                    async for chunk in content.iter_bytes():
                        out.write(chunk)
                out.write(b"\n")
        return stack.enter_context(InputIndex.from_path(path))

    async def download(self, directory: str | os.PathLike[str]) -> list[Path]:
        """Write every output and error file of the job into ``directory``.

        Each file is written to a temporary name, checked against the size the API reports,
        and only then renamed into place; a cut-off transfer resumes with HTTP ``Range``.

        Args:
            directory: Where to write; created if needed. Files are named
                ``<batch_id>_output.jsonl`` and ``<batch_id>_errors.jsonl``.

        Returns:
            The files written.

        Raises:
            IncompleteContentError: A file could not be fetched whole.
        """
        target_dir = Path(directory)
        target_dir.mkdir(parents=True, exist_ok=True)
        written = []
        for file_id, target in download_plan(await self.refresh(), target_dir):
            expected = (await self._client.files.info(file_id)).bytes_
            with atomic_download(target, file_id, expected) as tmp:
                async with await self._client.files.content(file_id) as content:
                    await content.write_to_file(tmp)
            written.append(target)
        return written

    async def resubmit(
        self,
        *,
        outcomes: Iterable[str | Outcome] = tuple(FAILED_OUTCOMES),
        inputs: Source | None = None,
        completion_window: str | None = None,
        include_permanent: bool = False,
        on_left_out: Callable[[BatchResult], None] | None = None,
    ) -> AsyncBatchJob | None:
        """Submit the requests whose results had these outcomes, as a new job.

        The new batches carry ``groq_batch_parent`` in their metadata: this job's batch ids.
        A request whose error cannot change on a retry (an unknown model, an invalid request:
        ``results.is_permanent_failure``) is left out unless ``include_permanent``.

        Args:
            outcomes: Which outcomes to resubmit; by default every failure.
            inputs: The job's input, when known; otherwise read back through the API.
            completion_window: The new job's window; this job's when None.
            include_permanent: Resubmit permanent failures too.
            on_left_out: Called with each result left out as a permanent failure.

        Returns:
            The new job, or None when no request had those outcomes.
        """
        wanted = {Outcome(o) for o in outcomes}
        with ScratchDir("resubmit") as tmpdir:
            path = Path(tmpdir) / "resubmit.jsonl"
            requests = []
            async for r in self.results(inputs=inputs):
                if r.outcome not in wanted or r.request is None:
                    continue
                if not include_permanent and is_permanent_failure(r):
                    if on_left_out is not None:
                        on_left_out(r)
                    continue
                requests.append(r.request)
            if not write_jsonl(requests, path):
                return None
            first = self.batches[0]
            return await self._client.batches.submit(
                path,
                endpoint=first.endpoint,
                completion_window=completion_window or first.completion_window,
                metadata=self.resubmit_metadata(),
            )


class AsyncJobMethods:
    """The job helpers of ``client.batches``: submit, job, wait, results, download, resubmit."""

    _client: AsyncGroq

    async def submit(
        self,
        requests_or_path: Source,
        *,
        endpoint: str | None = None,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        max_lines: int | None = None,
        max_bytes: int | None = None,
        name: str | None = None,
        reuse: bool = False,
        on_submitted: UpdateCallback | None = None,
        max_concurrent_uploads: int = DEFAULT_MAX_CONCURRENT_UPLOADS,
    ) -> AsyncBatchJob:
        """Validate, split when needed, upload and create the batches of one job.

        The input is validated first, and nothing is uploaded if any line has a problem. An
        input over the provider's limits (Groq: 50,000 lines or 200 MB) is split by both,
        into parts that each become a batch; every part is uploaded before any batch is
        created. Each batch's metadata gains
        ``groq_batch_job`` (the job's id) and ``groq_batch_part`` (``"2/3"``).

        Args:
            requests_or_path: A JSONL path, or requests (``BatchRequest`` objects or dicts).
            endpoint: The batch's endpoint. None (the default) follows the lines: their one
                ``url``, or ``/v1/chat/completions`` for a mix of chat and audio lines, as in
                Groq's batch guide. An endpoint that no line uses is a ``ValidationError``.
            completion_window: How long each batch may take; one of the client provider's
                windows (Groq: ``24h`` to ``7d``; OpenAI: ``24h``), checked before any upload.
            metadata: String pairs to attach to every batch.
            on_progress: Called with an ``UploadProgress`` as upload bytes go out.
            max_lines: Lines per batch at most (the provider's: 50,000 at Groq and OpenAI).
            max_bytes: Bytes per batch file at most (the provider's: 200 MB). A part the server
                refuses as too large (413) is halved and uploaded again, down to 64 KiB.
            name: Record the job under this name in the per-user job registry, so that
                ``groq-batch jobs``, the dashboard and ``client.batches.job(name)`` see it.
                Checked before anything is uploaded.
            reuse: If a job of the same run (the same requests, endpoint, window, metadata and
                provider, on the same server) is in the registry and was not cancelled, return
                it instead of submitting and paying again, as ``groq-batch run`` does. The new
                job is recorded either way (under ``name``, or a generated one).
            on_submitted: Called with the job's batches once all exist, before ``submit``
                forgets how far it got: a caller that records the job itself (as the CLI does)
                records it here, so that a process killed before the job is recorded resumes
                (the same ``submit`` again returns these batches) instead of submitting twice.
            max_concurrent_uploads: How many parts of a split input are uploaded at once (4
                by default; 1 uploads them one after the other). The sync client uploads from
                that many worker threads, so ``on_progress`` may be called from them. Whatever
                order the uploads end in, the batches are created in part order; if one part
                fails, no further part is started and every part stored is deleted.

        Returns:
            The job handle; ``job.ids`` re-attaches it later.

        Raises:
            ValidationError: The input has problems, each with its line and field.
            JobSubmitError: A part failed after others were created; it names them.
            JobNameError: ``name`` is malformed or another job has it.
            InvalidValueError: ``max_concurrent_uploads`` is below 1.
        """
        if max_concurrent_uploads < 1:
            raise InvalidValueError(
                f"max_concurrent_uploads must be at least 1, got {max_concurrent_uploads}"
            )
        # Validation and splitting only read local files; the seam keeps them off an event loop.
        plan = await _flavours.async_to_thread(
            plan_shards,
            requests_or_path,
            endpoint=endpoint,
            max_lines=max_lines,
            max_bytes=max_bytes,
            provider=self._client.provider,
            completion_window=completion_window,
        )
        entry = None
        try:
            if name is not None or reuse:
                await _flavours.async_to_thread(check_name_free, name)
                entry = await _flavours.async_to_thread(
                    registry_entry,
                    requests_or_path,
                    plan,
                    name=name,
                    endpoint=endpoint,
                    completion_window=completion_window,
                    metadata=metadata,
                    provider=self._client.provider,
                    base_url=str(self._client.base_url),
                )
                same = await _flavours.async_to_thread(find_same_run, entry) if reuse else None
                if same is not None:
                    log.info("re-using job %s of the same run", ", ".join(same))
                    return AsyncBatchJob(self._client, same)
        except BaseException:
            plan.cleanup()
            raise
        try:
            check_job_metadata(metadata, len(plan.shards), self._client.provider)
            parts = AsyncPartSubmitter(self._client)
            journal = await _flavours.async_to_thread(
                parts.open_journal,
                plan,
                endpoint=plan.endpoint,
                completion_window=completion_window,
                metadata=sorted((metadata or {}).items()),
                provider=self._client.provider.name,
                base_url=str(self._client.base_url),
                max_lines=max_lines,
                max_bytes=max_bytes,
            )
        except BaseException:
            plan.cleanup()
            raise
        # Only a process that dies (or is interrupted) leaves its journal to be resumed.
        ended = False
        try:
            job_id = new_job_id() if journal is None else journal.job_id
            try:
                # Every part is uploaded before any batch is created: a failed upload leaves
                # no batch.
                file_ids = await parts.upload(plan, on_progress, journal, max_concurrent_uploads)
            finally:
                plan.cleanup()
            created = await parts.create(
                file_ids, plan.endpoint, completion_window, metadata, job_id, journal
            )
            stop_at("submitted")
            # The journal outlives the batches until the job is recorded (here, or by the
            # caller's hook): a process killed in between resumes it, never submits again.
            try:
                if entry is not None:
                    await _flavours.async_to_thread(record_job, entry, [b.id for b in created])
                if on_submitted is not None:
                    await _flavours.async_to_thread(on_submitted, created)
                stop_at("recorded")
            finally:
                # Handed over (even if the hook raised, Ctrl-C included): the job is the
                # caller's to know; a journal left now would re-use it for a later run.
                ended = True
        except Exception:
            ended = True
            raise
        finally:
            if journal is not None:
                journal.close(finished=ended)
        return AsyncBatchJob(self._client, created)

    def job(self, ids: str | Batch | Sequence[str | Batch]) -> AsyncBatchJob:
        """Re-attach to a job from its batch ids, a batch, or its name, in this or another process.

        Args:
            ids: One batch id, a batch, the ids of every part, or a job name that `submit` or
                ``groq-batch run`` recorded in the job registry (``groq-batch jobs``).

        Returns:
            The job handle. Nothing is fetched until it is used.
        """
        items = [ids] if isinstance(ids, str | Batch) else list(ids)
        if any(isinstance(i, str) and not i.startswith("batch_") for i in items):
            # A job name from the registry (`groq-batch jobs`); sqlite3 loads only for names.
            from groq_batch.jobs import JobRegistry

            registry = JobRegistry()
            items = [x for i in items for x in (registry.resolve(i) if isinstance(i, str) else [i])]
        return AsyncBatchJob(self._client, items)

    async def wait(
        self,
        batch_or_job: str | Batch | AsyncBatchJob | Sequence[str],
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_update: UpdateCallback | None = None,
        on_retry: RetryCallback | None = None,
    ) -> list[Batch]:
        """Poll until every batch reaches a terminal status: completed, failed, expired, cancelled.

        The job handle's own wait (`AsyncBatchJob.wait`), for whatever names the batches.

        Args:
            batch_or_job: A batch id, a batch, a job, or batch ids.
            timeout: Seconds to wait at most; None waits as long as it takes.
            poll_interval: A fixed interval between polls instead of the 1 s → 60 s backoff.
            on_update: As for `AsyncBatchJob.wait`: called with every batch after each poll.
            on_retry: As for `AsyncBatchJob.wait`: told each poll an outage failed, which
                does not end the wait.

        Returns:
            The final state of every batch; a passed deadline raises ``WaitTimeoutError``.
        """
        return await self._as_job(batch_or_job).wait(
            timeout=timeout, poll_interval=poll_interval, on_update=on_update, on_retry=on_retry
        )

    def results(
        self,
        batch_or_job: str | Batch | AsyncBatchJob | Sequence[str],
        *,
        inputs: Source | None = None,
    ) -> AsyncResultsStream:
        """Stream every result of a finished batch or job, typed and joined to its input.

        Args:
            batch_or_job: A batch id, a batch, a job, or batch ids.
            inputs: The input (a JSONL path or the requests); read back through the API when
                None, so that unanswered inputs show up as ``missing``.

        Returns:
            An iterator of ``BatchResult``, one per input, in constant memory.

        Raises:
            BatchNotFinishedError: A batch has not reached a terminal status.
        """
        return self._as_job(batch_or_job).results(inputs=inputs)

    async def download(
        self,
        batch_or_job: str | Batch | AsyncBatchJob | Sequence[str],
        directory: str | os.PathLike[str],
    ) -> list[Path]:
        """Write the output and error files into ``directory``, atomically and checked.

        Args:
            batch_or_job: A batch id, a batch, a job, or batch ids.
            directory: Where to write; created if needed.

        Returns:
            The files written (``<batch_id>_output.jsonl``, ``<batch_id>_errors.jsonl``).

        Raises:
            IncompleteContentError: A file could not be fetched whole.
        """
        return await self._as_job(batch_or_job).download(directory)

    async def resubmit(
        self,
        batch_or_job: str | Batch | AsyncBatchJob | Sequence[str],
        *,
        outcomes: Iterable[str | Outcome] = tuple(FAILED_OUTCOMES),
        inputs: Source | None = None,
        completion_window: str | None = None,
        include_permanent: bool = False,
        on_left_out: Callable[[BatchResult], None] | None = None,
    ) -> AsyncBatchJob | None:
        """Submit the requests whose results had these outcomes as a new, linked job.

        Args:
            batch_or_job: A finished batch id, batch, job, or batch ids.
            outcomes: Which outcomes to resubmit: by default ``request_error``, ``batch_error``,
                ``expired``, ``cancelled`` and ``missing``.
            inputs: The input, when known; otherwise read back through the API.
            completion_window: The new job's window; the parent's when None.
            include_permanent: Also resubmit requests whose error a retry cannot change (an
                unknown model, an invalid request), which are left out by default.
            on_left_out: Called with each result left out as such.

        Returns:
            The new job (its batches' metadata name the parents under ``groq_batch_parent``),
            or None when no request had those outcomes.
        """
        return await self._as_job(batch_or_job).resubmit(
            outcomes=outcomes,
            inputs=inputs,
            completion_window=completion_window,
            include_permanent=include_permanent,
            on_left_out=on_left_out,
        )

    def _as_job(self, target: str | Batch | AsyncBatchJob | Sequence[str]) -> AsyncBatchJob:
        return target if isinstance(target, AsyncBatchJob) else self.job(target)
