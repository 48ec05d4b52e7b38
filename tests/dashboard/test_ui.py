"""The dashboard (`groq-batch ui`): safety over plain HTTP, and its pages in a real Chromium.

The browser is Debian's Chromium (``apt-get install chromium``), driven by Playwright's sync
API; the backend is the project's own local server, with a per-request latency so a batch is
visibly running while the page polls it.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from groq_batch import Groq
from groq_batch.jobs import JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer
from tests.dashboard.conftest import SECRET, base, logged_in
from tests.ui_support import refusing_endpoint, write_job


def other_than(secret: str) -> str:
    """A value that is surely not ``secret``: its first character swapped for another.

    Replacing the last character with a fixed one gives the secret back whenever it already
    ends in that character (1 run in 64 for a random url-safe token).
    """
    return ("A" if secret[0] != "A" else "B") + secret[1:]


@pytest.mark.parametrize(
    "dashboard", [None, "tok_" + "A" * 27 + "x"], ids=["random", "ends-in-x"], indirect=True
)
def test_requests_without_the_token_are_refused_and_the_key_never_reaches_a_page(
    dashboard: tuple[UIServer, Groq, LocalServer], tmp_path: Path
) -> None:
    ui, client, _ = dashboard
    job = client.batches.submit(write_job(tmp_path / "in.jsonl", 3))
    job.wait(poll_interval=0.05, timeout=30)
    batch_id = job.ids[0]
    token = ui.dashboard.token
    wrong = other_than(token)
    assert wrong != token
    with httpx.Client(base_url=base(ui)) as http:
        for path in ("/", "/api/overview", f"/job/{batch_id}", f"/job/{batch_id}/results"):
            assert http.get(path).status_code == 403, path
            wrong_cookie = {"cookie": f"{ui.cookie_name}={wrong}"}
            assert http.get(path, headers=wrong_cookie).status_code == 403, path
            # The token never rides in a URL, so a URL that carries it opens nothing.
            assert http.get(path, params={"token": token}).status_code == 403, path
        assert http.post(f"/job/{batch_id}/cancel").status_code == 403
        assert http.get("/login", params={"code": wrong}).status_code == 403
    with logged_in(ui) as http:
        # A state change is never a GET, even with the token.
        assert http.get(f"/job/{batch_id}/cancel").status_code == 405
        # DNS rebinding: a foreign Host is refused before the token is even looked at.
        assert http.get("/", headers={"host": "evil.test"}).status_code == 400
        pages = [
            http.get(path)
            for path in (
                "/",
                "/api/overview",
                f"/job/{batch_id}",
                f"/api/job/{batch_id}",
                f"/job/{batch_id}/results",
                f"/job/{batch_id}/row",
            )
        ]
    assert [p.status_code for p in pages[:5]] == [200] * 5
    for response in pages:
        assert SECRET not in response.text
        assert token not in response.text


def test_the_browser_trades_a_one_time_code_for_an_httponly_strict_cookie(
    dashboard: tuple[UIServer, Groq, LocalServer], browser: Any, page: Any
) -> None:
    ui, _, _ = dashboard
    token = ui.dashboard.token
    url = ui.login_url()
    assert token not in url
    assert url.startswith(base(ui) + "/login?code=")
    page.goto(url)
    # The code leaves the address bar at once; what stays is a cookie the page cannot read.
    assert page.url == base(ui) + "/"
    page.locator("#jobs").wait_for()
    (cookie,) = page.context.cookies()
    assert (cookie["name"], cookie["value"]) == (ui.cookie_name, token)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""
    assert token not in page.content()

    # The code works once: another browser (no cookie) that replays it is refused.
    other = browser.new_context()
    try:
        replay = other.new_page()
        answer = replay.goto(url)
        assert answer.status == 403
        assert "already used" in replay.locator("body").inner_text()
        assert other.cookies() == []
    finally:
        other.close()
    # A fresh code for the same browser, which holds the cookie already, just goes home.
    page.goto(ui.login_url())
    assert page.url == base(ui) + "/"


def test_an_unknown_batch_is_a_404_page_not_a_500(
    dashboard: tuple[UIServer, Groq, LocalServer], page: Any
) -> None:
    ui, _, _ = dashboard
    page.goto(ui.login_url())
    for path in ("/job/batch_nope", "/job/batch_nope/results", "/job/one,batch_nope"):
        answer = page.goto(base(ui) + path)
        assert answer.status == 404, path
        text = page.locator("body").inner_text()
        assert "no job or batch named" in text, text
        assert "Traceback" not in text
        assert SECRET not in page.content()
    answer = page.goto(base(ui) + "/api/job/batch_nope")
    assert answer.status == 404
    assert answer.json()["error"].startswith("no job or batch named")


def test_an_unreachable_api_is_a_readable_page_not_a_500(tmp_path: Path, page: Any) -> None:
    with (
        refusing_endpoint() as endpoint,
        Groq(api_key=SECRET, base_url=endpoint, max_retries=0) as client,
    ):
        ui = UIServer(
            client,
            endpoint=endpoint,
            registry=JobRegistry(tmp_path / "jobs.sqlite3"),
            cache_dir=tmp_path / "cache",
            download_dir=tmp_path / "downloads",
        ).start()
        try:
            answer = page.goto(ui.login_url())
            assert answer.status == 503
            text = page.locator("body").inner_text()
            assert f"cannot reach the API at {endpoint}" in text, text
            assert "Traceback" not in text
            for path in ("/job/batch_x", "/job/batch_x/results"):
                assert page.goto(base(ui) + path).status == 503, path
                assert "cannot reach the API" in page.locator("body").inner_text()
            answer = page.goto(base(ui) + "/api/overview")
            assert answer.status == 503
            assert "cannot reach the API" in answer.json()["error"]
        finally:
            ui.stop()


def test_results_filter_by_outcome_and_a_row_opens_its_json(
    dashboard: tuple[UIServer, Groq, LocalServer], tmp_path: Path, page: Any
) -> None:
    ui, client, _ = dashboard
    source = write_job(tmp_path / "in.jsonl", 120, bad_every=4)
    job = client.batches.submit(source)
    job.wait(poll_interval=0.05, timeout=60)
    ui.dashboard.registry.record(job.ids, name="mixed", endpoint=ui.dashboard.endpoint,
                                 input_path=source)  # fmt: skip

    page.goto(ui.login_url())
    page.goto(base(ui) + "/job/mixed/results")
    # The first view joins and indexes the results in the background; the page reloads itself.
    page.locator("#results").wait_for()
    assert page.locator("#pager-top").inner_text().endswith("(120 rows) next →")
    assert page.locator("#results tr.row").count() == 50  # one page, not the whole file
    page.select_option("#outcome", "failed")
    page.click("#filter-button")
    page.wait_for_url("**outcome=failed**")
    outcomes = page.locator("#results tr.row td:nth-child(2)").all_inner_texts()
    assert outcomes == ["request_error"] * 30
    ids = page.locator("#results tr.row th").all_inner_texts()
    assert ids[:2] == ["row-00003", "row-00007"]
    assert "model_not_found" in page.locator("#results tr.row").first.inner_text()

    page.fill("#q", "number 11")
    page.click("#filter-button")
    page.wait_for_url("**q=number**")
    # The search keeps the outcome filter: failed rows whose text has "number 11".
    assert page.locator("#results tr.row th").all_inner_texts() == [
        "row-00011",
        "row-00111",
        "row-00115",
        "row-00119",
    ]

    page.locator("#results tr.row").first.click()
    dialog = page.locator("#row-dialog")
    dialog.wait_for(state="visible")
    # The request and the answer side by side.
    assert "row-00011" in page.locator("#row-title").inner_text()
    assert '"content": "question number 11"' in page.locator("#row-request").inner_text()
    assert '"code": "model_not_found"' in page.locator("#row-answer").inner_text()
    # Each side leads with its text, the JSON below it.
    assert page.locator("#row-prompt-text").inner_text() == "question number 11"
    assert page.locator("#row-answer-text").inner_text().startswith("model_not_found: ")
    request_box = page.locator("#row-request").bounding_box()
    answer_box = page.locator("#row-answer").bounding_box()
    assert request_box is not None
    assert answer_box is not None
    assert request_box["x"] + request_box["width"] <= answer_box["x"]
    # Side by side: both sides start at the same height.
    request_top = page.locator("#row-prompt-text").bounding_box()
    answer_top = page.locator("#row-answer-text").bounding_box()
    assert request_top is not None
    assert answer_top is not None
    assert abs(request_top["y"] - answer_top["y"]) < 2


def test_jobs_page_shows_a_running_batch_rising_then_cancel_asks_and_cancels(
    dashboard: tuple[UIServer, Groq, LocalServer], tmp_path: Path, page: Any
) -> None:
    ui, client, _ = dashboard
    job = client.batches.submit(write_job(tmp_path / "in.jsonl", 600))
    batch_id = job.ids[0]
    ui.dashboard.registry.record(job.ids, name="long", endpoint=ui.dashboard.endpoint)

    page.goto(ui.login_url())
    done = page.locator(f'[id="done-{batch_id}"]')
    first = int(done.inner_text().split("/")[0])
    assert done.inner_text().endswith("/600")
    # The page polls by itself: the count it shows rises without a reload.
    page.wait_for_function(
        "([id, first]) => parseInt(document.getElementById(id).textContent) > first",
        arg=[f"done-{batch_id}", first],
    )
    risen = int(done.inner_text().split("/")[0])
    assert first < risen < 600
    width = page.locator(f'[id="bar-{batch_id}"]').evaluate("el => el.style.width")
    assert float(width.rstrip("%")) > 0

    page.click("text=long")
    page.wait_for_url("**/job/long")
    # The throughput chart grows a point per poll that saw more requests done.
    page.wait_for_function(
        "() => document.getElementById('chart-line').getAttribute('points').split(' ').length > 2"
    )
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.click("#cancel-button")
    page.wait_for_url("**msg=cancel**")
    assert len(asked) == 1
    assert asked[0].startswith("Cancel? Stops the ")
    assert "of 600 requests not finished yet" in asked[0]
    assert "cancel requested" in page.locator("#message").inner_text()
    assert client.batches.retrieve(batch_id).status in ("cancelling", "cancelled")
    assert ui.dashboard.registry.get("long").state == "cancelled"  # type: ignore[union-attr]


def test_cancel_dismissed_changes_nothing(
    dashboard: tuple[UIServer, Groq, LocalServer], tmp_path: Path, page: Any
) -> None:
    ui, client, _ = dashboard
    job = client.batches.submit(write_job(tmp_path / "in.jsonl", 600))
    page.goto(ui.login_url())
    page.goto(base(ui) + f"/job/{job.ids[0]}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    # The click returns once its handlers ran: a dismissed confirm() stops the form there.
    page.click("#cancel-button")
    assert "msg=" not in page.url
    assert client.batches.retrieve(job.ids[0]).status not in ("cancelling", "cancelled")


def test_a_finished_job_still_indexing_shows_progress_then_its_counts_by_itself(
    dashboard: tuple[UIServer, Groq, LocalServer],
    tmp_path: Path,
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ui, client, _ = dashboard
    source = write_job(tmp_path / "in.jsonl", 40, bad_every=4)
    job = client.batches.submit(source)
    job.wait(poll_interval=0.05, timeout=60)
    ui.dashboard.registry.record(job.ids, name="big", endpoint=ui.dashboard.endpoint,
                                 input_path=source)  # fmt: skip
    # As for a job too large to index while the page loads: the index waits for a gate.
    gate = threading.Event()
    build = ui.dashboard.cache.build

    def gated_build(*args: Any, **kwargs: Any) -> None:
        assert gate.wait(30)
        build(*args, **kwargs)

    monkeypatch.setattr(ui.dashboard.cache, "build", gated_build)
    ui.dashboard.first_load_wait = 0.1
    page.goto(ui.login_url())
    page.goto(base(ui) + "/job/big")
    assert "indexing the results" in page.locator("#indexing").inner_text()
    assert "of 40 rows" in page.locator("#indexing").inner_text()
    gate.set()
    # No reload by hand: the page polls, sees the index ready, and shows the counts.
    page.locator("#count-succeeded").wait_for()
    assert page.locator("#count-succeeded").inner_text() == "30"
    assert page.locator("#indexing").count() == 0
