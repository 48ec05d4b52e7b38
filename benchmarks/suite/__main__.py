"""Run the suite: ``python -m benchmarks.suite [--quick] [--only 1,job] [--runs N]``.

Writes ``benchmarks/results/latest.json``, ``latest.md`` and the PNG charts (with ``--quick``,
into ``benchmarks/results/quick/`` so that a try-out never overwrites published figures).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.suite.common import ROOT, Context, loadavg

FIGURES = {
    1: "imports",
    2: "percall",
    3: "upload",
    4: "download",
    5: "typed",
    6: "job",
    7: "parquet",
    8: "pollers",
    9: "scaling",
    10: "phases",
}


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    with contextlib.suppress(OSError):
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    versions = {}
    for name in ("groq_batch", "groq", "openai", "httpx"):
        try:
            versions[name] = importlib.import_module(name).__version__
        except Exception:
            versions[name] = "absent"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite")
    parser.add_argument("--quick", action="store_true", help="small sizes and 3 runs")
    parser.add_argument("--only", default="", help="figures to run, by number or name: 1,2,job")
    parser.add_argument("--runs", type=int, default=None, help="runs per variant (5; quick 3)")
    parser.add_argument("--percall-calls", type=int, default=2000)
    parser.add_argument("--percall-runs", type=int, default=None)
    parser.add_argument("--upload-mb", type=int, default=200)
    parser.add_argument("--job-lines", type=int, default=50_000)
    # The whole job's time is mostly the server's, which varies by seconds from run to run:
    # more runs than the other figures, so that the medians compare the clients.
    parser.add_argument("--job-runs", type=int, default=None, help="runs of figure 6 (11)")
    parser.add_argument("--typed-lines", type=int, default=50_000)
    parser.add_argument("--poll-lines", type=int, default=10_000)
    parser.add_argument("--pollers", type=int, default=200)
    parser.add_argument("--scaling", default="1000,10000,50000,200000")
    parser.add_argument("--scaling-big-runs", type=int, default=1)
    parser.add_argument(
        "--scaling-million",
        action="store_true",
        help="figure 9 also runs 1,000,000 lines (minutes on the echo executor)",
    )
    parser.add_argument(
        "--phases-rows", type=int, default=1_000_000, help="rows of figure 10's table job"
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--rerun",
        metavar="WHY",
        default=None,
        help="measure only --only's figures and put them into the published latest.json (and "
        "its .md and charts) as measured again after its run, saying why",
    )
    args = parser.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    numbers = {name: number for number, name in FIGURES.items()}
    try:
        only = [int(x) if x.isdigit() else numbers[x] for x in args.only.split(",") if x]
    except KeyError as exc:
        parser.error(f"--only: no figure {exc}; figures: {', '.join(FIGURES.values())}")
    only = only or list(FIGURES)
    published = args.out or ROOT / "benchmarks" / "results" / ("quick" if args.quick else "")
    # A rerun measures into a scratch folder, so that an interrupted one leaves the published
    # figures as they were.
    out = Path(tempfile.mkdtemp(prefix="groq-batch-rerun-")) if args.rerun else published
    out.mkdir(parents=True, exist_ok=True)

    report: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "runs": runs,
        "machine": machine(),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "loadavg_before": loadavg(),
        "figures": {},
    }
    t_start = time.perf_counter()
    # Bytecode caches for everything the children import (see common.child_env).
    import subprocess

    from benchmarks.suite.common import child_env

    subprocess.run(
        [sys.executable, "-c", "import groq_batch_server.app, groq_batch, groq_batch._client, "
         "groq_batch._async.workflow, groq_batch.results, groq, openai, httpx, anyio, h11"],
        env=child_env(), cwd=ROOT, check=False,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="groq-batch-bench-") as tmp:
        ctx = Context(
            quick=args.quick,
            runs=runs,
            work=Path(tmp),
            percall_calls=args.percall_calls,
            percall_runs=args.percall_runs,
            job_runs=args.job_runs or (runs if args.quick else max(runs, 11)),
            upload_mb=args.upload_mb,
            job_lines=args.job_lines,
            typed_lines=args.typed_lines,
            poll_lines=args.poll_lines,
            pollers=args.pollers,
            scaling=tuple(
                sorted(
                    {int(x) for x in args.scaling.split(",") if x}
                    | ({100_000, 1_000_000} if args.scaling_million else set())
                )
            ),
            scaling_big_runs=args.scaling_big_runs,
            phases_rows=args.phases_rows,
        )
        for number in only:
            name = FIGURES[number]
            t0 = time.perf_counter()
            print(f"figure {number} ({name}) ...", file=sys.stderr, flush=True)
            try:
                module = importlib.import_module(f"benchmarks.suite.{name}")
                result = module.run(ctx)
            except Exception as exc:
                traceback.print_exc()
                result = {"title": name, "status": f"failed: {type(exc).__name__}: {exc}"}
            result["elapsed_s"] = time.perf_counter() - t0
            result["loadavg_after"] = loadavg()
            report["figures"][str(number)] = result
            print(f"  done in {result['elapsed_s']:.0f} s", file=sys.stderr, flush=True)
            # Written after every figure, so that an interrupted run keeps what it measured.
            (out / "latest.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    report["elapsed_s"] = time.perf_counter() - t_start
    report["loadavg_after"] = loadavg()
    if args.rerun:
        new = report
        report = json.loads((published / "latest.json").read_text())
        for number, figure in new["figures"].items():
            report["figures"][number] = figure
            report.setdefault("reruns", []).append(
                {"figure": int(number), "started": new["started"],
                 "loadavg_before": new["loadavg_before"], "why": args.rerun}
            )  # fmt: skip
        report["figures"] = dict(sorted(report["figures"].items(), key=lambda kv: int(kv[0])))
        out = published
    (out / "latest.json").write_text(json.dumps(report, indent=1, default=str) + "\n")

    from benchmarks.suite import report as render

    (out / "latest.md").write_text(render.markdown(report))
    try:
        from benchmarks.suite import charts

        charts.draw(report, out)
    except ImportError as exc:
        print(f"charts skipped: {exc}", file=sys.stderr)
    print(render.markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
