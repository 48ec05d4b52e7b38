"""Figure 2: per-call cost of ``batches.retrieve`` on a kept-alive connection, sync and async."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.suite.common import Context, Server, interleaved, summarize, target

WARMUP = 20


def _timed(call: Callable[[], object], n: int) -> dict[str, float]:
    from benchmarks.suite.child import Meter

    for _ in range(WARMUP):
        call()
    cpu = time.process_time()
    with Meter() as m:
        for _ in range(n):
            call()
    cpu = time.process_time() - cpu
    return {**m.as_dict(), "us_per_call": m.seconds / n * 1e6, "cpu_us_per_call": cpu / n * 1e6}


def _timed_async(make: Callable[[], Any], n: int) -> dict[str, float]:
    from benchmarks.suite.child import Meter

    async def main() -> dict[str, float]:
        _client, call, close = make()
        try:
            for _ in range(WARMUP):
                await call()
            cpu = time.process_time()
            with Meter() as m:
                for _ in range(n):
                    await call()
            cpu = time.process_time() - cpu
        finally:
            await close()
        return {
            **m.as_dict(),
            "us_per_call": m.seconds / n * 1e6,
            "cpu_us_per_call": cpu / n * 1e6,
        }

    return asyncio.run(main())


# Child-side variants: each builds its client, then times n calls -------------------------------


def ours_sync(root: str, batch_id: str, n: int) -> dict[str, float]:
    from groq_batch import Groq

    c = Groq(api_key="bench", base_url=root)
    return _timed(lambda: c.batches.retrieve(batch_id), n)


def ours_async(root: str, batch_id: str, n: int) -> dict[str, float]:
    from groq_batch import AsyncGroq

    def make() -> tuple[Any, Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        c = AsyncGroq(api_key="bench", base_url=root)
        return c, lambda: c.batches.retrieve(batch_id), c.close

    return _timed_async(make, n)


def groq_sync(root: str, batch_id: str, n: int) -> dict[str, float]:
    from groq import Groq

    c = Groq(api_key="bench", base_url=root)
    return _timed(lambda: c.batches.retrieve(batch_id), n)


def groq_async(root: str, batch_id: str, n: int) -> dict[str, float]:
    from groq import AsyncGroq

    def make() -> tuple[Any, Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        c = AsyncGroq(api_key="bench", base_url=root)
        return c, lambda: c.batches.retrieve(batch_id), c.close

    return _timed_async(make, n)


def openai_sync(root: str, batch_id: str, n: int) -> dict[str, float]:
    from openai import OpenAI

    c = OpenAI(api_key="bench", base_url=root + "/openai/v1")
    return _timed(lambda: c.batches.retrieve(batch_id), n)


def openai_async(root: str, batch_id: str, n: int) -> dict[str, float]:
    from openai import AsyncOpenAI

    def make() -> tuple[Any, Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        c = AsyncOpenAI(api_key="bench", base_url=root + "/openai/v1")
        return c, lambda: c.batches.retrieve(batch_id), c.close

    return _timed_async(make, n)


def httpx_sync(root: str, batch_id: str, n: int) -> dict[str, float]:
    import httpx

    c = httpx.Client(base_url=root + "/openai/v1", headers={"authorization": "Bearer bench"})
    return _timed(lambda: c.get(f"/batches/{batch_id}").raise_for_status().json(), n)


def httpx_async(root: str, batch_id: str, n: int) -> dict[str, float]:
    import httpx

    def make() -> tuple[Any, Callable[[], Awaitable[Any]], Callable[[], Awaitable[None]]]:
        c = httpx.AsyncClient(
            base_url=root + "/openai/v1", headers={"authorization": "Bearer bench"}
        )

        async def call() -> Any:
            return (await c.get(f"/batches/{batch_id}")).raise_for_status().json()

        return c, call, c.aclose

    return _timed_async(make, n)


VARIANTS = [
    "ours_sync", "groq_sync", "openai_sync", "httpx_sync",
    "ours_async", "groq_async", "openai_async", "httpx_async",
]  # fmt: skip


def run(ctx: Context) -> dict[str, Any]:
    n = ctx.size(100, ctx.percall_calls)
    line = ctx.work / "percall-one.jsonl"
    from benchmarks.suite.common import write_lines

    write_lines(line, 1)
    with Server(ctx.work / "percall-data") as server:
        batch = server.run_batch(line)
        args = {"root": server.root, "batch_id": batch["id"], "n": n}
        runs = ctx.percall_runs or ctx.runs
        samples = interleaved({v: (f"percall.{v}", args) for v in VARIANTS}, runs)
    variants = summarize(
        samples, "cpu_us_per_call", "us_per_call", "growth_mb", "process_peak_rss_mb"
    )

    # The targets use the client's CPU time per call: on a loaded machine the wall time of a
    # loopback round trip is mostly the scheduler waking the server and the client (tens of ms),
    # which no client can change; CPU time is what the client itself spends. Wall time is
    # reported too.
    def us(name: str) -> float:
        return float(variants[name]["cpu_us_per_call"]["median"])

    ratios: dict[str, float] = {}
    targets = []
    for mode in ("sync", "async"):
        raw = us(f"httpx_{mode}")
        ours_over = us(f"ours_{mode}") - raw
        groq_over = us(f"groq_{mode}") - raw
        ratios[f"{mode}: our overhead / groq's overhead"] = ours_over / groq_over
        ratios[f"{mode}: ours / raw httpx"] = us(f"ours_{mode}") / raw
        ratios[f"{mode}: ours / groq"] = us(f"ours_{mode}") / us(f"groq_{mode}")
        ratios[f"{mode}: ours / openai"] = us(f"ours_{mode}") / us(f"openai_{mode}")
        targets.append(
            target(
                f"{mode}: our overhead above raw httpx ≤ 0.5x groq's",
                ratios[f"{mode}: our overhead / groq's overhead"],
                0.5,
            )
        )
        targets.append(
            target(f"{mode}: our total ≤ 1.2x raw httpx", ratios[f"{mode}: ours / raw httpx"], 1.2)
        )
    return {
        "title": "Per-call cost of batches.retrieve",
        "unit": "client CPU µs per call (wall µs also given)",
        "variants": variants,
        "ratios": ratios,
        "targets": targets,
        "notes": [
            "Targets judged on client CPU time per call (time.process_time around the calls); "
            "wall time per call is in the variants as us_per_call."
        ],
        "sizes": {"calls_per_run": n, "runs": runs, "warmup_calls": WARMUP},
    }
