"""A table job on the dashboard shows the user's own file (issue 28, item 4).

The CLI builds a table job's requests into ``tables/<hash>.jsonl`` in its data dir; the registry
records the user's CSV as the job's ``source_path``, and the dashboard names that, as
`groq-batch jobs` does, never the internal file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from groq_batch import Groq
from groq_batch.jobs import JobRecord, JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer
from tests.cli_support import FAST, MODEL, isolated_home, main
from tests.dashboard.conftest import base, logged_in
from tests.dashboard.test_ui_a11y import axe_script, axe_violations

__all__ = ["axe_script", "isolated_home"]

KEY = "gsk_table_job_key_0123456789"


@pytest.fixture
def table_job(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    make_local_server: Callable[..., LocalServer],
) -> Iterator[tuple[UIServer, JobRecord]]:
    """`groq-batch run prompts.csv` on a local server, then the dashboard on that server."""
    server = make_local_server(api_key=KEY, chunk_size=10)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts.csv").write_text("question\nWhy?\nHow?\nWhen?\n")
    code, _, err = main(
        capsys,
        "run",
        "prompts.csv",
        "--prompt-column",
        "question",
        "--model",
        MODEL,
        "-o",
        "answers.csv",
        "--name",
        "questions",
        "--base-url",
        server.base_url,
        "--api-key",
        KEY,
        *FAST,
    )
    assert code == 0, err
    registry = JobRegistry()  # the CLI's own, in the test's XDG data home
    record = registry.get("questions")
    assert record is not None
    # The premise: the requests the job sent are an internal file, not the user's CSV.
    assert record.input_path is not None
    assert "tables" in Path(record.input_path).parts
    assert record.source_path == str(tmp_path / "prompts.csv")
    with Groq(api_key=KEY, base_url=server.base_url) as client:
        ui = UIServer(
            client,
            endpoint=record.endpoint,
            registry=registry,
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            yield ui, record
        finally:
            ui.stop()


def test_a_table_job_shows_the_users_csv_not_the_internal_requests_file(
    table_job: tuple[UIServer, JobRecord], page: Any, axe_script: Path
) -> None:
    ui, record = table_job
    assert record.input_path is not None
    internal = Path(record.input_path)
    page.goto(ui.login_url())

    row = page.locator("#jobs tr[data-key='job-questions']")
    assert "prompts.csv" in row.inner_text()
    assert internal.name not in page.content()
    assert "tables/" not in page.content()
    assert axe_violations(page, axe_script) == []

    page.goto(base(ui) + "/job/questions")
    page.wait_for_selector("#count-succeeded")
    assert "prompts.csv" in page.locator("#job-input").inner_text()
    assert internal.name not in page.content()
    assert "tables/" not in page.content()
    assert axe_violations(page, axe_script) == []


def test_a_tiny_jobs_estimate_shows_its_fractions_of_a_cent(
    table_job: tuple[UIServer, JobRecord],
) -> None:
    ui, _ = table_job
    with logged_in(ui) as http:
        page = http.get("/").text
    row = page[page.index('data-key="job-questions"') :].split("</tr>")[0]
    # Three short prompts cost a few millionths of a dollar: not "$0.0000", which reads as free.
    cost = re.search(r"est\. \$([0-9.]+)", row)
    assert cost is not None, row
    assert float(cost.group(1)) > 0
