"""Figure 6: the whole job on the echo executor: submit, wait, results written to disk.

Ours: ``batches.submit`` + ``batches.wait`` + ``batches.results`` written as JSONL. The groq SDK
loop is what a user writes by hand: upload, create, poll every second, download, join by dict.
Both poll every second, so that the comparison is of the clients, not of poll schedules.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target, write_lines


def ours(root: str, path: str, out: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        t0 = time.perf_counter()
        job = c.batches.submit(path)
        t1 = time.perf_counter()
        c.batches.wait(job, poll_interval=1.0)
        t2 = time.perf_counter()
        n = 0
        with open(out, "w") as fh:
            for r in c.batches.results(job, inputs=path):
                fh.write(json.dumps({"custom_id": r.custom_id, "ok": r.ok, "body": r.raw_body}))
                fh.write("\n")
                n += 1
        t3 = time.perf_counter()
    os.remove(out)
    return {**m.as_dict(), "rows": n, "submit_s": t1 - t0, "wait_s": t2 - t1, "results_s": t3 - t2}


def groq_loop(root: str, path: str, out: str) -> dict[str, Any]:
    from pathlib import Path

    from groq import Groq

    from benchmarks.suite.child import Meter

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        t0 = time.perf_counter()
        f = c.files.create(file=Path(path), purpose="batch")
        b = c.batches.create(
            input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        t1 = time.perf_counter()
        while b.status not in ("completed", "failed", "expired", "cancelled"):
            time.sleep(1.0)
            b = c.batches.retrieve(b.id)
        t2 = time.perf_counter()
        inputs = {}
        with open(path, "rb") as fh:
            for line in fh:
                request = json.loads(line)
                inputs[request["custom_id"]] = request
        n = 0
        with open(out, "w") as fh:
            for file_id in (b.output_file_id, b.error_file_id):
                if not file_id:
                    continue
                for line in c.files.content(file_id).iter_lines():
                    if not line:
                        continue
                    row = json.loads(line)
                    inputs.pop(row["custom_id"], None)
                    response = row.get("response") or {}
                    ok = response.get("status_code") == 200 and not row.get("error")
                    fh.write(
                        json.dumps(
                            {"custom_id": row["custom_id"], "ok": ok, "body": response.get("body")}
                        )
                    )
                    fh.write("\n")
                    n += 1
            for custom_id in inputs:
                fh.write(json.dumps({"custom_id": custom_id, "ok": False, "body": None}) + "\n")
                n += 1
        t3 = time.perf_counter()
    os.remove(out)
    return {**m.as_dict(), "rows": n, "submit_s": t1 - t0, "wait_s": t2 - t1, "results_s": t3 - t2}


def run(ctx: Context) -> dict[str, Any]:
    lines = ctx.size(2_000, ctx.job_lines)
    path = write_lines(ctx.work / f"small-{lines}.jsonl", lines)
    with Server(ctx.work / "job-data") as server:
        # An unmeasured small batch first: the first one on a fresh server is slower.
        server.run_batch(write_lines(ctx.work / "small-100.jsonl", 100))
        args = {"root": server.root, "path": str(path), "out": str(ctx.work / "job.out")}
        runs = ctx.job_runs or ctx.runs
        samples = interleaved({v: (f"job.{v}", args) for v in ("ours", "groq_loop")}, runs)
    for name, measured in samples.items():
        for r in measured:
            if r["rows"] != lines:
                raise RuntimeError(f"{name} wrote {r['rows']} rows for {lines} inputs")
            r["client_s"] = r["submit_s"] + r["results_s"]
    variants = summarize(
        samples,
        "seconds", "submit_s", "wait_s", "results_s", "client_s", "growth_mb",
        "process_peak_rss_mb",
    )  # fmt: skip

    def ratio(key: str) -> float:
        return float(variants["ours"][key]["median"]) / float(variants["groq_loop"][key]["median"])

    return {
        "title": f"Whole job, {lines:,} lines on the echo executor",
        "unit": "s, MB",
        "variants": variants,
        "ratios": {
            "time ours / groq SDK loop": ratio("seconds"),
            "client time (submit + results) ours / groq SDK loop": ratio("client_s"),
            "wait ours / groq SDK loop": ratio("wait_s"),
        },
        "targets": [
            target("ours not slower than the groq SDK loop (≤ 1.0x)", ratio("seconds"), 1.0)
        ],
        "sizes": {"lines": lines, "runs": runs, "poll_interval_s": 1.0},
        "notes": [
            "The wait is the server's: the same batch on the same server, polled every second "
            "by both; it varies by seconds from run to run. client_s is what each client spends "
            "itself: submit (ours validates every line first) plus results."
        ],
    }
