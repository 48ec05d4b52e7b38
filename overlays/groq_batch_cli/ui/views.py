"""The dashboard's pages: the jobs list, a job's page with its actions, and its results table.

Each view takes the `Dashboard` and returns a whole HTML page, drawn on the server with what the
API and the results cache say now; the page's one script then polls the JSON `app` serves.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from html import escape
from typing import Any

from starlette.requests import Request

from groq_batch.jobs import JobRecord
from groq_batch.results import Outcome
from groq_batch.statuses import is_terminal
from groq_batch_cli.output import job_input, local_time, short_path
from groq_batch_cli.ui.pages import layout, progress, script_call, scroll_table, status_badge
from groq_batch_cli.ui.state import Dashboard
from groq_batch_cli.ui.summary import money, quote_ref, summarise

__all__ = ["FILTER_OUTCOMES", "job_page", "jobs_page", "results_page"]

# "failed" is every outcome but success, as `resubmit` counts them; then each outcome alone.
FILTER_OUTCOMES = ("failed", *(o.value for o in Outcome))


def jobs_page(dash: Dashboard, message: str) -> str:
    """The home page: the registry's jobs and the server's batches, with live progress."""
    data = dash.overview()
    items = data["items"]
    rows = []
    for entry in data["jobs"]:
        record: JobRecord = entry["record"]
        key = entry["key"]
        item = items.get(key)
        link = f'<a href="{escape(dash.url("/job/" + record.name))}">{escape(record.name)}</a>'
        given = job_input(record)
        if given:
            # The file the user gave (their CSV for a table job), by name: the row stays narrow.
            link += f'<span class="muted sub">{escape(os.path.basename(given))}</span>'
        if item is None:
            problem = entry.get("problem") or f"on {record.endpoint}"
            rows.append(
                f"<tr><th scope='row'>{link}</th><td>{escape(record.state)}</td>"
                f'<td colspan="3" class="muted">{escape(problem)}</td>'
                f"<td class='num'>{local_time(record.created_at)}</td><td>-</td><td>-</td></tr>"
            )
            continue
        cost = escape(dash.cost(record.batch_ids, record))
        rows.append(progress_row(key, link, item, extra=escape(record.state), cost=cost))
    batch_rows = []
    for batch in data["batches"]:
        link = f'<a href="{escape(dash.url("/job/" + batch.id))}">{escape(batch.id)}</a>'
        cost = escape(dash.cost([batch.id], None))
        batch_rows.append(progress_row(batch.id, link, items[batch.id], extra=None, cost=cost))
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


def progress_row(
    key: str, link: str, item: dict[str, Any], *, extra: str | None, cost: str | None = None
) -> str:
    """One job's or batch's row of the jobs page, with the ids its poller patches."""
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


def card(label: str, value: str, element_id: str = "") -> str:
    """One labelled figure of a job's page (``value`` is HTML, escaped by the caller)."""
    ident = f' id="{escape(element_id)}"' if element_id else ""
    return (
        f'<div class="card"><span class="label">{escape(label)}</span>'
        f'<span class="value"{ident}>{value}</span></div>'
    )


def action_forms(
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
        f'action="{escape(dash.url(f"/job/{quote_ref(ref)}/{action}"))}" '
        f'onsubmit="return confirm({escape(json.dumps(f"{label}? {says}"))})">'
        f'<button id="{action}-button" aria-describedby="{action}-says"'
        f"{' class=danger' if action == 'cancel' else ''}>{escape(label)}</button></form>"
        f'<p id="{action}-says">{escape(says)}</p></div>'
        for action, label, says in offered
    )


def job_page(dash: Dashboard, ref: str, message: str) -> str:
    """One job's page: its figures, throughput chart, outcome counts and the actions that fit."""
    ids, record = dash.resolve(ref)
    batches = dash.batches(ids, record=record)
    item = summarise(batches)
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
        cost = escape(money(dash.cache.cost(ids))) + f" <span class='muted'>({cost})</span>"
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
        card("status", status_badge(item["status"], element_id="status-" + key))
        + card("done", f"{item['done']}/{item['total']}{failed}", "done-" + key)
        + card("progress", progress(key, item["percent"]))
        + card("created", item["created"])
        + card("finished", item["finished"], "finished-" + key)
        + card("tokens", escape(tokens), "tokens")
        + card("cost" if pending is None else "estimated cost", cost, "cost")
    )
    source = (
        "each answer's completion time in the output file"
        if pending is None
        else "the polls this page has seen"
    )
    body = (
        f"<p>batches: {escape(', '.join(ids))}"
        + (
            f" · input: <span id='job-input'>{escape(short_path(job_input(record)))}</span>"
            if record
            else ""
        )
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
        + action_forms(dash, ref, record, item, done=done, unsucceeded=unsucceeded)
        + "</div>"
        f'<p><a id="results-link" href="{escape(dash.url(f"/job/{quote_ref(ref)}/results"))}">'
        "results table</a></p>" + script_call(f"/api/job/{quote_ref(ref)}")
    )
    return layout(f"job {ref}", body, message=message)


def results_page(dash: Dashboard, ref: str, request: Request) -> str:
    """A finished job's results, joined to their inputs: filtered, searched, a page at a time."""
    ids, record = dash.resolve(ref)
    batches = dash.batches(ids, record=record)
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
        for o in ("", *FILTER_OUTCOMES)
    )
    form = (
        f'<form id="filter" class="filter" role="search" method="get" '
        f'action="/job/{escape(quote_ref(ref))}/results">'
        f'<label for="outcome">outcome<select name="outcome" id="outcome">{options}</select>'
        "</label>"
        '<label for="q">search custom_id, prompt or answer'
        f'<input type="search" name="q" id="q" value="{escape(query)}"></label>'
        '<button id="filter-button">filter</button></form>'
    )

    def row_url(cid: str) -> str:
        return escape(f"/job/{quote_ref(ref)}/row?" + urllib.parse.urlencode({"id": cid}))

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
        url = dash.url(f"/job/{quote_ref(ref)}/results", outcome=outcome, q=query, page=n)
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
