"""Writing joined results (JSONL or a table), and their summary."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch.jobs import default_data_dir
from groq_batch_cli.errors import EXIT_USAGE, CliError
from groq_batch_cli.output import Output, usd

if TYPE_CHECKING:
    from groq_batch import BatchJob
    from groq_batch.results import BatchResult, ResultSummary
    from groq_batch.tables import PromptTable


def output_format(args: argparse.Namespace, table: PromptTable | None) -> str | None:
    """The table format to write, or None for the nested JSONL of batch results."""
    fmt: str | None = args.format
    if fmt is None:
        fmt = table_format_of(args.output)
        if fmt is None and table is not None:
            fmt = "jsonl"
    if fmt == "parquet" and args.output == "-":
        raise CliError("-o -: Parquet cannot go to stdout; name a file", EXIT_USAGE)
    return fmt


def table_format_of(output: str) -> str | None:
    """The table format an output path's extension names, if any."""
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(Path(output).suffix.lower())


def saved_table(inputs: Path | None) -> PromptTable | None:
    """The prompt table a job came from, when `run` or `submit` kept it beside its requests."""
    if inputs is None or inputs.parent != default_data_dir() / "tables":
        return None
    kept = inputs.with_suffix(".inputs.parquet")
    if not kept.is_file():
        return None
    from groq_batch.tables import load_inputs

    return load_inputs(kept)


def write_table(
    job: BatchJob,
    output: str,
    fmt: str,
    table: PromptTable | None,
    inputs: Path | None,
    provider: str,
    *,
    csv_raw: bool = False,
) -> tuple[ResultSummary, dict[str, Any]]:
    """Write the joined results as a table; return their summary and their actual cost."""
    from groq_batch.costs import CostTally
    from groq_batch.results import ResultSummary
    from groq_batch.tables import write_results

    summary = ResultSummary()
    tally = CostTally.for_provider(provider)
    results = map(tally.add, job.results(inputs=inputs))
    write_results(results, output, format=fmt, inputs=table, summary=summary, csv_raw=csv_raw)
    return summary, tally.result().as_dict()


def _result_row(result: BatchResult) -> dict[str, Any]:
    return {
        "custom_id": result.custom_id,
        "outcome": result.outcome.value,
        "status_code": result.status_code,
        "text": result.text,
        "usage": dict(result.usage) if result.usage is not None else None,
        "error": None
        if result.error is None
        else {"code": result.error.code, "message": result.error.message},
        "request": dict(result.request.body) if result.request is not None else None,
    }


def write_results(
    job: BatchJob, output: str, inputs: Path | None, provider: str
) -> tuple[ResultSummary, dict[str, Any]]:
    """Write the joined results; return their summary and their actual cost (as a dict)."""
    from groq_batch.costs import CostTally
    from groq_batch.results import ResultSummary

    summary = ResultSummary()
    tally = CostTally.for_provider(provider)
    if output == "-":
        for result in job.results(inputs=inputs):
            summary.add(tally.add(result))
            sys.stdout.write(json.dumps(_result_row(result), ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return summary, tally.result().as_dict()
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for result in job.results(inputs=inputs):
                summary.add(tally.add(result))
                fh.write(json.dumps(_result_row(result), ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary, tally.result().as_dict()


def print_summary(
    out: Output,
    summary: ResultSummary,
    output: str,
    elapsed: float,
    ids: Sequence[str],
    name: str | None,
    cost: dict[str, Any],
) -> None:
    """Print the summary of written results: an event, or tables."""
    data = summary.as_dict()
    if out.as_json:
        out.event(
            {
                "event": "finished",
                "job": name,
                "batch_ids": list(ids),
                **data,
                "cost": cost,
                "output": output,
                "wall_seconds": round(elapsed, 3),
            }
        )
        return
    where = "stdout" if output == "-" else output
    out.line(f"{data['total']} results written to {where}")
    out.table("outcomes", ("outcome", "requests"), list(data["outcomes"].items()))
    rows = [
        ("job", name or "-"),
        ("batches", ", ".join(ids)),
        ("prompt tokens", data["prompt_tokens"]),
        ("completion tokens", data["completion_tokens"]),
        ("total tokens", data["total_tokens"]),
        *_actual_cost_rows(cost),
        ("wall time", f"{elapsed:.1f} s"),
    ]
    out.table("job", ("", "value"), rows)
    from groq_batch_cli.estimate import stale_prices_note

    stale = stale_prices_note(cost.get("pricing") or {}) if cost else None
    if stale:
        out.line(f"note: {stale}")


def _actual_cost_rows(cost: dict[str, Any] | None) -> list[tuple[str, Any]]:
    if cost is None:
        return []
    rows: list[tuple[str, Any]] = [
        ("billed requests", cost["billed_requests"]),
        ("cost (batch)", usd(cost["batch_cost"])),
        ("saving vs sync", usd(cost["saving"])),
    ]
    if cost["unpriced_models"]:
        rows.append(("cost unknown for", ", ".join(cost["unpriced_models"])))
    return rows
