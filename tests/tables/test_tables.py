"""Tables in and out, without a server: reading, checking, building requests, writing results."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from groq_batch import tables
from groq_batch.jsonl import BatchRequest
from groq_batch.results import BatchResult, Outcome, ResultError
from groq_batch.tables import (
    RESULT_COLUMNS,
    ResultsStream,
    TableInputError,
    TableWriter,
    prompt_table,
    read_table,
    requests_from_table,
    result_schema,
    results_to_arrow,
    write_results,
)

MODEL = "llama-3.1-8b-instant"


def _ok(custom_id: str, text: str, prompt: int = 3, completion: int = 2) -> BatchResult:
    return BatchResult(
        custom_id,
        Outcome.SUCCEEDED,
        200,
        line={
            "custom_id": custom_id,
            "response": {
                "status_code": 200,
                "body": {
                    "choices": [{"message": {"role": "assistant", "content": text}}],
                    "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
                },
            },
        },
    )


def _failed(custom_id: str) -> BatchResult:
    return BatchResult(
        custom_id,
        Outcome.REQUEST_ERROR,
        404,
        error=ResultError(code="model_not_found", message="no such model"),
    )


def _csv(tmp_path: Path, text: str | bytes, name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


# ------------------------------------------------------------------------------------ input


def test_requests_from_a_csv_carry_the_prompt_system_and_parameters(tmp_path: Path) -> None:
    path = _csv(tmp_path, 'q,topic\nWhat is 2+2?,math\n"Hello, ""world""\nagain",greet\n')
    requests = list(
        requests_from_table(
            path,
            prompt="q",
            model=MODEL,
            system="Be brief.",
            max_tokens=10,
            temperature=0.0,
            stop=["\n"],
            response_format="json",
            seed=None,
        )
    )
    assert [r.custom_id for r in requests] == ["row-1", "row-2"]
    assert requests[1].body == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": 'Hello, "world"\nagain'},
        ],
        "max_tokens": 10,
        "temperature": 0.0,
        "stop": ["\n"],
        "response_format": {"type": "json_object"},
    }


def test_a_template_fills_the_prompt_from_several_columns(tmp_path: Path) -> None:
    table = pa.table({"title": ["A", "B"], "body": ["x", "y"], "n": [1, 2]})
    requests = list(
        requests_from_table(table, template="Summarise {title} ({n}): {body}", model=MODEL)
    )
    assert [r.body["messages"][-1]["content"] for r in requests] == [
        "Summarise A (1): x",
        "Summarise B (2): y",
    ]


def test_an_id_column_sets_custom_id_and_numbers_become_text() -> None:
    table = pa.table({"id": [10, 20], "q": ["a", "b"]})
    requests = list(requests_from_table(table, prompt="q", id_column="id", model=MODEL))
    assert [r.custom_id for r in requests] == ["10", "20"]


def test_requests_from_table_passes_every_prompt_table_option_on(tmp_path: Path) -> None:
    path = tmp_path / "prompts.txt"
    path.write_text("id,q\nk1,a\nk2,b\n", encoding="utf-8")
    options: dict[str, Any] = {
        "prompt": "q",
        "id_column": "id",
        "system": "Be brief.",
        "format": "csv",
        "max_tokens": 5,
    }
    made = [r.to_dict() for r in requests_from_table(path, model=MODEL, **options)]
    assert made == [r.to_dict() for r in prompt_table(path, model=MODEL, **options).requests()]
    assert [(r["custom_id"], r["body"]["max_tokens"]) for r in made] == [("k1", 5), ("k2", 5)]


def test_blank_prompt_and_id_cells_name_their_own_column_whatever_its_type() -> None:
    # One routine reads the prompt and the id column; each keeps its column and its message.
    table = pa.table({"id": [1, None, 3], "q": ["a", "b", None], "n": [None, 2, 3]})
    with pytest.raises(TableInputError) as caught:
        prompt_table(table, model=MODEL, prompt="n", id_column="id")
    assert [(p.row, p.column, p.message) for p in caught.value.problems] == [
        (1, "n", "the prompt is empty"),
        (2, "id", "the id is empty"),
    ]
    with pytest.raises(TableInputError) as caught:
        prompt_table(table, model=MODEL, prompt="q", id_column="id")
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "id"), (3, "q")]


def test_pandas_and_polars_frames_are_read_through_arrow() -> None:
    pandas = pytest.importorskip("pandas")
    polars = pytest.importorskip("polars")
    for frame in (
        pandas.DataFrame({"q": ["a", "b"]}, index=[5, 6]),
        polars.DataFrame({"q": ["a", "b"]}),
    ):
        requests = list(requests_from_table(frame, prompt="q", model=MODEL))
        assert [(r.custom_id, r.body["messages"][0]["content"]) for r in requests] == [
            ("row-1", "a"),
            ("row-2", "b"),
        ]


def test_jsonl_records_are_a_table_and_batch_lines_are_told_apart(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    records.write_text('{"q": "a", "n": 1}\n\n{"q": "b", "n": 2}\n')
    assert not tables.is_batch_jsonl(records)
    assert read_table(records).to_pylist() == [{"q": "a", "n": 1}, {"q": "b", "n": 2}]
    for line in ('{"custom_id": "x", "body": {}}', '{"custom_id": "x"}', "{broken", "[1]"):
        batch = tmp_path / "b.jsonl"
        batch.write_text(line + "\n")
        assert tables.is_batch_jsonl(batch), line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"id,q\n1,a\n2,b,c\n", "row 2 (line 3): 3 cells, but the header names 2 columns"),
        (b"id,q\n1,a\n2,\n", "row 2 (line 3), column 'q': the prompt is empty"),
        (b"id,q\n1,\xe9t\xe9\n", "row 1 (line 2), column 'q': not UTF-8 (byte 0xe9)"),
        (b"id,q\n1,a\n\n1,b\n", "row 2 (line 4), column 'id': duplicate id '1' (first on row 1)"),
        (b"id,q\n,a\n", "row 1 (line 2), column 'id': the id is empty"),
        (b"id,id\n1,2\n", "line 1, column 'id': the header names it twice"),
        (b"", "the file is empty"),
        (b"id,q\n", "the table has no rows"),
    ],
)
def test_bad_csv_names_row_line_and_column(tmp_path: Path, text: bytes, expected: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(TableInputError) as info:
        prompt_table(path, prompt="q", id_column="id", model=MODEL)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    path = _csv(tmp_path, "q\nx\n" + '""\n' * 30)
    with pytest.raises(TableInputError) as info:
        prompt_table(path, prompt="q", model=MODEL)
    assert len(info.value.problems) == tables.MAX_PROBLEMS


def test_missing_columns_and_bad_templates_are_named(tmp_path: Path) -> None:
    table = pa.table({"title": ["a"]})
    with pytest.raises(
        TableInputError, match="column 'body': no such column; the columns are: title"
    ):
        prompt_table(table, template="{title} {body}", model=MODEL)
    with pytest.raises(TableInputError, match="template fields must name columns"):
        prompt_table(table, template="{0}", model=MODEL)
    with pytest.raises(TableInputError, match="template"):
        prompt_table(table, template="{title", model=MODEL)
    with pytest.raises(TableInputError, match="column 'nope'"):
        prompt_table(table, prompt="nope", model=MODEL)
    with pytest.raises(ValueError, match="exactly one"):
        prompt_table(table, model=MODEL)


def test_a_null_cell_in_a_template_column_is_named() -> None:
    table = pa.table({"a": ["x", None], "b": ["y", "z"]})
    with pytest.raises(TableInputError, match="row 2, column 'a': empty cell"):
        prompt_table(table, template="{a}{b}", model=MODEL)


def test_the_format_comes_from_the_extension_or_is_asked_for(tmp_path: Path) -> None:
    assert tables.format_of("x.CSV") == "csv"
    assert tables.format_of("x.pq") == "parquet"
    assert tables.format_of("x.txt", "jsonl") == "jsonl"
    with pytest.raises(TableInputError, match=r"name it \.csv, \.parquet or \.jsonl"):
        tables.format_of("x.txt")


# ----------------------------------------------------------------------------------- output


def _inputs() -> tables.PromptTable:
    return prompt_table(
        pa.table({"text": ["a", "b", "c"], "n": pa.array([1, 2, 3], pa.int32())}),
        prompt="text",
        model=MODEL,
        response_format="json",
    )


def _results() -> list[BatchResult]:
    # Out of input order, as results come from a batch's output then error file.
    return [_ok("row-3", '{"answer": 3}'), _failed("row-1"), _ok("row-2", "not json")]


def test_results_join_their_input_rows_with_a_stable_schema() -> None:
    table = results_to_arrow(_results(), _inputs())
    assert table.column_names == ["input_text", "n", *RESULT_COLUMNS]
    assert table.schema.field("n").type == pa.int32()
    assert table.schema.remove(0).remove(0) == result_schema()
    rows = {r["custom_id"]: r for r in table.to_pylist()}
    assert rows["row-3"] == {
        "input_text": "c",
        "n": 3,
        "custom_id": "row-3",
        "outcome": "succeeded",
        "text": '{"answer": 3}',
        "json": '{"answer":3}',
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "error_code": None,
        "error_message": None,
    }
    assert rows["row-1"]["input_text"] == "a"
    assert rows["row-1"]["error_code"] == "model_not_found"
    assert rows["row-1"]["text"] is None
    assert rows["row-2"]["json"] is None  # asked for JSON, got prose: the text is still there


def test_results_of_unknown_rows_keep_their_result_columns() -> None:
    table = results_to_arrow([_ok("elsewhere", "x")], _inputs())
    row = table.to_pylist()[0]
    assert row["input_text"] is None
    assert row["custom_id"] == "elsewhere"


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_every_format_writes_the_same_rows_in_input_order(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"answers.{fmt}"
    write_results(_results(), out, inputs=_inputs())
    if fmt == "csv":
        with out.open(newline="", encoding="utf-8") as fh:
            rows: list[dict[str, Any]] = list(csv.DictReader(fh))
        assert rows[2]["n"] == "3"
        assert rows[0]["text"] == ""
    elif fmt == "parquet":
        rows = pq.read_table(out).to_pylist()
        assert rows[2]["n"] == 3
    else:
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert rows[2]["json"] == {"answer": 3}
    # The results came row-3, row-1, row-2; the file has the input's order.
    assert [r["custom_id"] for r in rows] == ["row-1", "row-2", "row-3"]
    assert list(rows[0]) == ["input_text", "n", *RESULT_COLUMNS]
    assert not list(tmp_path.glob(".*.tmp"))


def test_parquet_streams_in_row_groups(tmp_path: Path) -> None:
    inputs = prompt_table(pa.table({"q": [f"q{i}" for i in range(25)]}), prompt="q", model=MODEL)
    out = tmp_path / "a.parquet"
    with TableWriter(out, "parquet", inputs=inputs, row_group_size=10) as writer:
        for i in range(25):
            writer.write(_ok(f"row-{i + 1}", f"a{i}"))
    meta = pq.ParquetFile(out).metadata
    assert (meta.num_row_groups, meta.num_rows) == (3, 25)


def test_two_result_files_read_as_one_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    for part in range(2):
        inputs = prompt_table(
            pa.table({"q": [f"p{part}-{i}" for i in range(3)]}), prompt="q", model=MODEL
        )
        write_results(
            [_ok(f"row-{i + 1}", f"a{part}-{i}") for i in range(3)] + [_failed("row-9")],
            folder / f"part-{part}.parquet",
            inputs=inputs,
        )
    dataset = ds.dataset(folder, format="parquet")
    table = dataset.to_table()
    assert table.num_rows == 8
    assert table.schema.names == ["q", *RESULT_COLUMNS]
    failed = dataset.to_table(filter=ds.field("outcome") == "request_error")
    assert failed.num_rows == 2


def test_csv_goes_to_an_open_text_stream() -> None:
    sink = io.StringIO()
    with TableWriter(sink, "csv") as writer:
        writer.write(_ok("a", "hello, world"))
    assert sink.getvalue().splitlines() == [
        ",".join(RESULT_COLUMNS),
        'a,succeeded,"hello, world",,3,2,,',
    ]


def test_a_results_stream_iterates_and_converts() -> None:
    pandas = pytest.importorskip("pandas")
    polars = pytest.importorskip("polars")
    stream = ResultsStream(iter(_results()), _inputs())
    assert next(stream).custom_id == "row-3"
    frame = stream.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame["custom_id"]) == ["row-1", "row-2"]
    polars_frame = ResultsStream(_results(), _inputs()).to_polars()
    assert isinstance(polars_frame, polars.DataFrame)
    assert polars_frame.height == 3
    assert polars_frame["n"].to_list() == [3, 1, 2]


def test_requests_are_what_submit_takes() -> None:
    requests = requests_from_table(pa.table({"q": ["a"]}), prompt="q", model=MODEL)
    first = next(iter(requests))
    assert isinstance(first, BatchRequest)
    assert first.to_dict()["url"] == "/v1/chat/completions"


def test_a_dataframe_goes_through_submit_and_comes_back_as_a_table(
    local_server: Any, tmp_path: Path
) -> None:
    """The README's Python example against the local server: a frame in, a Parquet table out."""
    pandas = pytest.importorskip("pandas")
    from groq_batch import Groq

    frame = pandas.DataFrame({"qid": [3, 1, 2], "q": ["three", "one", "two"]})
    table = prompt_table(frame, prompt="q", id_column="qid", model=MODEL, max_tokens=5)
    with Groq(api_key="test-key", base_url=local_server.base_url) as client:
        job = client.batches.submit(table.requests())
        job.wait(poll_interval=0.05)
        write_results(job.results(), tmp_path / "a.parquet", inputs=table)
        stream = job.results()
        assert isinstance(stream, ResultsStream)
        arrow_rows = stream.to_arrow(table).to_pylist()
        polars_frame = job.results().to_polars(table)
        assert sorted(polars_frame["qid"].to_list()) == [1, 2, 3]
    rows = pq.read_table(tmp_path / "a.parquet").to_pylist()
    assert sorted(rows, key=lambda r: r["qid"]) == sorted(arrow_rows, key=lambda r: r["qid"])
    assert {r["qid"]: r["text"] for r in rows} == {1: "Echo: one", 2: "Echo: two", 3: "Echo: three"}
    assert {r["custom_id"] for r in rows} == {"1", "2", "3"}


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection).
FORMULAS = ["=1+1", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_and_raw_keeps_them(
    tmp_path: Path,
) -> None:
    inputs = prompt_table(
        pa.table({"q": [*FORMULAS, "-5", "+1.5e3", "plain"]}), prompt="q", model=MODEL
    )
    answers = [_ok(f"row-{i + 1}", q) for i, q in enumerate(inputs.prompts)]
    out = tmp_path / "a.csv"
    write_results(answers, out, inputs=inputs)
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    expected = [*("'" + f for f in FORMULAS), "-5", "+1.5e3", "plain"]
    # Input and answer cells alike: both may hold text from elsewhere. Plain numbers stay numbers.
    assert [r["q"] for r in rows] == expected
    assert [r["text"] for r in rows] == expected
    assert rows[0]["prompt_tokens"] == "3"

    raw = tmp_path / "raw.csv"
    write_results(answers, raw, inputs=inputs, csv_raw=True)
    with raw.open(newline="", encoding="utf-8") as fh:
        assert [r["text"] for r in csv.DictReader(fh)] == [*FORMULAS, "-5", "+1.5e3", "plain"]
    # The other formats keep values as they are: they are data, not spreadsheets.
    write_results(answers, tmp_path / "a.jsonl", inputs=inputs)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["text"] for line in lines][:6] == FORMULAS


def test_a_csv_cell_over_the_csv_modules_field_limit_reads_like_the_same_jsonl_record(
    tmp_path: Path,
) -> None:
    prompt = "long prompt " * (300 * 1024 // 12)  # 300 KiB, over the csv module's 128 KiB
    assert len(prompt) > 128 * 1024  # the csv module's default field_size_limit()
    source = tmp_path / "p.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["id", "q"], ["a", prompt], ["b", "short"]])
    records = tmp_path / "p.jsonl"
    records.write_text(
        "".join(json.dumps({"id": i, "q": q}) + "\n" for i, q in (("a", prompt), ("b", "short"))),
        encoding="utf-8",
    )
    from_csv = prompt_table(source, prompt="q", id_column="id", model=MODEL)
    from_jsonl = prompt_table(records, prompt="q", id_column="id", model=MODEL)
    assert from_csv.prompts == from_jsonl.prompts == [prompt, "short"]
    assert [r.body for r in from_csv.requests()] == [r.body for r in from_jsonl.requests()]


NESTED = {
    "binary": pa.array([b"hi", b"there"], pa.binary()),
    "large_binary": pa.array([b"hi", b"there"], pa.large_binary()),
    "list": pa.array([[1, 2], [3]], pa.list_(pa.int64())),
    "struct": pa.array([{"a": 1}, {"a": 2}], pa.struct([("a", pa.int64())])),
    "map": pa.array([[("k", 1)], [("k", 2)]], pa.map_(pa.string(), pa.int64())),
}


@pytest.mark.parametrize("kind", sorted(NESTED))
@pytest.mark.parametrize("role", ["prompt", "template", "id_column"])
def test_binary_list_and_struct_columns_are_refused_as_text_naming_the_column(
    tmp_path: Path, kind: str, role: str
) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"q": ["one", "two"], "odd": NESTED[kind]}), path)
    given: dict[str, str] = {"prompt": "q"}
    if role == "prompt":
        given = {"prompt": "odd"}
    elif role == "template":
        given = {"template": "Look at {odd}"}
    else:
        given["id_column"] = "odd"
    with pytest.raises(TableInputError) as caught:
        prompt_table(path, model=MODEL, **given)
    message = str(caught.value)
    assert "column 'odd'" in message
    assert "cast it to a string" in message
    assert "b'hi'" not in message
    assert "[1, 2]" not in message


def test_binary_list_and_struct_columns_beside_the_prompt_are_written_as_json_and_base64(
    tmp_path: Path,
) -> None:
    inputs = prompt_table(
        pa.table({"q": ["one", "two"], **{k: NESTED[k] for k in ("binary", "list", "struct")}}),
        prompt="q",
        model=MODEL,
    )
    answers = [_ok("row-1", "a"), _ok("row-2", "b")]
    write_results(answers, tmp_path / "a.csv", inputs=inputs)
    with (tmp_path / "a.csv").open(newline="", encoding="utf-8") as fh:
        row = next(csv.DictReader(fh))
    assert (row["binary"], row["list"], row["struct"]) == ("aGk=", "[1,2]", '{"a":1}')
    write_results(answers, tmp_path / "a.jsonl", inputs=inputs)
    record = json.loads((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (record["binary"], record["list"], record["struct"]) == ("aGk=", [1, 2], {"a": 1})
    write_results(answers, tmp_path / "a.parquet", inputs=inputs)
    assert pq.read_table(tmp_path / "a.parquet").column("binary").to_pylist() == [b"hi", b"there"]
