"""`-o answers/`: a Parquet dataset, a file per part, read as one table by DuckDB and Arrow."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import groq_batch_cli as cli
from tests.cli_support import FAST, MODEL, isolated_home, main

__all__ = ["isolated_home"]

ROWS = 250


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str) -> tuple[int, str]:
    source = tmp_path / "prompts.parquet"
    if not source.exists():
        pq.write_table(
            pa.table(
                {
                    "id": [f"q{i}" for i in range(ROWS)],
                    "question": [f"What is {i}?" for i in range(ROWS)],
                }
            ),
            source,
        )
    code, _, err = main(
        capsys,
        "run",
        str(source),
        "--prompt-column",
        "question",
        "--id-column",
        "id",
        "--model",
        MODEL,
        "--max-lines",
        "100",
        "-o",
        output,
        "--local",
        "--data-dir",
        str(tmp_path / "server"),
        *FAST,
    )
    return code, err


def test_a_folder_output_is_a_dataset_of_parts_that_duckdb_and_arrow_read_as_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    out = tmp_path / "answers"
    code, err = _run(tmp_path, capsys, f"{out}/")
    assert code == cli.EXIT_OK, err
    # 250 rows at 100 lines a part: three parts, a file each, rows in input order in each.
    assert sorted(p.name for p in out.iterdir()) == [
        "part-00001.parquet",
        "part-00002.parquet",
        "part-00003.parquet",
    ]
    assert [pq.read_metadata(p).num_rows for p in sorted(out.iterdir())] == [100, 100, 50]
    first = pq.read_table(out / "part-00002.parquet", columns=["id", "custom_id"])
    assert first.column("custom_id").to_pylist() == [f"q{i}" for i in range(100, 200)]
    assert first.column("id").to_pylist() == [f"q{i}" for i in range(100, 200)]
    table = ds.dataset(out, format="parquet").to_table()
    assert table.num_rows == ROWS
    assert sorted(table.column("custom_id").to_pylist()) == sorted(f"q{i}" for i in range(ROWS))
    rows = duckdb.sql(
        f"SELECT count(*), count(DISTINCT custom_id), "
        f"count(*) FILTER (WHERE outcome = 'succeeded' AND text LIKE 'Echo:%' AND id = custom_id) "
        f"FROM read_parquet('{out}/*.parquet')"
    ).fetchall()
    assert rows == [(ROWS, ROWS, ROWS)]


def test_running_the_same_command_again_rewrites_the_parts_without_adding_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "answers"
    out.mkdir()
    code, err = _run(tmp_path, capsys, str(out))
    assert code == cli.EXIT_OK, err
    names = sorted(p.name for p in out.iterdir())
    code, err = _run(tmp_path, capsys, str(out))
    assert code == cli.EXIT_OK, err
    assert sorted(p.name for p in out.iterdir()) == names
    assert ds.dataset(out, format="parquet").count_rows() == ROWS
