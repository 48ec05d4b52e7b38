"""Render ``latest.json`` as ``latest.md``: a headline table of targets, then every figure."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def _met(met: Any) -> str:
    return {True: "met", False: "**missed**", None: "n/a"}[met]


def headline(report: dict[str, Any]) -> list[str]:
    rows = ["| # | figure | target | measured | result |", "| --- | --- | --- | --- | --- |"]
    for number, fig in report["figures"].items():
        if "status" in fig:
            rows.append(f"| {number} | {fig['title']} | — | {fig['status']} | n/a |")
            continue
        targets = fig.get("targets") or []
        if not targets:
            ratios = "; ".join(f"{k}: {_fmt(v)}" for k, v in fig.get("ratios", {}).items())
            rows.append(f"| {number} | {fig['title']} | shown in the chart | {ratios} | — |")
        for t in targets:
            rows.append(
                f"| {number} | {fig['title']} | {t['text']} | {_fmt(t['value'])} | {_met(t['met'])} |"
            )
    return rows


def _stat(s: Any) -> str:
    if isinstance(s, dict) and "median" in s:
        return f"{_fmt(s['median'])} [{_fmt(s['min'])}-{_fmt(s['max'])}]"
    return _fmt(s)


def details(number: str, fig: dict[str, Any]) -> list[str]:
    lines = [f"### {number}. {fig['title']}", ""]
    if "status" in fig:
        return [*lines, fig["status"], ""]
    variants: dict[str, dict[str, Any]] = fig["variants"]
    keys: list[str] = []
    for metrics in variants.values():
        keys += [k for k in metrics if k not in keys]
    lines.append("| variant | " + " | ".join(keys) + " |")
    lines.append("| --- | " + " | ".join("---" for _ in keys) + " |")
    for name, metrics in variants.items():
        lines.append(f"| {name} | " + " | ".join(_stat(metrics.get(k, "")) for k in keys) + " |")
    lines.append("")
    if fig.get("ratios"):
        lines += ["Ratios (of medians):", ""]
        lines += [f"- {k}: {_fmt(v)}" for k, v in fig["ratios"].items()]
        lines.append("")
    sizes = ", ".join(f"{k} {_fmt(v)}" for k, v in fig.get("sizes", {}).items())
    lines.append(
        f"Sizes: {sizes}. Took {fig.get('elapsed_s', 0):.0f} s; load average after: "
        f"{' '.join(_fmt(x) for x in fig.get('loadavg_after', []))}."
    )
    for note in fig.get("notes", []):
        lines.append(f"\n{note}")
    lines.append("")
    return lines


def _load_sentence(report: dict[str, Any], before: str, after: str) -> str:
    """Whether the machine was idle, judged by its 1-minute load against its cores."""
    loaded = max(report["loadavg_before"][0], *report.get("loadavg_after", [0])[:1]) > (
        report["machine"]["cores"] or 1
    )
    load = f"load average {before} before, {after} after; 1, 5 and 15 minutes"
    if loaded:
        return (
            f"**The machine was loaded** by other work during the run ({load}): absolute "
            "timings are slow and noisy; the ratios, measured interleaved in the same run "
            "against the same server, are what the targets judge."
        )
    return (
        f"The machine ran nothing else ({load}). Absolute timings are this machine's; the "
        "ratios, measured interleaved in the same run against the same server, are what the "
        "targets judge."
    )


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    before = " ".join(_fmt(x) for x in report["loadavg_before"])
    after = " ".join(_fmt(x) for x in report.get("loadavg_after", []))
    out = [
        "# groq-batch benchmarks",
        "",
        f"Measured {report['started']} to {report.get('finished', '?')} "
        f"({report.get('elapsed_s', 0) / 60:.0f} min), mode **{report['mode']}**, "
        f"{report['runs']} runs per variant unless a figure says otherwise. "
        "Cells are median [min-max]; each run is a fresh process; memory is peak-RSS growth "
        "of that process during the operation (VmHWM reset before it).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Python {m['python']}, "
        f"{m['platform']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + ".",
        "",
        _load_sentence(report, before, after),
        "",
        *(
            f"Figure {r['figure']} was measured again after the run, from {r['started']} (load "
            f"average {' '.join(_fmt(x) for x in r['loadavg_before'])} before): {r['why']}."
            for r in report.get("reruns", [])
        ),
        *([""] if report.get("reruns") else []),
        "## Headline",
        "",
        *headline(report),
        "",
        "## Figures",
        "",
    ]
    for number, fig in report["figures"].items():
        out += details(number, fig)
    return "\n".join(out) + "\n"
