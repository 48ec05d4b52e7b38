"""The dashboard's HTML: small server-rendered pages, with one script that polls JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape

__all__ = ["STYLESHEET", "chart_points", "layout", "progress", "status_badge", "tone"]

# The stylesheet is a file of the package, served by the dashboard (never from a CDN).
STYLESHEET = "/static/dashboard.css"

# One tiny script: poll a JSON endpoint every second and patch the elements it names; open a
# results row's JSON in a dialog. Its fetches are same-origin, so they carry the session cookie.
_SCRIPT = """
function poll(url, apply){
  async function tick(){
    try { const r = await fetch(url); if (r.ok) apply(await r.json()); }
    catch (e) {}
    setTimeout(tick, 1000);
  }
  tick();
}
function setText(id, text){const el = document.getElementById(id); if (el) el.textContent = text;}
function applyBatches(data){
  for (const [key, b] of Object.entries(data.items)) {
    setText('status-' + key, b.status);
    const st = document.getElementById('status-' + key);
    if (st) st.className = 'status ' + b.tone;
    setText('done-' + key, b.done + '/' + b.total + (b.failed ? ' (' + b.failed + ' failed)' : ''));
    setText('finished-' + key, b.finished);
    const bar = document.getElementById('bar-' + key);
    if (bar) {
      bar.style.width = b.percent + '%';
      bar.parentElement.setAttribute('aria-valuenow', Math.round(b.percent));
    }
  }
  if (data.indexed !== undefined) setText('indexed', data.indexed);
  // A finished job's page drawn while its results were indexing: show them now.
  if (data.ready && document.getElementById('indexing')) location.reload();
  if (data.chart) {
    const line = document.getElementById('chart-line');
    if (line) line.setAttribute('points', data.chart);
  }
}
document.addEventListener('click', async (ev) => {
  const tr = ev.target.closest('tr.row');
  if (!tr) return;
  const r = await fetch(tr.dataset.url);
  const row = await r.json();
  const answer = row.response === null ? '(no answer: ' + row.outcome + ')'
    : JSON.stringify(row.response, null, 2);
  setText('row-title', row.custom_id + ' · ' + row.outcome);
  setText('row-request', row.request === null ? '(no request recorded)'
    : JSON.stringify(row.request, null, 2));
  setText('row-answer', answer);
  setText('row-prompt-text', row.prompt || '(no prompt text)');
  setText('row-answer-text', row.answer || '(no answer text)');
  document.getElementById('row-dialog').showModal();
});
"""


def progress(key: str, percent: float) -> str:
    """Render a progress bar whose width the poller updates.

    Args:
        key: The element key (``bar-<key>``).
        percent: How full, 0 to 100.

    Returns:
        HTML.
    """
    return (
        f'<span class="bar" role="progressbar" aria-label="progress" aria-valuemin="0" '
        f'aria-valuemax="100" aria-valuenow="{percent:.0f}">'
        f'<span id="bar-{escape(key)}" style="width:{percent:.1f}%"></span></span>'
    )


def tone(status: str) -> str:
    """The colour class of a status or outcome: ``ok``, ``bad``, ``run`` or ``warn``.

    Args:
        status: A batch status (or several, comma-separated) or a result outcome.

    Returns:
        The class name.
    """
    parts = set(status.split(","))
    if parts & {"failed", "expired", "request_error", "batch_error", "missing", "unavailable"}:
        return "bad"
    if parts & {"cancelled", "cancelling", "expired_row"}:
        return "warn"
    if parts <= {"completed", "succeeded", "ended"}:
        return "ok"
    return "run"


def status_badge(status: str, *, element_id: str = "") -> str:
    """A status or outcome as a coloured badge; the word is always written, never colour alone.

    Args:
        status: The status text.
        element_id: The id the poller updates, if any.

    Returns:
        HTML.
    """
    ident = f' id="{escape(element_id)}"' if element_id else ""
    return f'<span class="status {tone(status)}"{ident}>{escape(status)}</span>'


def chart_points(samples: Sequence[tuple[float, int]], width: int = 600, height: int = 160) -> str:
    """Scale ``(time, completed)`` samples into an SVG polyline's points.

    Args:
        samples: The polls seen, oldest first.
        width: The chart's width in pixels.
        height: The chart's height in pixels.

    Returns:
        The ``points`` attribute value (empty without samples).
    """
    if not samples:
        return ""
    t0 = samples[0][0]
    span = max(samples[-1][0] - t0, 1e-9)
    top = max(max(c for _, c in samples), 1)
    return " ".join(
        f"{(t - t0) / span * width:.1f},{height - c / top * height:.1f}" for t, c in samples
    )


def layout(title: str, body: str, *, message: str = "") -> str:
    """Wrap a page body in the common HTML shell.

    Args:
        title: The page title.
        body: The page's HTML.
        message: A notice to show at the top (escaped here).

    Returns:
        The page.
    """
    notice = (
        f'<div class="msg" id="message" role="status">{escape(message)}</div>' if message else ""
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)} · groq-batch</title>"
        f"<link rel='stylesheet' href='{STYLESHEET}'>"
        # In the head, so that a page's own script below can call poll().
        f"<script>{_SCRIPT}</script></head>"
        "<body><header class='top'><span class='brand'>groq-batch</span>"
        '<nav aria-label="main"><a href="/">jobs</a></nav></header>'
        f"<main><h1>{escape(title)}</h1>{notice}{body}</main>"
        '<dialog id="row-dialog" aria-labelledby="row-title">'
        '<h2 id="row-title">row</h2><div class="sbs">'
        '<section aria-labelledby="row-request-h"><h3 id="row-request-h">request</h3>'
        '<p class="said" id="row-prompt-text"></p>'
        '<pre id="row-request" tabindex="0" aria-labelledby="row-request-h"></pre></section>'
        '<section aria-labelledby="row-answer-h"><h3 id="row-answer-h">answer</h3>'
        '<p class="said" id="row-answer-text"></p>'
        '<pre id="row-answer" tabindex="0" aria-labelledby="row-answer-h"></pre></section>'
        '</div><form method="dialog"><button id="row-close">close</button></form></dialog>'
        "</body></html>"
    )


def script_call(url: str) -> str:
    """Start polling ``url`` and applying what it returns.

    Args:
        url: The JSON endpoint (without the token).

    Returns:
        A ``<script>`` element.
    """
    return f"<script>poll({json.dumps(url)}, applyBatches);</script>"


def scroll_table(table_id: str, label: str, head: Sequence[str], rows: str) -> str:
    """A table in a keyboard-scrollable box, with a sticky header row.

    Args:
        table_id: The table's id.
        label: What the table is, for screen readers (the box is a named region).
        head: The column headings.
        rows: The body's ``<tr>`` elements.

    Returns:
        HTML.
    """
    heads = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    return (
        f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(label)}">'
        f'<table id="{escape(table_id)}"><thead><tr>{heads}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
