"""The local server's own targets: a 50,000-line batch end to end, and flat memory.

Run with ``python -m benchmarks.server``. It starts ``python -m groq_batch_server`` as a
subprocess on loopback (echo executor, default chunk size) and measures, with plain httpx so
that only the server is under test:

1. a 50,000-line batch, from upload to a downloaded output file (target: under 60 s on two
   cores), phase by phase;
2. the server's peak RSS (``VmHWM``) after uploading, then downloading, files of growing size,
   and after running batches of growing size: the target is that it stays flat.

Every figure printed is measured in this run.

``python -m benchmarks.server --job-lines 1000000`` measures instead what issue 27 asks of the
server: a whole job of that many lines through the client (split into the provider's parts,
uploaded, waited on, results joined), client and server on the same machine. Target: at most
120 s at 1,000,000 lines. It prints the wall time of each phase, the CPU seconds of the server
process and of the client, and the load average, since on a shared machine the wall time says
more about the neighbours than about the code.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from benchmarks.suite.common import Server, chat_line, write_lines

LINES = 50_000


def multipart(chunks: Iterator[bytes]) -> tuple[Iterator[bytes], dict[str, str]]:
    boundary = "bench-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\n'
        "Content-Type: application/jsonl\r\n\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from chunks
        yield f"\r\n--{boundary}--\r\n".encode()

    return body(), {"content-type": f"multipart/form-data; boundary={boundary}"}


def lines_in_blocks(count: int) -> Iterator[bytes]:
    block: list[bytes] = []
    for i in range(count):
        block.append(chat_line(i))
        if len(block) == 1000:
            yield b"".join(block)
            block = []
    if block:
        yield b"".join(block)


def run_batch(http: httpx.Client, count: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    body, headers = multipart(lines_in_blocks(count))
    file = http.post("/files", content=body, headers=headers).raise_for_status().json()
    timings["upload_s"] = time.perf_counter() - start
    batch = http.post(
        "/batches",
        json={
            "input_file_id": file["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    ).json()
    marks: dict[str, float] = {}
    while batch["status"] not in ("completed", "failed", "expired", "cancelled"):
        time.sleep(0.05)
        batch = http.get(f"/batches/{batch['id']}").json()
        marks.setdefault(batch["status"], time.perf_counter())
    assert batch["status"] == "completed", batch
    assert batch["request_counts"]["completed"] == count, batch
    done = time.perf_counter()
    timings["validate_s"] = marks.get("in_progress", done) - start - timings["upload_s"]
    timings["process_s"] = marks.get("finalizing", done) - marks.get("in_progress", start)
    timings["finalize_s"] = done - marks.get("finalizing", done)
    received = 0
    with http.stream("GET", f"/files/{batch['output_file_id']}/content") as response:
        for chunk in response.iter_bytes():
            received += chunk.count(b"\n")
    assert received == count
    timings["download_s"] = time.perf_counter() - done
    timings["total_s"] = time.perf_counter() - start
    timings["input_mib"] = file["bytes"] / 2**20
    return {k: round(v, 2) for k, v in timings.items()}


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by the live children of a process (the server's line processes)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def whole_job(lines: int, processes: int | None = None) -> dict[str, object]:
    """A job of `lines` chat lines through the client, against a server subprocess.

    ``processes`` is the server's ``--processes`` (None: its default, one per core).
    """
    from groq_batch import Groq

    extra = () if processes is None else ("--processes", str(processes))
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "data", *extra) as server:
        path = write_lines(Path(tmp) / "in.jsonl", lines)
        client = Groq(api_key="bench", base_url=server.root)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = usage.ru_utime + usage.ru_stime
        server_cpu = cpu_seconds(server.proc.pid)
        lines_cpu = children_cpu_seconds(server.proc.pid)
        start = time.perf_counter()
        job = client.batches.submit(path)
        submitted = time.perf_counter()
        client.batches.wait(job, poll_interval=0.5)
        waited = time.perf_counter()
        ok = sum(1 for r in client.batches.results(job, inputs=path) if r.ok)
        done = time.perf_counter()
        if ok != lines:
            raise RuntimeError(f"{ok} of {lines} lines answered")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "lines": lines,
            "processes": processes if processes is not None else "default",
            "parts": len(job.ids),
            "submit_s": round(submitted - start, 1),
            "wait_s": round(waited - submitted, 1),
            "results_s": round(done - waited, 1),
            "total_s": round(done - start, 1),
            "server_cpu_s": round(cpu_seconds(server.proc.pid) - server_cpu, 1),
            # The echo's requests run in line processes (one per core by default).
            "line_processes_cpu_s": round(children_cpu_seconds(server.proc.pid) - lines_cpu, 1),
            "client_cpu_s": round(usage.ru_utime + usage.ru_stime - client_cpu, 1),
            "load_average": Path("/proc/loadavg").read_text().split()[:3],
            "target": "total_s <= 120 at 1,000,000 lines",
        }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.server")
    parser.add_argument(
        "--job-lines", type=int, default=0, help="run a whole job of this many lines instead"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="with --job-lines: the server's --processes (default: the server's own default)",
    )
    args = parser.parse_args()
    if args.job_lines:
        print(json.dumps(whole_job(args.job_lines, args.processes)))
        return
    with tempfile.TemporaryDirectory() as tmp, Server(Path(tmp) / "data") as server:
        http = server.http
        http.get("/files")
        print(f"server peak RSS at start: {server.peak_mb():.1f} MiB")

        result = run_batch(http, LINES)
        print(f"\n{LINES:,}-line batch, upload to downloaded output (target < 60 s):")
        print("  " + json.dumps(result))
        print(f"  server peak RSS after it: {server.peak_mb():.1f} MiB")

        print("\nserver peak RSS as uploads grow (upload, then streamed download):")
        for mib in (10, 50, 100, 200, 400):
            block = b"x" * 2**20
            body, headers = multipart(iter([block] * mib))
            file = http.post("/files", content=body, headers=headers).raise_for_status().json()
            with http.stream("GET", f"/files/{file['id']}/content") as response:
                for _ in response.iter_bytes():
                    pass
            print(f"  {mib:4d} MiB file: peak RSS {server.peak_mb():6.1f} MiB")

        print("\nserver peak RSS as batches grow:")
        for count in (1_000, 10_000, 50_000):
            timings = run_batch(http, count)
            print(
                f"  {count:6,d} lines: {timings['total_s']:6.2f} s, "
                f"peak RSS {server.peak_mb():6.1f} MiB"
            )


if __name__ == "__main__":
    main()
