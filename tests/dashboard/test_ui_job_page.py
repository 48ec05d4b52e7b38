"""A job's page over plain HTTP: its story on the first load, and only the actions that fit."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from groq_batch import Groq
from groq_batch.estimate import CostTally, estimate
from groq_batch.jobs import JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer
from tests.dashboard.conftest import logged_in
from tests.ui_support import write_job


@pytest.fixture
def ui(tmp_path: Path, make_local_server: Callable[..., LocalServer]) -> Iterator[UIServer]:
    server = make_local_server(api_key=None, request_latency=0.01, chunk_size=10)
    with Groq(api_key="k", base_url=server.base_url) as client:
        ui = UIServer(
            client,
            endpoint=server.base_url,
            registry=JobRegistry(tmp_path / "jobs.sqlite3"),
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            yield ui
        finally:
            ui.stop()


def finished(ui: UIServer, source: Path, name: str) -> list[str]:
    job = ui.dashboard.client.batches.submit(source)
    job.wait(poll_interval=0.05, timeout=60)
    ui.dashboard.registry.record(
        job.ids, name=name, endpoint=ui.dashboard.endpoint, input_path=source
    )
    return job.ids


def element(page: str, ident: str) -> str:
    found = re.search(rf'id="{re.escape(ident)}"[^>]*>(.*?)</', page, re.S)
    assert found is not None, ident
    return found.group(1)


def test_a_finished_job_shows_counts_tokens_actual_cost_and_throughput_on_first_load(
    ui: UIServer, tmp_path: Path
) -> None:
    source = write_job(tmp_path / "in.jsonl", 40, bad_every=4)
    ids = finished(ui, source, "mixed")
    tally = CostTally.for_provider("groq")
    tokens = 0
    for result in ui.dashboard.client.batches.job(ids).results(inputs=source):
        tally.add(result)
        tokens += (result.usage or {}).get("total_tokens", 0)
    actual = sum(m.batch_cost or 0.0 for m in tally.models.values())
    assert tokens > 0
    assert actual > 0

    with logged_in(ui) as http:
        # The very first request for this job: no poll has been seen, nothing is indexed yet.
        page = http.get("/job/mixed").text
    assert element(page, "count-succeeded") == "30"
    assert element(page, "count-request_error") == "10"
    assert element(page, "tokens") == f"{tokens:,}"
    shown = f"${actual:.4f}" if actual >= 0.01 else f"${actual:.6f}"  # fractions of a cent
    assert element(page, "cost").startswith(shown + " ")
    assert "preparing" not in page
    # The chart comes from each answer's completion time: a line from the start to all 30.
    points = re.search(r'id="chart-line"[^>]*points="([^"]*)"', page)
    assert points is not None
    pairs = [tuple(map(float, p.split(","))) for p in points.group(1).split()]
    assert len(pairs) >= 2
    assert pairs[0] == (0.0, 160.0)  # nothing answered at the start
    assert pairs[-1][1] == 0.0  # every answer by the end (the top of the chart)
    assert "each answer's completion time in the output file" in page


def test_only_the_actions_that_make_sense_each_saying_what_it_will_do(
    ui: UIServer, tmp_path: Path
) -> None:
    mixed = write_job(tmp_path / "mixed.jsonl", 12, bad_every=3)
    finished(ui, mixed, "mixed")
    finished(ui, write_job(tmp_path / "clean.jsonl", 5), "clean")
    running = ui.dashboard.client.batches.submit(write_job(tmp_path / "long.jsonl", 3000))
    ui.dashboard.registry.record(running.ids, name="long", endpoint=ui.dashboard.endpoint)
    high = estimate(mixed).batch_cost_high

    with logged_in(ui) as http:
        page = http.get("/job/mixed").text
        assert 'id="cancel-button"' not in page
        assert "rows that did not succeed" in element(page, "resubmit-says")
        assert "Submits the 4 of 12 rows" in element(page, "resubmit-says")
        assert f"est. up to ${high * 4 / 12:.4f}" in element(page, "resubmit-says")
        assert "(12 rows)" in element(page, "download-says")
        # The confirmation asks with the same words.
        assert "Resubmit failed rows? Submits the 4 of 12 rows" in page

        page = http.get("/job/clean").text
        assert 'id="cancel-button"' not in page
        assert 'id="resubmit-button"' not in page
        assert 'id="download-button"' in page

        page = http.get("/job/long").text
        assert 'id="download-button"' not in page
        assert 'id="resubmit-button"' not in page
        says = element(page, "cancel-says")
        assert re.fullmatch(
            r"Stops the \d+ of 3000 requests not finished yet; the \d+ already done are kept "
            r"\(and billed\)\.",
            says,
        ), says

        # A hand-made POST cannot cancel a finished job either.
        answer = http.post("/job/clean/cancel")
        assert "nothing+to+cancel" in answer.headers["location"]
        ui.dashboard.client.batches.cancel(running.ids[0])
