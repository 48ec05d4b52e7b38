"""Figure 8: the local server under many concurrent pollers while a batch runs.

server-core's load test (``benchmarks/load.py``) was not on this branch when this was written,
so this figure is measured here. ``run`` calls ``benchmarks.load.measure(ctx)`` instead when that
function exists.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, write_lines


def poll(api: str, batch_id: str, pollers: int) -> dict[str, Any]:
    import asyncio
    import time

    import httpx

    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}

    async def main() -> float:
        nonlocal errors
        limits = httpx.Limits(max_connections=pollers, max_keepalive_connections=pollers)
        async with httpx.AsyncClient(base_url=api, limits=limits, timeout=60) as c:
            done = asyncio.Event()

            async def one() -> None:
                nonlocal errors
                while not done.is_set():
                    t = time.perf_counter()
                    try:
                        r = await c.get(f"/batches/{batch_id}")
                        latencies.append(time.perf_counter() - t)
                        if r.status_code != 200:
                            errors += 1
                            kinds[str(r.status_code)] = kinds.get(str(r.status_code), 0) + 1
                        elif r.json()["status"] in ("completed", "failed", "expired", "cancelled"):
                            done.set()
                    except httpx.HTTPError as exc:
                        errors += 1
                        kinds[type(exc).__name__] = kinds.get(type(exc).__name__, 0) + 1

            t0 = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(pollers)))
            return time.perf_counter() - t0

    seconds = asyncio.run(main())
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "seconds": seconds,
        "requests": len(latencies),
        "req_per_s": len(latencies) / seconds,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": errors,
        "error_kinds": kinds,
    }


def run(ctx: Context) -> dict[str, Any]:
    if importlib.util.find_spec("benchmarks.load") is not None:
        load = importlib.import_module("benchmarks.load")
        if hasattr(load, "measure"):
            return dict(load.measure(ctx))
    lines = ctx.size(2_000, ctx.poll_lines)
    pollers = ctx.size(50, ctx.pollers)
    path = write_lines(ctx.work / f"small-{lines}.jsonl", lines)
    runs = []
    for _ in range(ctx.runs):
        with Server(ctx.work / f"pollers-data-{len(runs)}") as server:
            file_id = server.upload(path)
            batch = server.http.post(
                "/batches",
                json={
                    "input_file_id": file_id,
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
            ).json()
            result = interleaved(
                {
                    "pollers": (
                        "pollers.poll",
                        {"api": server.api, "batch_id": batch["id"], "pollers": pollers},
                    )
                },
                1,
            )["pollers"][0]
            final = server.http.get(f"/batches/{batch['id']}").json()
            result["batch_status"] = final["status"]
            result["server_peak_rss_mb"] = server.peak_mb()
            runs.append(result)
    variants = summarize(
        {"server": runs}, "req_per_s", "p50_ms", "p99_ms", "errors", "seconds", "server_peak_rss_mb"
    )
    errors = sum(r["errors"] for r in runs)
    completed = all(r["batch_status"] == "completed" for r in runs)
    return {
        "title": f"Local server, {pollers} concurrent pollers during a {lines:,}-line batch",
        "unit": "req/s, ms",
        "variants": variants,
        "ratios": {},
        "targets": [
            {"text": "errors = 0", "value": errors, "limit": 0, "met": errors == 0},
            {"text": "batch completed", "value": completed, "limit": True, "met": completed},
        ],
        "sizes": {"lines": lines, "pollers": pollers, "runs": ctx.runs},
        "notes": ["Measured by benchmarks/suite/pollers.py (benchmarks/load.py absent)."],
    }
