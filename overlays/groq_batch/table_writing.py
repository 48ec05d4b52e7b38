"""Writing outputs: results as a CSV, Parquet or JSON Lines file, an Arrow table or a DataFrame.

Each output row is the input row's columns (renamed with ``INPUT_PREFIX`` when a result column
has the name), then the result columns. Results are streamed in row groups, bounded by rows and
by bytes, so memory stays flat however large the answers are; in input order, they wait on disk
(``groq_batch.table_order``). CSV cells that a spreadsheet would run as formulas are
neutralised unless asked otherwise.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from groq_batch.table_order import OrderSpill
from groq_batch.table_schema import (
    INPUT_PREFIX,
    RESULT_COLUMNS,
    ROW_GROUP_BYTES,
    format_of,
    release_freed_memory,
    require_pyarrow,
    result_schema,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from groq_batch.results import BatchResult, ResultSummary
    from groq_batch.table_prompts import PromptTable

__all__ = [
    "AsyncResultsStream",
    "ResultsStream",
    "TableWriter",
    "results_to_arrow",
    "results_to_pandas",
    "results_to_polars",
    "write_results",
]


def _token(usage: Mapping[str, Any] | None, key: str) -> int | None:
    value = usage.get(key) if usage is not None else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _parsed_json(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _result_fields(result: BatchResult, json_mode: bool) -> dict[str, Any]:
    text = result.text
    usage = result.usage
    return {
        "custom_id": result.custom_id,
        "outcome": result.outcome.value,
        "text": text,
        "json": _parsed_json(text) if json_mode else None,
        "prompt_tokens": _token(usage, "prompt_tokens"),
        "completion_tokens": _token(usage, "completion_tokens"),
        "error_code": result.error.code if result.error is not None else None,
        "error_message": result.error.message if result.error is not None else None,
    }


def _input_names(names: Sequence[str]) -> list[str]:
    taken = set(RESULT_COLUMNS)
    out = []
    for name in names:
        renamed = name
        while renamed in taken:
            renamed = INPUT_PREFIX + renamed
        taken.add(renamed)
        out.append(renamed)
    return out


# OWASP's CSV injection advice: a spreadsheet runs a cell that starts with one of these as a
# formula (tab and carriage return too, which some tools skip before looking).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number is a value in every spreadsheet, never a formula: "-5" stays "-5".
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _neutralised(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a single quote before a would-be formula."""
    if text.startswith(_FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None:
        return "'" + text
    return text


def _json_default(value: Any) -> Any:
    """JSON for what ``json`` does not know: bytes as base64, the rest (dates...) as text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _cell(value: Any, raw: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        text = _json_default(value)
    elif isinstance(value, dict | list | tuple):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    else:
        text = str(value)
    return text if raw else _neutralised(text)


class TableWriter:
    """Write results as a table (CSV, Parquet or JSON Lines), a row group at a time.

    Memory holds one row group of results, never the whole set. Parquet files share one
    schema: the input columns, then ``result_schema()``.
    """

    def __init__(
        self,
        sink: str | os.PathLike[str] | IO[Any],
        format: str,
        *,
        inputs: PromptTable | None = None,
        json_mode: bool | None = None,
        row_group_size: int | None = None,
        csv_raw: bool = False,
        ordered: bool = True,
    ) -> None:
        """Open the writer.

        Args:
            sink: A path, or an open file (text for CSV and JSON Lines, binary for Parquet).
            format: ``csv``, ``parquet`` or ``jsonl``.
            inputs: The prompt table the job came from; its columns lead each row.
            json_mode: Fill the ``json`` column; by default, when the inputs asked for JSON.
            row_group_size: Results per row group (Parquet) or per flush (CSV, JSON Lines) at
                most; a group is also flushed once it holds ``ROW_GROUP_BYTES`` of text.
            csv_raw: Write CSV cells as they are. By default a cell that starts with ``=``,
                ``+``, ``-``, ``@``, a tab or a carriage return (and is not a plain number) gets
                a single quote in front, so that a spreadsheet shows it as text instead of
                running it as a formula (OWASP's advice on CSV injection).
            ordered: With ``inputs``, write the rows in input order (results that match no
                input last, as they came). The results wait on disk, in files by row range,
                until ``close()``: memory still holds one row group, not the whole set.
        """
        pa = require_pyarrow()
        # What came before (validation, upload, the wait) has freed its memory: give it back,
        # so that the results' buffers do not come on top of it.
        release_freed_memory()
        self.csv_raw = csv_raw
        self.format = format_of("", format)
        self.inputs = inputs
        self.json_mode = inputs.json_mode if json_mode is None and inputs else bool(json_mode)
        self.row_group_size = row_group_size or (10_000 if self.format == "parquet" else 1_000)
        input_schema = inputs.schema if inputs is not None else pa.schema([])
        self._input_names = _input_names(input_schema.names)
        self.schema = pa.schema(
            [f.with_name(n) for f, n in zip(input_schema, self._input_names, strict=True)]
            + list(result_schema())
        )
        self._pending: list[tuple[int | None, dict[str, Any]]] = []
        self._pending_bytes = 0
        self._spill: OrderSpill | None = None
        if ordered and inputs is not None:
            self._spill = OrderSpill(inputs.num_rows, self.row_group_size)
        self._owned: IO[Any] | None = None
        self._parquet: Any = None
        self._csv: Any = None
        if isinstance(sink, str | os.PathLike):
            # Closed in close(), like a file passed in is not.
            if self.format == "parquet":
                self._owned = open(sink, "wb")  # noqa: SIM115
            else:
                self._owned = open(sink, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._sink: IO[Any] = self._owned
        else:
            self._sink = sink
        if self.format == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(self._sink, self.schema)
        elif self.format == "csv":
            self._csv = csv.writer(cast("IO[str]", self._sink))
            self._csv.writerow(self.schema.names)

    def write(self, result: BatchResult) -> None:
        """Add one result; a full row group goes to the file.

        Args:
            result: The result.
        """
        row = self.inputs.row_of_result(result) if self.inputs is not None else None
        if self._add(row, _result_fields(result, self.json_mode)):
            self.flush()

    def _add(self, row: int | None, fields: dict[str, Any]) -> bool:
        """Hold one result's fields; True when the held results make a full row group."""
        self._pending.append((row, fields))
        # Bytes, not rows, bound memory: answers range from a word to a long document.
        for key in ("text", "json", "error_message"):
            value = fields[key]
            if value is not None:
                self._pending_bytes += len(value)
        return len(self._pending) >= self.row_group_size or self._pending_bytes >= ROW_GROUP_BYTES

    def _result_arrays(self) -> list[Any]:
        pa = require_pyarrow()
        fields = [f for _, f in self._pending]
        return [pa.array([row[f.name] for row in fields], f.type) for f in result_schema()]

    def _joined(self, rows: Any, results: Sequence[Any]) -> pa.RecordBatch:
        """A batch of output rows: the input columns of ``rows`` (nulls for None), then results."""
        pa = require_pyarrow()
        arrays: list[Any] = []
        if self.inputs is not None and self._input_names:
            arrays.extend(self.inputs.input_columns(rows))
        arrays.extend(results)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _batch(self) -> pa.RecordBatch:
        pa = require_pyarrow()
        rows = pa.array([r for r, _ in self._pending], pa.int64())
        return self._joined(rows, self._result_arrays())

    def flush(self) -> None:
        """Write the results held so far (in input order: put them on disk until ``close()``)."""
        if not self._pending:
            return
        if self._spill is not None:
            pa = require_pyarrow()
            rows = [r for r, _ in self._pending]
            results = self._result_arrays()
            self._pending.clear()
            self._pending_bytes = 0
            self._spill.add(rows, pa.RecordBatch.from_arrays(results, schema=result_schema()))
            return
        batch = self._batch()
        self._pending.clear()
        self._pending_bytes = 0
        self._emit(batch)

    def _emit(self, batch: pa.RecordBatch) -> None:
        """Write whole output rows to the sink."""
        if self._parquet is not None:
            self._parquet.write_batch(batch)
        elif self._csv is not None:
            for record in batch.to_pylist():
                self._csv.writerow([_cell(v, self.csv_raw) for v in record.values()])
        else:
            for record in batch.to_pylist():
                if record.get("json") is not None:
                    record["json"] = json.loads(record["json"])
                line = json.dumps(record, ensure_ascii=False, default=_json_default)
                self._sink.write(line + "\n")

    def close(self) -> None:
        """Write what is left and close the file (a file passed in is flushed, not closed)."""
        pa = require_pyarrow()
        try:
            self.flush()
            if self._spill is not None:
                # The join (its index of every input line) is over; the read-back's buffers
                # come from PyArrow's allocator, which cannot reuse what the join freed.
                release_freed_memory()
                spill, self._spill = self._spill, None
                with spill:
                    for rows, results in spill.in_order():
                        for start in range(0, results.num_rows, self.row_group_size):
                            part = results.slice(start, self.row_group_size)
                            columns = [c.combine_chunks() for c in part.columns]
                            self._emit(self._joined(rows.slice(start, part.num_rows), columns))
                        # The range read back is freed: give it to the system, not the pool.
                        pa.default_memory_pool().release_unused()
            if self._parquet is not None:
                self._parquet.close()
        finally:
            if self.inputs is not None:
                self.inputs.release()
            if self._owned is not None:
                self._owned.close()
            elif self.format != "parquet":
                self._sink.flush()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_results(
    results: Iterable[BatchResult],
    output: str | os.PathLike[str],
    *,
    format: str | None = None,
    inputs: PromptTable | None = None,
    summary: ResultSummary | None = None,
    csv_raw: bool = False,
) -> None:
    """Stream results into a table file, replacing it only once it is whole.

    Args:
        results: The job's results (``job.results(...)``).
        output: The file; ``-`` writes CSV or JSON Lines to stdout.
        format: ``csv``, ``parquet`` or ``jsonl``; by default, from the extension.
        inputs: The prompt table, whose columns lead each row.
        summary: Counts each result, when given.
        csv_raw: Write CSV cells as they are, formulas included; by default a cell that a
            spreadsheet would run as a formula gets a single quote in front (see ``TableWriter``).
    """
    fmt = format_of(output, format)
    if os.fspath(output) == "-":
        with TableWriter(sys.stdout, fmt, inputs=inputs, csv_raw=csv_raw) as writer:
            for result in results:
                if summary is not None:
                    summary.add(result)
                writer.write(result)
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        with TableWriter(tmp, fmt, inputs=inputs, csv_raw=csv_raw) as writer:
            for result in results:
                if summary is not None:
                    summary.add(result)
                writer.write(result)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def results_to_arrow(
    results: Iterable[BatchResult],
    inputs: PromptTable | None = None,
    *,
    json_mode: bool | None = None,
) -> pa.Table:
    """Collect results into one PyArrow table: the input columns, then the result columns.

    Args:
        results: The job's results.
        inputs: The prompt table the requests came from (``prompt_table(...)``).
        json_mode: Fill the ``json`` column; by default, when the inputs asked for JSON.

    Returns:
        The table, in the order the results came.
    """
    pa = require_pyarrow()
    sink = io.BytesIO()
    batches: list[Any] = []
    if inputs is not None:
        # The whole result is in memory anyway; its rows come in any order.
        inputs = inputs.held()
    writer = TableWriter(sink, "parquet", inputs=inputs, json_mode=json_mode)
    # The writer's batching is reused; its Parquet output is dropped.
    for result in results:
        row = inputs.row_of_result(result) if inputs is not None else None
        if writer._add(row, _result_fields(result, writer.json_mode)):
            batches.append(writer._batch())
            writer._pending.clear()
            writer._pending_bytes = 0
    if writer._pending:
        batches.append(writer._batch())
    return pa.Table.from_batches(batches, schema=writer.schema)


def results_to_pandas(results: Iterable[BatchResult], inputs: PromptTable | None = None) -> Any:
    """``results_to_arrow(results, inputs)`` as a pandas DataFrame (pandas must be installed)."""
    return results_to_arrow(results, inputs).to_pandas()


def results_to_polars(results: Iterable[BatchResult], inputs: PromptTable | None = None) -> Any:
    """``results_to_arrow(results, inputs)`` as a polars DataFrame (polars must be installed)."""
    import polars

    return polars.from_arrow(results_to_arrow(results, inputs))


AsyncResultsStream = AsyncIterator["BatchResult"]
"""What an async job's ``results()`` returns: the results, streamed (tables come from sync)."""


class ResultsStream(Iterator["BatchResult"]):
    """A job's results as an iterator that can also become a table.

    ``job.results()`` can return one of these; iterating it streams as before, and
    ``to_arrow()``, ``to_pandas()``, ``to_polars()`` collect what is left of it into a table.
    """

    def __init__(self, results: Iterable[BatchResult], inputs: PromptTable | None = None) -> None:
        """Wrap a stream of results.

        Args:
            results: The results.
            inputs: The prompt table the requests came from, whose columns lead each row.
        """
        self._it = iter(results)
        self.inputs = inputs

    def __next__(self) -> BatchResult:
        return next(self._it)

    def __iter__(self) -> ResultsStream:
        return self

    def to_arrow(self, inputs: PromptTable | None = None) -> pa.Table:
        """Collect the results into a PyArrow table (see ``results_to_arrow``)."""
        return results_to_arrow(self, inputs or self.inputs)

    def to_pandas(self, inputs: PromptTable | None = None) -> Any:
        """Collect the results into a pandas DataFrame."""
        return self.to_arrow(inputs).to_pandas()

    def to_polars(self, inputs: PromptTable | None = None) -> Any:
        """Collect the results into a polars DataFrame."""
        import polars

        return polars.from_arrow(self.to_arrow(inputs))

    def to_file(
        self,
        output: str | os.PathLike[str],
        *,
        format: str | None = None,
        inputs: PromptTable | None = None,
        csv_raw: bool = False,
    ) -> None:
        """Stream the results into a CSV, Parquet or JSON Lines file (see ``write_results``)."""
        write_results(self, output, format=format, inputs=inputs or self.inputs, csv_raw=csv_raw)
