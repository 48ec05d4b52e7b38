"""Uploading and creating a job's parts so that a submission killed anywhere resumes.

``client.batches.submit`` plans the parts (``sharding``) and hands them here: each part is
uploaded, then each batch created, and each step is written to the submission's journal
(``groq_batch.submissions``) as soon as it happens. A submission of the same run that finds a
dead one's journal re-uses what it recorded, and looks on the server for what it did not get
to record, so that no file and no batch is made twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from groq_batch import _flavours
from groq_batch._async.files import find_upload
from groq_batch._errors import GroqError, JobSubmitError, NotFoundError, RequestTooLargeError
from groq_batch._uploads import Upload
from groq_batch.job_core import new_job_id, part_metadata
from groq_batch.progress import ProgressCallback, upload_body
from groq_batch.providers import IDEMPOTENCY_METADATA_KEY
from groq_batch.sharding import DEFAULT_MAX_CONCURRENT_UPLOADS, Shard, ShardPlan, halve_shard
from groq_batch.stop_points import stop_at
from groq_batch.submissions import SubmissionJournal, part_marker, submission_key
from groq_batch_api.models import Batch

if TYPE_CHECKING:
    from groq_batch._async.client import AsyncGroq

__all__ = ["AsyncPartSubmitter"]

log = logging.getLogger("groq_batch")


def _recorded(batch_ids: Iterable[str]) -> bool:
    """Whether the job registry holds a job with one of these batches."""
    import sqlite3

    from groq_batch.jobs import JobRegistry

    ids = list(batch_ids)
    if not ids:
        return False
    try:
        registry = JobRegistry()
        return any(registry.get(batch_id) is not None for batch_id in ids)
    except (sqlite3.Error, OSError):
        return False  # no registry to ask: resume, as a journal without one always did


class AsyncPartSubmitter:
    """Uploads and creates the parts of one job for ``submit``, journaling each step."""

    def __init__(self, client: AsyncGroq) -> None:
        self._client = client

    def open_journal(self, plan: ShardPlan, **options: object) -> SubmissionJournal | None:
        """Open this submission's journal: a dead one's of the same run, or a fresh one."""
        from groq_batch.jobs import file_sha256

        assert plan.whole is not None
        key = submission_key(file_sha256(plan.whole), **options)
        clock = self._client.transport.clock
        journal = SubmissionJournal.open(key, job_id=new_job_id(), now=clock())
        if journal is not None and journal.resumed and _recorded(journal.batches.values()):
            # Killed after its job was recorded, before the journal went: that job is known
            # (the registry re-attaches it); this submission is asked for a new one.
            journal.restart(job_id=new_job_id(), now=clock())
        return journal

    async def upload(
        self,
        plan: ShardPlan,
        on_progress: ProgressCallback | None,
        journal: SubmissionJournal | None,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT_UPLOADS,
    ) -> list[str]:
        """Upload every part (or find it stored by the submission that died); their file ids.

        The parts a dead submission stored are looked up first, one after the other (two
        parts with the same bytes must not adopt the same file); the others are then uploaded
        at most ``max_concurrent`` at a time. The file ids come back in part order whatever
        order the uploads end in. If any part fails, no further part is started, the running
        ones finish, and every part stored (by this call or a dead one's) is deleted.
        """
        shards = list(plan.shards)
        # Each part's file ids: one, or more when the server refused it as too large.
        stored: list[list[str]] = [[] for _ in shards]
        try:
            for index, shard in enumerate(shards):
                found = None if journal is None else await self._stored_part(shard, journal)
                if found is not None:
                    stored[index].append(found)

            def part(index: int) -> Callable[[], Awaitable[None]]:
                async def send() -> None:
                    await self._send_part(
                        shards[index],
                        index + 1,
                        len(shards),
                        plan,
                        on_progress,
                        journal,
                        stored[index],
                    )

                return send

            await _flavours.async_run_bounded(
                [part(i) for i, ids in enumerate(stored) if not ids], max_concurrent
            )
        except Exception:
            # A refused part means no batch: the parts stored beside it would stay behind.
            await self.discard([file_id for ids in stored for file_id in ids])
            raise
        return [file_id for ids in stored for file_id in ids]

    async def _send_part(
        self,
        shard: Shard,
        number: int,
        parts: int,
        plan: ShardPlan,
        on_progress: ProgressCallback | None,
        journal: SubmissionJournal | None,
        into: list[str],
    ) -> None:
        """Upload one part, halved as often as the server refuses it as too large (413).

        Each file id is appended to ``into`` (in order) as soon as the server stored it, so
        that a failure elsewhere can delete it.
        """
        pending = [shard]
        while pending:
            current = pending.pop(0)
            if current is not shard and journal is not None:
                # A half the dead submission stored is re-used like a whole part.
                found = await self._stored_part(current, journal)
                if found is not None:
                    into.append(found)
                    continue
            try:
                with current.open() as fh:
                    body = upload_body(fh, current, number, parts, on_progress)
                    uploaded = await self._client.files.create(
                        file=(current.name, body), purpose="batch"
                    )
            except RequestTooLargeError:
                # The server's limit is below the split size: halve this part, go on.
                halves = await _flavours.async_to_thread(halve_shard, current, plan)
                if halves is None:
                    raise
                pending[:0] = halves
                continue
            into.append(uploaded.id)
            stop_at("uploaded", number)
            if journal is not None:
                await _flavours.async_to_thread(journal.record_file, current.name, uploaded.id)

    async def _stored_part(self, shard: Shard, journal: SubmissionJournal) -> str | None:
        """The file id of a part the dead submission stored, if it is still there, whole."""
        recorded = journal.files.get(shard.name)
        if recorded is not None:
            try:
                info = await self._client.files.info(recorded)
            except NotFoundError:
                return None
            return recorded if info.bytes_ == shard.bytes else None
        if not journal.resumed:
            return None
        # Killed after the server stored the part, before the journal said so: look for it.
        with shard.open() as fh, Upload((shard.name, fh)) as upload:
            found = await find_upload(self._client.files, upload, journal.started)
        if found is None or found.id in journal.claimed():
            return None
        await _flavours.async_to_thread(journal.record_file, shard.name, found.id)
        return found.id

    async def create(
        self,
        file_ids: Sequence[str],
        endpoint: str,
        completion_window: str,
        metadata: Mapping[str, str] | None,
        job_id: str,
        journal: SubmissionJournal | None,
    ) -> list[Batch]:
        """Create each part's batch (or find the one the dead submission created), in order."""
        created: list[Batch] = []
        for number, file_id in enumerate(file_ids, start=1):
            pairs = part_metadata(metadata, job_id, number, len(file_ids))
            try:
                found = None if journal is None else await self._created_part(journal, number)
                if found is None:
                    if journal is not None and self._client.idempotent_creates:
                        # A marker any process resuming this job can look for.
                        pairs.setdefault(IDEMPOTENCY_METADATA_KEY, part_marker(job_id, number))
                    found = await self._client.batches.create(
                        input_file_id=file_id,
                        endpoint=endpoint,
                        completion_window=completion_window,
                        metadata=pairs,
                    )
                    stop_at("create", number)
                    if journal is not None:
                        await _flavours.async_to_thread(journal.record_batch, number, found.id)
            except Exception as exc:
                if not created:
                    raise
                raise JobSubmitError(str(exc), [b.id for b in created]) from exc
            created.append(found)
        return created

    async def _created_part(self, journal: SubmissionJournal, number: int) -> Batch | None:
        """The batch the dead submission created for part ``number``, if it created one."""
        recorded = journal.batches.get(number)
        if recorded is not None:
            return await self._client.batches.retrieve(recorded)
        if not journal.resumed or not self._client.idempotent_creates:
            return None
        # Killed after the server made the batch, before the journal said so: its marker tells.
        # Here, not at the top: the batches module imports the workflow, which imports this.
        from groq_batch._async.batches import find_created

        found = await find_created(
            self._client.batches, part_marker(journal.job_id, number), journal.started
        )
        if found is not None:
            await _flavours.async_to_thread(journal.record_batch, number, found.id)
        return found

    async def discard(self, file_ids: Sequence[str]) -> None:
        """Delete files a failed submission uploaded; best effort, the failure is what matters."""
        for file_id in file_ids:
            try:
                await self._client.files.delete(file_id)
            except GroqError as exc:
                log.warning("could not delete uploaded file %s: %s", file_id, exc)
