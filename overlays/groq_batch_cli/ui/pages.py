"""The dashboard's HTML: small server-rendered pages, with one script that polls JSON."""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from html import escape
from typing import Any

__all__ = ["chart_points", "layout", "local_time", "progress"]

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.bar{width:160px;height:12px;background:#eee;border-radius:3px;display:inline-block}
.bar>span{display:block;height:100%;background:#2a7;border-radius:3px}
.muted{color:#888}.msg{background:#ffe;border:1px solid #cc8;padding:6px;margin:.5em 0}
tr.row{cursor:pointer}tr.row:hover{background:#f0f6ff}
.request_error,.batch_error,.expired,.cancelled,.missing{color:#b22}
pre{white-space:pre-wrap;max-height:60vh;overflow:auto;background:#f8f8f8;padding:6px}
dialog{width:80vw}table.job td:nth-child(-n+2),table.job th:nth-child(-n+2){display:none}
form.inline{display:inline}
"""

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
    setText('done-' + key, b.done + '/' + b.total + (b.failed ? ' (' + b.failed + ' failed)' : ''));
    setText('finished-' + key, b.finished);
    const bar = document.getElementById('bar-' + key);
    if (bar) bar.style.width = b.percent + '%';
  }
  if (data.chart) {
    const line = document.getElementById('chart-line');
    if (line) line.setAttribute('points', data.chart);
  }
}
document.addEventListener('click', async (ev) => {
  const tr = ev.target.closest('tr.row');
  if (!tr) return;
  const r = await fetch(tr.dataset.url);
  const dlg = document.getElementById('row-dialog');
  document.getElementById('row-json').textContent = JSON.stringify(await r.json(), null, 2);
  dlg.showModal();
});
"""


def local_time(epoch: Any) -> str:
    """Format epoch seconds as local time, or ``-``.

    Args:
        epoch: Seconds since the epoch, or anything else for none.

    Returns:
        ``YYYY-MM-DD HH:MM:SS`` or ``-``.
    """
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return "-"
    return datetime.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def progress(key: str, percent: float) -> str:
    """Render a progress bar whose width the poller updates.

    Args:
        key: The element key (``bar-<key>``).
        percent: How full, 0 to 100.

    Returns:
        HTML.
    """
    return (
        f'<span class="bar"><span id="bar-{escape(key)}" style="width:{percent:.1f}%">'
        "</span></span>"
    )


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
    notice = f'<div class="msg" id="message">{escape(message)}</div>' if message else ""
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)} · groq-batch</title><style>{_STYLE}</style>"
        # In the head, so that a page's own script below can call poll().
        f"<script>{_SCRIPT}</script></head>"
        "<body>"
        f'<p><a href="/">jobs</a></p><h1>{escape(title)}</h1>{notice}{body}'
        '<dialog id="row-dialog"><form method="dialog"><button>close</button></form>'
        '<pre id="row-json"></pre></dialog></body></html>'
    )


def script_call(url: str) -> str:
    """Start polling ``url`` and applying what it returns.

    Args:
        url: The JSON endpoint (without the token).

    Returns:
        A ``<script>`` element.
    """
    return f"<script>poll({json.dumps(url)}, applyBatches);</script>"
