"""Figure 10: the million-row table job, phase by phase, with the JSON accelerator on and off.

One ``groq-batch run prompts.parquet --prompt-column question -o answers.parquet``, done in the
child step by step as the command does it, with each phase's wall time and its own peak RSS
(the kernel's peak mark is reset before each phase):

- ``read``: the Parquet of prompts read and checked, and the request file written;
- ``validate``: the request file validated on its own (``groq_batch.validate``);
- ``submit``: validation again, the split into the provider's parts, the uploads and the
  creates (``upload`` in the table is ``submit`` less ``validate``);
- ``wait``: every part waited on (the server's time, not the client's);
- ``write``: the results downloaded, joined to their rows and written in input order.

``accelerated`` runs with the ``fast`` extra (msgspec) as installed; ``pure`` sets
``GROQ_BATCH_PURE_JSON=1`` so that the same code parses with the standard library.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target
from benchmarks.suite.scaling import prompts_parquet

PHASES = ("read", "validate", "submit", "wait", "write")


def job(root: str, path: str, work: str, pure: bool) -> dict[str, Any]:
    """One table job, phase by phase; ``pure`` turns the accelerator off before any import."""
    if pure:
        os.environ["GROQ_BATCH_PURE_JSON"] = "1"
    from benchmarks.suite.child import Meter
    from groq_batch import Groq, jsoncodec, validate
    from groq_batch.jsonl import write_jsonl
    from groq_batch.tables import prompt_table, write_results

    client = Groq(api_key="bench", base_url=root)
    requests = Path(work) / f"phases-requests-{os.getpid()}.jsonl"
    out = Path(work) / f"phases-answers-{os.getpid()}.parquet"
    figures: dict[str, Any] = {"accelerated": jsoncodec.ACCELERATED}
    t_start = time.perf_counter()

    def phase(name: str, meter: Meter) -> None:
        figures[f"{name}_s"] = meter.seconds
        figures[f"{name}_peak_mb"] = meter.peak_mb

    with Meter() as m:
        inputs = prompt_table(path, model="llama-3.1-8b-instant", prompt="question", id_column="id")
        write_jsonl(inputs.requests(), requests)
    phase("read", m)
    with Meter() as m:
        report = validate(requests)
    phase("validate", m)
    if not report.ok:
        raise RuntimeError(f"the benchmark's input has problems: {report}")
    with Meter() as m:
        submitted = client.batches.submit(requests)
    phase("submit", m)
    with Meter() as m:
        client.batches.wait(submitted, poll_interval=0.5)
    phase("wait", m)
    with Meter() as m:
        write_results(client.batches.results(submitted, inputs=requests), out, inputs=inputs)
    phase("write", m)
    import pyarrow.parquet as pq

    figures["rows"] = pq.read_metadata(out).num_rows
    figures["batches"] = len(submitted.ids)
    figures["upload_s"] = figures["submit_s"] - figures["validate_s"]
    figures["client_s"] = sum(figures[f"{p}_s"] for p in PHASES if p != "wait")
    figures["total_s"] = time.perf_counter() - t_start
    figures["peak_mb"] = max(figures[f"{p}_peak_mb"] for p in PHASES)
    requests.unlink()
    out.unlink()
    return figures


def run(ctx: Context) -> dict[str, Any]:
    rows = 20_000 if ctx.quick else ctx.phases_rows
    prompts = prompts_parquet(ctx.work / f"prompts-{rows}.parquet", rows)
    keys = [f"{p}_s" for p in PHASES] + [f"{p}_peak_mb" for p in PHASES]
    keys += ["upload_s", "client_s", "total_s", "peak_mb"]
    with Server(ctx.work / f"phases-{rows}") as server:
        common = {"root": server.root, "path": str(prompts), "work": str(ctx.work)}
        samples = interleaved(
            {
                "accelerated": ("phases.job", {**common, "pure": False}),
                "pure": ("phases.job", {**common, "pure": True}),
            },
            1 if rows >= 200_000 else ctx.runs,
        )
        server_peak = server.peak_mb()
    for name, runs in samples.items():
        for r in runs:
            if r["rows"] != rows:
                raise RuntimeError(f"{name}: {r['rows']} of {rows} rows written")
    if not samples["accelerated"][0]["accelerated"]:
        ctx.notes.append("figure 10: msgspec is not installed, so both variants ran pure")
    variants = summarize(samples, *keys)

    def med(name: str, key: str) -> float:
        return float(variants[name][key]["median"])

    return {
        "title": f"The {rows:,}-row table job, phase by phase",
        "unit": "s, MB",
        "variants": variants,
        "ratios": {
            "validate: pure / accelerated": med("pure", "validate_s")
            / med("accelerated", "validate_s"),
            "client time: pure / accelerated": med("pure", "client_s")
            / med("accelerated", "client_s"),
            "server peak RSS (MB)": server_peak,
        },
        "targets": [
            target(
                "validation with the accelerator ≥ 2x the standard library's rate",
                med("pure", "validate_s") / med("accelerated", "validate_s"),
                2.0,
                at_most=False,
            ),
            target("peak RSS of any phase ≤ 300 MB", med("accelerated", "peak_mb"), 300),
        ],
        "sizes": {"rows": rows, "runs": variants["accelerated"]["total_s"]["n"]},
    }
