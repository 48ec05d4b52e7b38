"""Rows into requests: a checked table of prompts (``PromptTable``) and the requests it makes.

Every problem is found before anything is built (a missing column, an empty prompt, a duplicate
id), each naming its row and column. Ids and prompts are held as Arrow text columns
(``TextColumn``), not a Python object per row, so a million rows cost their bytes.
``save_inputs`` keeps a table beside a job so that its results can be joined to it later.
"""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from groq_batch._errors import InvalidValueError, TableInputError
from groq_batch.jsonl import BatchRequest, chat_request
from groq_batch.table_reading import read_parquet, read_rows, source_label
from groq_batch.table_schema import CHUNK_ROWS, MAX_PROBLEMS, TableProblem, require_pyarrow

if TYPE_CHECKING:
    import pyarrow as pa

    from groq_batch.results import BatchResult

__all__ = [
    "PromptTable",
    "TextColumn",
    "load_inputs",
    "prompt_table",
    "requests_from_table",
    "save_inputs",
]


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
    pa = require_pyarrow()
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
        pa = require_pyarrow()
        if isinstance(values, pa.ChunkedArray) and values.num_chunks == 1:
            values = values.chunk(0)
        elif not isinstance(values, pa.Array | pa.ChunkedArray):
            values = pa.array(list(values), pa.large_string())
        self._array: Any = values

    @classmethod
    def _of_chunks(cls, chunks: list[list[str]] | list[Any]) -> TextColumn:
        pa = require_pyarrow()
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
        for start in range(0, len(self._array), CHUNK_ROWS):
            for value in self._array.slice(start, CHUNK_ROWS).to_pylist():
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

    def row_of_result(self, result: BatchResult) -> int | None:
        """A result's row: its input line, when that row has its id (no map of ids needed)."""
        entry = result.entry
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
    label = source_label(source)
    table, lines, unread = read_rows(source, format)
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
    prompts: TextColumn
    if prompt is not None:
        prompts = _text_cells(table, prompt, "the prompt is empty", problems)
    else:
        prompt_chunks: list[list[str]] = []
        fields = _template_columns(template or "")
        for start in range(0, table.num_rows, CHUNK_ROWS):
            texts: list[str] = []
            values = {
                name: table.column(name).slice(start, CHUNK_ROWS).to_pylist() for name in fields
            }
            count = min(CHUNK_ROWS, table.num_rows - start)
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
        prompts = TextColumn._of_chunks(prompt_chunks)
        del prompt_chunks
    ids: Sequence[str]
    if id_column is not None:
        ids = _checked_ids(table, id_column, problems)
    else:
        ids = TextColumn._of_chunks(
            [
                [
                    f"row-{row}"
                    for row in range(start + 1, min(start + CHUNK_ROWS, table.num_rows) + 1)
                ]
                for start in range(0, table.num_rows, CHUNK_ROWS)
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
    # The checks' transients are freed; hand them back to the system, not keep them in the pool.
    require_pyarrow().default_memory_pool().release_unused()
    chat = {k: v for k, v in params.items() if v is not None}
    if "response_format" in chat:
        fmt = _response_format(chat.pop("response_format"))
        if fmt is not None:
            chat["response_format"] = fmt
    return PromptTable(table, ids, prompts, model, system, chat)


def _text_as_is(column: Any) -> Any:
    """A string column with nulls as empty text, or None for a column of another type."""
    pa = require_pyarrow()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    return column if column.null_count == 0 else column.fill_null("")


def _text_cells(table: pa.Table, name: str, empty: str, problems: list[TableProblem]) -> TextColumn:
    """A column as text; each blank cell adds the problem ``empty`` (the first few of them).

    A text column is its own text (no copy, nulls as empty text); a column of another type is
    turned into text a chunk of rows at a time, so no Python object per row outlives its chunk.
    """
    column = table.column(name)
    as_is = _text_as_is(column)
    chunks: list[list[str]] = []
    blanks = 0
    for start in range(0, table.num_rows, CHUNK_ROWS):
        texts: list[str] = []
        for row, value in enumerate(column.slice(start, CHUNK_ROWS).to_pylist(), start=start + 1):
            text = "" if value is None else _cell_text(value)
            if not text.strip():
                blanks += 1
                if blanks <= MAX_PROBLEMS:
                    problems.append(TableProblem(row, name, empty))
            if as_is is None:
                texts.append(text)
        if as_is is None:
            chunks.append(texts)
    return TextColumn(as_is) if as_is is not None else TextColumn._of_chunks(chunks)


def _checked_ids(table: pa.Table, id_column: str, problems: list[TableProblem]) -> TextColumn:
    """The id column as text; an empty or duplicate id adds a problem (the first few of each).

    Duplicates are found by sorting, not by a Python map of every id nor a hash count: a count
    copies every distinct id (90 MB of transient at a million rows, kept by the allocator),
    while the sort holds one index per row and compares neighbours a block at a time.
    """
    import pyarrow.compute as pc

    ids = _text_cells(table, id_column, "the id is empty", problems)
    repeats = _first_repeats(ids.arrow, MAX_PROBLEMS)
    if repeats is None:
        return ids
    # The rows of the repeated values, in row order: each value's first row, then its repeats.
    where = pc.indices_nonzero(pc.is_in(ids.arrow, value_set=ids.arrow.take(repeats)))
    where = where.filter(pc.less_equal(where, pc.max(repeats)))
    first: dict[str, int] = {}
    reported = 0
    for index in where.to_pylist():
        custom_id = ids[index]
        if not custom_id.strip():
            continue
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


def _first_repeats(values: Any, limit: int) -> Any:
    """The rows (from 0) of the first ``limit`` repeats of a non-blank value, or None if none.

    A repeat is a row whose value an earlier row has. The stable sort puts each value's rows
    together in row order, so a repeat is a sorted row equal to the one before it.
    """
    pa = require_pyarrow()
    import pyarrow.compute as pc

    if len(values) < 2:
        return None
    order = pc.sort_indices(values)
    found: Any = None
    for start in range(0, len(order) - 1, CHUNK_ROWS):
        # One row of overlap: the block's first row is compared with the one before it.
        block = values.take(order.slice(start, CHUNK_ROWS + 1))
        if isinstance(block, pa.ChunkedArray):
            block = block.combine_chunks()
        later = block.slice(1)
        repeat = pc.and_(
            pc.equal(later, block.slice(0, len(block) - 1)),
            pc.not_equal(pc.utf8_trim_whitespace(later), ""),
        )
        rows = order.slice(start + 1, len(later)).filter(repeat)
        if len(rows):
            rows = rows if found is None else pa.concat_arrays([found, rows])
            found = rows.take(pc.array_sort_indices(rows).slice(0, limit))
    return found


_SAVED_IDS = "groq_batch_custom_id"
_SAVED_PARAMS = b"groq_batch.params"


def save_inputs(table: PromptTable, path: str | os.PathLike[str]) -> None:
    """Keep a prompt table's rows and ids beside a job, so that results can join them later.

    Args:
        table: The prompt table.
        path: A Parquet file to write.
    """
    import pyarrow.parquet as pq

    pa = require_pyarrow()
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
    data = read_parquet(path)
    ids = TextColumn(data.column(_SAVED_IDS))
    params = json.loads((data.schema.metadata or {}).get(_SAVED_PARAMS, b"{}"))
    data = data.drop_columns([_SAVED_IDS]).replace_schema_metadata(None)
    return PromptTable(data, ids, TextColumn(), model="", params=params)


def requests_from_table(source: Any, *, model: str, **options: Any) -> Iterator[BatchRequest]:
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
        **options: Whatever else ``prompt_table`` takes, which describes each: ``prompt`` (the
            column) or ``template``, ``system``, ``id_column`` (by default ``row-N``, N the row
            number), ``format``, and chat parameters (``max_tokens``, ``temperature``, ...).

    Returns:
        The requests, one per row, in row order.

    Raises:
        TableInputError: A row or column that cannot become a request.
    """
    # One place lists and checks the options: prompt_table; this only reads its requests out.
    return prompt_table(source, model=model, **options).requests()
