"""Figure 3: upload of a large JSONL: wall time, throughput and peak-RSS growth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.suite.common import (
    Context,
    Server,
    interleaved,
    transfer_figure,
    write_megabytes,
)


def _done(m: Any, file_id: str, size: int) -> dict[str, Any]:
    return {**m.as_dict(), "file_id": file_id, "mb_per_s": size / 1e6 / m.seconds}


def ours(root: str, path: str) -> dict[str, Any]:
    from benchmarks.suite.child import Meter
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        f = c.files.create(file=path, purpose="batch")
    return _done(m, f.id, Path(path).stat().st_size)


def groq_path(root: str, path: str) -> dict[str, Any]:
    from groq import Groq

    from benchmarks.suite.child import Meter

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m:
        f = c.files.create(file=Path(path), purpose="batch")
    return _done(m, f.id, Path(path).stat().st_size)


def groq_fileobj(root: str, path: str) -> dict[str, Any]:
    from groq import Groq

    from benchmarks.suite.child import Meter

    c = Groq(api_key="bench", base_url=root)
    with Meter() as m, open(path, "rb") as fh:
        f = c.files.create(file=fh, purpose="batch")
    return _done(m, f.id, Path(path).stat().st_size)


def openai_path(root: str, path: str) -> dict[str, Any]:
    from openai import OpenAI

    from benchmarks.suite.child import Meter

    c = OpenAI(api_key="bench", base_url=root + "/openai/v1")
    with Meter() as m:
        f = c.files.create(file=Path(path), purpose="batch")
    return _done(m, f.id, Path(path).stat().st_size)


def httpx_stream(root: str, path: str) -> dict[str, Any]:
    import httpx

    from benchmarks.suite.child import Meter

    c = httpx.Client(base_url=root + "/openai/v1", timeout=600)
    with Meter() as m, open(path, "rb") as fh:
        # httpx streams a file object in a multipart body chunk by chunk.
        r = c.post(
            "/files",
            data={"purpose": "batch"},
            files={"file": (Path(path).name, fh, "application/jsonl")},
        )
        file_id = r.raise_for_status().json()["id"]
    return _done(m, file_id, Path(path).stat().st_size)


VARIANTS = ["ours", "groq_path", "groq_fileobj", "openai_path", "httpx_stream"]


def run(ctx: Context) -> dict[str, Any]:
    mb = ctx.size(20, ctx.upload_mb)
    path = write_megabytes(ctx.work / f"input-{mb}mb.jsonl", mb)
    size = path.stat().st_size
    with Server(ctx.work / "upload-data") as server:
        # One unmeasured upload first: the first request to a fresh server (and the first read
        # of the input) is slower, and would penalise whichever variant runs first.
        server.delete_file(server.upload(path))
        args = {"root": server.root, "path": str(path)}
        samples = interleaved(
            {v: (f"upload.{v}", args) for v in VARIANTS},
            ctx.runs,
            after=lambda _name, result: server.delete_file(result["file_id"]),
        )
    return transfer_figure(
        f"Upload of a {size / 1e6:.0f} MB JSONL", samples, "groq_path", "groq Path", size, ctx.runs
    )
