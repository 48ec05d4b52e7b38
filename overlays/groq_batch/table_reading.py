"""Reading inputs: a CSV, Parquet or JSON Lines file, or a DataFrame, as a PyArrow table.

CSV and JSON Lines rows keep their file line, so that a problem names both; a bad row stays a
row of the table (its cells empty), so that row numbers hold. Parquet is read a row group at a
time. Turning the rows into requests is ``groq_batch.table_prompts``'.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from groq_batch._errors import TableInputError
from groq_batch.table_schema import (
    CHUNK_ROWS,
    MAX_PROBLEMS,
    TableProblem,
    format_of,
    require_pyarrow,
)

if TYPE_CHECKING:
    import pyarrow as pa


__all__ = ["is_batch_jsonl", "read_parquet", "read_rows", "read_table", "source_label"]

_BATCH_KEYS = frozenset({"custom_id", "method", "url", "body"})

_SURROGATE = re.compile("[\udc80-\udcff]")

BATCH_ROWS = 8_192
"""Rows per batch when a table is read a batch at a time: at a million rows, 65,536 a batch
ended 15 MB higher than at a hundred thousand (what a batch freed is not all reused), this 7."""

_CSV_FIELD_LIMIT = 2**31 - 1
"""The largest CSV cell read: the most a C long holds on every platform (Windows' is 32-bit)."""


def is_batch_jsonl(path: str | os.PathLike[str]) -> bool:
    """Whether a JSON Lines file holds batch requests, not plain records.

    Args:
        path: The file.

    Returns:
        False only when its first non-blank line is a JSON object with none of a batch line's
        keys (``custom_id``, ``method``, ``url``, ``body``). A line that does not parse, or a
        broken batch line, counts as batch requests, so that the batch validator reports it.
    """
    with open(path, "rb") as fh:
        for raw in fh:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except (ValueError, RecursionError):
                    return True
                return not isinstance(first, dict) or not _BATCH_KEYS.isdisjoint(first)
    return True


def _undecodable(cell: str) -> str | None:
    match = _SURROGATE.search(cell)
    if match is None:
        return None
    return f"0x{ord(match.group()) - 0xDC00:02x}"


def _csv_header(reader: Any, source: str) -> list[str]:
    """The header row, checked: each problem with it is raised (no row can be read without it)."""
    problems: list[TableProblem] = []
    try:
        header: list[str] = next(reader)
    except StopIteration:
        raise TableInputError(
            [TableProblem(None, None, "the file is empty; its first line must name the columns")],
            source=source,
        ) from None
    except csv.Error as exc:
        raise TableInputError(
            [TableProblem(None, None, f"not valid CSV: {exc}", 1)], source=source
        ) from None
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        bad = _undecodable(name)
        if bad is not None:
            problems.append(
                TableProblem(None, None, f"header cell {index} is not UTF-8 (byte {bad})", 1)
            )
        elif not name.strip():
            problems.append(TableProblem(None, None, f"header cell {index} is empty", 1))
        elif name in seen:
            problems.append(TableProblem(None, name, "the header names it twice", 1))
        seen.add(name)
    if problems:
        raise TableInputError(problems, source=source)
    return header


def _open_csv(path: Path) -> IO[str]:
    # The csv module refuses a cell over 128 KiB by default, but a prompt that long is fine in
    # JSON Lines; the request's own limits are checked later, the same for both. The limit is
    # process-wide (the module has no per-reader one), so it is only ever raised.
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    # surrogateescape keeps reading past a bad byte, so the error can name its row and column.
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def csv_header(path: Path) -> list[str]:
    """A CSV file's column names (its header, checked)."""
    with _open_csv(path) as fh:
        return _csv_header(csv.reader(fh, strict=True), os.fspath(path))


def csv_batches(
    path: Path, rows: int = BATCH_ROWS
) -> Iterator[tuple[pa.RecordBatch, list[int], list[TableProblem]]]:
    """A CSV file's rows, a batch of string columns at a time, never the whole file.

    Each batch comes with its rows' file lines and the problems of its rows (numbered in the
    whole file). A bad row stays a row (its cells empty), so that later rows keep their
    numbers; reading stops after ``MAX_PROBLEMS`` problems. At least one batch comes, so that
    an empty file still has its columns.

    Raises:
        TableInputError: The header cannot be read (each of its problems named).
    """
    pa = require_pyarrow()
    source = os.fspath(path)
    with _open_csv(path) as fh:
        reader = csv.reader(fh, strict=True)
        header = _csv_header(reader, source)
        problems_total = 0
        row = 0
        sent = False
        done = False
        while not done:
            columns: list[list[str]] = [[] for _ in header]
            lines: list[int] = []
            problems: list[TableProblem] = []
            while len(lines) < rows:
                if problems_total + len(problems) >= MAX_PROBLEMS:
                    done = True
                    break
                try:
                    cells = next(reader)
                except StopIteration:
                    done = True
                    break
                except csv.Error as exc:
                    problems.append(
                        TableProblem(row + 1, None, f"not valid CSV: {exc}", reader.line_num)
                    )
                    done = True
                    break
                if not cells:
                    continue  # a blank line is no row, as in pandas and spreadsheets
                row += 1
                lines.append(reader.line_num)
                if len(cells) != len(header):
                    problems.append(
                        TableProblem(
                            row,
                            None,
                            f"{len(cells)} cells, but the header names {len(header)} columns",
                            reader.line_num,
                        )
                    )
                    # The row keeps its place (later rows keep their numbers), its cells unread.
                    cells = [""] * len(header)
                for name, cell, column in zip(header, cells, columns, strict=True):
                    bad = _undecodable(cell)
                    if bad is not None:
                        problems.append(
                            TableProblem(
                                row,
                                name,
                                f"not UTF-8 (byte {bad}); save the file as UTF-8",
                                reader.line_num,
                            )
                        )
                        cell = ""  # reported; the row stays, so later rows keep their numbers
                    column.append(cell)
            problems_total += len(problems)
            if lines or not sent:
                arrays = [pa.array(col, pa.string()) for col in columns]
                yield pa.RecordBatch.from_arrays(arrays, names=header), lines, problems
                sent = True


def _read_csv(path: Path) -> tuple[pa.Table, list[int], list[TableProblem]]:
    # Row problems are returned, not raised, so that a caller reports them together with its
    # own (an empty prompt on row 9 as well as a ragged row 3); the header's are raised.
    pa = require_pyarrow()
    batches: list[Any] = []
    lines: list[int] = []
    problems: list[TableProblem] = []
    for batch, batch_lines, batch_problems in csv_batches(path):
        batches.append(batch)
        lines += batch_lines
        problems += batch_problems
    return pa.Table.from_batches(batches), lines, problems


def _read_records(path: Path) -> tuple[pa.Table, list[int], list[TableProblem]]:
    pa = require_pyarrow()
    source = os.fspath(path)
    problems: list[TableProblem] = []
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    with path.open("rb") as fh:
        for line, raw in enumerate(fh, start=1):
            if len(problems) >= MAX_PROBLEMS:
                break
            if not raw.strip():
                continue
            row = len(records) + 1
            lines.append(line)
            try:
                value = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                problems.append(TableProblem(row, None, f"not UTF-8: {exc.reason}", line))
                records.append({})
                continue
            except (ValueError, RecursionError) as exc:
                problems.append(TableProblem(row, None, f"not JSON: {exc}", line))
                records.append({})
                continue
            if not isinstance(value, dict):
                problems.append(TableProblem(row, None, "not a JSON object (a record)", line))
                records.append({})
                continue
            records.append(value)
    if not records:
        return pa.table({}), lines, problems
    try:
        return pa.Table.from_pylist(records), lines, problems
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise TableInputError(
            [TableProblem(None, None, f"the records do not make one table: {exc}")], source=source
        ) from None


def read_table(source: Any, *, format: str | None = None) -> pa.Table:
    """Read a table of inputs into a PyArrow table.

    Args:
        source: A path to a CSV, Parquet or JSON Lines (plain records) file; a PyArrow table or
            record batch; a pandas or polars DataFrame; or anything ``pyarrow.table`` accepts.
        format: The file's format, when its extension does not say.

    Returns:
        The table. CSV cells are strings; Parquet keeps its types.

    Raises:
        TableInputError: The file cannot be read as a table; the error names row and column.
    """
    table, _, problems = read_rows(source, format)
    if problems:
        raise TableInputError(problems, source=source_label(source))
    return table


def source_label(source: Any) -> str:
    """What an input is called in an error: its path, or ``table`` for one held in memory.

    Args:
        source: The input, as given to ``read_table``.

    Returns:
        The label.
    """
    return os.fspath(source) if isinstance(source, str | os.PathLike) else "table"


def input_file(source: Any, format: str | None) -> tuple[Path, str] | None:
    """An input file and its format, or None for a table held in memory.

    Raises:
        TableInputError: There is no such file, or its format cannot be told.
    """
    if not isinstance(source, str | os.PathLike):
        return None
    path = Path(source)
    fmt = format_of(path, format)
    if not path.is_file():
        raise TableInputError([TableProblem(None, None, "no such file")], source=str(path))
    return path, fmt


def not_parquet(path: Path, exc: Exception) -> TableInputError:
    """The error for a file that PyArrow cannot read as Parquet."""
    return TableInputError(
        [TableProblem(None, None, f"not a Parquet file: {exc}")], source=str(path)
    )


def read_rows(
    source: Any, format: str | None
) -> tuple[pa.Table, list[int] | None, list[TableProblem]]:
    """Read a table, keeping what ``read_table`` raises for: the bad rows, and each row's line.

    A bad row is still a row of the table (its cells empty), so that row numbers hold, and the
    caller can report it together with its own problems.

    Args:
        source: The input, as ``read_table`` takes it.
        format: The file's format, when its extension does not say.

    Returns:
        The table; each row's line in its file (CSV and JSON Lines; None otherwise); and the
        problems with its rows.

    Raises:
        TableInputError: The file cannot be read as a table at all.
    """
    pa = require_pyarrow()
    found = input_file(source, format)
    if found is not None:
        path, fmt = found
        if fmt == "csv":
            return _read_csv(path)
        if fmt == "jsonl":
            return _read_records(path)
        try:
            return read_parquet(path), None, []
        except (pa.ArrowInvalid, OSError) as exc:
            raise not_parquet(path, exc) from None
    if isinstance(source, pa.Table):
        return source, None, []
    if isinstance(source, pa.RecordBatch):
        return pa.Table.from_batches([source]), None, []
    module = type(source).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(source, preserve_index=False), None, []
    if module == "polars":
        return source.to_arrow(), None, []
    return pa.table(source), None, []


# ---------------------------------------------------------------------------------- requests


def read_parquet(path: str | os.PathLike[str]) -> pa.Table:
    """A Parquet file as a table, read a row group at a time.

    ``pq.read_table`` imports pandas (about 50 MB of RSS, for nothing here) and decodes every
    column at once on a thread each; row groups in turn keep the peak near the table's size.
    One thread and a buffered stream (no column chunk read whole ahead of its decoding) cut
    the read's transient at a million rows from 168 to 130 MB, and the decode buffers it
    freed go back to the system instead of staying in the allocator.
    """
    import pyarrow.parquet as pq

    pa = require_pyarrow()
    file = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    table = pa.Table.from_batches(
        file.iter_batches(batch_size=CHUNK_ROWS, use_threads=False, use_pandas_metadata=False),
        schema=file.schema_arrow,
    )
    pa.default_memory_pool().release_unused()
    return table
