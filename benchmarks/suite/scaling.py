"""Figure 9: memory and time of submit + wait + results as the input grows (split when needed).

Beside the JSONL job, each size also runs the table path a dataset user takes (a Parquet of
prompts in, the joined Parquet out in input order): its peak RSS is what the million-row
targets bound (``--scaling-million`` adds 100,000 and 1,000,000 lines).

"Client time" is what issue 27 calls it: everything but the server's wait, that is the wall
time of submit (split, validate, upload, create) plus that of fetching and joining the results.
That wall time includes the server's answers to the uploads and downloads, so the client's own
CPU seconds over the same phases (``client_cpu_s``) are given beside it.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target, write_lines


def ours(root: str, path: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        t0, c0 = time.perf_counter(), time.process_time()
        job = c.batches.submit(path)
        t1, c1 = time.perf_counter(), time.process_time()
        c.batches.wait(job, poll_interval=0.5)
        t2, c2 = time.perf_counter(), time.process_time()
        n = sum(1 for r in c.batches.results(job, inputs=path) if r.ok)
        t3, c3 = time.perf_counter(), time.process_time()
    return {
        **m.as_dict(),
        "ok": n,
        "batches": len(job.ids),
        **phase_times(t0, t1, t2, t3, c0, c1, c2, c3),
    }


def phase_times(*marks: float) -> dict[str, float]:
    """Wall and client-CPU seconds of submit, wait and results from their four marks each."""
    t0, t1, t2, t3, c0, c1, c2, c3 = marks
    return {
        "submit_s": t1 - t0,
        "wait_s": t2 - t1,
        "results_s": t3 - t2,
        "client_s": (t1 - t0) + (t3 - t2),
        "client_cpu_s": (c1 - c0) + (c3 - c2),
    }


def table(root: str, path: str, work: str) -> dict[str, Any]:
    """A Parquet of prompts to a joined Parquet of answers, as ``groq-batch run`` does it."""
    from pathlib import Path

    from benchmarks.suite.child import Meter
    from groq_batch import Groq
    from groq_batch.jsonl import write_jsonl
    from groq_batch.tables import prompt_table, write_results

    c = Groq(api_key="bench", base_url=root)
    requests = Path(work) / "table-requests.jsonl"
    out = Path(work) / "answers.parquet"
    with Meter() as m:
        t0, c0 = time.perf_counter(), time.process_time()
        inputs = prompt_table(path, model="llama-3.1-8b-instant", prompt="question", id_column="id")
        write_jsonl(inputs.requests(), requests)
        job = c.batches.submit(requests)
        t1, c1 = time.perf_counter(), time.process_time()
        c.batches.wait(job, poll_interval=0.5)
        t2, c2 = time.perf_counter(), time.process_time()
        write_results(c.batches.results(job, inputs=requests), out, inputs=inputs)
        t3, c3 = time.perf_counter(), time.process_time()
    import pyarrow.parquet as pq

    return {
        **m.as_dict(),
        "ok": pq.read_metadata(out).num_rows,
        "batches": len(job.ids),
        **phase_times(t0, t1, t2, t3, c0, c1, c2, c3),
    }


def prompts_parquet(path: Any, lines: int) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.exists():
        ids = pa.array([f"q{i}" for i in range(lines)])
        questions = pa.array([f"Question {i}: what is {i} plus {i * 7}?" for i in range(lines)])
        pq.write_table(pa.table({"id": ids, "question": questions}), path)
    return path


def run(ctx: Context) -> dict[str, Any]:
    sizes = (500, 2_000, 5_000) if ctx.quick else ctx.scaling
    points: dict[str, Any] = {}
    for lines in sizes:
        path = write_lines(ctx.work / f"small-{lines}.jsonl", lines)
        # The largest points take minutes each on the echo executor: fewer runs there.
        runs = ctx.runs if lines < 10_000 else max(1, min(ctx.runs, ctx.scaling_big_runs))
        prompts = prompts_parquet(ctx.work / f"prompts-{lines}.parquet", lines)
        with Server(ctx.work / f"scaling-{lines}") as server:
            samples = interleaved(
                {
                    str(lines): ("scaling.ours", {"root": server.root, "path": str(path)}),
                    f"table {lines}": (
                        "scaling.table",
                        {"root": server.root, "path": str(prompts), "work": str(ctx.work)},
                    ),
                },
                runs,
            )
            peak = server.peak_mb()
        for r in samples[str(lines)]:
            if r["ok"] != lines:
                raise RuntimeError(f"{r['ok']} of {lines} results ok")
        summary = summarize(
            samples,
            "seconds",
            "submit_s",
            "wait_s",
            "results_s",
            "client_s",
            "client_cpu_s",
            "growth_mb",
        )[str(lines)]
        summary["server_peak_rss_mb"] = peak
        summary["batches"] = samples[str(lines)][0]["batches"]
        points[str(lines)] = summary
        tabled = summarize(samples, "seconds", "client_s", "client_cpu_s", "peak_rss_mb")[
            f"table {lines}"
        ]
        points[f"table {lines}"] = tabled
    first, last = sizes[0], sizes[-1]

    def med(n: int, key: str) -> float:
        return float(points[str(n)][key]["median"])

    def per_line(n: int, key: str) -> float:
        return med(n, key) / n

    def table_peak(n: int) -> float:
        return float(points[f"table {n}"]["peak_rss_mb"]["median"])

    targets = []
    if 1_000_000 in sizes and 100_000 in sizes:
        targets.append(
            target(
                "table job: peak RSS at 1,000,000 rows ≤ 20 MB above 100,000",
                table_peak(1_000_000) - table_peak(100_000),
                20,
            )
        )
    if 1_000_000 in sizes:
        targets.append(
            target("table job: peak RSS at 1,000,000 rows ≤ 300 MB", table_peak(1_000_000), 300)
        )
        targets.append(
            target(
                "the whole 1,000,000-line job on the echo executor, client and server on this "
                "machine (submit + wait + results) ≤ 120 s",
                med(1_000_000, "seconds"),
                120,
            )
        )
    if 50_000 in sizes and last > 50_000:
        targets.append(
            target(
                f"client time (wall) per line at {last:,} ≤ 1.1x its value at 50,000",
                per_line(last, "client_s") / per_line(50_000, "client_s"),
                1.1,
            )
        )
    ratios = {
        f"client time per line {last:,} / {first:,}": per_line(last, "client_s")
        / per_line(first, "client_s"),
        f"RSS growth {last:,} / {first:,}": med(last, "growth_mb")
        / max(med(first, "growth_mb"), 0.1),
    }
    if 50_000 in sizes and last > 50_000:
        ratios[f"client CPU per line {last:,} / 50,000"] = per_line(
            last, "client_cpu_s"
        ) / per_line(50_000, "client_cpu_s")
    return {
        "title": "Scaling of submit + wait + results",
        "unit": "s, MB",
        "variants": points,
        "ratios": ratios,
        "targets": targets,
        "sizes": {
            "lines": list(sizes),
            "runs": {str(n): points[str(n)]["seconds"]["n"] for n in sizes},
        },
    }
