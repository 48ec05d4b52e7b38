"""The dashboard's state: the client, the registry, the results cache and the polls seen.

One `Dashboard` per `groq-batch ui`; every view and action reads jobs through it, so that a job
recorded elsewhere is reached with its own provider's key (never this dashboard's) and a
finished batch is fetched once.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch.jobs import JobKeyError, JobRecord, JobRegistry, job_connection
from groq_batch.redaction import scrub
from groq_batch.statuses import is_terminal
from groq_batch_cli.ui.auth import LoginCodes
from groq_batch_cli.ui.cache import ResultsCache
from groq_batch_cli.ui.pages import chart_points
from groq_batch_cli.ui.summary import estimate_text, summarise

if TYPE_CHECKING:
    from groq_batch import BatchJob, Groq
    from groq_batch_api.models import Batch

__all__ = ["Dashboard"]

# The polls kept per job for a running job's chart.
MAX_SAMPLES = 2000


class Dashboard:
    """The dashboard's state: a client, the registry, the results cache and the polls seen.

    Args:
        client: The API client (it never leaves this process).
        registry: The job registry.
        endpoint: Where ``client`` connects, as the registry labels endpoints.
        cache_dir: Where joined results are cached.
        download_dir: Where the download button writes files.
        token: The session token, the value of the session cookie; random when None. It never
            appears in a URL: a browser gets it in exchange for a one-time login code.
    """

    def __init__(
        self,
        client: Groq,
        registry: JobRegistry,
        *,
        endpoint: str,
        cache_dir: str | os.PathLike[str],
        download_dir: str | os.PathLike[str],
        token: str | None = None,
    ) -> None:
        self.client = client
        self.registry = registry
        self.endpoint = endpoint
        self.cache = ResultsCache(cache_dir)
        self.download_dir = Path(download_dir)
        self.token = token or secrets.token_urlsafe(24)
        self._terminal: dict[str, Batch] = {}
        self._samples: dict[str, list[tuple[float, int]]] = {}
        self._lock = threading.Lock()
        self._builds: dict[str, threading.Thread] = {}
        self._build_errors: dict[str, str] = {}
        self._estimates: dict[str, str] = {}
        self._indexed: dict[str, int] = {}
        self._highs: dict[str, float | None] = {}
        # How long a finished job's first page load waits for its results' index.
        self.first_load_wait = 3.0
        self._clients: dict[tuple[str, str], Groq] = {}
        self.logins = LoginCodes()

    def client_for(self, record: JobRecord | None) -> Groq:
        """The client that reaches a job: this dashboard's own, or the one `job_connection` allows.

        A job recorded elsewhere is reached with its own provider's key, to a URL that provider
        owns, by the same rule as the command line; never with this dashboard's key.

        Args:
            record: The job's record, if it is registered.

        Returns:
            The client.

        Raises:
            JobKeyError: No key may be sent where the job lives (the message says why).
        """
        if record is None or record.endpoint == self.endpoint:
            return self.client
        if record.local_data_dir is not None:
            raise JobKeyError(
                f"job {record.name} is on the local server: open the dashboard with --local"
            )
        connection = job_connection(record)
        assert connection.base_url is not None
        key = (connection.provider.name, connection.base_url)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                from groq_batch import Groq

                client = self._clients[key] = Groq(
                    api_key=connection.api_key,
                    base_url=connection.base_url,
                    provider=connection.provider,
                )
        return client

    def close(self) -> None:
        """Close the clients opened for jobs recorded elsewhere (not the dashboard's own)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def login_code(self) -> str:
        """Make a one-time code that a browser exchanges for the session cookie.

        The code is what a login URL carries, so it may show in a browser's command line; it
        opens the dashboard once, and the long-lived token stays out of every URL.

        Returns:
            The code.
        """
        return self.logins.issue()

    def prepare_results(self, ids: Sequence[str], record: JobRecord | None) -> str | None:
        """Start joining a finished job's results into the cache, in the background, once.

        A 50,000-row job takes a while to join; the pages stay responsive meanwhile and show
        the results once they are indexed.

        Args:
            ids: The job's batch ids.
            record: The job's record, for its input file.

        Returns:
            None when the results are ready, else what is happening (``preparing`` or an error).
        """
        if self.cache.has(ids):
            return None
        key = ",".join(ids)
        with self._lock:
            if key in self._build_errors:
                return self._build_errors.pop(key)
            thread = self._builds.get(key)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=self._build, args=(list(ids), record), daemon=True, name="ui-cache"
                )
                self._builds[key] = thread
                thread.start()
        return "preparing"

    def wait_for_results(
        self, ids: Sequence[str], record: JobRecord | None, timeout: float
    ) -> str | None:
        """Like `prepare_results`, but give a small job's index up to ``timeout`` to finish.

        So the page of a finished job shows its counts, tokens and cost on the first load;
        a large job's page shows the indexing's progress instead, and reloads when it is done.

        Args:
            ids: The job's batch ids.
            record: The job's record.
            timeout: Seconds to wait at most.

        Returns:
            As `prepare_results`.
        """
        pending = self.prepare_results(ids, record)
        if pending != "preparing":
            return pending
        with self._lock:
            thread = self._builds.get(",".join(ids))
        if thread is not None:
            thread.join(timeout)
        return self.prepare_results(ids, record)

    def indexed(self, ids: Sequence[str]) -> int:
        """How many rows of a job the background index has stored so far."""
        return self._indexed.get(",".join(ids), 0)

    def chart(self, ids: Sequence[str], batches: Sequence[Batch], done: int) -> str:
        """The throughput chart's points: answers over time.

        A finished, indexed job draws each answer's completion time from its output file, so
        the chart exists for any job, whoever polled it; a running one draws the polls seen.

        Args:
            ids: The job's batch ids.
            batches: Their current state.
            done: Requests done now (for a running job's polls).

        Returns:
            The polyline's points.
        """
        if all(is_terminal(b) for b in batches) and self.cache.has(ids):
            made = self.cache.completions(ids)
            starts = [b.in_progress_at or b.created_at for b in batches]
            start = min((t for t in starts if isinstance(t, int)), default=None)
            samples: list[tuple[float, int]] = [(float(t), n) for t, n in made]
            if start is not None and (not made or start <= made[0][0]):
                samples.insert(0, (float(start), 0))
            return chart_points(samples)
        return chart_points(self._sample(",".join(ids), done))

    def _build(self, ids: list[str], record: JobRecord | None) -> None:
        key = ",".join(ids)

        def progress(n: int) -> None:
            self._indexed[key] = n

        try:
            self.cache.build(
                ids,
                self.job(ids, record).results(inputs=self.inputs(record)),
                provider=self.client_for(record).provider.name,
                on_progress=progress,
            )
        except Exception as exc:
            with self._lock:
                self._build_errors[",".join(ids)] = scrub(f"could not read the results: {exc}")

    def batches(
        self,
        ids: Sequence[str],
        known: dict[str, Batch] | None = None,
        record: JobRecord | None = None,
    ) -> list[Batch]:
        """The batches' current state; a terminal batch is fetched once and remembered."""
        client = self.client_for(record)
        out = []
        for batch_id in ids:
            batch = self._terminal.get(batch_id) or (known or {}).get(batch_id)
            if batch is None:
                batch = client.batches.retrieve(batch_id)
            if is_terminal(batch):
                self._terminal[batch_id] = batch
            out.append(batch)
        return out

    def _sample(self, key: str, done: int) -> list[tuple[float, int]]:
        with self._lock:
            samples = self._samples.setdefault(key, [])
            if not samples or samples[-1][1] != done or len(samples) == 1:
                samples.append((time.monotonic(), done))
            elif len(samples) >= 2 and samples[-2][1] == done:
                # A flat stretch keeps its two ends only: the chart shows it, the list stays short.
                samples[-1] = (time.monotonic(), done)
            else:
                samples.append((time.monotonic(), done))
            del samples[:-MAX_SAMPLES]
            return list(samples)

    def estimate_high(self, record: JobRecord | None) -> float | None:
        """The high end of the recorded input's estimated batch cost, or None without one.

        Made once per input content and remembered, like `cost`.
        """
        path = record.input_path if record is not None else None
        if not path or not os.path.isfile(path):
            return None
        key = record.input_sha256 if record is not None and record.input_sha256 else path
        if key not in self._highs:
            from groq_batch.costs import estimate

            provider = os.environ.get("GROQ_BATCH_PROVIDER") or "groq"
            try:
                self._highs[key] = estimate(path, provider=provider).batch_cost_high
            except (OSError, ValueError):
                self._highs[key] = None
        return self._highs[key]

    def cost(self, ids: Sequence[str], record: JobRecord | None) -> str:
        """The job's estimated cost at batch prices, from its recorded input; ``-`` without one.

        The estimate (``groq_batch.estimate``, offline) is made once per input content and
        remembered, so the jobs page's live refresh never re-reads a file.

        Args:
            ids: The job's batch ids.
            record: The job's record, if it is registered (its input file prices it).

        Returns:
            The text to show, e.g. ``est. $0.0022 - $0.0028``.
        """
        path = record.input_path if record is not None else None
        if not path or not os.path.isfile(path):
            return "-"
        key = record.input_sha256 if record is not None and record.input_sha256 else path
        shown = self._estimates.get(key)
        if shown is None:
            shown = self._estimates[key] = estimate_text(path)
        return shown

    def resolve(self, ref: str) -> tuple[list[str], JobRecord | None]:
        """Turn a job name or comma-separated batch ids into batch ids.

        Args:
            ref: What the URL names.

        Returns:
            The batch ids and the job's record, if it is a registered name.
        """
        record = self.registry.get(ref)
        if record is not None and record.name == ref:
            return list(record.batch_ids), record
        return [i for i in ref.split(",") if i], None

    def job(self, ids: Sequence[str], record: JobRecord | None = None) -> BatchJob:
        """Return the library's job handle for these batch ids.

        Args:
            ids: The batch ids.
            record: The job's record, if registered: its batches are reached where it lives.

        Returns:
            The handle.
        """
        return self.client_for(record).batches.job(list(ids))

    @staticmethod
    def inputs(record: JobRecord | None) -> Path | None:
        """The job's recorded input file, if it is still there unchanged (else None)."""
        return record.unchanged_input() if record is not None else None

    def url(self, path: str, **params: Any) -> str:
        """Build a URL of this app (never with the token: that is in the session cookie).

        Args:
            path: The path.
            **params: Query parameters (empty ones dropped).

        Returns:
            The URL.
        """
        query = {k: v for k, v in params.items() if v not in ("", None)}
        return f"{path}?{urllib.parse.urlencode(query)}" if query else path

    def overview(self) -> dict[str, Any]:
        """Return the registry's jobs and the remote batches, with progress.

        Returns:
            ``{"jobs": [...], "batches": [...], "items": {key: progress}}``.
        """
        listed = []
        for batch in self.client.batches.list(limit=20):
            listed.append(batch)
            if len(listed) >= 20:
                break
        known = {b.id: b for b in listed}
        items: dict[str, Any] = {}
        jobs = []
        for record in self.registry.list(limit=20):
            entry: dict[str, Any] = {"record": record, "key": "job-" + record.name}
            if record.endpoint == self.endpoint:
                try:
                    summary = summarise(self.batches(record.batch_ids, known))
                except Exception as exc:
                    # One job the server no longer knows must not take the whole page down.
                    entry["problem"] = f"unavailable: {type(exc).__name__}"
                    jobs.append(entry)
                    continue
                self._sample(",".join(record.batch_ids), summary["done"])
                items[entry["key"]] = summary
            jobs.append(entry)
        batches = []
        for batch in listed:
            summary = summarise(self.batches([batch.id], known))
            self._sample(batch.id, summary["done"])
            items[batch.id] = summary
            batches.append(batch)
        return {"jobs": jobs, "batches": batches, "items": items}
