"""Figure 9: memory and time of submit + wait + results as the input grows (split when needed)."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, write_lines


def ours(root: str, path: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        t0 = time.perf_counter()
        job = c.batches.submit(path)
        t1 = time.perf_counter()
        c.batches.wait(job, poll_interval=0.5)
        t2 = time.perf_counter()
        n = sum(1 for r in c.batches.results(job, inputs=path) if r.ok)
        t3 = time.perf_counter()
    return {
        **m.as_dict(),
        "ok": n,
        "batches": len(job.ids),
        "submit_s": t1 - t0,
        "wait_s": t2 - t1,
        "results_s": t3 - t2,
        "client_s": (t1 - t0) + (t3 - t2),
    }


def run(ctx: Context) -> dict[str, Any]:
    sizes = (500, 2_000, 5_000) if ctx.quick else ctx.scaling
    points: dict[str, Any] = {}
    for lines in sizes:
        path = write_lines(ctx.work / f"small-{lines}.jsonl", lines)
        # The largest points take minutes each on the echo executor: fewer runs there.
        runs = ctx.runs if lines < 10_000 else max(1, min(ctx.runs, ctx.scaling_big_runs))
        with Server(ctx.work / f"scaling-{lines}") as server:
            samples = interleaved(
                {str(lines): ("scaling.ours", {"root": server.root, "path": str(path)})}, runs
            )
            peak = server.peak_mb()
        for r in samples[str(lines)]:
            if r["ok"] != lines:
                raise RuntimeError(f"{r['ok']} of {lines} results ok")
        summary = summarize(
            samples, "seconds", "submit_s", "wait_s", "results_s", "client_s", "growth_mb"
        )[str(lines)]
        summary["server_peak_rss_mb"] = peak
        summary["batches"] = samples[str(lines)][0]["batches"]
        points[str(lines)] = summary
    first, last = sizes[0], sizes[-1]

    def med(n: int, key: str) -> float:
        return float(points[str(n)][key]["median"])

    return {
        "title": "Scaling of submit + wait + results",
        "unit": "s, MB",
        "variants": points,
        "ratios": {
            f"client time per line {last:,} / {first:,}": (med(last, "client_s") / last)
            / (med(first, "client_s") / first),
            f"RSS growth {last:,} / {first:,}": med(last, "growth_mb")
            / max(med(first, "growth_mb"), 0.1),
        },
        "targets": [],
        "sizes": {
            "lines": list(sizes),
            "runs": {str(n): points[str(n)]["seconds"]["n"] for n in sizes},
        },
    }
