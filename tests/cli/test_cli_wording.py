"""What the command line says (issue 26, item 11): hints, help and one error prefix."""

from __future__ import annotations

from pathlib import Path

import pytest

import groq_batch_cli as cli
from tests.cli_support import FAST, isolated_home, main, write_requests

__all__ = ["isolated_home"]


def _local(tmp_path: Path) -> list[str]:
    return ["--local", "--data-dir", str(tmp_path / "server"), *FAST]


def test_wait_suggests_the_jobs_recorded_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    source = write_requests(tmp_path / "q.jsonl", 2)
    code, _, err = main(
        capsys, "run", str(source), "-o", "answers.csv", "--name", "n1", *_local(tmp_path)
    )
    assert code == cli.EXIT_OK, err
    code, _, err = main(capsys, "wait", "n1", *FAST)
    assert code == cli.EXIT_OK, err
    assert "groq-batch results n1 -o answers.csv" in err
    assert "results.jsonl" not in err


def test_help_says_what_results_writes_and_when_submit_waits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = main(capsys, "results", "--help")
    text = " ".join(out.split())
    assert ".csv" in text
    assert ".parquet" in text
    _, out, _ = main(capsys, "submit", "--help")
    text = " ".join(out.split())
    assert "(default: no limit); used with --wait, ignored without it" in text
    assert "60 s); used with --wait, ignored without it" in text


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "x.jsonl"],  # argparse: -o is required, in the subcommand's parser
        ["run", "missing.jsonl", "-o", "o.jsonl", "--local"],  # the command's own check
        ["--no-such-option"],
    ],
)
def test_every_error_has_one_prefix(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = main(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert "groq-batch: error:" in err
    assert "groq-batch run: error:" not in err
