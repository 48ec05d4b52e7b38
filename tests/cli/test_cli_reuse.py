"""Nothing runs twice by accident (issue 26, items 5 and 6).

The same `groq-batch run` after it finished re-uses the finished job's results and says so;
`--again` submits anew. From Python, `submit(..., name=...)` records the job in the registry,
and `reuse=True` finds the same run there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import groq_batch_cli as cli
from groq_batch import Groq
from groq_batch.jobs import JobRegistry
from tests.cli_support import FAST, events, isolated_home, main, write_requests

__all__ = ["isolated_home"]


def _local(tmp_path: Path) -> list[str]:
    return ["--local", "--data-dir", str(tmp_path / "server"), *FAST]


def _batches_on_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code, out, _ = main(capsys, "list", *_local(tmp_path)[:3], "--json")
    assert code == 0
    return len(json.loads(out))


def test_the_same_run_after_it_finished_reuses_its_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_requests(tmp_path / "q.jsonl", 3)
    out = tmp_path / "out.jsonl"
    command = ["run", str(source), "-o", str(out), *_local(tmp_path)]
    code, _, err = main(capsys, *command)
    assert code == cli.EXIT_OK, err
    first = out.read_text()
    assert _batches_on_server(tmp_path, capsys) == 1

    out.unlink()
    code, _, err = main(capsys, *command)
    assert code == cli.EXIT_OK, err
    assert "already ran this input with these options" in err
    assert "--again" in err
    assert out.read_text() == first  # the output is written again, from the same batch
    assert _batches_on_server(tmp_path, capsys) == 1

    # Another output path is the same run too: its results are written there.
    other = tmp_path / "other.jsonl"
    code, stdout, _ = main(
        capsys, "run", str(source), "-o", str(other), *_local(tmp_path), "--json"
    )
    assert code == cli.EXIT_OK
    assert events(stdout)[0]["event"] == "reused"
    assert other.read_text() == first
    assert _batches_on_server(tmp_path, capsys) == 1

    code, _, err = main(capsys, *command, "--again")
    assert code == cli.EXIT_OK, err
    assert "already ran" not in err
    assert _batches_on_server(tmp_path, capsys) == 2


def test_changed_options_are_a_new_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_requests(tmp_path / "q.jsonl", 2)
    out = tmp_path / "out.jsonl"
    assert main(capsys, "run", str(source), "-o", str(out), *_local(tmp_path))[0] == 0
    code, _, err = main(
        capsys, "run", str(source), "-o", str(out), "--window", "48h", *_local(tmp_path)
    )
    assert code == cli.EXIT_OK, err
    assert "already ran" not in err
    assert _batches_on_server(tmp_path, capsys) == 2


def test_python_submit_with_a_name_is_in_the_registry_and_reuse_finds_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], local_server
) -> None:
    source = write_requests(tmp_path / "q.jsonl", 2)
    with Groq(api_key="k", base_url=local_server.base_url) as client:
        job = client.batches.submit(source, name="nightly")
        record = JobRegistry().get("nightly")
        assert record is not None
        assert record.batch_ids == tuple(job.ids)
        # `groq-batch jobs` and re-attach by name see it.
        code, out, _ = main(capsys, "jobs", "--json")
        assert code == 0
        assert [j["name"] for j in json.loads(out)] == ["nightly"]
        assert client.batches.job("nightly").ids == job.ids
        # The same run again, asked to re-use: no new batch.
        again = client.batches.submit(source, reuse=True)
        assert again.ids == job.ids
        assert len(client.batches.list().data) == 1
        # The name is checked before anything is uploaded.
        with pytest.raises(ValueError, match="already exists"):
            client.batches.submit(source, name="nightly")
        assert len(client.batches.list().data) == 1
