"""What `--help` and docs/troubleshooting.md say the command line does, it does."""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch.jobs import JobRegistry
from groq_batch.jsonl import chat_request, write_jsonl
from groq_batch_cli.parser import EPILOG
from tests.cli_support import MODEL, isolated_home, main

__all__ = ["isolated_home"]

_DOCS = Path(__file__).resolve().parents[2] / "docs"
# Nothing listens on port 9: a refusal must come before any connection.
_NOWHERE = ("--base-url", "http://127.0.0.1:9", "--api-key", "gsk_test_key")


def _exit_codes() -> dict[str, int]:
    """Every ``EXIT_*`` code any module of the command line defines."""
    codes: dict[str, int] = {}
    for info in pkgutil.iter_modules(cli.__path__, f"{cli.__name__}."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if name.startswith("EXIT_") and isinstance(value, int):
                codes[name] = value
    return codes


def test_every_exit_code_is_in_the_help_and_the_troubleshooting_table() -> None:
    # "A script can tell the cases apart by the exit code alone": 141 (the reader of the output
    # went away) was returned by `main` but listed in neither.
    codes = _exit_codes()
    assert {"EXIT_OK", "EXIT_USAGE", "EXIT_BROKEN_PIPE"} <= set(codes)
    page = (_DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    table = page.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    epilog = EPILOG.split("exit codes", 1)[1].split("\n\n", 1)[0]
    in_help = {int(code) for code in re.findall(r"^  (\d+) ", epilog, re.M)}
    assert documented == set(codes.values())
    assert in_help == set(codes.values())


def _requests(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    line = chat_request("a", model=MODEL, messages=[{"role": "user", "content": "hi"}])
    write_jsonl([line], path)
    return path


@pytest.mark.parametrize("option", ["--timeout", "--poll-interval"])
def test_submit_says_it_ignores_a_waiting_option_without_wait(
    capsys: pytest.CaptureFixture[str], option: str
) -> None:
    # The help said "only with --wait", which read as a refusal; without --wait the option is
    # ignored (scripts pass one set of options to run and submit alike, as this project's own
    # tests do), and the help now says so. `submit --poll-interval` without --wait succeeding:
    # tests/cli/test_cli_inputs.py::test_an_all_audio_file_becomes_an_audio_batch_without_endpoint
    code, out, _ = main(capsys, "submit", "--help")
    assert code == cli.EXIT_OK
    help_text = " ".join(out.split())
    options = help_text.split("options:", 1)[1]
    entry = options.split(f"{option} SECONDS", 1)[1][:160]  # its own help, not the next one's
    assert "used with --wait, ignored without it" in entry
    assert "only with --wait" not in help_text


def test_a_fifth_stop_sequence_is_refused_as_the_help_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "--stop TEXT: a stop sequence; repeatable (up to 4)": a fifth was taken, and every row
    # would have been refused by the API after the upload.
    table = tmp_path / "prompts.csv"
    table.write_text("q\nhello\n", encoding="utf-8")
    options = ("--prompt-column", "q", "--model", MODEL)
    four = [arg for text in "abcd" for arg in ("--stop", text)]
    code, _, err = main(capsys, "validate", str(table), *options, *four)
    assert code == cli.EXIT_OK, err
    code, _, err = main(capsys, "validate", str(table), *options, *four, "--stop", "e")
    assert code == cli.EXIT_USAGE
    assert "--stop: at most 4 stop sequences" in err


@pytest.mark.parametrize(
    ("output", "options"), [("out.parquet", ()), ("out.txt", ("--format", "csv"))]
)
def test_run_to_a_table_without_the_tables_extra_is_refused_before_the_upload(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    output: str,
    options: tuple[str, ...],
) -> None:
    # "The output is checked before anything is uploaded, so a long job cannot end with nowhere
    # to write": a table output without PyArrow was found out only when the results came back.
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if the tables extra were missing
    target = tmp_path / output
    code, _, err = main(
        capsys, "run", str(_requests(tmp_path)), "-o", str(target), *options, *_NOWHERE
    )
    assert code == cli.EXIT_USAGE
    assert "tables need PyArrow: pip install 'groq-batch[tables]'" in err
    assert JobRegistry().list() == []
    assert not target.exists()


def test_a_missing_extra_is_exit_2_on_any_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Troubleshooting lists a missing extra under "before anything is sent (exit 2)"; `results`
    # to a Parquet file without PyArrow was exit 1, "an error from the API, the network or the
    # disk: nothing of yours was wrong".
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    target = tmp_path / "out.parquet"
    batch = "batch_01m92wgbwh6mfyr74fsrc87tgj"
    code, _, err = main(capsys, "results", batch, "-o", str(target), *_NOWHERE)
    assert code == cli.EXIT_USAGE
    assert "tables need PyArrow: pip install 'groq-batch[tables]'" in err
