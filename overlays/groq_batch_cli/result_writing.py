"""Writing joined results (JSONL or a table), and their summary."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch.cost_report import UNPRICED
from groq_batch.jobs import default_data_dir
from groq_batch.stop_points import stop_at
from groq_batch_cli.errors import EXIT_USAGE, CliError
from groq_batch_cli.output import Output, usd

if TYPE_CHECKING:
    from groq_batch import BatchJob
    from groq_batch.costs import CostTally
    from groq_batch.results import BatchResult, InputIndex, ResultJoiner, ResultSummary
    from groq_batch.tables import PromptTable
    from groq_batch_api.models import Batch


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


def is_dataset_output(output: str) -> bool:
    """Whether ``-o`` names a directory: a Parquet dataset, one file per part."""
    return output != "-" and (output.endswith(("/", os.sep)) or Path(output).is_dir())


class DatasetWriter:
    """Write a job's results as a Parquet dataset: a file per part, each once its part ends.

    Part k of the job (its k-th batch, input lines in order) becomes ``part-0000k.parquet``,
    written to a temporary name and renamed whole, so a reader of the folder (DuckDB,
    Polars, ``pyarrow.dataset``) sees finished parts only, while later parts still run; a
    part written again (the same command after a crash) replaces its file, never adds one.
    Rows in a part file are in input order. Inputs no line answered are written with their
    part when the parts' line counts add up to the input; otherwise in ``part-missing``.
    """

    def __init__(
        self,
        client: Any,
        directory: str,
        table: PromptTable | None,
        requests_file: Path,
        provider: str,
        *,
        csv_raw: bool = False,
    ) -> None:
        """Open the folder (made if needed) and index the job's requests."""
        from groq_batch.costs import CostTally
        from groq_batch.results import InputIndex, ResultJoiner, ResultSummary

        self.directory = Path(directory)
        self.directory.mkdir(exist_ok=True)
        self._client = client
        self._table = table
        self.summary = ResultSummary()
        self.tally: CostTally = CostTally.for_provider(provider)
        self._index: InputIndex = InputIndex.from_path(requests_file)
        self._joiner: ResultJoiner = ResultJoiner(self._index)
        self._written: set[str] = set()
        self._handed = 0  # results written into part files, for the `results:N` stop point
        self.files: list[Path] = []

    def _ranges(self, batches: Sequence[Batch]) -> list[range] | None:
        """Each part's input lines, when the parts' counts add up to the input's lines."""
        from groq_batch_cli.output import request_counts

        ranges, start = [], 0
        for batch in batches:
            total = request_counts(batch)[0]
            ranges.append(range(start, start + total))
            start += total
        return ranges if start == self._index.size else None

    def update(self, batches: Sequence[Batch]) -> None:
        """Write every part that has ended and is not written yet (a wait's progress hook)."""
        from groq_batch.statuses import is_terminal

        ranges = self._ranges(batches)
        for number, batch in enumerate(batches, start=1):
            if batch.id in self._written or not is_terminal(batch):
                continue
            self._write_part(f"part-{number:05d}", batch, ranges[number - 1] if ranges else None)
            self._written.add(batch.id)

    def finish(self, batches: Sequence[Batch]) -> tuple[ResultSummary, dict[str, Any]]:
        """Write the parts left, and the unanswered inputs no part took; return the summary."""
        self.update(batches)
        if self._ranges(batches) is None:
            self._write_part("part-missing", None, None)
        self._index.close()
        return self.summary, self.tally.result().as_dict()

    def _write_part(self, name: str, batch: Batch | None, entries: range | None) -> None:
        from groq_batch.tables import TableWriter

        target = self.directory / f"{name}.parquet"
        tmp = self.directory / f".{name}.parquet.tmp"
        count = 0
        try:
            with TableWriter(tmp, "parquet", inputs=self._table) as writer:
                for result in self._results(batch, entries):
                    self.summary.add(self.tally.add(result))
                    writer.write(result)
                    count += 1
                    self._handed += 1
                    stop_at("results", self._handed)
            if batch is None and not count:
                tmp.unlink()
                return
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.files.append(target)

    def _results(self, batch: Batch | None, entries: range | None) -> Any:
        if batch is None:
            yield from self._joiner.missing()
            return
        for file_id in (batch.output_file_id, batch.error_file_id):
            if isinstance(file_id, str) and file_id:
                with self._client.files.content(file_id) as content:
                    for line in content.iter_lines():
                        result = self._joiner.feed(line)
                        if result is not None:
                            yield result
        if entries is not None:
            yield from self._joiner.missing(entries)


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
        rows.append((UNPRICED, ", ".join(cost["unpriced_models"])))
    return rows
