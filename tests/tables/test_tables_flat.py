"""A table job's memory does not grow with its rows: the input is read again, never held."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from groq_batch.jsonl import write_jsonl
from groq_batch.results import BatchResult, InputIndex, ResultJoiner
from groq_batch.table_sources import ParquetSource, RowSource
from groq_batch.tables import (
    TableInputError,
    load_inputs,
    prompt_table,
    results_to_arrow,
    save_inputs,
    write_results,
)

MODEL = "llama-3.1-8b-instant"


def _parquet(path: Path, n: int) -> Path:
    pq.write_table(
        pa.table(
            {
                "id": [f"q{i}" for i in range(n)],
                "question": [f"Question {i}: what is {i} plus {i}?" for i in range(n)],
                "blob": pa.array([f"payload-{i}".encode() for i in range(n)], pa.binary()),
                "tags": pa.array([[i, i + 1] for i in range(n)], pa.list_(pa.int64())),
            }
        ),
        path,
        row_group_size=4_000,
    )
    return path


def _csv(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "question", "note"])
        for i in range(n):
            writer.writerow([f"q{i}", f"Question {i}?", f"=note {i}"])
    return path


def _held_by_arrow(source: Path, fmt: str) -> int:
    """The Arrow bytes a prompt table keeps once it is read (the read's own transients freed)."""
    before = pa.total_allocated_bytes()
    table = prompt_table(source, model=MODEL, prompt="question", id_column="id", format=fmt)
    held = pa.total_allocated_bytes() - before
    assert next(iter(table.requests())).custom_id == "q0"
    return held


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_prompt_table_read_from_a_file_holds_no_rows(tmp_path: Path, fmt: str) -> None:
    write = _parquet if fmt == "parquet" else _csv
    small = write(tmp_path / f"small.{fmt}", 2_000)
    large = write(tmp_path / f"large.{fmt}", 20_000)
    # Holding the table (as before) kept about 1 MB of Arrow at 20,000 rows; now nothing.
    assert _held_by_arrow(small, fmt) == 0
    assert _held_by_arrow(large, fmt) == 0


def _answers(n: int, requests: Path, seed: int) -> list[BatchResult]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    lines = [
        json.dumps(
            {
                "custom_id": f"q{i}",
                "response": {
                    "status_code": 200,
                    "body": {"choices": [{"message": {"content": f"answer {i}"}}]},
                },
            }
        )
        for i in order
    ]
    with InputIndex.from_path(requests) as index:
        joiner = ResultJoiner(index)
        return [r for r in map(joiner.feed, lines) if r is not None] + list(joiner.missing())


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_results_read_the_input_columns_from_the_file_range_by_range(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 20_000
    source = (_parquet if fmt == "parquet" else _csv)(tmp_path / f"in.{fmt}", n)
    inputs = prompt_table(source, model=MODEL, prompt="question", id_column="id")
    requests = tmp_path / "requests.jsonl"
    write_jsonl(inputs.requests(), requests)
    answers = _answers(n, requests, seed=3)
    # The input is never read whole; each slice read for the output holds a few batches.
    largest: list[int] = []
    take = RowSource.take

    def bounded_take(self: RowSource, rows: pa.Array) -> list[pa.Array]:
        columns = take(self, rows)
        largest.append(sum(b.num_rows for b in (self._cursor or [None, 0, 0, []])[3]))
        return columns

    monkeypatch.setattr(RowSource, "take", bounded_take)
    monkeypatch.setattr(RowSource, "read_all", lambda self: pytest.fail("read whole"))
    out = tmp_path / "out.parquet"
    write_results(answers, out, inputs=inputs)
    assert largest
    assert max(largest) <= 3 * 8_192
    written = pq.read_table(out)
    assert written.column("custom_id").to_pylist() == [f"q{i}" for i in range(n)]
    assert written.column("id").to_pylist() == [f"q{i}" for i in range(n)]
    assert written.column("text").to_pylist() == [f"answer {i}" for i in range(n)]
    if fmt == "parquet":
        assert written.column("blob").to_pylist()[:2] == [b"payload-0", b"payload-1"]
        assert written.column("tags").to_pylist()[-1] == [n - 1, n]
    else:
        assert written.column("note").to_pylist()[5] == "=note 5"


def test_a_result_from_another_tables_line_goes_to_the_row_of_its_id(tmp_path: Path) -> None:
    n = 300
    inputs = prompt_table(
        _parquet(tmp_path / "in.parquet", n), model=MODEL, prompt="question", id_column="id"
    )
    # The requests of a job over the rows in reverse: line k holds row n-1-k's id.
    requests = tmp_path / "reversed.jsonl"
    write_jsonl(reversed(list(inputs.requests())), requests)
    answers = _answers(n, requests, seed=5)
    assert answers[0].entry != int(answers[0].custom_id[1:])
    out = tmp_path / "out.parquet"
    write_results(answers, out, inputs=inputs)
    written = pq.read_table(out, columns=["custom_id", "id"])
    assert written.column("custom_id").to_pylist() == [f"q{i}" for i in range(n)]
    assert written.column("id").to_pylist() == [f"q{i}" for i in range(n)]


def test_duplicate_ids_are_found_when_every_id_hash_collides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("groq_batch.table_checks.id_hash", lambda custom_id: 7)
    source = tmp_path / "dups.csv"
    source.write_text("id,question\na,x\nb,x\n\nc,x\nb,x\na,x\n d ,x\n", encoding="utf-8")
    with pytest.raises(TableInputError) as caught:
        prompt_table(source, model=MODEL, prompt="question", id_column="id")
    assert [str(p) for p in caught.value.problems] == [
        "row 4 (line 6), column 'id': duplicate id 'b' (first on row 2)",
        "row 5 (line 7), column 'id': duplicate id 'a' (first on row 1)",
    ]
    # With no duplicate, colliding hashes are no problem: each row keeps its own id.
    source.write_text("id,question\na,x\nb,x\nc,x\n", encoding="utf-8")
    table = prompt_table(source, model=MODEL, prompt="question", id_column="id")
    assert [r.custom_id for r in table.requests()] == ["a", "b", "c"]


def test_the_kept_copy_of_the_inputs_is_written_and_read_a_batch_at_a_time(
    tmp_path: Path,
) -> None:
    n = 20_000
    inputs = prompt_table(
        _parquet(tmp_path / "in.parquet", n), model=MODEL, prompt="question", id_column="id"
    )
    kept = tmp_path / "kept.parquet"
    save_inputs(inputs, kept)
    assert pq.ParquetFile(kept).metadata.num_row_groups > 1
    before = pa.total_allocated_bytes()
    loaded = load_inputs(kept)
    assert pa.total_allocated_bytes() - before < 4096  # its footer, no row
    assert loaded.num_rows == n
    assert loaded.schema.names == ["id", "question", "blob", "tags"]
    assert loaded.ids[n - 1] == f"q{n - 1}"


def test_dataset_parts_in_turn_read_the_input_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 30_000
    inputs = prompt_table(
        _parquet(tmp_path / "in.parquet", n), model=MODEL, prompt="question", id_column="id"
    )
    requests = tmp_path / "requests.jsonl"
    write_jsonl(inputs.requests(), requests)
    answers = sorted(_answers(n, requests, seed=7), key=lambda r: r.entry or 0)
    opened: list[int] = []
    batches = ParquetSource.batches

    def counted(self: ParquetSource, *args: object, **kwargs: object) -> object:
        opened.append(1)
        return batches(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ParquetSource, "batches", counted)
    # Three parts, as a dataset output writes them: each a TableWriter of its own range.
    for part in range(3):
        out = tmp_path / f"part-{part}.parquet"
        write_results(answers[part * 10_000 : (part + 1) * 10_000], out, inputs=inputs)
        ids = pq.read_table(out, columns=["id"]).column(0).to_pylist()
        assert ids == [f"q{i}" for i in range(part * 10_000, (part + 1) * 10_000)]
    assert len(opened) == 1


def test_results_collected_into_one_table_read_the_input_once_in_any_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = 30_000
    inputs = prompt_table(
        _parquet(tmp_path / "in.parquet", n), model=MODEL, prompt="question", id_column="id"
    )
    kept = tmp_path / "kept.parquet"
    save_inputs(inputs, kept)
    requests = tmp_path / "requests.jsonl"
    write_jsonl(inputs.requests(), requests)
    answers = _answers(n, requests, seed=11)  # shuffled: each row group spans the whole input
    opened: list[int] = []
    batches = ParquetSource.batches

    def counted(self: ParquetSource, *args: object, **kwargs: object) -> object:
        opened.append(1)
        return batches(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ParquetSource, "batches", counted)
    for table in (inputs, load_inputs(kept)):
        opened.clear()
        collected = results_to_arrow(answers, table)
        assert len(opened) == 1
        assert collected.column_names[:4] == ["id", "question", "blob", "tags"]
        assert collected.column("id").to_pylist() == [r.custom_id for r in answers]
