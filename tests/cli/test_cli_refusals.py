"""Nothing stored after a refusal, and every input meets the validator first (issue 23, item 13).

A 413 on one part of an upload once left the parts uploaded before it stored on the server;
and `submit` of a line nested 100,000 levels deep printed a `RecursionError` traceback, because
the cost estimate parsed the file before the validator had seen it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch import Groq, RequestTooLargeError, ValidationError
from groq_batch.costs import estimate
from groq_batch.jsonl import chat_request, dump_line
from groq_batch_server import LocalServer
from tests.cli_support import MODEL, isolated_home, main, remote, run_cli

__all__ = ["isolated_home"]

DEPTH = 100_000


def _line(custom_id: str, **extra: object) -> bytes:
    request = chat_request(
        custom_id, model=MODEL, messages=[{"role": "user", "content": f"q {custom_id}"}]
    )
    return dump_line(request) if not extra else _with(request.to_dict(), extra)


def _with(line: dict[str, object], extra: dict[str, object]) -> bytes:
    body = dict(line["body"])  # type: ignore[call-overload]
    body.update(extra)
    return (json.dumps({**line, "body": body}) + "\n").encode()


def _deep_file(tmp_path: Path) -> Path:
    path = tmp_path / "deep.jsonl"
    deep = _line("deep").decode().rstrip("\n")
    # A body field holding an array nested DEPTH levels deep, as one JSON line.
    deep = deep[:-2] + ', "x": ' + "[" * DEPTH + "]" * DEPTH + "}}\n"
    path.write_bytes(_line("ok") + deep.encode())
    return path


def _stored(server: LocalServer) -> tuple[list[str], int]:
    with Groq(api_key="k", base_url=server.base_url) as client:
        return [f.filename for f in client.files.list()], len(list(client.batches.list()))


def _too_large_file(tmp_path: Path) -> Path:
    # Small lines that fit, then one line larger than the server takes: the parts before it are
    # uploaded (the refused part is halved until the big line stands alone), then it is refused.
    path = tmp_path / "big.jsonl"
    lines = [_line(f"r{i}") for i in range(1000)]
    lines.append(_line("huge", user="x" * 300_000))
    path.write_bytes(b"".join(lines))
    return path


# ------------------------------------------------------------------------------ deep nesting
@pytest.mark.parametrize("command", ["submit", "run"])
def test_a_deeply_nested_line_is_a_problem_naming_its_line(
    tmp_path: Path, local_server: LocalServer, command: str
) -> None:
    source = _deep_file(tmp_path)
    extra = ["-o", str(tmp_path / "out.jsonl")] if command == "run" else []
    done = run_cli(command, str(source), *extra, *remote(local_server.base_url))
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr
    assert "RecursionError" not in done.stderr
    assert "line 2" in done.stderr
    assert "too_deep" in done.stderr
    assert "nothing was uploaded" in done.stderr
    assert _stored(local_server) == ([], 0)


def test_a_deeply_nested_line_as_json_events(
    tmp_path: Path, local_server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _deep_file(tmp_path)
    code, stdout, err = main(
        capsys, "submit", str(source), "--json", *remote(local_server.base_url)
    )
    assert code == cli.EXIT_USAGE, err
    (invalid,) = [json.loads(x) for x in stdout.splitlines() if x.strip()]
    assert invalid["event"] == "invalid"  # the validator spoke first, before any estimate
    ((line, code),) = [(p["line"], p["code"]) for p in invalid["problems"]]
    assert (line, code) == (2, "too_deep")


def test_the_estimate_of_a_deeply_nested_file_leaves_the_line_out(tmp_path: Path) -> None:
    source = _deep_file(tmp_path)
    result = estimate(source)
    assert (result.requests, result.unreadable_lines) == (1, 1)
    done = run_cli("estimate", str(source))
    assert done.returncode == cli.EXIT_OK, done.stderr
    assert "Traceback" not in done.stderr
    assert "1 unreadable line(s)" in done.stdout


def test_the_client_refuses_a_deeply_nested_line_as_a_typed_problem(
    tmp_path: Path, local_server: LocalServer
) -> None:
    source = _deep_file(tmp_path)
    with (
        Groq(api_key="k", base_url=local_server.base_url) as client,
        pytest.raises(ValidationError) as caught,
    ):
        client.batches.submit(source)
    (problem,) = caught.value.problems
    assert (problem.line, problem.code) == (2, "too_deep")
    assert _stored(local_server) == ([], 0)


# ------------------------------------------------------------------------------------ a 413
def test_a_413_on_a_later_part_leaves_no_file_stored(
    tmp_path: Path, make_local_server: Callable[..., LocalServer]
) -> None:
    server = make_local_server(api_key=None, max_upload_bytes=200_000)
    with (
        Groq(api_key="k", base_url=server.base_url) as client,
        pytest.raises(RequestTooLargeError),
    ):
        client.batches.submit(_too_large_file(tmp_path))
    assert _stored(server) == ([], 0)


def test_a_413_through_the_cli_is_a_clear_message_and_leaves_nothing(
    tmp_path: Path, make_local_server: Callable[..., LocalServer]
) -> None:
    server = make_local_server(api_key=None, max_upload_bytes=200_000)
    done = run_cli("submit", str(_too_large_file(tmp_path)), *remote(server.base_url))
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr
    assert "too large for this server" in done.stderr
    assert "no batch was created and no uploaded part was kept" in done.stderr
    assert _stored(server) == ([], 0)
