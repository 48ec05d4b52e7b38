"""The dashboard's Starlette app: pages, the JSON they poll, and the POST actions.

Everything goes through the library's public API (``client.batches`` and its jobs) and the
job registry; the app holds the client, so the API key stays in this process.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from groq_batch._errors import APIConnectionError, APIStatusError, NotFoundError
from groq_batch._secrets import scrub
from groq_batch.jobs import CANCELLED, JobKeyError, JobRecord, JobRegistry, job_connection
from groq_batch.results import Outcome
from groq_batch.statuses import is_terminal, status_of
from groq_batch_cli.output import local_time
from groq_batch_cli.ui.cache import ResultsCache
from groq_batch_cli.ui.pages import (
    STYLESHEET,
    chart_points,
    layout,
    progress,
    script_call,
    scroll_table,
    status_badge,
    tone,
)

if TYPE_CHECKING:
    from groq_batch import BatchJob
    from groq_batch._client import Groq
    from groq_batch_api.models import Batch

__all__ = ["Dashboard", "cookie_name", "create_app"]

_log = logging.getLogger("groq_batch.ui")

_MAX_SAMPLES = 2000
# "failed" is every outcome but success, as `resubmit` counts them; then each outcome alone.
_OUTCOMES = ("failed", *(o.value for o in Outcome))


def cookie_name(port: int) -> str:
    """The session cookie's name: one per port, as cookies are shared by every port of a host."""
    return f"groq_batch_ui_{port}"


def _q(ref: str) -> str:
    """A job reference as one URL path segment."""
    return urllib.parse.quote(ref, safe=",")


def _counts(batch: Batch) -> tuple[int, int, int]:
    from groq_batch_api.models import BatchRequestCounts

    rc = batch.request_counts
    if not isinstance(rc, BatchRequestCounts):
        return 0, 0, 0
    return rc.total, rc.completed, rc.failed


def _finished_at(batch: Batch) -> Any:
    for value in (batch.completed_at, batch.failed_at, batch.expired_at, batch.cancelled_at):
        if isinstance(value, int):
            return value
    return None


def _summarise(batches: Sequence[Batch]) -> dict[str, Any]:
    """Aggregate a job's batches into what one row of the page shows."""
    total = done = failed = 0
    for batch in batches:
        t, c, f = _counts(batch)
        total, done, failed = total + t, done + c, failed + f
    statuses = sorted({status_of(b) for b in batches})
    finished = [_finished_at(b) for b in batches]
    ended = all(isinstance(f, int) for f in finished) and bool(finished)
    return {
        "status": ",".join(statuses),
        "total": total,
        "done": done + failed,
        "failed": failed,
        "percent": 100.0 * (done + failed) / total if total else 0.0,
        "created": local_time(min((b.created_at for b in batches), default=None)),
        "finished": local_time(max(f for f in finished if isinstance(f, int))) if ended else "-",
        "tone": tone(",".join(statuses)),
    }


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
        self._codes: list[str] = []

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
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes.append(code)
        return code

    def redeem(self, code: str) -> bool:
        """Spend a login code: True the first time a code this dashboard made is given."""
        with self._lock:
            for known in self._codes:
                if secrets.compare_digest(known.encode(), code.encode()):
                    self._codes.remove(known)
                    return True
        return False

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

    # ------------------------------------------------------------------------------ helpers

    def _batches(
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
            del samples[:-_MAX_SAMPLES]
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
            from groq_batch.estimate import estimate

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
            shown = self._estimates[key] = _estimate_text(path)
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

    # ----------------------------------------------------------------------------- overview

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
                    summary = _summarise(self._batches(record.batch_ids, known))
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
            summary = _summarise(self._batches([batch.id], known))
            self._sample(batch.id, summary["done"])
            items[batch.id] = summary
            batches.append(batch)
        return {"jobs": jobs, "batches": batches, "items": items}


def _jobs_page(dash: Dashboard, message: str) -> str:
    data = dash.overview()
    items = data["items"]
    rows = []
    for entry in data["jobs"]:
        record: JobRecord = entry["record"]
        key = entry["key"]
        item = items.get(key)
        link = f'<a href="{escape(dash.url("/job/" + record.name))}">{escape(record.name)}</a>'
        if item is None:
            problem = entry.get("problem") or f"on {record.endpoint}"
            rows.append(
                f"<tr><th scope='row'>{link}</th><td>{escape(record.state)}</td>"
                f'<td colspan="3" class="muted">{escape(problem)}</td>'
                f"<td class='num'>{local_time(record.created_at)}</td><td>-</td><td>-</td></tr>"
            )
            continue
        cost = escape(dash.cost(record.batch_ids, record))
        rows.append(_progress_row(key, link, item, extra=escape(record.state), cost=cost))
    batch_rows = []
    for batch in data["batches"]:
        link = f'<a href="{escape(dash.url("/job/" + batch.id))}">{escape(batch.id)}</a>'
        cost = escape(dash.cost([batch.id], None))
        batch_rows.append(_progress_row(batch.id, link, items[batch.id], extra=None, cost=cost))
    columns = ("status", "progress", "done", "created", "finished", "cost")
    empty = "<tr><td colspan='8' class='muted'>none yet</td></tr>"
    body = (
        f"<p class='muted'>endpoint: {escape(dash.endpoint)}</p>"
        "<h2 id='jobs-h'>Jobs (registry)</h2>"
        + scroll_table(
            "jobs", "jobs in the registry", ("job", "state", *columns), "".join(rows) or empty
        )
        + "<h2 id='batches-h'>Batches (remote)</h2>"
        + scroll_table(
            "batches", "batches on the server", ("batch", *columns), "".join(batch_rows) or empty
        )
        + script_call("/api/overview")
    )
    return layout("groq-batch jobs", body, message=message)


def _progress_row(
    key: str, link: str, item: dict[str, Any], *, extra: str | None, cost: str | None = None
) -> str:
    k = escape(key)
    failed = f" ({item['failed']} failed)" if item["failed"] else ""
    return (
        f'<tr data-key="{k}"><th scope="row">{link}</th>'
        + (f"<td>{extra}</td>" if extra is not None else "")
        + f"<td>{status_badge(item['status'], element_id='status-' + key)}</td>"
        f"<td>{progress(key, item['percent'])}</td>"
        f'<td class="num" id="done-{k}">{item["done"]}/{item["total"]}{failed}</td>'
        f'<td class="num">{item["created"]}</td>'
        f'<td class="num" id="finished-{k}">{item["finished"]}</td>'
        + (f"<td class='num'>{cost}</td>" if cost is not None else "")
        + "</tr>"
    )


def _card(label: str, value: str, element_id: str = "") -> str:
    ident = f' id="{escape(element_id)}"' if element_id else ""
    return (
        f'<div class="card"><span class="label">{escape(label)}</span>'
        f'<span class="value"{ident}>{value}</span></div>'
    )


def _money(value: float | None) -> str:
    if value is None:
        return "unknown (a model without a price)"
    # A small job costs fractions of a cent: show them rather than $0.0000.
    return f"${value:.4f}" if value >= 0.01 or value == 0 else f"${value:.6f}"


def _actions(
    dash: Dashboard,
    ref: str,
    record: JobRecord | None,
    item: dict[str, Any],
    *,
    done: bool,
    unsucceeded: int | None,
) -> str:
    """The job's actions that make sense now, each saying what it will do before it does it.

    A running job can be cancelled; a finished one downloaded, and resubmitted only when some
    rows did not succeed (their count, and their share of the input's estimated cost).
    """
    total, finished = item["total"], item["done"]
    offered: list[tuple[str, str, str]] = []
    if not done:
        offered.append((
            "cancel",
            "Cancel",
            f"Stops the {total - finished} of {total} requests not finished yet; the "
            f"{finished} already done are kept (and billed).",
        ))  # fmt: skip
    else:
        offered.append((
            "download",
            "Download files",
            f"Writes the output and error files ({total} rows) under "
            f"{dash.download_dir / ref.replace(',', '_')}.",
        ))  # fmt: skip
        if unsucceeded:
            share = ""
            estimate = dash.estimate_high(record)
            if estimate is not None and total:
                share = f", est. up to ${estimate * unsucceeded / total:.4f}"
            offered.append((
                "resubmit",
                "Resubmit failed rows",
                f"Submits the {unsucceeded} of {total} rows that did not succeed as a new job"
                f"{share}.",
            ))  # fmt: skip
    return "".join(
        f'<div class="action"><form class="inline" method="post" '
        f'action="{escape(dash.url(f"/job/{_q(ref)}/{action}"))}" '
        f'onsubmit="return confirm({escape(json.dumps(f"{label}? {says}"))})">'
        f'<button id="{action}-button" aria-describedby="{action}-says"'
        f"{' class=danger' if action == 'cancel' else ''}>{escape(label)}</button></form>"
        f'<p id="{action}-says">{escape(says)}</p></div>'
        for action, label, says in offered
    )


def _job_page(dash: Dashboard, ref: str, message: str) -> str:
    ids, record = dash.resolve(ref)
    batches = dash._batches(ids, record=record)
    item = _summarise(batches)
    done = all(is_terminal(b) for b in batches)
    outcome_rows = ""
    tokens = "-"
    cost = escape(dash.cost(ids, record))
    indexing = ""
    unsucceeded: int | None = None
    pending = dash.wait_for_results(ids, record, dash.first_load_wait) if done else "running"
    if pending is None:
        counts, total_tokens = dash.cache.summary(ids)
        tokens = f"{total_tokens:,}"
        unsucceeded = sum(n for o, n in counts.items() if o != Outcome.SUCCEEDED.value)
        cost = escape(_money(dash.cache.cost(ids))) + f" <span class='muted'>({cost})</span>"
        outcome_rows = "".join(
            f"<tr><th scope='row'>{status_badge(o)}</th>"
            f'<td class="num" id="count-{escape(o)}">{n}</td></tr>'
            for o, n in sorted(counts.items())
        )
    elif done:
        # Until the index is ready, the batches' own counts say how many did not succeed.
        unsucceeded = item["total"] - (item["done"] - item["failed"])
        indexing = (
            f"<p id='indexing' role='status'>{escape(pending)}: indexing the results "
            f"(<span id='indexed'>{dash.indexed(ids)}</span> of {item['total']} rows); this "
            "page updates itself when they are ready.</p>"
        )
        outcome_rows = "<tr><td colspan='2'>counted once the results are indexed</td></tr>"
    else:
        outcome_rows = "<tr><td colspan='2'>counted once every batch has finished</td></tr>"
    key = "job"
    failed = f" ({item['failed']} failed)" if item["failed"] else ""
    cards = (
        _card("status", status_badge(item["status"], element_id="status-" + key))
        + _card("done", f"{item['done']}/{item['total']}{failed}", "done-" + key)
        + _card("progress", progress(key, item["percent"]))
        + _card("created", item["created"])
        + _card("finished", item["finished"], "finished-" + key)
        + _card("tokens", escape(tokens), "tokens")
        + _card("cost" if pending is None else "estimated cost", cost, "cost")
    )
    source = (
        "each answer's completion time in the output file"
        if pending is None
        else "the polls this page has seen"
    )
    body = (
        f"<p>batches: {escape(', '.join(ids))}"
        + (f" · input: {escape(record.input_path or '-')}" if record else "")
        + "</p>"
        + indexing
        + f'<div class="cards">{cards}</div>'
        + "<h2 id='chart-h'>Throughput</h2>"
        '<svg class="chart" viewBox="0 0 600 160" role="img" aria-labelledby="chart-h chart-d">'
        f'<polyline id="chart-line" fill="none" stroke-width="2" '
        f'points="{dash.chart(ids, batches, item["done"])}"/></svg>'
        f"<p class='muted' id='chart-d'>requests done over time, from {source}</p>"
        "<h2>Outcomes</h2><div class='scroll fit' role='region' tabindex='0' aria-label='outcomes'>"
        "<table id='outcomes' class='narrow'><thead><tr><th scope='col'>outcome</th>"
        "<th scope='col'>rows</th>"
        f"</tr></thead><tbody>{outcome_rows}</tbody></table></div>"
        "<h2>Actions</h2><div class='actions'>"
        + _actions(dash, ref, record, item, done=done, unsucceeded=unsucceeded)
        + "</div>"
        f'<p><a id="results-link" href="{escape(dash.url(f"/job/{_q(ref)}/results"))}">'
        "results table</a></p>" + script_call(f"/api/job/{_q(ref)}")
    )
    return layout(f"job {ref}", body, message=message)


def _results_page(dash: Dashboard, ref: str, request: Request) -> str:
    ids, record = dash.resolve(ref)
    batches = dash._batches(ids, record=record)
    if not all(is_terminal(b) for b in batches):
        body = "<p>The job is still running: results appear here once every batch finishes.</p>"
        return layout(f"results of {ref}", body)
    pending = dash.prepare_results(ids, record)
    if pending is not None:
        body = (
            f"<p id='preparing' role='status'>{escape(pending)}: joining every result to its "
            "input and indexing them, once per job. This page reloads by itself.</p>"
            "<script>setTimeout(() => location.reload(), 1000);</script>"
        )
        return layout(f"results of {ref}", body)
    outcome = request.query_params.get("outcome", "")
    query = request.query_params.get("q", "")
    try:
        number = int(request.query_params.get("page", "1"))
    except ValueError:
        number = 1
    page = dash.cache.page(ids, outcome=outcome, query=query, page=number)
    options = "".join(
        f'<option value="{o}"{" selected" if o == outcome else ""}>{o or "any outcome"}</option>'
        for o in ("", *_OUTCOMES)
    )
    form = (
        f'<form id="filter" class="filter" role="search" method="get" '
        f'action="/job/{escape(_q(ref))}/results">'
        f'<label for="outcome">outcome<select name="outcome" id="outcome">{options}</select>'
        "</label>"
        '<label for="q">search custom_id, prompt or answer'
        f'<input type="search" name="q" id="q" value="{escape(query)}"></label>'
        '<button id="filter-button">filter</button></form>'
    )

    def row_url(cid: str) -> str:
        return escape(f"/job/{_q(ref)}/row?" + urllib.parse.urlencode({"id": cid}))

    # The custom_id is a button, so a keyboard opens a row as a click does.
    rows = "".join(
        f'<tr class="row" data-url="{row_url(cid)}">'
        f'<th scope="row"><button type="button" class="rowlink" aria-haspopup="dialog">'
        f"{escape(cid)}</button></th><td>{status_badge(oc)}</td>"
        f'<td class="text">{escape(prompt)}</td><td class="text">{escape(answer)}</td></tr>'
        for cid, oc, prompt, answer in page.rows
    )

    def link(n: int, label: str, rel: str) -> str:
        if n < 1 or n > page.pages or n == page.page:
            return f'<span class="muted">{label}</span>'
        url = dash.url(f"/job/{_q(ref)}/results", outcome=outcome, q=query, page=n)
        return f'<a href="{escape(url)}" rel="{rel}">{label}</a>'

    def pager(where: str) -> str:
        return (
            f'<nav class="pager" id="pager-{where}" aria-label="pages, {where}">'
            f"{link(page.page - 1, '&larr; previous', 'prev')} page {page.page} of "
            f"{page.pages} ({page.matched} rows) {link(page.page + 1, 'next &rarr;', 'next')}"
            "</nav>"
        )

    empty = "<tr><td colspan='4' class='muted'>no rows match</td></tr>"
    body = (
        form
        + pager("top")
        + scroll_table(
            "results", "results", ("custom_id", "outcome", "prompt", "answer"), rows or empty
        )
        + pager("bottom")
        + "<p class='muted'>Open a row (its custom_id) to see its request and answer side by "
        "side.</p>"
    )
    return layout(f"results of {ref}", body)


def create_app(dash: Dashboard) -> Starlette:
    """Build the dashboard's ASGI app.

    Every request must carry the session cookie (HttpOnly, SameSite=Strict, so that another
    site can neither read it nor make the browser send it), which ``/login?code=`` sets in
    exchange for a one-time code; the Host header must be a loopback name, so that a page on
    another site cannot reach it through DNS rebinding. A batch the API does not know is a 404
    page, an API that cannot be reached a 503 page: never a traceback.

    Args:
        dash: The dashboard's state.

    Returns:
        The app.
    """

    def has_cookie(request: Request) -> bool:
        given = request.cookies.get(cookie_name(request.url.port or 80), "")
        return secrets.compare_digest(given.encode(), dash.token.encode())

    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[StarletteResponse]]
    ) -> StarletteResponse:
        # The stylesheet is public (it holds nothing of the user's): the login pages use it too.
        public = request.url.path in ("/login", STYLESHEET)
        if not public and not has_cookie(request):
            return PlainTextResponse(
                "forbidden: open the link `groq-batch ui` printed to sign this browser in",
                status_code=403,
            )
        try:
            return await call_next(request)
        except Exception as exc:
            return _error_response(request, exc, dash.endpoint)

    async def login(request: Request) -> StarletteResponse:
        code = request.query_params.get("code", "")
        fresh = dash.redeem(code)
        if not fresh and not has_cookie(request):
            return HTMLResponse(
                layout(
                    "dashboard link already used",
                    "<p>This link was already used, or is not this dashboard's: each link opens "
                    "the dashboard once. Stop <code>groq-batch ui</code> and start it again for "
                    "a new one. If you did not use this link yourself, someone else may have: "
                    "stopping the dashboard ends their access.</p>",
                ),
                status_code=403,
                headers={"cache-control": "no-store"},
            )
        # Home without the code: a reload or the history never holds it.
        home = RedirectResponse("/", status_code=303, headers={"cache-control": "no-store"})
        home.set_cookie(
            cookie_name(request.url.port or 80),
            dash.token,
            httponly=True,
            samesite="strict",
            path="/",
        )
        return home

    def message_of(request: Request) -> str:
        return scrub(request.query_params.get("msg", ""))

    async def jobs(request: Request) -> HTMLResponse:
        return HTMLResponse(await run_in_threadpool(_jobs_page, dash, message_of(request)))

    async def overview(request: Request) -> JSONResponse:
        data = await run_in_threadpool(dash.overview)
        return JSONResponse({"items": data["items"]})

    async def job(request: Request) -> HTMLResponse:
        ref = request.path_params["ref"]
        return HTMLResponse(await run_in_threadpool(_job_page, dash, ref, message_of(request)))

    def job_status(ref: str) -> dict[str, Any]:
        ids, record = dash.resolve(ref)
        batches = dash._batches(ids, record=record)
        item = _summarise(batches)
        return {
            "items": {"job": item},
            "chart": dash.chart(ids, batches, item["done"]),
            "ready": dash.cache.has(ids),
            "indexed": dash.indexed(ids),
        }

    async def job_api(request: Request) -> JSONResponse:
        return JSONResponse(await run_in_threadpool(job_status, request.path_params["ref"]))

    async def results(request: Request) -> HTMLResponse:
        ref = request.path_params["ref"]
        return HTMLResponse(await run_in_threadpool(_results_page, dash, ref, request))

    def row_of(ref: str, custom_id: str) -> dict[str, Any] | None:
        ids, _ = dash.resolve(ref)
        return dash.cache.row(ids, custom_id) if dash.cache.has(ids) else None

    async def row(request: Request) -> JSONResponse:
        found = await run_in_threadpool(
            row_of, request.path_params["ref"], request.query_params.get("id", "")
        )
        if found is None:
            return JSONResponse({"error": "no such row"}, status_code=404)
        return JSONResponse(found)

    def act(ref: str, action: str) -> str:
        ids, record = dash.resolve(ref)
        try:
            if action == "cancel":
                if all(is_terminal(b) for b in dash._batches(ids, record=record)):
                    return "nothing to cancel: every batch has finished"
                client = dash.client_for(record)
                for batch_id in ids:
                    client.batches.cancel(batch_id)
                if record is not None:
                    dash.registry.update_state(record.name, CANCELLED)
                return f"cancel requested for {', '.join(ids)}"
            if action == "download":
                paths = dash.job(ids, record).download(dash.download_dir / ref.replace(",", "_"))
                return "downloaded: " + ", ".join(str(p) for p in paths)
            # The button says "failed rows": all of them, as before (the CLI's resubmit leaves
            # out permanent failures unless --include-permanent; the dashboard has no switch).
            new = dash.job(ids, record).resubmit(inputs=dash.inputs(record), include_permanent=True)
            if new is None:
                return "nothing to resubmit: every request succeeded"
            name = dash.registry.record(
                new.ids,
                endpoint=record.endpoint if record is not None else dash.endpoint,
                provider=dash.client_for(record).provider,
                retry_of=ids,
            ).name
            return f"resubmitted the failed rows as job {name}"
        except Exception as exc:
            # The message goes into a redirect's URL (browser history, proxy logs): a key a
            # server echoed in its error must not.
            return scrub(f"{action} failed: {exc}")

    async def action(request: Request) -> RedirectResponse:
        ref, what = request.path_params["ref"], request.path_params["action"]
        if what not in ("cancel", "download", "resubmit"):
            return RedirectResponse(dash.url(f"/job/{_q(ref)}", msg=f"no action {what}"), 303)
        message = await run_in_threadpool(act, ref, what)
        return RedirectResponse(dash.url(f"/job/{_q(ref)}", msg=message), status_code=303)

    css = (Path(__file__).parent / "static" / "dashboard.css").read_bytes()

    async def stylesheet(request: Request) -> StarletteResponse:
        return StarletteResponse(
            css, media_type="text/css", headers={"cache-control": "max-age=300"}
        )

    routes = [
        Route(STYLESHEET, stylesheet),
        Route("/login", login),
        Route("/", jobs),
        Route("/api/overview", overview),
        Route("/api/job/{ref}", job_api),
        Route("/job/{ref}", job),
        Route("/job/{ref}/results", results),
        Route("/job/{ref}/row", row),
        Route("/job/{ref}/{action:str}", action, methods=["POST"]),
    ]

    async def refused(request: Request, exc: Exception) -> StarletteResponse:
        # No key may go where the job lives: say why, as a page, not as a 500.
        body = f"<p id='refused'>{escape(scrub(str(exc)))}</p>"
        return HTMLResponse(layout("groq-batch: job refused", body), status_code=409)

    return Starlette(
        exception_handlers={JobKeyError: refused},
        routes=routes,
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"]),
            Middleware(BaseHTTPMiddleware, dispatch=require_token),
        ],
    )


def _error_response(request: Request, exc: Exception, endpoint: str) -> StarletteResponse:
    """What a page or an API call answers when the API fails it: status and a plain reason."""
    path = request.url.path
    if isinstance(exc, NotFoundError) and path.startswith(("/job/", "/api/job/")):
        ref = urllib.parse.unquote(path.split("/")[3 if path.startswith("/api/") else 2])
        status, reason = 404, f"no job or batch named {ref} here"
    elif isinstance(exc, APIConnectionError):
        status, reason = 503, f"cannot reach the API at {endpoint}; is it up? This page retries"
    elif isinstance(exc, APIStatusError):
        # The API's own message stays out: some servers echo the request's headers in it.
        status = 502
        reason = f"the API at {endpoint} answered {exc.status_code} ({type(exc).__name__})"
    else:
        _log.error("the dashboard failed on %s", path, exc_info=exc)
        status, reason = 500, f"the dashboard failed ({type(exc).__name__}); see its terminal"
    if path.startswith("/api/"):
        return JSONResponse({"error": reason}, status_code=status)
    back = '<p><a href="/">jobs</a></p>' if status != 503 else ""
    body = f"<p id='error'>{escape(reason)}</p>{back}"
    if status == 503:
        body += "<script>setTimeout(() => location.reload(), 5000);</script>"
    return HTMLResponse(layout("groq-batch dashboard", body), status_code=status)


def _estimate_text(path: str) -> str:
    """An input file's batch cost range, as text; ``-`` when nothing in it has a price."""
    from groq_batch.estimate import estimate

    provider = os.environ.get("GROQ_BATCH_PROVIDER") or "groq"
    try:
        est = estimate(path, provider=provider)
    except (OSError, ValueError):
        return "-"
    if est.unpriced_models and not est.batch_cost_high:
        return "unknown"
    low, high = est.batch_cost_low, est.batch_cost_high
    money = f"${low:.4f}" if low == high else f"${low:.4f} - ${high:.4f}"
    return f"est. {money}"
