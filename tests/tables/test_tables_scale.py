"""`groq-batch run --local` on 10,000-row tables of prompts: every answer back in its own row."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import groq_batch_cli as cli
from tests.cli_support import FAST, MODEL, isolated_home, main

__all__ = ["isolated_home"]

ROWS = 10_000


def _local(tmp_path: Path) -> list[str]:
    return ["--local", "--data-dir", str(tmp_path / "server"), *FAST]


def _check_aligned(rows: list[dict[str, object]], ids: list[str], prefix: str) -> None:
    """Every input row comes back once, and each answer echoes that row's own question."""
    assert len(rows) == len(ids)
    assert Counter(str(r["qid"]) for r in rows) == Counter(ids)
    for row in rows:
        assert row["outcome"] == "succeeded", row
        # The echo model answers with the prompt's words; the number is the row's own.
        assert str(row["text"]).endswith(f"question {row['qid']}"), row
        assert row["custom_id"] == f"{prefix}{row['qid']}"
        assert row["topic"] == f"t{int(str(row['qid'])) % 7}"
        assert int(str(row["completion_tokens"])) > 0


def test_ten_thousand_row_csv_comes_back_in_the_right_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prompts.csv"
    ids = [str(i) for i in range(ROWS)]
    with source.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["qid", "question", "topic"])
        for i in ids:
            writer.writerow([i, f"question {i}", f"t{int(i) % 7}"])
    out = tmp_path / "answers.csv"
    code, _, err = main(
        capsys,
        "run",
        str(source),
        "--prompt-column",
        "question",
        "--id-column",
        "qid",
        "--model",
        MODEL,
        "-o",
        str(out),
        *_local(tmp_path),
    )
    assert code == cli.EXIT_OK, err
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    _check_aligned(rows, ids, prefix="")
    assert list(rows[0])[:3] == ["qid", "question", "topic"]


def test_ten_thousand_row_parquet_comes_back_in_the_right_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prompts.parquet"
    qids = list(range(ROWS))
    pq.write_table(
        pa.table(
            {
                "qid": pa.array(qids, pa.int64()),
                "text": [f"question {i}" for i in qids],
                "topic": [f"t{i % 7}" for i in qids],
                "custom": [f"q{i}" for i in qids],
            }
        ),
        source,
    )
    out = tmp_path / "answers.parquet"
    code, _, err = main(
        capsys,
        "run",
        str(source),
        "--template",
        "{text}",
        "--system",
        "Answer briefly.",
        "--id-column",
        "custom",
        "--model",
        MODEL,
        "--max-tokens",
        "50",
        "-o",
        str(out),
        *_local(tmp_path),
    )
    assert code == cli.EXIT_OK, err
    result = pq.read_table(out)
    # Input types survive; the input's `text` yields to the result's, as `input_text`.
    assert result.schema.field("qid").type == pa.int64()
    assert result.column_names[:4] == ["qid", "input_text", "topic", "custom"]
    rows = result.to_pylist()
    _check_aligned(rows, [str(i) for i in qids], prefix="q")
    assert all(r["input_text"] == f"question {r['qid']}" for r in rows)
