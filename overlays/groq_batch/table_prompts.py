"""Rows into requests: a checked table of prompts (``PromptTable``) and the requests it makes.

Every problem is found before anything is built (a missing column, an empty prompt, a duplicate
id), each naming its row and column (``groq_batch.table_checks``). A table read from a file is
not held: its rows are read again from it when the requests are built and the results written
(``groq_batch.table_sources``). ``save_inputs`` keeps a table beside a job so that its results
can be joined to it later.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from groq_batch._errors import InvalidValueError, TableInputError
from groq_batch.jsonl import BatchRequest, chat_request
from groq_batch.table_checks import (
    check_rows,
    id_hash,
    not_text,
    prompt_cells,
    template_columns,
    text_cells,
)
from groq_batch.table_reading import source_label
from groq_batch.table_schema import CHUNK_ROWS, TableProblem, require_pyarrow
from groq_batch.table_sources import ArrowSource, ParquetSource, RowSource, row_source

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


def _response_format(value: Any) -> Any:
    # "json" is the CLI's shorthand; anything else goes to the API as given.
    if value == "json":
        return {"type": "json_object"}
    if value == "text":
        return None
    return value


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


class PromptTable:
    """A checked table of prompts: the requests to submit, and the rows to join answers to.

    Read from a Parquet or CSV file by ``prompt_table``, it holds no row: the requests are
    built, and the input columns joined to the answers, by reading the file again a batch of
    rows at a time; what it keeps is a 4-byte hash of each row's id, to tell a result's row.
    A table handed in (or a DataFrame) is held as given.

    Attributes:
        model: The model every request uses.
        system: The system message every request starts with, if any.
        params: The chat parameters every request carries.
    """

    def __init__(
        self,
        table: pa.Table | RowSource,
        ids: Sequence[str] | None,
        prompts: Sequence[str] | None,
        model: str,
        system: str | None = None,
        params: dict[str, Any] | None = None,
        *,
        prompt_column: str | None = None,
        template: str | None = None,
        id_column: str | None = None,
    ) -> None:
        """Hold a table and what makes its requests.

        Args:
            table: The input table (or where its rows are read from).
            ids: Each row's ``custom_id``, in row order; None to read them from ``id_column``
                (or ``row-N`` without one).
            prompts: Each row's user message, in row order; None to build them from
                ``prompt_column`` or ``template``.
            model: The model every request uses.
            system: The system message every request starts with, if any.
            params: The chat parameters every request carries.
            prompt_column: The column of prompts, when ``prompts`` is None.
            template: The prompt template, when ``prompts`` is None.
            id_column: The column of ids, when ``ids`` is None.
        """
        self._source = table if isinstance(table, RowSource) else ArrowSource(table)
        self._ids = ids
        self._prompts = prompts
        self.model = model
        self.system = system
        self.params: dict[str, Any] = dict(params or {})
        self._prompt_column = prompt_column
        self._template = template
        self._id_column = id_column
        self._hashes: array[int] | None = None
        self._rows: dict[str, int] | None = None

    def __repr__(self) -> str:
        return f"PromptTable(rows={self.num_rows}, model={self.model!r})"

    @property
    def table(self) -> pa.Table:
        """The input table, read whole (writing results reads it a range at a time instead)."""
        return self._source.read_all()

    @property
    def schema(self) -> pa.Schema:
        """The input columns, which lead each output row."""
        return self._source.schema

    @property
    def num_rows(self) -> int:
        """How many rows (and requests) the table has."""
        return self._source.num_rows

    @property
    def ids(self) -> Sequence[str]:
        """Each row's ``custom_id``, in row order (a ``TextColumn``: no Python object per row)."""
        if self._ids is None:
            return TextColumn._of_chunks([ids for _, ids, _ in self._chunks()])
        return self._ids

    @property
    def prompts(self) -> Sequence[str]:
        """Each row's user message, in row order (a ``TextColumn``)."""
        if self._prompts is None:
            return TextColumn._of_chunks([p or [] for _, _, p in self._chunks(prompts=True)])
        return self._prompts

    @prompts.setter
    def prompts(self, value: Sequence[str]) -> None:
        self._prompts = value

    @property
    def json_mode(self) -> bool:
        """Whether the requests ask for JSON, so that the results get a parsed ``json`` column."""
        fmt = self.params.get("response_format")
        return isinstance(fmt, Mapping) and fmt.get("type") in ("json_object", "json_schema")

    def input_columns(self, rows: Any) -> list[Any]:
        """The input columns of ``rows`` (an int64 array, null for none), read from the source.

        Args:
            rows: The rows, from 0; in ascending order, the source is read once.

        Returns:
            One array per column of ``schema``.
        """
        return self._source.take(rows)

    def held(self) -> PromptTable:
        """The same table with its rows in memory, to collect results into one table.

        Results in the order they came join rows from anywhere in the input: read from the
        file range by range, each group of them would read it again from the top.
        """
        if isinstance(self._source, ArrowSource):
            return self
        names = list(self.schema.names)
        extra = [self._id_column] if self._id_column and self._id_column not in names else []
        pa = require_pyarrow()
        batches = list(self._source.batches(names + extra))
        whole = pa.Table.from_batches(batches) if batches else self._source.read_all()
        copy = PromptTable(
            ArrowSource(whole, columns=names),
            self._ids,
            self._prompts,
            self.model,
            self.system,
            self.params,
            prompt_column=self._prompt_column,
            template=self._template,
            id_column=self._id_column,
        )
        copy._hashes = self._hashes
        return copy

    def release(self) -> None:
        """Let go of what reading the input columns holds (the batches of the range read last)."""
        self._source.release()

    def _chunks(
        self, *, prompts: bool = False, columns: bool = False
    ) -> Iterator[tuple[Any, list[str], list[str] | None]]:
        """The rows a batch at a time: the input columns (with ``columns``), ids and prompts."""
        needed: list[str] = []
        if self._ids is None and self._id_column is not None:
            needed.append(self._id_column)
        if prompts and self._prompts is None:
            needed += [self._prompt_column] if self._prompt_column else []
            needed += template_columns(self._template) if self._template else []
        names = list(self.schema.names) if columns else []
        wanted = names + [c for c in dict.fromkeys(needed) if c not in names]
        if not wanted:
            batches: Iterator[Any] = iter([None] * ((self.num_rows + CHUNK_ROWS - 1) // CHUNK_ROWS))
        else:
            batches = self._source.batches(wanted)
        start = 0
        for batch in batches:
            count = min(CHUNK_ROWS, self.num_rows - start) if batch is None else batch.num_rows
            if self._ids is not None:
                ids = list(self._ids[start : start + count])
            elif self._id_column is not None:
                ids = text_cells(batch.column(self._id_column))
            else:
                ids = [f"row-{row}" for row in range(start + 1, start + count + 1)]
            texts: list[str] | None = None
            if prompts:
                if self._prompts is not None:
                    texts = list(self._prompts[start : start + count])
                else:
                    texts = prompt_cells(batch, start, self._prompt_column, self._template, [])
            yield (batch.select(names) if columns else None), ids, texts
            start += count

    def _id_matches(self, row: int, custom_id: str) -> bool:
        if self._ids is not None:
            return bool(self._ids[row] == custom_id)
        if self._id_column is None:
            return custom_id == f"row-{row + 1}"
        if self._hashes is None:
            self._hashes = array("I")
            for _, ids, _ in self._chunks():
                self._hashes.extend([id_hash(i) for i in ids])
        return self._hashes[row] == id_hash(custom_id)

    def row_of(self, custom_id: str) -> int | None:
        """The row index (from 0) of a ``custom_id``, or None when no row has it."""
        if self._rows is None:
            rows: dict[str, int] = {}
            for _, ids, _ in self._chunks():
                for custom in ids:
                    rows.setdefault(custom, len(rows))
            self._rows = rows
        return self._rows.get(custom_id)

    def row_of_result(self, result: BatchResult) -> int | None:
        """A result's row: its input line, when that row has its id (no map of ids needed).

        The row's id is known by a 32-bit hash of it (ids read from a column), so a result
        from another table's line of that number is found by its id instead.
        """
        entry = result.entry
        if (
            entry is not None
            and 0 <= entry < self.num_rows
            and self._id_matches(entry, result.custom_id)
        ):
            return entry
        return self.row_of(result.custom_id)

    def __iter__(self) -> Iterator[BatchRequest]:
        # So that `validate`, `estimate` and `batches.submit` take a prompt table as they take
        # any requests, and the CLI's table input and Python's are one reader.
        return self.requests()

    def requests(self) -> Iterator[BatchRequest]:
        """Build the requests, one per row, in row order (the source read a batch at a time).

        Yields:
            Chat-completions requests.
        """
        head = [{"role": "system", "content": self.system}] if self.system else []
        if self._ids is not None and self._prompts is not None:
            pairs: Iterable[tuple[str, str]] = zip(self._ids, self._prompts, strict=True)
        else:
            pairs = (
                pair
                for _, ids, prompts in self._chunks(prompts=True)
                for pair in zip(ids, prompts or [], strict=True)
            )
        for custom_id, prompt in pairs:
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

    A Parquet or CSV file is read a batch of rows at a time and not kept: the requests and
    the output's input columns are read from it again when they are needed, so it must not
    change until the results are written.

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
    rows = row_source(source, format)
    names = list(rows.schema.names)
    wanted = [prompt] if prompt is not None else template_columns(template or "")
    if id_column is not None:
        wanted.append(id_column)
    missing = [c for c in wanted if c not in names]
    if missing:
        listing = ", ".join(names) if names else "none"
        raise TableInputError(
            rows.unread()
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
        if (kind := not_text(rows.schema.field(name).type)) is not None
    ]
    if unusable:
        raise TableInputError(unusable, source=label)
    problems, hashes, count = check_rows(
        rows, list(dict.fromkeys(wanted)), prompt, template, id_column
    )
    if count == 0 and not problems:
        problems.append(TableProblem(None, None, "the table has no rows"))
    if problems:
        raise TableInputError(problems, source=label)
    # The checks' transients are freed; hand them back to the system, not keep them in the pool.
    require_pyarrow().default_memory_pool().release_unused()
    chat = {k: v for k, v in params.items() if v is not None}
    if "response_format" in chat:
        fmt = _response_format(chat.pop("response_format"))
        if fmt is not None:
            chat["response_format"] = fmt
    table = PromptTable(
        rows,
        None,
        None,
        model,
        system,
        chat,
        prompt_column=prompt,
        template=template,
        id_column=id_column,
    )
    table._hashes = hashes
    return table


_SAVED_IDS = "groq_batch_custom_id"
_SAVED_PARAMS = b"groq_batch.params"


def save_inputs(table: PromptTable, path: str | os.PathLike[str]) -> None:
    """Keep a prompt table's rows and ids beside a job, so that results can join them later.

    Written a batch of rows at a time, as the table is read.

    Args:
        table: The prompt table.
        path: A Parquet file to write.
    """
    import pyarrow.parquet as pq

    pa = require_pyarrow()
    metadata = dict(table.schema.metadata or {})
    metadata[_SAVED_PARAMS] = json.dumps(table.params).encode()
    schema = table.schema.append(pa.field(_SAVED_IDS, pa.string())).with_metadata(metadata)
    with pq.ParquetWriter(path, schema) as writer:
        for batch, ids, _ in table._chunks(columns=True):
            columns = [*batch.columns, pa.array(ids, pa.string())]
            writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))


def load_inputs(path: str | os.PathLike[str]) -> PromptTable:
    """What ``save_inputs`` kept: the rows and ids to join results to, read as they are needed.

    Args:
        path: The Parquet file.

    Returns:
        A prompt table for joining (its prompts and model are not kept).
    """
    import pyarrow.parquet as pq

    source = ParquetSource(path, hidden=[_SAVED_IDS])
    metadata = pq.read_schema(path).metadata or {}
    params = json.loads(metadata.get(_SAVED_PARAMS, b"{}"))
    source.schema = source.schema.remove_metadata()
    return PromptTable(source, None, TextColumn(), model="", params=params, id_column=_SAVED_IDS)


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
