"""Figure 8: the local server under many concurrent pollers while a batch runs.

Each run starts a fresh server and hands it to ``benchmarks/load.py``'s ``run``: it creates the
batch, points the pollers at ``GET /batches/{id}`` for a fixed time, waits for the batch and
checks that every row came back once. The pollers are driven by ``wrk`` when it is on PATH: one
Python process driving 200 pollers saturates its own interpreter at about 140 req/s and so
measures itself, not the server.
"""

from __future__ import annotations

import shutil
from typing import Any

from benchmarks.load import run as load_run
from benchmarks.suite.common import Context, Server, summarize


def run(ctx: Context) -> dict[str, Any]:
    lines = ctx.size(2_000, ctx.poll_lines)
    pollers = ctx.size(50, ctx.pollers)
    seconds = ctx.size(5, 30)
    driver = "wrk" if shutil.which("wrk") else "httpx"
    runs = []
    for number in range(ctx.runs):
        with Server(ctx.work / f"pollers-data-{number}") as server:
            result = load_run(
                server.root, lines=lines, pollers=pollers, seconds=seconds, driver=driver
            )
            result["server_peak_rss_mb"] = server.peak_mb()
            runs.append(result)
    variants = summarize(
        {"server": runs},
        "req_per_s", "p50_ms", "p99_ms", "errors", "batch_seconds", "server_peak_rss_mb",
    )  # fmt: skip
    errors = sum(r["errors"] for r in runs)
    completed = all(r["batch_status"] == "completed" for r in runs)
    whole = all(r["rows_missing"] == r["rows_doubled"] == r["rows_unknown"] == 0 for r in runs)
    kinds = sorted({kind for r in runs for kind in r["error_kinds"]})
    return {
        "title": f"Local server, {pollers} concurrent pollers for {seconds} s during a "
        f"{lines:,}-line batch",
        "unit": "req/s, ms",
        "variants": variants,
        "ratios": {},
        "targets": [
            {"text": "errors = 0", "value": errors, "limit": 0, "met": errors == 0},
            {"text": "batch completed", "value": completed, "limit": True, "met": completed},
            {"text": "every row once", "value": whole, "limit": True, "met": whole},
        ],
        "sizes": {"lines": lines, "pollers": pollers, "seconds": seconds, "runs": ctx.runs},
        "notes": [
            f"Pollers driven by {driver}, one kept-alive connection each, back to back "
            "(benchmarks/load.py)." + (f" Error kinds: {', '.join(kinds)}." if kinds else "")
        ],
    }
