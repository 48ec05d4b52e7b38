"""Typed batch results, joined to their inputs, read as streams.

Groq writes successes to the output file and everything else to the error file, in no particular
order. A result is a success only when the line has a 2xx ``response`` and no ``error``; every
other line is a failure of one kind or another, and every input with no line at all is
``missing``. Nothing here holds a whole file: lines are parsed one at a time, bodies are typed
only when asked for, and inputs are looked up through an index of file offsets.

Result files are input like any other: each ``custom_id`` yields one result (the first line for
it wins; later ones are counted in ``JoinStats``, never yielded), a line that is not a result
line at all is counted and skipped, and an odd shape with a usable id becomes a typed
``batch_error`` row. Only ``GroqError`` subclasses are ever raised.

This module is the public face; the code lives in three modules, one concept each:
``groq_batch.result_lines`` (one line → one typed ``BatchResult``), ``groq_batch.input_index``
(the inputs, indexed by id without a Python object per line) and ``groq_batch.result_join``
(the join and its counts).
"""

from __future__ import annotations

from groq_batch._errors import MalformedResultError
from groq_batch.input_index import InputIndex
from groq_batch.result_join import (
    MAX_KEPT_PROBLEMS as MAX_KEPT_PROBLEMS,
)
from groq_batch.result_join import (
    JoinProblem,
    JoinStats,
    ResultJoiner,
    ResultSummary,
    join_results,
)
from groq_batch.result_lines import (
    BatchResult,
    ResultError,
    Transcription,
    classify,
    is_permanent_failure,
)
from groq_batch.statuses import FAILED_OUTCOMES, Outcome

__all__ = [
    "FAILED_OUTCOMES",
    "BatchResult",
    "InputIndex",
    "JoinProblem",
    "JoinStats",
    "MalformedResultError",
    "Outcome",
    "ResultError",
    "ResultJoiner",
    "ResultSummary",
    "Transcription",
    "classify",
    "is_permanent_failure",
    "join_results",
]
