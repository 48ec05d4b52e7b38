"""Figure 4: download of a large file to disk: wall time, throughput and peak-RSS growth.

The file downloaded is a large JSONL stored on the server; the content route is the same one an
output file is served by.
"""

from __future__ import annotations

import os
from typing import Any

from benchmarks.suite.common import (
    Context,
    Server,
    interleaved,
    transfer_figure,
    write_megabytes,
)


def _done(m: Any, out: str) -> dict[str, Any]:
    size = os.path.getsize(out)
    os.remove(out)
    return {**m.as_dict(), "bytes": size, "mb_per_s": size / 1e6 / m.seconds}


def ours(root: str, file_id: str, out: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m, c.files.content(file_id) as content:
        content.write_to_file(out)
    return _done(m, out)


def groq_write(root: str, file_id: str, out: str) -> dict[str, Any]:
    from groq import Groq

    from benchmarks.suite.child import Meter

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        c.files.content(file_id).write_to_file(out)
    return _done(m, out)


def openai_write(root: str, file_id: str, out: str) -> dict[str, Any]:
    from openai import OpenAI

    from benchmarks.suite.child import Meter

    c = OpenAI(api_key="bench", base_url=root + "/openai/v1")
    with Meter() as m:
        c.files.content(file_id).write_to_file(out)
    return _done(m, out)


def httpx_stream(root: str, file_id: str, out: str) -> dict[str, Any]:
    import httpx

    from benchmarks.suite.child import Meter

    c = httpx.Client(base_url=root + "/openai/v1", timeout=600)
    with (
        Meter() as m,
        c.stream("GET", f"/files/{file_id}/content") as r,
        open(out, "wb") as fh,
    ):
        for chunk in r.iter_bytes():
            fh.write(chunk)
    return _done(m, out)


VARIANTS = ["ours", "groq_write", "openai_write", "httpx_stream"]


def run(ctx: Context) -> dict[str, Any]:
    mb = ctx.size(20, ctx.upload_mb)
    path = write_megabytes(ctx.work / f"input-{mb}mb.jsonl", mb)
    with Server(ctx.work / "download-data") as server:
        file_id = server.upload(path)
        # One unmeasured download first, so no variant pays for a cold page cache on the server.
        server.download(file_id, ctx.work / "download.warm")
        (ctx.work / "download.warm").unlink()
        args = {"root": server.root, "file_id": file_id, "out": str(ctx.work / "download.out")}
        samples = interleaved({v: (f"download.{v}", args) for v in VARIANTS}, ctx.runs)
    return transfer_figure(
        f"Download of a {path.stat().st_size / 1e6:.0f} MB file to disk",
        samples,
        "groq_write",
        "groq",
        path.stat().st_size,
        ctx.runs,
    )
