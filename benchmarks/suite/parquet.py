"""Figure 7: results written as Parquet, peak-RSS growth (target ≤ 100 MB).

The Parquet writer belongs to the ``tables`` extra (``groq_batch.tables``). When that module is
absent from this checkout the figure says "not available" and measures nothing.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target, write_lines

WRITER_NAMES = ("write_parquet", "to_parquet", "results_to_parquet")


def _writer() -> Any:
    if importlib.util.find_spec("groq_batch.tables") is None:
        return None
    module = importlib.import_module("groq_batch.tables")
    for name in WRITER_NAMES:
        if callable(getattr(module, name, None)):
            return getattr(module, name)
    return None


def ours(root: str, batch_ids: list[str], path: str, out: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    write = _writer()
    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        write(c.batches.results(batch_ids, inputs=path), out)
    size = os.path.getsize(out)
    os.remove(out)
    return {**m.as_dict(), "parquet_bytes": size}


def run(ctx: Context) -> dict[str, Any]:
    title = "Results as Parquet"
    if importlib.util.find_spec("groq_batch.tables") is None:
        return {"title": title, "status": "not available: groq_batch.tables is not on this branch"}
    if _writer() is None:
        return {
            "title": title,
            "status": "not available: groq_batch.tables has none of " + ", ".join(WRITER_NAMES),
        }
    mb = ctx.size(20, ctx.upload_mb)
    lines = mb * 1_000_000 // 4000
    path = write_lines(ctx.work / f"parquet-{lines}.jsonl", lines, padding=3700)
    with Server(ctx.work / "parquet-data") as server:
        batch = server.run_batch(path)
        args = {
            "root": server.root,
            "batch_ids": [batch["id"]],
            "path": str(path),
            "out": str(ctx.work / "out.parquet"),
        }
        samples = interleaved({"ours": ("parquet.ours", args)}, ctx.runs)
    variants = summarize(samples, "seconds", "growth_mb", "parquet_bytes")
    growth = float(variants["ours"]["growth_mb"]["median"])
    return {
        "title": f"{title}, {lines:,} rows of ~4 KB inputs",
        "unit": "s, MB",
        "variants": variants,
        "ratios": {},
        "targets": [target("RSS growth ≤ 100 MB", growth, 100)],
        "sizes": {"lines": lines, "runs": ctx.runs},
    }
