"""Figure 5: typed results over a real output file against a bare ``json.loads`` loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target, write_lines


def ours(path: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch.results import join_results

    with Meter() as m, open(path, "rb") as fh:
        n = sum(1 for r in join_results(fh) if r.custom_id)
    return {**m.as_dict(), "lines": n, "lines_per_s": n / m.seconds}


def bare(path: str) -> dict[str, Any]:
    import json

    from benchmarks.suite.child import Meter

    with Meter() as m, open(path, "rb") as fh:
        n = sum(1 for line in fh if json.loads(line))
    return {**m.as_dict(), "lines": n, "lines_per_s": n / m.seconds}


def run(ctx: Context) -> dict[str, Any]:
    lines = ctx.size(5_000, ctx.typed_lines)
    source = write_lines(ctx.work / f"small-{lines}.jsonl", lines)
    output = ctx.work / f"output-{lines}.jsonl"
    with Server(ctx.work / "typed-data") as server:
        batch = server.run_batch(source)
        server.download(batch["output_file_id"], output)
    samples = interleaved(
        {v: (f"typed.{v}", {"path": str(output)}) for v in ("ours", "bare")}, ctx.runs
    )
    variants = summarize(samples, "seconds", "lines_per_s", "growth_mb")
    ratio = float(variants["ours"]["lines_per_s"]["median"]) / float(
        variants["bare"]["lines_per_s"]["median"]
    )
    return {
        "title": f"Typed results over a {lines:,}-line output",
        "unit": "s, lines/s",
        "variants": variants,
        "ratios": {"speed ours / json.loads loop": ratio},
        "targets": [target("≥ 0.7x a bare json.loads loop", ratio, 0.7, at_most=False)],
        "sizes": {"lines": lines, "bytes": Path(output).stat().st_size, "runs": ctx.runs},
    }
