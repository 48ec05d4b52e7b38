"""Single-file table outputs come in input order, each row once, without a map of the rows."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from groq_batch.jsonl import write_jsonl
from groq_batch.results import BatchResult, InputIndex, Outcome, ResultJoiner
from groq_batch.tables import (
    TableWriter,
    TextColumn,
    prompt_table,
    results_to_arrow,
    write_results,
)

MODEL = "llama-3.1-8b-instant"


def _table(n: int) -> pa.Table:
    return pa.table({"id": [f"q{i}" for i in range(n)], "question": [f"Q{i}?" for i in range(n)]})


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_shuffled_results_over_many_row_ranges_come_out_in_input_order_once_each(
    tmp_path: Path, fmt: str
) -> None:
    n = 2_345
    inputs = prompt_table(_table(n), model=MODEL, prompt="question", id_column="id")
    results = [BatchResult(f"q{i}", Outcome.SUCCEEDED) for i in range(n)]
    results.append(BatchResult("not-an-input", Outcome.SUCCEEDED))
    random.Random(27).shuffle(results)
    out = tmp_path / f"a.{fmt}"
    # Ranges of 100 rows: the rows wait on disk in 24 files before they are put in order.
    with TableWriter(out, fmt, inputs=inputs, row_group_size=100) as writer:
        for result in results:
            writer.write(result)
    if fmt == "parquet":
        rows = pq.read_table(out).to_pylist()
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    else:
        import csv

        with out.open(newline="") as fh:
            rows = list(csv.DictReader(fh))
    assert [r["custom_id"] for r in rows] == [f"q{i}" for i in range(n)] + ["not-an-input"]
    assert [r["question"] for r in rows[:n]] == [f"Q{i}?" for i in range(n)]
    assert rows[-1]["question"] in (None, "")  # matches no row: no input columns


def test_results_joined_against_the_requests_file_find_their_rows_by_line(
    tmp_path: Path,
) -> None:
    n = 500
    inputs = prompt_table(_table(n), model=MODEL, prompt="question", id_column="id")
    requests = tmp_path / "requests.jsonl"
    write_jsonl(inputs.requests(), requests)
    order = list(range(n))
    random.Random(1).shuffle(order)
    lines = [
        json.dumps({"custom_id": f"q{i}", "response": {"status_code": 200, "body": {}}})
        for i in order[:400]
    ]
    with InputIndex.from_path(requests) as index:
        joiner = ResultJoiner(index)
        joined = [r for r in map(joiner.feed, lines) if r is not None] + list(joiner.missing())
    assert [r.entry for r in joined] == order[:400] + sorted(order[400:])
    # The row comes from the line number; the id-to-row map is never built.
    assert all(inputs.row_of_result(r) == int(r.custom_id[1:]) for r in joined)
    assert inputs._rows is None
    table = results_to_arrow(joined, inputs)
    assert table.column("question").to_pylist() == [f"Q{int(r.custom_id[1:])}?" for r in joined]
    assert inputs._rows is None
    out = tmp_path / "a.parquet"
    write_results(joined, out, inputs=inputs)
    assert pq.read_table(out, columns=["custom_id"]).column(0).to_pylist() == [
        f"q{i}" for i in range(n)
    ]


def test_a_prompt_table_holds_ids_and_prompts_as_arrow_text() -> None:
    inputs = prompt_table(_table(3), model=MODEL, prompt="question", id_column="id")
    assert isinstance(inputs.ids, TextColumn)
    assert isinstance(inputs.prompts, TextColumn)
    assert inputs.ids == ["q0", "q1", "q2"]
    assert list(inputs.prompts) == ["Q0?", "Q1?", "Q2?"]
    assert inputs.ids[1] == "q1"
    assert inputs.ids[-1] == "q2"
    assert inputs.ids[:2] == ["q0", "q1"]
    assert inputs.row_of("q2") == 2


def test_duplicate_ids_are_found_without_a_map_of_every_id() -> None:
    from groq_batch.tables import TableInputError

    table = pa.table({"id": ["a", "b", "a", " ", "b", "a"], "question": ["x"] * 6})
    with pytest.raises(TableInputError) as caught:
        prompt_table(table, model=MODEL, prompt="question", id_column="id")
    assert [(p.row, p.message) for p in caught.value.problems] == [
        (3, "duplicate id 'a' (first on row 1)"),
        (4, "the id is empty"),
        (5, "duplicate id 'b' (first on row 2)"),
        (6, "duplicate id 'a' (first on row 1)"),
    ]


def _chunked_table(n: int, chunk: int) -> pa.Table:
    """The table as Parquet reads it: many chunks, whose edges fall inside the writer's ranges."""
    return pa.Table.from_batches(
        [
            pa.record_batch(
                {
                    "id": [f"q{i}" for i in range(start, min(start + chunk, n))],
                    "question": [f"Q{i}?" for i in range(start, min(start + chunk, n))],
                    "n": list(range(start, min(start + chunk, n))),
                }
            )
            for start in range(0, n, chunk)
        ]
    )


@pytest.mark.parametrize("ordered", [True, False])
def test_a_many_chunk_input_table_is_joined_row_for_row_in_input_order(ordered: bool) -> None:
    n = 1_003
    table = _chunked_table(n, 37)
    assert table.column("id").num_chunks > 20
    inputs = prompt_table(table, model=MODEL, prompt="question", id_column="id")
    results = [BatchResult(f"q{i}", Outcome.SUCCEEDED) for i in range(n)]
    results.insert(500, BatchResult("not-an-input", Outcome.SUCCEEDED))
    random.Random(5).shuffle(results)
    sink = pa.BufferOutputStream()
    # Ranges of 50 rows each take their input columns from a slice across chunk edges.
    with TableWriter(sink, "parquet", inputs=inputs, row_group_size=50, ordered=ordered) as w:
        for result in results:
            w.write(result)
    rows = pq.read_table(pa.BufferReader(sink.getvalue())).to_pylist()
    if ordered:
        assert [r["custom_id"] for r in rows] == [f"q{i}" for i in range(n)] + ["not-an-input"]
    else:
        assert [r["custom_id"] for r in rows] == [r.custom_id for r in results]
    for row in rows:
        if row["custom_id"] == "not-an-input":
            assert (row["id"], row["question"], row["n"]) == (None, None, None)
        else:
            i = int(row["custom_id"][1:])
            assert (row["id"], row["question"], row["n"]) == (f"q{i}", f"Q{i}?", i)


def test_results_that_match_no_input_row_get_null_input_columns() -> None:
    inputs = prompt_table(_chunked_table(10, 4), model=MODEL, prompt="question", id_column="id")
    table = results_to_arrow([BatchResult(f"x{i}", Outcome.SUCCEEDED) for i in range(3)], inputs)
    assert table.column("custom_id").to_pylist() == ["x0", "x1", "x2"]
    assert table.column("n").to_pylist() == [None, None, None]
    assert table.column("n").type == pa.int64()


def _expected_duplicates(ids: list[str]) -> list[tuple[int, str]]:
    """The problems a Python map of every id would report: each repeat, in row order."""
    first: dict[str, int] = {}
    out = []
    for row, value in enumerate(ids, start=1):
        if not value.strip():
            out.append((row, "the id is empty"))
        elif value in first:
            out.append((row, f"duplicate id {value!r} (first on row {first[value]})"))
        else:
            first[value] = row
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duplicate_ids_across_chunks_are_reported_by_row_like_a_map_would(seed: int) -> None:
    from groq_batch.table_schema import MAX_PROBLEMS
    from groq_batch.tables import TableInputError

    rng = random.Random(seed)
    n = 3_000
    # Few repeats, far apart, in chunks of 64 rows: some of a value's rows sit in other chunks.
    ids = [f"id{i}" for i in range(n)]
    for _ in range(12):
        ids[rng.randrange(n)] = rng.choice([f"id{rng.randrange(n)}", " ", "dup"])
    table = pa.Table.from_batches(
        [
            pa.record_batch({"id": ids[s : s + 64], "question": ["x"] * len(ids[s : s + 64])})
            for s in range(0, n, 64)
        ]
    )
    expected = _expected_duplicates(ids)
    if not expected:
        prompt_table(table, model=MODEL, prompt="question", id_column="id")
        return
    with pytest.raises(TableInputError) as caught:
        prompt_table(table, model=MODEL, prompt="question", id_column="id")
    got = [(p.row, p.message) for p in caught.value.problems]
    assert got == expected[:MAX_PROBLEMS]


def test_many_repeats_of_one_id_report_the_first_rows_that_repeat_it() -> None:
    from groq_batch.tables import TableInputError

    ids = ["z"] * 5 + [f"u{i}" for i in range(100_000)] + ["z", "a", "a"] + ["z"] * 50_000
    table = pa.Table.from_batches(
        [
            pa.record_batch(
                {"id": ids[s : s + 65_536], "question": ["x"] * len(ids[s : s + 65_536])}
            )
            for s in range(0, len(ids), 65_536)
        ]
    )
    with pytest.raises(TableInputError) as caught:
        prompt_table(table, model=MODEL, prompt="question", id_column="id")
    got = [(p.row, p.message) for p in caught.value.problems]
    assert got == _expected_duplicates(ids)[:20]
