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
from groq_batch._workflow_core import is_terminal, status_of
from groq_batch.jobs import CANCELLED, JobKeyError, JobRecord, JobRegistry, job_connection
from groq_batch.results import Outcome
from groq_batch_cli.ui.cache import ResultsCache
from groq_batch_cli.ui.pages import chart_points, layout, local_time, progress, script_call

if TYPE_CHECKING:
    from groq_batch._client import Groq
    from groq_batch._workflow import BatchJob
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

    def _build(self, ids: list[str], record: JobRecord | None) -> None:
        try:
            self.cache.build(ids, self.job(ids, record).results(inputs=self.inputs(record)))
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
                f"<tr><td>{link}</td><td>{escape(record.state)}</td>"
                f'<td colspan="3" class="muted">{escape(problem)}</td>'
                f"<td>{local_time(record.created_at)}</td><td>-</td><td>-</td></tr>"
            )
            continue
        cost = escape(dash.cost(record.batch_ids, record))
        rows.append(_progress_row(key, link, item, extra=escape(record.state), cost=cost))
    batch_rows = []
    for batch in data["batches"]:
        link = f'<a href="{escape(dash.url("/job/" + batch.id))}">{escape(batch.id)}</a>'
        cost = escape(dash.cost([batch.id], None))
        batch_rows.append(_progress_row(batch.id, link, items[batch.id], extra="", cost=cost))
    head = (
        "<tr><th>{}</th><th>{}</th><th>status</th><th>progress</th><th>done</th>"
        "<th>created</th><th>finished</th><th>cost</th></tr>"
    )
    body = (
        f"<p class='muted'>endpoint: {escape(dash.endpoint)}</p>"
        "<h2>Jobs (registry)</h2>"
        f'<table id="jobs">{head.format("job", "state")}{"".join(rows)}</table>'
        "<h2>Batches (remote)</h2>"
        f'<table id="batches">{head.format("batch", "")}{"".join(batch_rows)}</table>'
        + script_call("/api/overview")
    )
    return layout("groq-batch jobs", body, message=message)


def _progress_row(
    key: str, link: str, item: dict[str, Any], *, extra: str, cost: str | None = None
) -> str:
    k = escape(key)
    failed = f" ({item['failed']} failed)" if item["failed"] else ""
    return (
        f'<tr data-key="{k}"><td>{link}</td><td>{extra}</td>'
        f'<td id="status-{k}">{escape(item["status"])}</td>'
        f"<td>{progress(key, item['percent'])}</td>"
        f'<td id="done-{k}">{item["done"]}/{item["total"]}{failed}</td>'
        f'<td>{item["created"]}</td><td id="finished-{k}">{item["finished"]}</td>'
        + (f"<td>{cost}</td>" if cost is not None else "")
        + "</tr>"
    )


def _job_page(dash: Dashboard, ref: str, message: str) -> str:
    ids, record = dash.resolve(ref)
    batches = dash._batches(ids, record=record)
    item = _summarise(batches)
    samples = dash._sample(",".join(ids), item["done"])
    done = all(is_terminal(b) for b in batches)
    outcome_rows = ""
    tokens = "-"
    pending = dash.prepare_results(ids, record) if done else "running"
    if pending is None:
        counts, total_tokens = dash.cache.summary(ids)
        tokens = str(total_tokens)
        outcome_rows = "".join(
            f'<tr><td class="{escape(o)}">{escape(o)}</td><td id="count-{escape(o)}">{n}</td></tr>'
            for o, n in sorted(counts.items())
        )
    elif done:
        outcome_rows = f"<tr><td>{escape(pending)}: reload to see the counts</td></tr>"
    key = "job"
    buttons = "".join(
        f'<form class="inline" method="post" '
        f'action="{escape(dash.url(f"/job/{_q(ref)}/{action}"))}" '
        f'onsubmit="return confirm({escape(json.dumps(question))})">'
        f'<button id="{action}-button">{escape(label)}</button></form> '
        for action, label, question in (
            ("cancel", "Cancel", f"Cancel {ref}?"),
            ("download", "Download files", f"Download the output and error files of {ref}?"),
            ("resubmit", "Resubmit failed rows", f"Submit the failed rows of {ref} again?"),
        )
    )
    body = (
        f"<p>batches: {escape(', '.join(ids))}"
        + (f" · input: {escape(record.input_path or '-')}" if record else "")
        + "</p>"
        "<table class='job'><tr><th></th><th></th><th>status</th><th>progress</th><th>done</th>"
        f"<th>created</th><th>finished</th></tr>{_progress_row(key, '', item, extra='')}</table>"
        + "<h2>Throughput</h2>"
        '<svg width="600" height="160" style="border:1px solid #ddd">'
        f'<polyline id="chart-line" fill="none" stroke="#2a7" stroke-width="2" '
        f'points="{chart_points(samples)}"/></svg>'
        "<p class='muted'>requests done over time, from the polls this page has seen</p>"
        f"<h2>Outcomes</h2><table style='width:auto'>{outcome_rows}</table><p>tokens: {tokens}</p>"
        f"<p id='cost'>cost: {escape(dash.cost(ids, record))}</p>"
        f"<p>{buttons}</p>"
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
            f"<p id='preparing'>{escape(pending)}: joining every result to its input and "
            "indexing them, once per job. This page reloads by itself.</p>"
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
        f'<form id="filter" method="get" action="/job/{escape(_q(ref))}/results">'
        f'<select name="outcome" id="outcome" onchange="this.form.submit()">{options}</select> '
        f'<input name="q" id="q" placeholder="custom_id or text" value="{escape(query)}"> '
        "<button>search</button></form>"
    )

    def row_url(cid: str) -> str:
        return escape(f"/job/{_q(ref)}/row?" + urllib.parse.urlencode({"id": cid}))

    rows = "".join(
        f'<tr class="row" data-url="{row_url(cid)}">'
        f'<td>{escape(cid)}</td><td class="{escape(oc)}">{escape(oc)}</td>'
        f"<td>{escape(prompt)}</td><td>{escape(answer)}</td></tr>"
        for cid, oc, prompt, answer in page.rows
    )

    def link(n: int, label: str) -> str:
        if n < 1 or n > page.pages or n == page.page:
            return f'<span class="muted">{label}</span>'
        url = dash.url(f"/job/{_q(ref)}/results", outcome=outcome, q=query, page=n)
        return f'<a href="{escape(url)}">{label}</a>'

    pager = (
        f'<p id="pager">{link(page.page - 1, "&larr; previous")} page {page.page} of '
        f"{page.pages} ({page.matched} rows) {link(page.page + 1, 'next &rarr;')}</p>"
    )
    body = (
        form + pager + '<table id="results"><tr><th>custom_id</th><th>outcome</th>'
        f"<th>prompt</th><th>answer</th></tr>{rows}</table>" + pager
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
        if request.url.path != "/login" and not has_cookie(request):
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
        item = _summarise(dash._batches(ids, record=record))
        samples = dash._sample(",".join(ids), item["done"])
        return {"items": {"job": item}, "chart": chart_points(samples)}

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

    routes = [
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
