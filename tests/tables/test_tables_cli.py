"""`groq-batch run` and `submit` on tables of prompts: flags, bad input, JSON Lines records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groq_batch_cli as cli
from tests.cli_support import FAST, MODEL, isolated_home, main

__all__ = ["isolated_home"]


def _local(tmp_path: Path) -> list[str]:
    return ["--local", "--data-dir", str(tmp_path / "server"), *FAST]


def _no_files_on_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stdout, _ = main(capsys, "files", "list", *_local(tmp_path)[:3], "--json")
    assert code == 0
    assert json.loads(stdout) == []


BAD_INPUTS = {
    "ragged": (b"id,question\n1,hello\n2,hi,extra\n", "row 2 (line 3)", "2 columns"),
    "empty_prompt": (b"id,question\n1,hello\n2,  \n", "row 2 (line 3), column 'question'", "empty"),
    "latin1": ("id,question\n1,caf\u00e9\n".encode("latin-1"), "column 'question'", "UTF-8"),
    "duplicate_id": (
        b"id,question\n1,hello\n1,again\n",
        "row 2 (line 3), column 'id'",
        "duplicate id '1' (first on row 1)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_csv_exits_2_naming_row_and_column_and_uploads_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, where, what = BAD_INPUTS[case]
    source = tmp_path / "prompts.csv"
    source.write_bytes(data)
    out = tmp_path / "answers.csv"
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
        "-o",
        str(out),
        *_local(tmp_path),
    )
    assert code == cli.EXIT_USAGE, err
    assert where in err
    assert what in err
    assert "nothing was uploaded" in err
    assert not out.exists()
    # The table is refused before any server starts: its data dir was never made. (The
    # template test below also asks the server for its files.)
    assert not (tmp_path / "server").exists()


def test_a_missing_template_column_is_a_usage_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prompts.csv"
    source.write_text("title,body\na,b\n")
    code, _, err = main(
        capsys,
        "submit",
        str(source),
        "--template",
        "Summarise {title}: {text}",
        "--model",
        MODEL,
        *_local(tmp_path),
    )
    assert code == cli.EXIT_USAGE
    assert "column 'text': no such column; the columns are: title, body" in err
    _no_files_on_server(tmp_path, capsys)


def test_a_table_needs_a_prompt_and_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prompts.csv"
    source.write_text("question\nhi\n")
    code, _, err = main(capsys, "run", str(source), "--model", MODEL, "-o", "x.csv", "--local")
    assert code == cli.EXIT_USAGE
    assert "--prompt-column COLUMN" in err
    code, _, err = main(
        capsys, "run", str(source), "--prompt-column", "question", "-o", "x.csv", "--local"
    )
    assert code == cli.EXIT_USAGE
    assert "--model is required" in err


def test_jsonl_records_with_json_mode_give_a_parsed_json_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "records.jsonl"
    source.write_text(
        "\n".join(json.dumps({"n": i, "q": f"say {i}"}) for i in range(5)) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "answers.jsonl"
    code, _, err = main(
        capsys,
        "run",
        str(source),
        "--prompt-column",
        "q",
        "--model",
        MODEL,
        "--response-format",
        "json",
        "--temperature",
        "0",
        "-o",
        str(out),
        *_local(tmp_path),
    )
    assert code == cli.EXIT_OK, err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["custom_id"] for r in rows) == [f"row-{i}" for i in range(1, 6)]
    for row in rows:
        assert row["custom_id"] == f"row-{row['n'] + 1}"
        assert set(row) == {"n", "q", *cli_result_columns()}
        if row["outcome"] == "succeeded":
            # JSON mode asked for a JSON object: the echo answers one, parsed into `json`,
            # and the raw text is kept beside it.
            assert row["json"] == {"echo": f"say {row['n']}"}
            assert json.loads(row["text"]) == row["json"]


def test_batch_jsonl_with_a_table_flag_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "requests.jsonl"
    source.write_text(
        json.dumps(
            {
                "custom_id": "a",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": MODEL, "messages": [{"role": "user", "content": "x"}]},
            }
        )
        + "\n"
    )
    code, _, err = main(capsys, "submit", str(source), "--model", MODEL, "--local")
    assert code == cli.EXIT_USAGE
    assert "--model: only for a table of prompts" in err


def cli_result_columns() -> tuple[str, ...]:
    from groq_batch.tables import RESULT_COLUMNS

    return RESULT_COLUMNS


def test_the_readme_spreadsheet_command_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import shlex

    from tests.cli_support import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From a spreadsheet", 1)[1].split("\n## ", 1)[0]
    (command,) = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    words = shlex.split(command)
    assert words[0] == "groq-batch"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "prompts.csv").write_bytes(
        (ROOT / "examples/prompts.csv").read_bytes()
    )
    code, _, err = main(capsys, *words[1:], *FAST)
    assert code == cli.EXIT_OK, err
    import csv

    with (tmp_path / "answers.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["custom_id"] for r in sorted(rows, key=lambda r: r["id"])] == [
        f"q{i}" for i in range(1, 6)
    ]
    for row in rows:
        assert row["outcome"] == "succeeded"
        assert row["text"].startswith("Echo:")
    assert "Python format fields" in section


def test_requests_from_table_is_exported() -> None:
    import groq_batch

    assert "requests_from_table" in groq_batch.__all__
    import groq_batch.tables

    assert groq_batch.requests_from_table is groq_batch.tables.requests_from_table


def test_submit_a_table_then_results_as_parquet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    from groq_batch.tables import RESULT_COLUMNS

    source = tmp_path / "prompts.csv"
    source.write_text("question\nfirst\nsecond\n", encoding="utf-8")
    code, _, err = main(
        capsys,
        "submit",
        str(source),
        "--prompt-column",
        "question",
        "--model",
        MODEL,
        "--name",
        "tab",
        "--wait",
        *_local(tmp_path),
    )
    assert code == cli.EXIT_OK, err
    out = tmp_path / "later.parquet"
    code, _, err = main(capsys, "results", "tab", "-o", str(out))
    assert code == cli.EXIT_OK, err
    table = pq.read_table(out)
    # The input's rows were kept beside the job's requests, so they lead each row again.
    assert table.column_names == ["question", *RESULT_COLUMNS]
    assert sorted(table["question"].to_pylist()) == ["first", "second"]
    pairs = zip(table["custom_id"].to_pylist(), table["text"].to_pylist(), strict=True)
    assert sorted(pairs) == [
        ("row-1", "Echo: first"),
        ("row-2", "Echo: second"),
    ]


def test_bad_rows_are_json_events_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "prompts.csv"
    source.write_text('q\nok\n""\n', encoding="utf-8")
    code, stdout, _ = main(
        capsys, "--json", "submit", str(source), "--prompt-column", "q", "--model", MODEL, "--local"
    )
    assert code == cli.EXIT_USAGE
    (event,) = [json.loads(line) for line in stdout.splitlines()]
    assert event == {
        "event": "invalid",
        "file": str(source),
        "problems": [{"row": 2, "line": 3, "column": "q", "message": "the prompt is empty"}],
    }


def test_csv_output_quotes_would_be_formulas_and_csv_raw_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    source = tmp_path / "prompts.csv"
    source.write_text('question\n"=HYPERLINK(""http://x.test"")"\n@SUM(A1)\nplain\n', "utf-8")
    out = tmp_path / "answers.csv"
    table_args = ["--prompt-column", "question", "--model", MODEL, "--name", "formulas"]
    code, _, err = main(capsys, "run", str(source), *table_args, "-o", str(out), *_local(tmp_path))
    assert code == cli.EXIT_OK, err
    with out.open(newline="", encoding="utf-8") as fh:
        questions = sorted(r["question"] for r in csv.DictReader(fh))
    assert questions == ['\'=HYPERLINK("http://x.test")', "'@SUM(A1)", "plain"]

    raw = tmp_path / "raw.csv"
    code, _, err = main(capsys, "results", "formulas", "-o", str(raw), "--csv-raw")
    assert code == cli.EXIT_OK, err
    with raw.open(newline="", encoding="utf-8") as fh:
        questions = sorted(r["question"] for r in csv.DictReader(fh))
    assert questions == ['=HYPERLINK("http://x.test")', "@SUM(A1)", "plain"]


def test_a_300_kib_csv_cell_runs_like_the_same_prompt_in_jsonl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    prompt = "a long question " * (300 * 1024 // 16) + "end"
    table_args = ["--prompt-column", "q", "--model", MODEL]
    texts = {}
    for fmt in ("csv", "jsonl"):
        source = tmp_path / f"prompts.{fmt}"
        if fmt == "csv":
            with source.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows([["q"], [prompt]])
        else:
            source.write_text(json.dumps({"q": prompt}) + "\n", encoding="utf-8")
        out = tmp_path / f"answers-{fmt}.jsonl"
        code, _, err = main(
            capsys, "run", str(source), *table_args, "-o", str(out), *_local(tmp_path)
        )
        assert code == cli.EXIT_OK, err
        (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        texts[fmt] = row["text"]
    assert texts["csv"] == texts["jsonl"] == f"Echo: {prompt}"
