"""Tables in, tables out: prompts from a CSV, Parquet, JSON Lines file or DataFrame; answers back.

``requests_from_table`` turns each row of a table into one chat request; ``write_results`` and
``results_to_arrow`` turn a job's results back into a table: the input columns, then the
result columns of ``RESULT_SCHEMA``. PyArrow (the ``tables`` extra) is the interchange layer;
pandas and polars are used only when the caller hands one of their frames in or asks for one.

A Parquet or CSV input is read a batch of rows at a time and never held: it is checked in one
pass, its requests built in another, and its columns read again, range by range, when the
results are written (JSON Lines records, tables and DataFrames are held as given). Results are
streamed to the output file in row groups, so memory stays flat however many rows there are.

This module is the public face; the code lives in one module per concept:
``groq_batch.table_schema`` (formats, result columns, problems), ``groq_batch.table_reading``
(files and frames in), ``groq_batch.table_sources`` (rows read again, a batch at a time),
``groq_batch.table_checks`` (cells as text, and their problems), ``groq_batch.table_prompts``
(rows into requests),
``groq_batch.table_order`` (input order through row ranges on disk) and
``groq_batch.table_writing`` (results out).
"""

from __future__ import annotations

from groq_batch._errors import TableInputError
from groq_batch.table_prompts import (
    PromptTable,
    load_inputs,
    prompt_table,
    requests_from_table,
    save_inputs,
)
from groq_batch.table_prompts import (
    TextColumn as TextColumn,
)
from groq_batch.table_reading import is_batch_jsonl, read_table
from groq_batch.table_schema import (
    FORMATS,
    RESULT_COLUMNS,
    TableProblem,
    format_of,
    result_schema,
)
from groq_batch.table_schema import (
    INPUT_PREFIX as INPUT_PREFIX,
)
from groq_batch.table_schema import (
    MAX_PROBLEMS as MAX_PROBLEMS,
)
from groq_batch.table_schema import (
    ROW_GROUP_BYTES as ROW_GROUP_BYTES,
)
from groq_batch.table_writing import (
    AsyncResultsStream,
    ResultsStream,
    TableWriter,
    results_to_arrow,
    results_to_pandas,
    results_to_polars,
    write_results,
)

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
