"""Figure 7: results written as Parquet, peak-RSS growth (target ≤ 100 MB).

The Parquet writer is ``groq_batch.tables.write_results`` (the ``tables`` extra). When PyArrow is
not installed the figure says "not available" and measures nothing.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target, write_lines


def _available() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def ours(root: str, batch_ids: list[str], path: str, out: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter, rss_mb
    from groq_batch import Groq
    from groq_batch.tables import write_results

    # PyArrow's import is a fixed cost of about 60 MB, paid once whatever the file's size; it
    # is reported apart so that the growth is the writer's, which is what must stay flat.
    before_import = rss_mb()
    import pyarrow.parquet  # noqa: F401

    import_mb = rss_mb() - before_import
    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        write_results(c.batches.results(batch_ids, inputs=path), out, format="parquet")
    size = os.path.getsize(out)
    os.remove(out)
    return {**m.as_dict(), "parquet_bytes": size, "pyarrow_import_mb": import_mb}


def run(ctx: Context) -> dict[str, Any]:
    title = "Results as Parquet"
    if not _available():
        return {"title": title, "status": "not available: install groq-batch[tables] (PyArrow)"}
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
    variants = summarize(samples, "seconds", "growth_mb", "pyarrow_import_mb", "parquet_bytes")
    growth = float(variants["ours"]["growth_mb"]["median"])
    return {
        "title": f"{title}, {lines:,} rows of ~4 KB inputs",
        "unit": "s, MB",
        "variants": variants,
        "ratios": {},
        "targets": [target("RSS growth ≤ 100 MB", growth, 100)],
        "notes": [
            "growth_mb is measured after PyArrow is imported; pyarrow_import_mb is that import."
        ],
        "sizes": {"lines": lines, "runs": ctx.runs},
    }
