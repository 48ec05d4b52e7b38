"""What every table module shares: the formats, the result columns and their schema, problems.

The result columns (``RESULT_COLUMNS``, ``result_schema()``) are the same in every result file
whatever its format; ``TableProblem`` is how a bad input names its row and column. PyArrow (the
``tables`` extra) is loaded here, on first use, so that importing the package never needs it.
"""

from __future__ import annotations

import ctypes
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_batch._errors import MissingExtraError, TableInputError

if TYPE_CHECKING:
    import pyarrow as pa


__all__ = [
    "CHUNK_ROWS",
    "FORMATS",
    "INPUT_PREFIX",
    "MAX_PROBLEMS",
    "RESULT_COLUMNS",
    "ROW_GROUP_BYTES",
    "TableProblem",
    "format_of",
    "release_freed_memory",
    "require_pyarrow",
    "result_schema",
]

FORMATS = ("csv", "parquet", "jsonl")
"""The table formats read and written, chosen by a file's extension or given explicitly."""

_SUFFIXES = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

RESULT_COLUMNS = (
    "custom_id",
    "outcome",
    "text",
    "json",
    "prompt_tokens",
    "completion_tokens",
    "error_code",
    "error_message",
)
"""The result columns, in order, after the input columns. Documented in the README."""

INPUT_PREFIX = "input_"
"""Put before an input column whose name is also a result column's (``text`` -> ``input_text``)."""

ROW_GROUP_BYTES = 16 * 2**20
"""Flush a row group once its answers hold this much text, however few rows that is."""

MAX_PROBLEMS = 20
"""Stop reading after this many problems: the first few say what is wrong with the file."""


# Rows turned into Python objects at a time while reading a column: bounds the memory a check
# needs, whatever the table's length.
CHUNK_ROWS = 65_536


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (macOS, musl, Windows)
        return None


def release_freed_memory() -> None:
    """Give the C heap's free memory back to the system (with glibc; elsewhere nothing).

    What the join and the validator free (arrays of a few bytes a line: 20 MB at a million
    lines) stays in glibc's heap, where PyArrow's own allocator, which writes the output,
    cannot reuse it: the output's buffers came on top, and the peak grew with the rows.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def require_pyarrow() -> Any:
    """PyArrow, imported on first use.

    Returns:
        The ``pyarrow`` module.

    Raises:
        MissingExtraError: PyArrow is not installed (the ``tables`` extra).
    """
    try:
        import pyarrow
    except ImportError:  # pragma: no cover - the dev install has it
        raise MissingExtraError("tables need PyArrow: pip install 'groq-batch[tables]'") from None
    return pyarrow


def result_schema() -> pa.Schema:
    """The Arrow schema of the result columns, the same in every result file.

    Returns:
        The schema: ``custom_id`` and ``outcome`` (never null), ``text``, ``json``,
        ``error_code``, ``error_message`` (strings) and the two token counts (int64).
    """
    pa = require_pyarrow()
    return pa.schema(
        [
            pa.field("custom_id", pa.string(), nullable=False),
            pa.field("outcome", pa.string(), nullable=False),
            pa.field("text", pa.string()),
            pa.field("json", pa.string()),
            pa.field("prompt_tokens", pa.int64()),
            pa.field("completion_tokens", pa.int64()),
            pa.field("error_code", pa.string()),
            pa.field("error_message", pa.string()),
        ]
    )


# ------------------------------------------------------------------------------------ errors


@dataclass(frozen=True, slots=True)
class TableProblem:
    """One thing wrong with an input table.

    Attributes:
        row: The data row, counting from 1 (the header is not a row); None for the whole table.
        column: The column, when one is to blame.
        message: What is wrong.
        line: The file's line, for CSV and JSON Lines, when it differs from the row.
    """

    row: int | None
    column: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}" + (f" (line {self.line})" if self.line else ""))
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


# ------------------------------------------------------------------------------------- input


def format_of(path: str | os.PathLike[str], given: str | None = None) -> str:
    """Tell a table file's format from ``given`` or the file's extension.

    Args:
        path: The file.
        given: An explicit format (``csv``, ``parquet`` or ``jsonl``), which wins.

    Returns:
        The format.

    Raises:
        TableInputError: The extension says nothing and no format was given.
    """
    if given is not None:
        if given not in FORMATS:
            raise TableInputError(
                [TableProblem(None, None, f"unknown format {given!r}; use {', '.join(FORMATS)}")]
            )
        return given
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise TableInputError(
            [
                TableProblem(
                    None,
                    None,
                    "cannot tell the format from the extension; "
                    f"name it .csv, .parquet or .jsonl, or give the format ({', '.join(FORMATS)})",
                )
            ],
            source=os.fspath(path),
        )
    return fmt
