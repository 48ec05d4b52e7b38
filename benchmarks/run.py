"""Speed and memory of groq-batch, as ratios against the official `groq` SDK in the same run.

Run with ``nox -s bench`` (or ``python benchmarks/run.py``). It starts the local server as a
subprocess on loopback, builds a 200 MB input (50,000 lines of about 4 KB), and measures each
operation in a fresh interpreter so that peak-RSS growth belongs to that operation alone:

- import time: ``from groq_batch import Groq`` vs ``from groq import Groq``;
- upload of one 100 MB part: ``files.create`` here vs the SDK's;
- the whole 200 MB job: ``batches.submit`` (it splits into two batches), then ``wait``;
- reading the 200 MB of results: ``batches.results`` here vs the SDK's ``files.content``;
- iterating typed results over one 50,000-line output file vs a bare ``json.loads`` loop.

Every figure printed is measured in this run; nothing is assumed.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

LINES = 50_000
LINE_BYTES = 4_000
PY = sys.executable

PRELUDE = textwrap.dedent(
    """
    import json, os, resource, sys, time
    def rss_mb():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    BASE, KEY = sys.argv[1], "bench"
    ARG = sys.argv[2] if len(sys.argv) > 2 else ""
    """
)


def child(code: str, *args: str) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; it prints one JSON object."""
    proc = subprocess.run(
        [PY, "-c", PRELUDE + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


MEASURE_OP = """
before = rss_mb(); t = time.perf_counter()
{op}
print(json.dumps({{"seconds": time.perf_counter() - t, "growth_mb": peak_mb() - before{extra}}}))
"""


def op(setup: str, body: str, extra: str = "") -> str:
    return setup + "\n" + MEASURE_OP.format(op=body, extra=extra)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_input(path: Path, lines: int) -> None:
    padding = "x" * (LINE_BYTES - 220)
    with path.open("w") as fh:
        for i in range(lines):
            body = {
                "model": "llama-3.1-8b-instant",
                "messages": [{"role": "user", "content": f"Question {i}: {padding}"}],
                "max_tokens": 16,
            }
            line = {
                "custom_id": f"r{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": body,
            }
            fh.write(json.dumps(line) + "\n")


def import_times(runs: int = 7) -> dict[str, float]:
    def best(stmt: str) -> float:
        samples = []
        for _ in range(runs):
            out = subprocess.run(
                [
                    PY,
                    "-c",
                    f"import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            samples.append(float(out) * 1000)
        return statistics.median(samples)

    return {
        "import groq_batch (ms)": best("import groq_batch"),
        "from groq_batch import Groq (ms)": best("from groq_batch import Groq"),
        "from groq import Groq (ms)": best("from groq import Groq"),
    }


def iteration_speed(output_file: Path, rounds: int = 5) -> dict[str, float]:
    code = (
        """
    from groq_batch.results import join_results
    path = ARG
    def bare():
        with open(path, "rb") as fh:
            return sum(1 for line in fh if json.loads(line))
    def ours():
        with open(path, "rb") as fh:
            return sum(1 for r in join_results(fh) if r.custom_id)
    times = {}
    for name, fn in (("bare", bare), ("ours", ours)) * ROUNDS:
        t = time.perf_counter(); n = fn(); times.setdefault(name, []).append(time.perf_counter() - t)
    print(json.dumps({"bare": min(times["bare"]), "ours": min(times["ours"])}))
    """
    ).replace("ROUNDS", str(rounds))
    return child(code, "-", str(output_file))


def main() -> None:
    report: dict[str, object] = {}
    report.update({k: round(v, 1) for k, v in import_times().items()})
    report["import ratio (groq_batch.Groq / groq.Groq)"] = round(
        report["from groq_batch import Groq (ms)"] / report["from groq import Groq (ms)"],
        2,  # type: ignore[operator]
    )
    with tempfile.TemporaryDirectory(prefix="groq-batch-bench-") as tmp:
        work = Path(tmp)
        port = free_port()
        server = subprocess.Popen(
            [
                PY,
                "-m",
                "groq_batch.server",
                "--port",
                str(port),
                "--data-dir",
                str(work / "data"),
                "--log-level",
                "warning",
            ],
        )
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(base + "/openai/v1/files", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            full = work / "input-200mb.jsonl"
            half = work / "input-100mb.jsonl"
            make_input(full, LINES)
            make_input(half, LINES // 2 - 500)
            report["input bytes"] = full.stat().st_size

            upload_ours = child(
                op(
                    "from groq_batch import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "f = c.files.create(file=ARG, purpose='batch')",
                ),
                base,
                str(half),
            )
            upload_sdk = child(
                op(
                    "from pathlib import Path; from groq import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "f = c.files.create(file=Path(ARG), purpose='batch')",
                ),
                base,
                str(half),
            )
            report["upload 100 MB: growth MB (groq-batch)"] = round(upload_ours["growth_mb"], 1)
            report["upload 100 MB: growth MB (groq SDK)"] = round(upload_sdk["growth_mb"], 1)
            report["upload 100 MB: memory ratio"] = round(
                upload_ours["growth_mb"] / max(upload_sdk["growth_mb"], 0.1), 3
            )

            submit = child(
                op(
                    "from groq_batch import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "job = c.batches.submit(ARG); c.batches.wait(job, poll_interval=1.0)",
                    extra=', "ids": job.ids',
                ),
                base,
                str(full),
            )
            ids = ",".join(submit["ids"])  # type: ignore[arg-type]
            report["submit+wait 200 MB job: seconds"] = round(submit["seconds"], 1)
            report["submit 200 MB job: growth MB"] = round(submit["growth_mb"], 1)
            report["submit 200 MB job: batches"] = len(submit["ids"])  # type: ignore[arg-type]

            results = child(
                op(
                    "from groq_batch import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "n = sum(1 for r in c.batches.results(ARG.split(','), inputs=sys.argv[3]) if r.ok)",
                    extra=', "ok": n',
                ),
                base,
                ids,
                str(full),
            )
            sdk_read = child(
                op(
                    "from groq import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "n = 0\nfor i in ARG.split(','):\n"
                    "    b = c.batches.retrieve(i)\n"
                    "    n += sum(1 for line in c.files.content(b.output_file_id).iter_lines() if json.loads(line))",
                    extra=', "ok": n',
                ),
                base,
                ids,
            )
            report["results of 200 MB: rows ok (groq-batch)"] = results["ok"]
            report["results of 200 MB: growth MB (groq-batch)"] = round(results["growth_mb"], 1)
            report["results of 200 MB: seconds (groq-batch)"] = round(results["seconds"], 2)
            report["read 200 MB output: growth MB (groq SDK, json.loads)"] = round(
                sdk_read["growth_mb"], 1
            )
            report["read 200 MB output: seconds (groq SDK, json.loads)"] = round(
                sdk_read["seconds"], 2
            )
            report["results vs SDK read: memory ratio"] = round(
                results["growth_mb"] / max(sdk_read["growth_mb"], 0.1), 3
            )

            # One batch's output file on disk, for the pure iteration comparison.
            out_file = work / "output.jsonl"
            fetch = child(
                op(
                    "from groq_batch import Groq; c = Groq(api_key=KEY, base_url=BASE)",
                    "b = c.batches.retrieve(ARG.split(',')[0])\n"
                    "with c.files.content(b.output_file_id) as content:\n"
                    "    content.write_to_file(sys.argv[3])",
                ),
                base,
                ids,
                str(out_file),
            )
            report["download 100 MB output: growth MB (groq-batch)"] = round(fetch["growth_mb"], 1)
            speed = iteration_speed(out_file)
            lines = sum(1 for _ in out_file.open("rb"))
            report["iterate typed results: lines"] = lines
            report["iterate typed results: seconds"] = round(speed["ours"], 3)
            report["bare json.loads loop: seconds"] = round(speed["bare"], 3)
            report["iteration speed ratio (ours / json.loads)"] = round(
                speed["bare"] / speed["ours"], 3
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"{key.ljust(width)}  {value}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
