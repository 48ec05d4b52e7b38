"""``groq_batch.tables`` and ``groq_batch.results``, split along their seams (issue 24), keep
every name users imported from them, as the very same objects."""

from __future__ import annotations

import importlib

import pytest

_MOVED = {
    "groq_batch.tables": {
        "groq_batch.table_schema": [
            "FORMATS", "INPUT_PREFIX", "MAX_PROBLEMS", "RESULT_COLUMNS", "ROW_GROUP_BYTES",
            "TableProblem", "format_of", "result_schema",
        ],
        "groq_batch.table_reading": ["is_batch_jsonl", "read_table"],
        "groq_batch.table_prompts": [
            "PromptTable", "TextColumn", "load_inputs", "prompt_table", "requests_from_table",
            "save_inputs",
        ],
        "groq_batch.table_writing": [
            "AsyncResultsStream", "ResultsStream", "TableWriter", "results_to_arrow",
            "results_to_pandas", "results_to_polars", "write_results",
        ],
        "groq_batch._errors": ["TableInputError"],
    },
    "groq_batch.results": {
        "groq_batch.result_lines": [
            "BatchResult", "ResultError", "Transcription", "classify", "is_permanent_failure",
        ],
        "groq_batch.input_index": ["InputIndex"],
        "groq_batch.result_join": [
            "MAX_KEPT_PROBLEMS", "JoinProblem", "JoinStats", "ResultJoiner", "ResultSummary",
            "join_results",
        ],
        "groq_batch.statuses": ["FAILED_OUTCOMES", "Outcome"],
        "groq_batch._errors": ["MalformedResultError"],
    },
}  # fmt: skip


@pytest.mark.parametrize("old", sorted(_MOVED))
def test_the_old_module_re_exports_every_moved_name_as_the_same_object(old: str) -> None:
    module = importlib.import_module(old)
    moved = {name for names in _MOVED[old].values() for name in names}
    assert set(module.__all__) <= moved
    for new, names in _MOVED[old].items():
        home = importlib.import_module(new)
        for name in names:
            assert getattr(module, name) is getattr(home, name), f"{old}.{name}"
