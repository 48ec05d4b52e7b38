"""Tables in, tables out: prompts from a CSV, Parquet, JSON Lines file or DataFrame; answers back.

``requests_from_table`` turns each row of a table into one chat request; ``write_results`` and
``results_to_arrow`` turn a job's results back into a table: the input columns, then the
result columns of ``RESULT_SCHEMA``. PyArrow (the ``tables`` extra) is the interchange layer;
pandas and polars are used only when the caller hands one of their frames in or asks for one.

Inputs are read whole (a batch job's inputs are bounded by what it can submit); results are
streamed to the output file in row groups, so memory stays flat however large the answers are.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import string
import sys
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from groq_batch._errors import InvalidValueError, MissingExtraError, TableInputError
from groq_batch.jsonl import BatchRequest, chat_request

if TYPE_CHECKING:
    import pyarrow as pa

    from groq_batch.results import BatchResult, ResultSummary

__all__ = [
    "FORMATS",
    "RESULT_COLUMNS",
    "AsyncResultsStream",
    "PromptTable",
    "ResultsStream",
    "TableInputError",
    "TableProblem",
    "TableWriter",
    "format_of",
    "is_batch_jsonl",
    "load_inputs",
    "prompt_table",
    "read_table",
    "requests_from_table",
    "result_schema",
    "results_to_arrow",
    "results_to_pandas",
    "results_to_polars",
    "save_inputs",
    "write_results",
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

_BATCH_KEYS = frozenset({"custom_id", "method", "url", "body"})

_SURROGATE = re.compile("[\udc80-\udcff]")

_CSV_FIELD_LIMIT = 2**31 - 1
"""The largest CSV cell read: the most a C long holds on every platform (Windows' is 32-bit)."""


def _pyarrow() -> Any:
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
    pa = _pyarrow()
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


def _read_csv(path: Path) -> tuple[pa.Table, list[int], list[TableProblem]]:
    # Row problems are returned, not raised, so that `prompt_table` reports them together with
    # its own (an empty prompt on row 9 as well as a ragged row 3); the header's are raised.
    pa = _pyarrow()
    source = os.fspath(path)
    problems: list[TableProblem] = []
    # The csv module refuses a cell over 128 KiB by default, but a prompt that long is fine in
    # JSON Lines; the request's own limits are checked later, the same for both. The limit is
    # process-wide (the module has no per-reader one), so it is only ever raised.
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    # surrogateescape keeps reading past a bad byte, so the error can name its row and column.
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            raise TableInputError(
                [
                    TableProblem(
                        None, None, "the file is empty; its first line must name the columns"
                    )
                ],
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
        columns: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        row = 0
        while len(problems) < MAX_PROBLEMS:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.append(
                    TableProblem(row + 1, None, f"not valid CSV: {exc}", reader.line_num)
                )
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
    table = pa.table(
        {name: pa.array(col, pa.string()) for name, col in zip(header, columns, strict=True)}
    )
    return table, lines, problems


def _read_records(path: Path) -> tuple[pa.Table, list[int], list[TableProblem]]:
    pa = _pyarrow()
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
    table, _, problems = _read(source, format)
    if problems:
        raise TableInputError(problems, source=_label(source))
    return table


def _label(source: Any) -> str:
    return os.fspath(source) if isinstance(source, str | os.PathLike) else "table"


def _read(source: Any, format: str | None) -> tuple[pa.Table, list[int] | None, list[TableProblem]]:
    """The table, each row's line in its file (CSV and JSON Lines), and the bad rows.

    A bad row is still a row of the table (its cells empty), so that row numbers hold.
    """
    pa = _pyarrow()
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        fmt = format_of(path, format)
        if not path.is_file():
            raise TableInputError([TableProblem(None, None, "no such file")], source=str(path))
        if fmt == "csv":
            return _read_csv(path)
        if fmt == "jsonl":
            return _read_records(path)
        try:
            return _read_parquet(path), None, []
        except (pa.ArrowInvalid, OSError) as exc:
            raise TableInputError(
                [TableProblem(None, None, f"not a Parquet file: {exc}")], source=str(path)
            ) from None
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


def _read_parquet(path: str | os.PathLike[str]) -> pa.Table:
    """A Parquet file as a table, read a row group at a time.

    ``pq.read_table`` imports pandas (about 50 MB of RSS, for nothing here) and decodes every
    column at once on a thread each; row groups in turn keep the peak near the table's size.
    """
    import pyarrow.parquet as pq

    pa = _pyarrow()
    file = pq.ParquetFile(path)
    return pa.Table.from_batches(
        file.iter_batches(batch_size=_CHUNK_ROWS, use_pandas_metadata=False),
        schema=file.schema_arrow,
    )


def _template_columns(template: str) -> list[str]:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TableInputError([TableProblem(None, None, f"template: {exc}")]) from None
    names: list[str] = []
    for _, field_name, _, _ in parsed:
        if field_name is None:
            continue
        base = re.split(r"[.\[]", field_name, maxsplit=1)[0]
        if not base or base.isdigit():
            raise TableInputError(
                [
                    TableProblem(
                        None,
                        None,
                        "template fields must name columns, as in 'Summarise: {text}'; "
                        "write {{ and }} for literal braces",
                    )
                ]
            )
        if base not in names:
            names.append(base)
    return names


def _response_format(value: Any) -> Any:
    # "json" is the CLI's shorthand; anything else goes to the API as given.
    if value == "json":
        return {"type": "json_object"}
    if value == "text":
        return None
    return value


def _not_text(type_: Any) -> str | None:
    """What kind of column this is, when its values have no plain text form (else None).

    ``str()`` of these gives Python's repr (``b'hi'``, ``[1, 2]``), never what anyone means as
    a prompt or an id, so such a column is refused rather than guessed at.
    """
    pa = _pyarrow()
    types = pa.types
    if types.is_dictionary(type_):
        return _not_text(type_.value_type)
    if types.is_binary(type_) or types.is_large_binary(type_):
        return "binary"
    if types.is_fixed_size_binary(type_):
        return "binary"
    if types.is_map(type_):
        return "map"
    if types.is_list(type_) or types.is_large_list(type_) or types.is_fixed_size_list(type_):
        return "list"
    if types.is_struct(type_):
        return "struct"
    if types.is_union(type_):
        return "union"
    return None


def _cell_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


# Rows turned into Python objects at a time while reading a column: bounds the memory a check
# needs, whatever the table's length.
_CHUNK_ROWS = 65_536


class TextColumn(Sequence[str]):
    """A column of text held in one Arrow array, read as a sequence of ``str``.

    A million ids or prompts cost their bytes and an offset each, not a Python object each;
    an item becomes a ``str`` when it is read. It compares equal to a list with the same items.
    """

    __slots__ = ("_array",)

    def __init__(self, values: Any = ()) -> None:
        """Hold the values.

        Args:
            values: A PyArrow array or chunked array of strings, or an iterable of ``str``.
        """
        pa = _pyarrow()
        if isinstance(values, pa.ChunkedArray) and values.num_chunks == 1:
            values = values.chunk(0)
        elif not isinstance(values, pa.Array | pa.ChunkedArray):
            values = pa.array(list(values), pa.large_string())
        self._array: Any = values

    @classmethod
    def _of_chunks(cls, chunks: list[list[str]] | list[Any]) -> TextColumn:
        pa = _pyarrow()
        arrays = [c if isinstance(c, pa.Array) else pa.array(c, pa.large_string()) for c in chunks]
        return cls(pa.chunked_array(arrays, pa.large_string()))

    @property
    def arrow(self) -> Any:
        """The values as a PyArrow array (or chunked array)."""
        return self._array

    def __len__(self) -> int:
        return len(self._array)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(self)[index] if index.step not in (None, 1) else self._sliced(index)
        value = self._array[index].as_py()
        return "" if value is None else value

    def _sliced(self, index: slice) -> list[str]:
        start, stop, _ = index.indices(len(self))
        return [v or "" for v in self._array.slice(start, max(0, stop - start)).to_pylist()]

    def __iter__(self) -> Iterator[str]:
        for start in range(0, len(self._array), _CHUNK_ROWS):
            for value in self._array.slice(start, _CHUNK_ROWS).to_pylist():
                yield "" if value is None else value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TextColumn):
            return bool(self._array.equals(other._array))
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        head = ", ".join(repr(v) for v in self[:3])
        return f"TextColumn([{head}{', ...' if len(self) > 3 else ''}], rows={len(self)})"


@dataclass(slots=True)
class PromptTable:
    """A checked table of prompts: the requests to submit, and the rows to join answers to.

    Attributes:
        table: The input table, as read.
        ids: Each row's ``custom_id``, in row order (a ``TextColumn`` when read by
            ``prompt_table``: no Python object per row).
        prompts: Each row's user message, in row order (likewise).
        model: The model every request uses.
        system: The system message every request starts with, if any.
        params: The chat parameters every request carries.
    """

    table: pa.Table
    ids: Sequence[str]
    prompts: Sequence[str]
    model: str
    system: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    _rows: dict[str, int] | None = field(default=None, repr=False)

    @property
    def json_mode(self) -> bool:
        """Whether the requests ask for JSON, so that the results get a parsed ``json`` column."""
        fmt = self.params.get("response_format")
        return isinstance(fmt, Mapping) and fmt.get("type") in ("json_object", "json_schema")

    def row_of(self, custom_id: str) -> int | None:
        """The row index (from 0) of a ``custom_id``, or None when no row has it."""
        if self._rows is None:
            self._rows = {cid: i for i, cid in enumerate(self.ids)}
        return self._rows.get(custom_id)

    def _row_of_result(self, result: BatchResult) -> int | None:
        """A result's row: its input line, when that row has its id (no map of ids needed)."""
        entry = result._entry
        if entry is not None and 0 <= entry < len(self.ids) and self.ids[entry] == result.custom_id:
            return entry
        return self.row_of(result.custom_id)

    def __iter__(self) -> Iterator[BatchRequest]:
        # So that `validate`, `estimate` and `batches.submit` take a prompt table as they take
        # any requests, and the CLI's table input and Python's are one reader.
        return self.requests()

    def requests(self) -> Iterator[BatchRequest]:
        """Build the requests, one per row, in row order.

        Yields:
            Chat-completions requests.
        """
        head = [{"role": "system", "content": self.system}] if self.system else []
        for custom_id, prompt in zip(self.ids, self.prompts, strict=True):
            yield chat_request(
                custom_id,
                model=self.model,
                messages=[*head, {"role": "user", "content": prompt}],
                **self.params,
            )


def prompt_table(
    source: Any,
    *,
    model: str,
    prompt: str | None = None,
    template: str | None = None,
    system: str | None = None,
    id_column: str | None = None,
    format: str | None = None,
    **params: Any,
) -> PromptTable:
    """Read and check a table of prompts; every problem is found before anything is built.

    Args:
        source: A path (CSV, Parquet, JSON Lines of records), a PyArrow table, or a pandas or
            polars DataFrame.
        model: The model for every request.
        prompt: The column that holds each row's prompt.
        template: A prompt made of columns with Python format fields (``"Summarise: {text}"``);
            give this or ``prompt``.
        system: A system message for every request.
        id_column: The column whose values become ``custom_id`` (unique, non-empty); by default
            the row number (``row-1``, ``row-2``, ...), which is stable for the same file.
        format: The file's format when its extension does not say.
        **params: Chat parameters for every request (``max_tokens``, ``temperature``,
            ``response_format`` ("json" is short for ``{"type": "json_object"}``), ...).

    Returns:
        The checked table.

    Raises:
        TableInputError: A missing column, an empty prompt cell, a duplicate or empty id, or a
            file that does not read as a table; each problem names its row and column.
        ValueError: Neither or both of ``prompt`` and ``template`` were given.
    """
    if (prompt is None) == (template is None):
        raise InvalidValueError("give exactly one of prompt (a column) and template")
    label = _label(source)
    table, lines, unread = _read(source, format)
    names = list(table.column_names)
    wanted = [prompt] if prompt is not None else _template_columns(template or "")
    if id_column is not None:
        wanted.append(id_column)
    missing = [c for c in wanted if c not in names]
    if missing:
        listing = ", ".join(names) if names else "none"
        raise TableInputError(
            unread
            + [
                TableProblem(None, c, f"no such column; the columns are: {listing}")
                for c in missing
            ],
            source=label,
        )
    unusable = [
        TableProblem(
            None,
            name,
            f"a {kind} column cannot be text here; cast it to a string column first "
            "(decode bytes, join a list, pick a field of a struct)",
        )
        for name in wanted
        if (kind := _not_text(table.schema.field(name).type)) is not None
    ]
    if unusable:
        raise TableInputError(unusable, source=label)
    problems: list[TableProblem] = []
    prompt_chunks: list[list[str]] = []
    if prompt is not None:
        column = table.column(prompt)
        # A text column is its own prompts (no copy); other types are turned into text.
        as_is = _text_as_is(column)
        empty_prompts = 0
        for start in range(0, table.num_rows, _CHUNK_ROWS):
            texts: list[str] = []
            values = column.slice(start, _CHUNK_ROWS).to_pylist()
            for row, value in enumerate(values, start=start + 1):
                text = "" if value is None else _cell_text(value)
                if not text.strip():
                    empty_prompts += 1
                    if empty_prompts <= MAX_PROBLEMS:
                        problems.append(TableProblem(row, prompt, "the prompt is empty"))
                if as_is is None:
                    texts.append(text)
            if as_is is None:
                prompt_chunks.append(texts)
    else:
        fields = _template_columns(template or "")
        for start in range(0, table.num_rows, _CHUNK_ROWS):
            texts = []
            values = {
                name: table.column(name).slice(start, _CHUNK_ROWS).to_pylist() for name in fields
            }
            count = min(_CHUNK_ROWS, table.num_rows - start)
            for offset in range(count):
                index = start + offset
                row_values = {name: values[name][offset] for name in fields}
                empty = [name for name, v in row_values.items() if v is None]
                for name in empty:
                    problems.append(
                        TableProblem(index + 1, name, "empty cell (the template uses it)")
                    )
                if empty:
                    texts.append("")
                    continue
                try:
                    text = (template or "").format_map(row_values)
                except (KeyError, IndexError, AttributeError, ValueError, TypeError) as exc:
                    problems.append(TableProblem(index + 1, None, f"template: {exc!r}"))
                    text = ""
                else:
                    if not text.strip():
                        problems.append(TableProblem(index + 1, None, "the prompt is empty"))
                texts.append(text)
            prompt_chunks.append(texts)
            if len(problems) > MAX_PROBLEMS:
                del problems[MAX_PROBLEMS:]
    prompts = (
        TextColumn(as_is)
        if prompt is not None and as_is is not None
        else TextColumn._of_chunks(prompt_chunks)
    )
    del prompt_chunks
    ids: Sequence[str]
    if id_column is not None:
        ids = _checked_ids(table, id_column, problems)
    else:
        ids = TextColumn._of_chunks(
            [
                [
                    f"row-{row}"
                    for row in range(start + 1, min(start + _CHUNK_ROWS, table.num_rows) + 1)
                ]
                for start in range(0, table.num_rows, _CHUNK_ROWS)
            ]
        )
    if table.num_rows == 0 and not unread:
        problems.append(TableProblem(None, None, "the table has no rows"))
    if unread:
        # A row that could not be read has only that problem, not also an empty prompt.
        bad_rows = {p.row for p in unread}
        problems = unread + [p for p in problems if p.row is None or p.row not in bad_rows]
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        if lines is not None:
            problems = [
                TableProblem(p.row, p.column, p.message, lines[p.row - 1])
                if p.row is not None and p.row <= len(lines) and p.row != lines[p.row - 1]
                else p
                for p in problems
            ]
        raise TableInputError(problems[:MAX_PROBLEMS], source=label)
    chat = {k: v for k, v in params.items() if v is not None}
    if "response_format" in chat:
        fmt = _response_format(chat.pop("response_format"))
        if fmt is not None:
            chat["response_format"] = fmt
    return PromptTable(table, ids, prompts, model, system, chat)


def _text_as_is(column: Any) -> Any:
    """A string column with nulls as empty text, or None for a column of another type."""
    pa = _pyarrow()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    return column if column.null_count == 0 else column.fill_null("")


def _checked_ids(table: pa.Table, id_column: str, problems: list[TableProblem]) -> TextColumn:
    """The id column as text; an empty or duplicate id adds a problem (the first few of each).

    Duplicates are found by Arrow's hash count, not a Python map of every id.
    """
    pa = _pyarrow()
    import pyarrow.compute as pc

    column = table.column(id_column)
    as_is = _text_as_is(column)
    chunks: list[list[str]] = []
    empty_ids = 0
    for start in range(0, table.num_rows, _CHUNK_ROWS):
        texts: list[str] = []
        for row, value in enumerate(column.slice(start, _CHUNK_ROWS).to_pylist(), start=start + 1):
            custom_id = "" if value is None else _cell_text(value)
            if not custom_id.strip():
                empty_ids += 1
                if empty_ids <= MAX_PROBLEMS:
                    problems.append(TableProblem(row, id_column, "the id is empty"))
            if as_is is None:
                texts.append(custom_id)
        if as_is is None:
            chunks.append(texts)
    ids = TextColumn(as_is) if as_is is not None else TextColumn._of_chunks(chunks)
    del chunks
    if not len(ids):
        return ids
    counts = pc.value_counts(ids.arrow.cast(pa.large_string()))
    repeated = counts.filter(pc.greater(counts.field("counts"), 1)).field("values")
    repeated = [v for v in repeated.to_pylist() if v.strip()]
    if repeated:
        first: dict[str, int] = {}
        reported = 0
        where = pc.indices_nonzero(
            pc.is_in(ids.arrow, value_set=pa.array(repeated, pa.large_string()))
        )
        for index in where.to_pylist():
            custom_id = ids[index]
            if custom_id not in first:
                first[custom_id] = index + 1
                continue
            problems.append(
                TableProblem(
                    index + 1,
                    id_column,
                    f"duplicate id {custom_id!r} (first on row {first[custom_id]})",
                )
            )
            reported += 1
            if reported >= MAX_PROBLEMS:
                break
    return ids


_SAVED_IDS = "groq_batch_custom_id"
_SAVED_PARAMS = b"groq_batch.params"


def save_inputs(table: PromptTable, path: str | os.PathLike[str]) -> None:
    """Keep a prompt table's rows and ids beside a job, so that results can join them later.

    Args:
        table: The prompt table.
        path: A Parquet file to write.
    """
    import pyarrow.parquet as pq

    pa = _pyarrow()
    ids = table.ids.arrow if isinstance(table.ids, TextColumn) else pa.array(table.ids, pa.string())
    data = table.table.append_column(_SAVED_IDS, ids)
    metadata = dict(data.schema.metadata or {})
    metadata[_SAVED_PARAMS] = json.dumps(table.params).encode()
    pq.write_table(data.replace_schema_metadata(metadata), path)


def load_inputs(path: str | os.PathLike[str]) -> PromptTable:
    """Read back what ``save_inputs`` kept: the rows and ids to join results to.

    Args:
        path: The Parquet file.

    Returns:
        A prompt table for joining (its prompts and model are not kept).
    """
    data = _read_parquet(path)
    ids = TextColumn(data.column(_SAVED_IDS))
    params = json.loads((data.schema.metadata or {}).get(_SAVED_PARAMS, b"{}"))
    data = data.drop_columns([_SAVED_IDS]).replace_schema_metadata(None)
    return PromptTable(data, ids, TextColumn(), model="", params=params)


def requests_from_table(
    source: Any,
    *,
    model: str,
    prompt: str | None = None,
    template: str | None = None,
    system: str | None = None,
    id_column: str | None = None,
    **params: Any,
) -> Iterator[BatchRequest]:
    """Turn each row of a table into a chat request that ``batches.submit`` takes.

    The table is read and checked before this returns, so a bad row raises here, before
    anything is uploaded. Example::

        requests = groq_batch.requests_from_table(
            "prompts.csv", prompt="question", model="llama-3.1-8b-instant", max_tokens=200
        )
        job = client.batches.submit(requests)

    Args:
        source: A path (CSV, Parquet, JSON Lines of records), a PyArrow table, or a pandas or
            polars DataFrame.
        model: The model for every request.
        prompt: The column that holds each row's prompt.
        template: A prompt made of columns, with Python format fields; instead of ``prompt``.
        system: A system message for every request.
        id_column: The column that becomes ``custom_id``; by default ``row-N``, N the row number.
        **params: Chat parameters for every request (``max_tokens``, ``temperature``, ...).

    Returns:
        The requests, one per row, in row order.

    Raises:
        TableInputError: A row or column that cannot become a request.
    """
    return prompt_table(
        source,
        model=model,
        prompt=prompt,
        template=template,
        system=system,
        id_column=id_column,
        **params,
    ).requests()


# ------------------------------------------------------------------------------------ output


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


class _OrderSpill:
    """Results put on disk by row range as they come, and read back in row order.

    Each range of rows has its own Arrow IPC stream in a temporary folder; reading one range
    back and sorting it costs memory for that range only, so putting a million rows back in
    order needs neither a million Python objects nor the whole set in memory. Results that
    match no row keep their arrival order and come last.
    """

    _MAX_FILES = 256

    def __init__(self, rows: int, range_rows: int) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="groq-batch-order-")
        # Ranges grow with the table so that the open files stay few.
        self._range = max(range_rows, -(-rows // self._MAX_FILES), 1)
        self._writers: dict[int, tuple[IO[bytes], Any]] = {}
        self._schema: Any = None

    def add(self, rows: Sequence[int | None], results: pa.RecordBatch) -> None:
        """Put results on disk, each with its row (None for a result that matches none)."""
        pa = _pyarrow()
        groups: dict[int, list[int]] = {}
        for index, row in enumerate(rows):
            groups.setdefault(-1 if row is None else row // self._range, []).append(index)
        row_array = pa.array([-1 if r is None else r for r in rows], pa.int64())
        batch = pa.RecordBatch.from_arrays(
            [row_array, *results.columns], names=["row", *results.schema.names]
        )
        if self._schema is None:
            self._schema = batch.schema
        for key, indices in groups.items():
            part = batch if len(indices) == len(rows) else batch.take(pa.array(indices))
            self._writer(key).write_batch(part)

    def _writer(self, key: int) -> Any:
        pa = _pyarrow()
        if key not in self._writers:
            sink = open(os.path.join(self._dir.name, f"{key}.arrow"), "wb")  # noqa: SIM115
            self._writers[key] = (sink, pa.ipc.new_stream(sink, self._schema))
        return self._writers[key][1]

    def in_order(self) -> Iterator[tuple[Any, pa.Table]]:
        """Each range's rows (an int64 array, -1 for none) and results, in row order."""
        pa = _pyarrow()
        import pyarrow.compute as pc

        keys = sorted(k for k in self._writers if k >= 0)
        for key in [*keys, -1] if -1 in self._writers else keys:
            sink, writer = self._writers.pop(key)
            writer.close()
            sink.close()
            path = os.path.join(self._dir.name, f"{key}.arrow")
            with pa.OSFile(path, "rb") as source:
                table = pa.ipc.open_stream(source).read_all()
            os.unlink(path)
            if key >= 0:
                table = table.take(pc.sort_indices(table.column("row")))
            table = table.combine_chunks()
            rows = table.column("row").chunk(0) if table.num_rows else pa.array([], pa.int64())
            # -1 (no input row) becomes null, so that its input columns come out null.
            rows = pc.if_else(pc.equal(rows, -1), pa.scalar(None, pa.int64()), rows)
            yield rows, table.drop_columns(["row"])

    def close(self) -> None:
        """Close the files and remove the folder."""
        for sink, writer in self._writers.values():
            writer.close()
            sink.close()
        self._writers.clear()
        self._dir.cleanup()

    def __enter__(self) -> _OrderSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        pa = _pyarrow()
        self.csv_raw = csv_raw
        self.format = format_of("", format)
        self.inputs = inputs
        self.json_mode = inputs.json_mode if json_mode is None and inputs else bool(json_mode)
        self.row_group_size = row_group_size or (10_000 if self.format == "parquet" else 1_000)
        input_schema = inputs.table.schema if inputs is not None else pa.schema([])
        self._input_names = _input_names(input_schema.names)
        self.schema = pa.schema(
            [f.with_name(n) for f, n in zip(input_schema, self._input_names, strict=True)]
            + list(result_schema())
        )
        self._pending: list[tuple[int | None, dict[str, Any]]] = []
        self._pending_bytes = 0
        self._spill: _OrderSpill | None = None
        if ordered and inputs is not None:
            self._spill = _OrderSpill(inputs.table.num_rows, self.row_group_size)
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
        row = self.inputs._row_of_result(result) if self.inputs is not None else None
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
        pa = _pyarrow()
        fields = [f for _, f in self._pending]
        return [pa.array([row[f.name] for row in fields], f.type) for f in result_schema()]

    def _joined(self, rows: Any, results: Sequence[Any]) -> pa.RecordBatch:
        """A batch of output rows: the input columns of ``rows`` (nulls for None), then results."""
        pa = _pyarrow()
        arrays: list[Any] = []
        if self.inputs is not None and self._input_names:
            taken = self.inputs.table.take(rows)
            arrays.extend(c.combine_chunks() for c in taken.columns)
        arrays.extend(results)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _batch(self) -> pa.RecordBatch:
        pa = _pyarrow()
        rows = pa.array([r for r, _ in self._pending], pa.int64())
        return self._joined(rows, self._result_arrays())

    def flush(self) -> None:
        """Write the results held so far (in input order: put them on disk until ``close()``)."""
        if not self._pending:
            return
        if self._spill is not None:
            pa = _pyarrow()
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
        try:
            self.flush()
            if self._spill is not None:
                spill, self._spill = self._spill, None
                with spill:
                    for rows, results in spill.in_order():
                        for start in range(0, results.num_rows, self.row_group_size):
                            part = results.slice(start, self.row_group_size)
                            columns = [c.combine_chunks() for c in part.columns]
                            self._emit(self._joined(rows.slice(start, part.num_rows), columns))
            if self._parquet is not None:
                self._parquet.close()
        finally:
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
    pa = _pyarrow()
    sink = io.BytesIO()
    batches: list[Any] = []
    writer = TableWriter(sink, "parquet", inputs=inputs, json_mode=json_mode)
    # The writer's batching is reused; its Parquet output is dropped.
    for result in results:
        row = inputs._row_of_result(result) if inputs is not None else None
        if writer._add(row, _result_fields(result, writer.json_mode)):
            batches.append(writer._batch())
            writer._pending.clear()
            writer._pending_bytes = 0
    if writer._pending:
        batches.append(writer._batch())
    return pa.Table.from_batches(batches, schema=writer.schema)


def results_to_pandas(results: Iterable[BatchResult], inputs: PromptTable | None = None) -> Any:
    """Like ``results_to_arrow``, as a pandas DataFrame (pandas must be installed).

    Args:
        results: The job's results.
        inputs: The prompt table the requests came from.

    Returns:
        The DataFrame.
    """
    return results_to_arrow(results, inputs).to_pandas()


def results_to_polars(results: Iterable[BatchResult], inputs: PromptTable | None = None) -> Any:
    """Like ``results_to_arrow``, as a polars DataFrame (polars must be installed).

    Args:
        results: The job's results.
        inputs: The prompt table the requests came from.

    Returns:
        The DataFrame.
    """
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
