"""PNG charts of a report (matplotlib, a bench-only dependency)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _bars(ax: Any, variants: dict[str, Any], key: str, title: str, unit: str) -> None:
    names = [n for n in variants if key in variants[n]]
    med = [variants[n][key]["median"] for n in names]
    lo = [m - variants[n][key]["min"] for n, m in zip(names, med, strict=True)]
    hi = [variants[n][key]["max"] - m for n, m in zip(names, med, strict=True)]
    colors = [
        "tab:orange"
        if n.startswith(("ours", "import groq_batch", "from groq_batch"))
        else "tab:blue"
        for n in names
    ]
    ax.barh(names, med, xerr=[lo, hi], color=colors, capsize=3)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(unit)


def draw(report: dict[str, Any], out: Path) -> list[Path]:
    figs = report["figures"]
    written = []

    def ok(n: str) -> bool:
        return n in figs and "variants" in figs[n]

    # Per-call bars (figure 2) and import time (figure 1).
    if ok("1") or ok("2"):
        fig, axes = plt.subplots(1, 3, figsize=(15, 4))
        if ok("1"):
            _bars(axes[0], figs["1"]["variants"], "import_ms", "Import time", "ms")
        if ok("2"):
            v = figs["2"]["variants"]
            _bars(axes[1], v, "cpu_us_per_call", "batches.retrieve: client CPU per call", "µs")
            _bars(axes[2], v, "us_per_call", "batches.retrieve: wall time per call", "µs")
        fig.tight_layout()
        path = out / "per_call.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    # Memory bars: peak-RSS growth of upload, download, whole job.
    panels = [(n, t) for n, t in (("3", "Upload"), ("4", "Download"), ("6", "Whole job")) if ok(n)]
    if panels:
        fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
        for ax, (n, t) in zip(axes[0], panels, strict=True):
            _bars(ax, figs[n]["variants"], "growth_mb", f"{t}: peak-RSS growth", "MB")
        fig.tight_layout()
        path = out / "memory.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    # Scaling curve (figure 9).
    if ok("9"):
        points = figs["9"]["variants"]
        # Beside each size's JSONL job, "table N" is the Parquet table job at that size.
        sizes = [int(k) for k in points if k.isdigit()]
        tables = [s for s in sizes if f"table {s}" in points]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        for key, label in (
            ("client_s", "client time (submit + results)"),
            ("seconds", "total incl. wait"),
        ):
            ax1.plot(sizes, [points[str(s)][key]["median"] for s in sizes], "o-", label=label)
        ax1.set_xscale("log")
        ax1.set_yscale("log")
        ax1.set_xlabel("lines")
        ax1.set_ylabel("s")
        ax1.set_title("Time (log-log: slope 1 is linear)", fontsize=10)
        ax1.legend()
        ax2.plot(
            sizes,
            [points[str(s)]["growth_mb"]["median"] for s in sizes],
            "o-",
            label="client peak-RSS growth",
        )
        ax2.plot(
            sizes,
            [points[str(s)]["server_peak_rss_mb"] for s in sizes],
            "s--",
            label="server peak RSS",
        )
        if tables:
            ax2.plot(
                tables,
                [points[f"table {s}"]["peak_rss_mb"]["median"] for s in tables],
                "^-",
                label="table job: client peak RSS",
            )
        ax2.set_xscale("log")
        ax2.set_xlabel("lines")
        ax2.set_ylabel("MB")
        ax2.set_title("Memory", fontsize=10)
        ax2.legend()
        fig.tight_layout()
        path = out / "scaling.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)

    # The table job's phases (figure 10): time and peak RSS of each, accelerator on and off.
    if ok("10"):
        from benchmarks.suite.phases import PHASES

        variants = figs["10"]["variants"]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        width = 0.8 / len(variants)
        for i, (name, v) in enumerate(variants.items()):
            xs = [x + i * width for x in range(len(PHASES))]
            ax1.bar(xs, [v[f"{p}_s"]["median"] for p in PHASES], width, label=name)
            ax2.bar(xs, [v[f"{p}_peak_mb"]["median"] for p in PHASES], width, label=name)
        for ax, title, unit in ((ax1, "Time per phase", "s"), (ax2, "Peak RSS per phase", "MB")):
            ax.set_xticks([x + width * (len(variants) - 1) / 2 for x in range(len(PHASES))])
            ax.set_xticklabels(PHASES)
            ax.set_ylabel(unit)
            ax.set_title(title, fontsize=10)
            ax.legend()
        fig.tight_layout()
        path = out / "phases.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written
