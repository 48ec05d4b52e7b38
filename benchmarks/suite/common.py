"""Parent-side helpers: the local server, fresh child processes, inputs, and statistics."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.suite.child import MARK

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
MODEL = "llama-3.1-8b-instant"
TERMINAL = ("completed", "failed", "expired", "cancelled")


@dataclass
class Context:
    """What every figure gets: sizes and run counts for this mode, and a scratch directory."""

    quick: bool
    runs: int
    work: Path
    notes: list[str] = field(default_factory=list)
    percall_calls: int = 2000
    percall_runs: int | None = None
    job_runs: int | None = None
    upload_mb: int = 200
    job_lines: int = 50_000
    typed_lines: int = 50_000
    poll_lines: int = 10_000
    pollers: int = 200
    scaling: tuple[int, ...] = (1_000, 10_000, 50_000, 200_000)
    scaling_big_runs: int = 1
    phases_rows: int = 1_000_000

    def size(self, quick: int, full: int) -> int:
        return quick if self.quick else full


class Server:
    """``python -m groq_batch_server`` on loopback, echo executor, in its own process."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [
                PY, "-m", "groq_batch_server", "--port", "0", "--data-dir", str(data_dir),
                "--log-level", "info", "--max-upload-bytes", str(1200 * 2**20), *extra,
            ],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT,
            env=child_env(),
        )  # fmt: skip
        ready = threading.Event()
        self.root = ""

        def read() -> None:
            assert self.proc.stderr is not None
            for text in self.proc.stderr:
                match = re.search(r"listening on (http://\S+)", text)
                if match:
                    self.root = match.group(1)
                if "startup complete" in text:
                    ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60) or not self.root:
            self.proc.kill()
            raise RuntimeError("the local server did not start")
        self.api = self.root + "/openai/v1"
        self.http = httpx.Client(base_url=self.api, timeout=600)

    def peak_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(match.group(1)) / 1024 if match else float("nan")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    # Setup helpers, in plain httpx: they are not measured.
    def upload(self, path: Path) -> str:
        with path.open("rb") as fh:
            response = self.http.post(
                "/files",
                data={"purpose": "batch"},
                files={"file": (path.name, fh, "application/jsonl")},
            )
        return str(response.raise_for_status().json()["id"])

    def delete_file(self, file_id: str) -> None:
        self.http.delete(f"/files/{file_id}")

    def run_batch(self, path: Path, poll: float = 0.2) -> dict[str, Any]:
        file_id = self.upload(path)
        batch = (
            self.http.post(
                "/batches",
                json={
                    "input_file_id": file_id,
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
            )
            .raise_for_status()
            .json()
        )
        while batch["status"] not in TERMINAL:
            time.sleep(poll)
            batch = self.http.get(f"/batches/{batch['id']}").json()
        if batch["status"] != "completed":
            raise RuntimeError(f"setup batch ended {batch['status']}: {batch}")
        return dict(batch)

    def download(self, file_id: str, target: Path) -> None:
        with (
            self.http.stream("GET", f"/files/{file_id}/content") as response,
            target.open("wb") as fh,
        ):
            for chunk in response.iter_bytes():
                fh.write(chunk)


def child_env() -> dict[str, str]:
    """The environment of every measured process.

    Bytecode caches are allowed (``PYTHONDONTWRITEBYTECODE`` is dropped): users' installs have
    them, and without them an import figure measures the compiler, not the import.
    """
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(target: str, timeout: float = 1800, **kwargs: Any) -> dict[str, Any]:
    """Run ``benchmarks.suite.<target>`` in a fresh interpreter and return what it printed."""
    env = child_env()
    proc = subprocess.run(
        [PY, "-m", "benchmarks.suite.child", target, json.dumps(kwargs)],
        capture_output=True, text=True, check=False, timeout=timeout, cwd=ROOT, env=env,
    )  # fmt: skip
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            return dict(json.loads(line[len(MARK) :]))
    raise RuntimeError(f"{target} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")


def interleaved(
    variants: Mapping[str, tuple[str, dict[str, Any]]],
    runs: int,
    after: Any = None,
) -> dict[str, list[dict[str, Any]]]:
    """Run every variant ``runs`` times, round-robin, so that load on the machine falls on all.

    ``after(name, result)`` runs after each child (to delete what it uploaded, for example).
    """
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    for run in range(runs):
        # Rotate the order each round: no variant always runs first (cold caches) or last.
        names = list(variants)
        names = names[run % len(names) :] + names[: run % len(names)]
        for name in names:
            target, kwargs = variants[name]
            result = run_child(target, **kwargs)
            out[name].append(result)
            if after is not None:
                after(name, result)
    return out


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "runs": values,
    }


def summarize(samples: dict[str, list[dict[str, Any]]], *keys: str) -> dict[str, dict[str, Any]]:
    return {
        name: {key: summary([float(r[key]) for r in runs]) for key in keys}
        for name, runs in samples.items()
    }


def transfer_figure(
    title: str, samples: dict[str, list[dict[str, Any]]], groq: str, groq_label: str, size: int,
    runs: int,
) -> dict[str, Any]:  # fmt: skip
    """Figures 3 and 4: ours against raw httpx streaming (the targets) and the groq variant."""
    variants = summarize(samples, "seconds", "mb_per_s", "growth_mb", "process_peak_rss_mb")

    def med(name: str, key: str) -> float:
        return float(variants[name][key]["median"])

    growth = med("ours", "growth_mb")
    throughput = med("ours", "mb_per_s") / med("httpx_stream", "mb_per_s")
    return {
        "title": title,
        "unit": "s, MB/s, MB",
        "variants": variants,
        "ratios": {
            "throughput ours / raw httpx": throughput,
            f"throughput ours / {groq_label}": med("ours", "mb_per_s") / med(groq, "mb_per_s"),
            f"RSS growth ours / {groq_label}": growth / max(med(groq, "growth_mb"), 0.1),
        },
        "targets": [
            target("RSS growth ≤ 50 MB", growth, 50),
            target("throughput ≥ 0.8x raw httpx", throughput, 0.8, at_most=False),
        ],
        "sizes": {"bytes": size, "runs": runs},
    }


def target(text: str, value: float | None, limit: float, *, at_most: bool = True) -> dict[str, Any]:
    """One target: ``value`` against ``limit`` (at most, or at least)."""
    met = None if value is None else (value <= limit if at_most else value >= limit)
    return {"text": text, "value": value, "limit": limit, "met": met}


# Inputs ---------------------------------------------------------------------------------------


def chat_line(i: int, padding: int = 0) -> bytes:
    """One chat request line; ``padding`` extra characters make it bigger."""
    content = f"Question {i}: what is {i} plus {i * 7}?"
    if padding:
        content += " " + "x" * padding
    request = {
        "custom_id": f"request-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": MODEL,
            "messages": [
                {"role": "system", "content": "You answer in one short sentence."},
                {"role": "user", "content": content},
            ],
            "max_tokens": 64,
        },
    }
    return json.dumps(request).encode() + b"\n"


def write_lines(path: Path, count: int, padding: int = 0) -> Path:
    if path.exists():
        return path
    with path.open("wb") as fh:
        for block in _blocks(count, padding):
            fh.write(block)
    return path


def write_megabytes(path: Path, megabytes: int, line_bytes: int = 4000) -> Path:
    """A JSONL input of about ``megabytes`` MB (10^6 bytes) in lines of about ``line_bytes``."""
    padding = line_bytes - len(chat_line(0))
    count = megabytes * 1_000_000 // line_bytes
    return write_lines(path, count, padding)


def _blocks(count: int, padding: int) -> Iterator[bytes]:
    block: list[bytes] = []
    for i in range(count):
        block.append(chat_line(i, padding))
        if len(block) == 1000:
            yield b"".join(block)
            block = []
    if block:
        yield b"".join(block)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
