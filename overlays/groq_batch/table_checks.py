"""Checking a table of prompts: each cell as text, and the problems, by row and column.

One pass over the prompt and id columns (``check_rows``) finds blank prompts, template errors
and blank ids, and keeps a 32-bit hash of each id; duplicate ids are then confirmed among the
rows whose hashes repeat only, so that no Python object per row, nor the ids, is ever held.
"""

from __future__ import annotations

import re
import string
from array import array
from typing import Any

from groq_batch._errors import TableInputError
from groq_batch.table_schema import MAX_PROBLEMS, TableProblem, require_pyarrow
from groq_batch.table_sources import CsvSource, RowSource

__all__ = [
    "cell_text",
    "check_rows",
    "id_hash",
    "not_text",
    "prompt_cells",
    "template_columns",
    "text_cells",
]


def template_columns(template: str) -> list[str]:
    """The columns a prompt template names, in order (each once); a bad template is raised."""
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


def not_text(type_: Any) -> str | None:
    """What kind of column this is, when its values have no plain text form (else None).

    ``str()`` of these gives Python's repr (``b'hi'``, ``[1, 2]``), never what anyone means as
    a prompt or an id, so such a column is refused rather than guessed at.
    """
    pa = require_pyarrow()
    types = pa.types
    if types.is_dictionary(type_):
        return not_text(type_.value_type)
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


def cell_text(value: Any) -> str:
    """A cell's text: a string as it is, anything else (a number, a date) as ``str`` gives it."""
    return value if isinstance(value, str) else str(value)


def id_hash(custom_id: str) -> int:
    """An id's 32-bit hash (salted per process: it only ever compares ids within one run)."""
    return hash(custom_id) & 0xFFFFFFFF


def text_cells(column: Any) -> list[str]:
    """A column's cells as text (a null as empty text)."""
    return ["" if v is None else cell_text(v) for v in column.to_pylist()]


def prompt_cells(
    batch: Any,
    start: int,
    prompt: str | None,
    template: str | None,
    problems: list[TableProblem],
) -> list[str]:
    """A batch's prompts; each bad cell adds a problem (the first ``MAX_PROBLEMS``)."""
    if prompt is not None:
        texts = text_cells(batch.column(prompt))
        _blanks(texts, start, prompt, "the prompt is empty", problems)
        return texts
    fields = template_columns(template or "")
    values = {name: batch.column(name).to_pylist() for name in fields}
    found: list[TableProblem] = []
    texts = []
    for offset in range(batch.num_rows):
        index = start + offset
        row_values = {name: values[name][offset] for name in fields}
        empty = [name for name, v in row_values.items() if v is None]
        for name in empty:
            found.append(TableProblem(index + 1, name, "empty cell (the template uses it)"))
        if empty:
            texts.append("")
            continue
        try:
            text = (template or "").format_map(row_values)
        except (KeyError, IndexError, AttributeError, ValueError, TypeError) as exc:
            found.append(TableProblem(index + 1, None, f"template: {exc!r}"))
            text = ""
        else:
            if not text.strip():
                found.append(TableProblem(index + 1, None, "the prompt is empty"))
        texts.append(text)
    problems += found[:MAX_PROBLEMS]
    return texts


def _blanks(
    texts: list[str], start: int, column: str, message: str, problems: list[TableProblem]
) -> None:
    found = 0
    for row, text in enumerate(texts, start=start + 1):
        if not text.strip():
            problems.append(TableProblem(row, column, message))
            found += 1
            if found >= MAX_PROBLEMS:
                return


def check_rows(
    rows: RowSource,
    columns: list[str],
    prompt: str | None,
    template: str | None,
    id_column: str | None,
) -> tuple[list[TableProblem], array[int] | None, int]:
    """One pass over the rows: the first problems (in row order), the ids' hashes, the count.

    Only the prompt and id columns are read, a batch at a time; the ids leave a 4-byte hash
    each, and duplicates are looked for among the rows whose hashes repeat (a second pass over
    the id column, for those rows only). The pass stops once ``MAX_PROBLEMS`` are found: the
    rows after those cannot have any of the first.
    """
    problems: list[TableProblem] = []
    hashes = array("I") if id_column is not None else None
    known = None if isinstance(rows, CsvSource) else rows.num_rows
    if hashes is not None and known is not None:
        # Made whole at once: grown by appending, the array's last copy doubles it for a moment.
        hashes.frombytes(bytes(4 * known))
    start = 0
    for batch, lines, unread in rows.scan(columns):
        found: list[TableProblem] = []
        prompt_cells(batch, start, prompt, template, found)
        if id_column is not None and hashes is not None:
            ids = text_cells(batch.column(id_column))
            _blanks(ids, start, id_column, "the id is empty", found)
            chunk = array("I", [id_hash(i) for i in ids])
            if known is None:
                hashes.extend(chunk)
            else:
                hashes[start : start + len(chunk)] = chunk
        # A row that could not be read has only that problem, not also an empty prompt.
        bad_rows = {p.row for p in unread}
        found = unread + [p for p in found if p.row is None or p.row not in bad_rows]
        problems = sorted(problems + _with_lines(found, lines, start), key=_row_key)
        del problems[MAX_PROBLEMS:]
        start += batch.num_rows
        if len(problems) >= MAX_PROBLEMS:
            break
    if hashes is not None and id_column is not None:
        del hashes[start:]  # the rows the pass stopped before
        repeats = _repeated_ids(rows, id_column, hashes, start)
        problems = sorted(problems + repeats, key=_row_key)[:MAX_PROBLEMS]
    return problems, hashes, start


def _row_key(problem: TableProblem) -> int:
    return problem.row or 0


def _with_lines(
    problems: list[TableProblem], lines: list[int] | None, start: int
) -> list[TableProblem]:
    """The problems, each naming its file line too when that differs from its row."""
    if lines is None:
        return problems
    out = []
    for p in problems:
        index = (p.row or 0) - start - 1
        if (
            p.row is not None
            and p.line is None
            and 0 <= index < len(lines)
            and p.row != lines[index]
        ):
            p = TableProblem(p.row, p.column, p.message, lines[index])
        out.append(p)
    return out


def _uint32s(values: array[int]) -> Any:
    """An Arrow array of the values, made from their bytes.

    Converting Python values (even one scalar) makes PyArrow import pandas when it is
    installed: 60 MB of RSS for nothing here.
    """
    pa = require_pyarrow()
    return pa.Array.from_buffers(pa.uint32(), len(values), [None, pa.py_buffer(values)])


def _repeated_ids(
    rows: RowSource, id_column: str, hashes: array[int], count: int
) -> list[TableProblem]:
    """The first ``MAX_PROBLEMS`` rows whose id an earlier row has (a blank id is no repeat).

    Not a Python map of every id nor a hash count of the text (90 MB of transient at a million
    rows): the rows' 32-bit hashes are sorted to find the hashes that repeat, and only the rows
    with one of those have their ids compared, in row order, in a second pass.
    """
    pa = require_pyarrow()
    import pyarrow.compute as pc

    if count < 2:
        return []
    values = _uint32s(hashes)
    # Sorted a sixteenth at a time (by the hash's top 4 bits): a sort's indices for every row
    # would be 8 bytes a row of transient, twice what the hashes themselves hold.
    parts = _uint32s(array("I", [*range(16), 28]))
    top = pc.shift_right(values, parts[16])
    repeats: list[Any] = []
    for part in range(16):
        some = values.filter(pc.equal(top, parts[part]))
        if len(some) < 2:
            continue
        ordered = some.take(pc.sort_indices(some))
        same = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
        repeats.append(ordered.slice(1).filter(same))
    del top
    if not repeats:
        return []
    repeated = pc.unique(pa.concat_arrays(repeats))
    suspects = pc.is_in(values, value_set=repeated)
    found: list[TableProblem] = []
    first: dict[str, int] = {}
    start = 0
    for batch, lines, _ in rows.scan([id_column]):
        if start >= count:
            break
        marked = pc.indices_nonzero(suspects.slice(start, batch.num_rows))
        if len(marked):
            offsets = marked.to_pylist()
            cells = batch.column(id_column).take(marked).to_pylist()
            for offset, cell in zip(offsets, cells, strict=True):
                custom_id = "" if cell is None else cell_text(cell)
                if not custom_id.strip():
                    continue
                row = start + offset + 1
                if custom_id not in first:
                    first[custom_id] = row
                    continue
                problem = TableProblem(
                    row, id_column, f"duplicate id {custom_id!r} (first on row {first[custom_id]})"
                )
                found += _with_lines([problem], lines, start)
                if len(found) >= MAX_PROBLEMS:
                    return found
        start += batch.num_rows
    return found
