"""Where a table's rows are read from, pass after pass, a batch at a time (``RowSource``).

The table job checks the rows in one pass, builds the requests in another, and reads the input
columns again, range by range, when it writes the results: a Parquet or CSV file is read from
disk each time and never held; a table handed in (JSON Lines records, a DataFrame) is sliced.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch._errors import TableInputError
from groq_batch.table_reading import (
    BATCH_ROWS,
    csv_batches,
    csv_header,
    input_file,
    not_parquet,
    read_rows,
)
from groq_batch.table_schema import TableProblem, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ArrowSource", "CsvSource", "ParquetSource", "RowSource", "Scan", "row_source"]


Scan = Iterator[tuple["pa.RecordBatch", list[int] | None, list[TableProblem]]]
"""A pass over a table's rows: each batch, its rows' file lines (CSV, JSON Lines) and problems."""


def _released(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The batches, each one's decoding buffers handed back to the system once it is used.

    PyArrow's default allocator (mimalloc) keeps what a batch freed for later: reading a
    million rows of Parquet that way ends 30 MB above reading a hundred thousand, though
    neither holds more than a batch.
    """
    pool = require_pyarrow().default_memory_pool()
    for batch in batches:
        yield batch
        del batch
        pool.release_unused()


class RowSource(ABC):
    """A table's rows, read again from where they came a batch at a time, never held whole.

    The table job checks the rows in one pass, builds the requests in another and, when the
    results are written, reads the input columns of each range of rows once more: so a
    million rows cost one batch of memory, not the table. A table held in memory (given as
    one) is its own source.

    Attributes:
        schema: The columns that lead each output row.
    """

    schema: pa.Schema
    # Where ``take`` reads: the batches, the first row held, the row after the last read, and
    # the batches held (those that cover the rows asked for last).
    _cursor: list[Any] | None = None

    @property
    @abstractmethod
    def num_rows(self) -> int:
        """How many rows the table has."""

    def release(self) -> None:
        """Let go of the batches ``take`` read last but one, keeping its place in the file.

        The parts of a dataset output come one after the other, each a later range of rows:
        the next part reads on from here (its first rows may be in the batch kept) instead of
        from the top of the file again.
        """
        if self._cursor is not None and self._cursor[3]:
            last = self._cursor[3][-1]
            self._cursor[1:] = [self._cursor[2] - last.num_rows, self._cursor[2], [last]]

    @abstractmethod
    def batches(self, columns: Sequence[str] | None = None, rows: int = BATCH_ROWS) -> Any:
        """The rows in order, a record batch of ``columns`` (by default ``schema``'s) at a time.

        A column outside ``schema`` that the file holds (a saved id column) may be named too.
        """

    def scan(self, columns: Sequence[str] | None = None) -> Scan:
        """One checking pass: the batches, with their rows' lines and problems (none here)."""
        for batch in self.batches(columns):
            yield batch, None, []

    def unread(self) -> list[TableProblem]:
        """The rows that could not be read, for a report of every problem (none by default)."""
        return []

    def read_all(self) -> pa.Table:
        """The whole table (``PromptTable.table``; the table job never asks for it)."""
        pa = require_pyarrow()
        return pa.Table.from_batches(list(self.batches()), schema=self.schema)

    def take(self, rows: Any) -> list[Any]:
        """The input columns of ``rows`` (an int64 array, null for none), one array each.

        Rows are read forward through the source and only the batches that cover the rows
        asked for are held: writing results range by range, in input order, reads the source
        once; a range behind the one read last starts the reading over.
        """
        pa = require_pyarrow()
        import pyarrow.compute as pc

        bounds = pc.min_max(rows)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        if low is None:
            # No row matches an input: a take of null indices gives nulls of each column's type.
            empty = self.schema.empty_table()
            return [c.combine_chunks() for c in empty.take(rows).columns]
        cursor = self._cursor
        if cursor is None or low < cursor[1]:
            cursor = [iter(self.batches()), 0, 0, []]
            self._cursor = cursor
        batches, start, end, held = cursor
        while held and start + held[0].num_rows <= low:
            start += held.pop(0).num_rows
        while end <= high:
            try:
                batch = next(batches)
            except StopIteration:
                raise TableInputError(
                    [TableProblem(high + 1, None, "the input has fewer rows than when it was read")]
                ) from None
            if end + batch.num_rows <= low:
                start = end = end + batch.num_rows
                continue
            if not held:
                start = end
            held.append(batch)
            end += batch.num_rows
        cursor[1:] = [start, end, held]
        part = pa.Table.from_batches(held, schema=self.schema).slice(low - start, high - low + 1)
        return [c.combine_chunks() for c in part.take(pc.subtract(rows, low)).columns]


class ArrowSource(RowSource):
    """A table held in memory (given as a table or a DataFrame): sliced, not read again."""

    def __init__(
        self,
        table: pa.Table,
        lines: list[int] | None = None,
        problems: Any = (),
        columns: Sequence[str] | None = None,
    ) -> None:
        """Hold a table.

        Args:
            table: The table.
            lines: Each row's line in its file (JSON Lines), for problems to name.
            problems: The rows that could not be read.
            columns: The columns that lead each output row, when not all of the table's (a
                saved id column is held but not written).
        """
        pa = require_pyarrow()
        self.table = table
        self.schema = (
            table.schema if columns is None else pa.schema([table.schema.field(c) for c in columns])
        )
        self._lines = lines
        self._problems = list(problems)

    @property
    def num_rows(self) -> int:
        """How many rows the table has."""
        return int(self.table.num_rows)

    def batches(self, columns: Sequence[str] | None = None, rows: int = BATCH_ROWS) -> Any:
        """The rows in order, a record batch of ``columns`` at a time (see ``RowSource``)."""
        table = self.table.select(list(self.schema.names if columns is None else columns))
        return iter(table.to_batches(max_chunksize=rows))

    def scan(self, columns: Sequence[str] | None = None) -> Scan:
        """One checking pass: the batches, their rows' file lines and problems."""
        start = 0
        for batch in self.batches(columns):
            count = batch.num_rows
            lines = self._lines[start : start + count] if self._lines is not None else None
            mine = [
                p for p in self._problems if p.row is not None and start < p.row <= start + count
            ]
            yield batch, lines, mine
            start += count
        if start == 0:
            # No rows (every line unreadable, say): the problems still come, with no batch rows.
            pa = require_pyarrow()
            names = list(self.schema.names if columns is None else columns)
            fields = [self.schema.field(name) for name in names]
            empty = [pa.array([], f.type) for f in fields]
            yield pa.RecordBatch.from_arrays(empty, schema=pa.schema(fields)), [], self._problems

    def unread(self) -> list[TableProblem]:
        """The rows that could not be read (JSON Lines), for a report of every problem."""
        return list(self._problems)

    def read_all(self) -> pa.Table:
        """The whole table."""
        return self.table.select(self.schema.names)

    def take(self, rows: Any) -> list[Any]:
        """As ``RowSource.take``, from a slice of the held table.

        ``Table.take`` on a table of many chunks joins each whole column before it takes: a
        copy of the input per row group, quadratic in the rows. The rows of a group come from
        one range (the in-order spill sorts them by range), so taking from a slice of just
        that range copies only what the group needs.
        """
        import pyarrow.compute as pc

        bounds = pc.min_max(rows)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        table = self.table.select(self.schema.names)
        if low is None:
            part = table.slice(0, 0)
        else:
            part = table.slice(low, high - low + 1)
            rows = pc.subtract(rows, low)
        return [c.combine_chunks() for c in part.take(rows).columns]


class ParquetSource(RowSource):
    """A Parquet file, read a batch at a time (one thread, a buffered stream)."""

    def __init__(self, path: str | os.PathLike[str], hidden: Sequence[str] = ()) -> None:
        import pyarrow.parquet as pq

        pa = require_pyarrow()
        self.path = path
        file = pq.ParquetFile(path)
        self._rows = file.metadata.num_rows
        full = file.schema_arrow
        self.schema = pa.schema([f for f in full if f.name not in hidden])

    @property
    def num_rows(self) -> int:
        """How many rows the table has."""
        return int(self._rows)

    def batches(self, columns: Sequence[str] | None = None, rows: int = BATCH_ROWS) -> Any:
        """The rows in order, a record batch of ``columns`` at a time (see ``RowSource``)."""
        import pyarrow.parquet as pq

        names = list(self.schema.names if columns is None else columns)
        file = pq.ParquetFile(self.path, buffer_size=1 << 20, pre_buffer=False)
        return _released(
            file.iter_batches(
                batch_size=rows, columns=names, use_threads=False, use_pandas_metadata=False
            )
        )


class CsvSource(RowSource):
    """A CSV file, parsed again on each pass (its cells are strings)."""

    def __init__(self, path: Path) -> None:
        pa = require_pyarrow()
        self.path = path
        self.schema = pa.schema([(name, pa.string()) for name in csv_header(path)])
        self._rows: int | None = None

    @property
    def num_rows(self) -> int:
        """How many rows the table has."""
        if self._rows is None:
            self._rows = sum(batch.num_rows for batch, _, _ in csv_batches(self.path))
        return self._rows

    def batches(self, columns: Sequence[str] | None = None, rows: int = BATCH_ROWS) -> Any:
        """The rows in order, a record batch of ``columns`` at a time (see ``RowSource``)."""
        names = list(self.schema.names if columns is None else columns)
        return _released(batch.select(names) for batch, _, _ in csv_batches(self.path, rows))

    def scan(self, columns: Sequence[str] | None = None) -> Scan:
        """One checking pass: the batches, their rows' file lines and problems."""
        names = list(self.schema.names if columns is None else columns)
        count = 0
        for batch, lines, problems in csv_batches(self.path):
            count += batch.num_rows
            yield batch.select(names), lines, problems
        self._rows = count

    def unread(self) -> list[TableProblem]:
        """The rows that could not be read, for a report of every problem."""
        return [p for _, _, problems in csv_batches(self.path) for p in problems]


def row_source(source: Any, format: str | None) -> RowSource:
    """Where a table's rows are read from, pass after pass.

    A Parquet or CSV file is read again on each pass; JSON Lines records, tables and
    DataFrames are held.

    Args:
        source: The input, as ``read_table`` takes it.
        format: The file's format, when its extension does not say.

    Returns:
        The source.

    Raises:
        TableInputError: The file cannot be read as a table at all.
    """
    pa = require_pyarrow()
    found = input_file(source, format)
    if found is not None and found[1] == "csv":
        return CsvSource(found[0])
    if found is not None and found[1] == "parquet":
        try:
            return ParquetSource(found[0])
        except (pa.ArrowInvalid, OSError) as exc:
            raise not_parquet(found[0], exc) from None
    table, lines, problems = read_rows(source, format)
    return ArrowSource(table, lines, problems)
