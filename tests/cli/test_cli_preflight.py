"""Refuse before spending anything: every check that can run before an upload runs before it.

Each refusal is exit 2 with a message that names the problem, and the server holds no file.
Usage errors never print the value of ``--api-key``. All in-process, against one local server.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch_server import LocalServer
from tests.cli_support import EXAMPLE, isolated_home, main, remote, write_requests

__all__ = ["isolated_home"]

KEY = "gsk_live_SECRET_1234567890"


def nothing_uploaded(server: LocalServer) -> bool:
    from groq_batch import Groq

    with Groq(api_key="k", base_url=server.base_url) as client:
        return list(client.files.list().data) == [] and list(client.batches.list()) == []


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-o", "{tmp}/missing/r.jsonl"], "does not exist"),
        (["-o", "{input}"], "is the input file"),
        (["-o", "{tmp}"], "is a directory"),
        (["-o", "r.jsonl", "--window", "2h"], "from 24h to 7d"),
        (["-o", "r.jsonl", "--window", "8d"], "from 24h to 7d"),
        (["-o", "r.jsonl", "--endpoint", "/v1/embeddings"], "'/v1/chat/completions'"),
        (["-o", "r.jsonl", "--metadata", "k" * 65 + "=v"], "at most 64"),
        (["-o", "r.jsonl", "--metadata", "k=" + "v" * 513], "at most 512"),
        (["-o", "r.jsonl", "--metadata", "groq_batch_job=x"], "groq-batch's own"),
        (["-o", "r.jsonl", *(f"--metadata=k{i}=v" for i in range(13))], "at most 12"),
        (["-o", "r.jsonl", "--name", "batch_abc"], "invalid job name"),
    ],
)
def test_run_refuses_before_uploading(
    tmp_path: Path,
    local_server: LocalServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    source = write_requests(tmp_path / "in.jsonl", 3)
    before = source.read_bytes()
    args = [a.format(tmp=tmp_path, input=source) for a in extra]
    code, _, err = main(capsys, "run", str(source), *args, *remote(local_server.base_url))
    assert code == cli.EXIT_USAGE, err
    assert message in err
    assert "Traceback" not in err
    assert source.read_bytes() == before
    assert nothing_uploaded(local_server)


def test_missing_key_names_every_way_to_give_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    for argv in (["run", str(source), "-o", str(tmp_path / "o")], ["list"], ["status", "b"]):
        code, _, err = main(capsys, *argv)
        assert code == cli.EXIT_USAGE
        for name in ("GROQ_API_KEY", "--api-key", "--local"):
            assert name in err


def test_a_taken_job_name_is_refused_before_uploading(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "in.jsonl", 1)
    conn = remote(local_server.base_url)
    code, _, err = main(capsys, "submit", str(source), "--name", "mine", *conn)
    assert code == cli.EXIT_OK, err
    code, _, err = main(capsys, "submit", str(source), "--name", "mine", *conn)
    assert code == cli.EXIT_USAGE
    assert "already exists" in err
    from groq_batch import Groq

    with Groq(api_key="k", base_url=local_server.base_url) as client:
        assert len(list(client.batches.list())) == 1


def test_bad_input_report_counts_problems_not_zero_lines(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"custom_id": "a"}\n{broken\n')
    code, _, err = main(capsys, "submit", str(path), *remote(local_server.base_url))
    assert code == cli.EXIT_USAGE
    assert "in 0 lines" not in err
    assert f"{path}: " in err
    assert "line 1, field method" in err
    assert "nothing was uploaded" in err
    assert nothing_uploaded(local_server)


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-key", KEY, "lisst"],
        [f"--api-key={KEY}", "list", "--limit", "x"],
        ["list", "--api-key", KEY, "extra"],
        ["validate", str(EXAMPLE), "--api-key", KEY],
        ["--api", KEY, "files", "bogus"],
        ["files", "list", f"--api-key={KEY}\n", "--nope"],
        ["run", "--api-key", KEY],
        ["resubmit", "b", "--api-key", KEY, "--outcome", KEY],
    ],
)
def test_usage_errors_never_print_the_key(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = main(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert "usage:" in err
    assert "SECRET" not in out + err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["list", "--limit", "0", "--local"], "expected 1 or more"),
        (["jobs", "--limit", "x"], "expected a whole number"),
        (["wait", "b", "--timeout", "-1", "--local"], "positive number of seconds"),
        (["run", "f", "-o", "o", "--poll-interval", "soon"], "number of seconds"),
    ],
)
def test_bad_numbers_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = main(capsys, *argv)
    assert code == cli.EXIT_USAGE
    assert message in err


def test_a_bad_outcome_is_a_usage_error_listing_the_valid_ones(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = main(capsys, "resubmit", "batch_x", "--outcome", "bogus", "--local")
    assert code == cli.EXIT_USAGE
    assert "Traceback" not in err
    for outcome in cli.FAILED_OUTCOMES:
        assert outcome in err
    code, out, _ = main(capsys, "resubmit", "--help")
    assert code == 0
    for outcome in cli.FAILED_OUTCOMES:
        assert outcome in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--local", "--data-dir", "D", "--json", "list"],
        ["list", "--local", "--data-dir", "D", "--json"],
        ["--local", "files", "--data-dir", "D", "list", "--json"],
        ["files", "--local", "--json", "list", "--data-dir", "D"],
        ["files", "list", "--local", "--data-dir", "D", "--json"],
        ["--json", "--data-dir", "D", "status", "b", "--local"],
    ],
)
def test_options_go_before_or_after_the_subcommand(argv: list[str]) -> None:
    args = cli.build_parser().parse_args(argv)
    assert args.local is True
    assert args.json is True
    assert args.data_dir == Path("D")


def test_option_placement_really_connects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "d")
    code, out, err = main(capsys, "--local", "--data-dir", data, "files", "list", "--json")
    assert code == 0, err
    assert out.strip() == "[]"


def test_help_documents_every_option_its_default_the_environment_and_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = cli.build_parser()
    subparsers = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    ).choices
    parsers = [parser, *subparsers.values()]
    files = subparsers["files"]
    parsers += next(
        a for a in files._actions if isinstance(a, argparse._SubParsersAction)
    ).choices.values()
    for p in parsers:
        if p.prog.endswith("serve"):
            continue
        for action in p._actions:
            assert action.help, f"{p.prog} {action.option_strings or action.dest} has no help"
    code, out, _ = main(capsys, "--help")
    assert code == 0
    for text in ("GROQ_API_KEY", "GROQ_BASE_URL", "XDG_DATA_HOME", "example:", "130"):
        assert text in out
    code, out, _ = main(capsys, "run", "--help")
    out = " ".join(out.split())
    assert "(default: 24h)" in out
    assert "(default: the lines' url, or /v1/chat/completions when chat and audio" in out
    code, out, _ = main(capsys, "validate", "--help")
    assert "--json" in out
    for option in ("--local", "--api-key", "--base-url", "--data-dir"):
        assert option not in out
