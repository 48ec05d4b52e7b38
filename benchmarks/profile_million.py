"""Where the million-row job's memory and time go, phase by phase (issue 27, items 2 and 3).

Measurement only: nothing here is a published figure. Each run is one fresh interpreter
(the client) beside the local server in its own process (``benchmarks.suite.common.Server``).

    python -m benchmarks.profile_million prepare --rows 100000 --work /tmp/pm
    python -m benchmarks.profile_million table --rows 100000 --work /tmp/pm [--trace]
    python -m benchmarks.profile_million jsonl --rows 50000 --work /tmp/pm
    python -m benchmarks.profile_million compare /tmp/pm/jsonl-50000.prof /tmp/pm/jsonl-200000.prof

``table`` runs the steps of ``groq-batch run prompts.parquet ... -o answers.parquet`` (as
``benchmarks.suite.scaling.table``) and prints, per phase: wall time, peak RSS within the phase
(VmHWM reset before it), RSS at its end and the bytes PyArrow holds at its end. ``--trace``
adds tracemalloc: the phase's traced peak and the largest sites still held at its end (and
midway through the results, where the peak comes). ``jsonl`` profiles ``batches.submit`` and
``results`` of a JSONL job with cProfile; ``compare`` lists the functions whose own time per
row grows between two such profiles.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.suite.child import peak_mb, reset_peak, rss_mb
from benchmarks.suite.common import Server, loadavg, write_lines

MODEL = "llama-3.1-8b-instant"


def prepare(work: Path, rows: int) -> None:
    """The Parquet of prompts and the JSONL of requests, built here so the measured run is not."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    work.mkdir(parents=True, exist_ok=True)
    path = work / f"prompts-{rows}.parquet"
    if not path.exists():
        ids = pa.array([f"q{i}" for i in range(rows)])
        questions = pa.array([f"Question {i}: what is {i} plus {i * 7}?" for i in range(rows)])
        pq.write_table(pa.table({"id": ids, "question": questions}), path)
    write_lines(work / f"small-{rows}.jsonl", rows)


def _arrow_mb() -> float:
    import pyarrow as pa

    return pa.total_allocated_bytes() / 2**20


class Phases:
    """Per-phase time, peak RSS, end RSS, Arrow bytes; with ``trace``, tracemalloc's view too."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.rows: list[dict[str, Any]] = []
        self.sites: dict[str, list[str]] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        reset_peak()
        if self.trace:
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        yield
        row: dict[str, Any] = {
            "phase": name,
            "seconds": round(time.perf_counter() - t0, 2),
            "peak_rss_mb": round(peak_mb(), 1),
            "end_rss_mb": round(rss_mb(), 1),
            "arrow_mb": round(_arrow_mb(), 1),
        }
        if self.trace:
            current, peak = tracemalloc.get_traced_memory()
            row["traced_end_mb"] = round(current / 2**20, 1)
            row["traced_peak_mb"] = round(peak / 2**20, 1)
            self.snapshot(name)
        self.rows.append(row)
        print(json.dumps(row), flush=True)

    def snapshot(self, name: str, top: int = 8) -> None:
        if not self.trace:
            return
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        lines = []
        for stat in snap.statistics("traceback")[:top]:
            frames = [
                f"{Path(f.filename).name}:{f.lineno}"
                for f in stat.traceback
                if "groq_batch" in f.filename or "benchmarks" in f.filename
            ] or [f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback][-3:]
            lines.append(
                f"{stat.size / 2**20:8.1f} MB {stat.count:9d} blocks  {' < '.join(frames)}"
            )
        self.sites[name] = lines
        print(f"-- {name}: largest held sites", flush=True)
        for line in lines:
            print("   " + line, flush=True)


def table(work: Path, rows: int, trace: bool) -> dict[str, Any]:
    """The steps of ``groq-batch run prompts.parquet -o answers.parquet``, phase by phase."""
    if trace:
        tracemalloc.start(25)
    import pyarrow.parquet  # noqa: F401  (a fixed cost, paid before the first phase)

    from groq_batch import Groq
    from groq_batch.jsonl import write_jsonl
    from groq_batch.sharding import plan_shards
    from groq_batch.tables import TableWriter, prompt_table

    prompts = work / f"prompts-{rows}.parquet"
    requests = work / f"table-requests-{rows}.jsonl"
    out = work / f"answers-{rows}.parquet"
    p = Phases(trace)
    base = {"rss_before_mb": round(rss_mb(), 1), "arrow_before_mb": round(_arrow_mb(), 1)}
    with Server(work / f"server-table-{rows}-{os.getpid()}") as server:
        c = Groq(api_key="bench", base_url=server.root)
        with p.phase("read+check (prompt_table)"):
            inputs = prompt_table(prompts, model=MODEL, prompt="question", id_column="id")
        with p.phase("write request JSONL"):
            write_jsonl(inputs.requests(), requests)
        with p.phase("validate+split (plan_shards, alone)"):
            plan = plan_shards(
                requests,
                endpoint=None,
                max_lines=None,
                max_bytes=None,
                provider=c.provider,
                completion_window="24h",
            )
            shards = len(plan.shards)
            plan.cleanup()
            del plan
        with p.phase("submit (validate+split+upload+create)"):
            job = c.batches.submit(requests)
        with p.phase("wait (server)"):
            c.batches.wait(job, poll_interval=0.5)
        half = rows // 2
        with p.phase("results -> writer (join, spill by row range)"):
            writer = TableWriter(out, "parquet", inputs=inputs)
            for n, result in enumerate(c.batches.results(job, inputs=requests), start=1):
                writer.write(result)
                if n == half:
                    p.snapshot("midway through results")
        with p.phase("writer.close (read back in order, write Parquet)"):
            writer.close()
        with p.phase("row_of map (PromptTable._rows)"):
            mapped = inputs._rows is not None
    import pyarrow.parquet as pq

    return {
        **base,
        "rows": rows,
        "shards": shards,
        "written": pq.read_metadata(out).num_rows,
        "row_map_built": mapped,
        "phases": p.rows,
        "sites": p.sites,
        "loadavg": loadavg(),
    }


def jsonl(work: Path, rows: int, profile: bool = True) -> dict[str, Any]:
    """``batches.submit`` + ``results`` of a JSONL job (``scaling.ours``), under cProfile.

    Beside wall time, the client's CPU time (``time.process_time``): on a shared machine it
    leaves out the time this process waited for a core or for the server.
    """
    from groq_batch import Groq

    path = work / f"small-{rows}.jsonl"
    prof: Any = cProfile.Profile() if profile else _NoProfile()
    with Server(work / f"server-jsonl-{rows}-{os.getpid()}") as server:
        c = Groq(api_key="bench", base_url=server.root)
        t0, cpu0 = time.perf_counter(), time.process_time()
        prof.enable()
        job = c.batches.submit(path)
        prof.disable()
        t1, cpu1 = time.perf_counter(), time.process_time()
        c.batches.wait(job, poll_interval=0.5)
        t2, cpu2 = time.perf_counter(), time.process_time()
        prof.enable()
        ok = sum(1 for r in c.batches.results(job, inputs=path) if r.ok)
        prof.disable()
        t3, cpu3 = time.perf_counter(), time.process_time()
    if profile:
        prof.dump_stats(work / f"jsonl-{rows}.prof")
    return {
        "rows": rows,
        "profiled": profile,
        "submit_cpu_s": cpu1 - cpu0,
        "results_cpu_s": cpu3 - cpu2,
        "client_cpu_per_row_us": ((cpu1 - cpu0) + (cpu3 - cpu2)) / rows * 1e6,
        "ok": ok,
        "submit_s": t1 - t0,
        "wait_s": t2 - t1,
        "results_s": t3 - t2,
        "client_s_per_row_us": ((t1 - t0) + (t3 - t2)) / rows * 1e6,
        "loadavg": loadavg(),
    }


class _NoProfile:
    def enable(self) -> None:
        pass

    def disable(self) -> None:
        pass


def _rows_of(path: str) -> int:
    return int(Path(path).stem.rsplit("-", 1)[1])


def compare(small: str, large: str, top: int = 25) -> None:
    """Functions whose own time per row grows from the small profile to the large one."""
    a, b = pstats.Stats(small).stats, pstats.Stats(large).stats  # type: ignore[attr-defined]
    na, nb = _rows_of(small), _rows_of(large)
    total_a = sum(v[2] for v in a.values()) / na * 1e6
    total_b = sum(v[2] for v in b.values()) / nb * 1e6
    print(f"total own time per row: {total_a:.1f} us at {na:,}, {total_b:.1f} us at {nb:,}")
    rows = []
    for key, vb in b.items():
        va = a.get(key, (0, 0, 0.0, 0.0))
        per_a, per_b = va[2] / na * 1e6, vb[2] / nb * 1e6
        rows.append((per_b - per_a, per_a, per_b, vb[1], vb[3] / nb * 1e6, key))
    rows.sort(reverse=True)
    print(f"{'extra us/row':>12} {'us/row small':>12} {'us/row large':>12} {'calls':>9}  function")
    for extra, per_a, per_b, calls, _cum, (file, line, func) in rows[:top]:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}({func})"
        print(f"{extra:12.2f} {per_a:12.2f} {per_b:12.2f} {calls:9d}  {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("prepare", "table", "jsonl", "compare"))
    parser.add_argument("files", nargs="*")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/profile-million"))
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--no-profile", action="store_true", help="jsonl: time only")
    args = parser.parse_args()
    if args.mode == "compare":
        compare(args.files[0], args.files[1])
        return
    if args.mode == "prepare":
        prepare(args.work, args.rows)
        return
    if args.mode == "table":
        result = table(args.work, args.rows, args.trace)
    else:
        result = jsonl(args.work, args.rows, not args.no_profile)
    suffix = "-trace" if args.trace else "-plain" if args.no_profile else ""
    name = f"{args.mode}-{args.rows}{suffix}.json"
    (args.work / name).write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k not in ("phases", "sites")}))


if __name__ == "__main__":
    main()
