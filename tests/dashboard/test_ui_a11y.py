"""The dashboard's looks and accessibility, in Debian's Chromium.

axe-core (the npm package, pinned by ``tests/dashboard/package-lock.json`` and installed by
``npm ci --prefix tests/dashboard``, which ``nox -s tests`` runs) is injected into every page,
at a desktop and a phone width, in the light and the dark scheme. The same pass saves the
screenshots the docs show: into ``docs/img/dashboard`` when ``GROQ_BATCH_DOCS_SCREENSHOTS=1``
(times, ports and ids differ each run, so an ordinary run writes them to its own temp folder
instead of dirtying the work tree).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from groq_batch import Groq
from groq_batch.jobs import JobRegistry
from groq_batch_cli.ui import UIServer
from groq_batch_server import LocalServer
from tests.dashboard.conftest import SECRET, base
from tests.ui_support import refusing_endpoint, write_job

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "dashboard" / "node_modules" / "axe-core" / "axe.min.js"
DOCS_SHOTS = ROOT / "docs" / "img" / "dashboard"
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail(
            f"axe-core is not installed at {AXE}: run `npm ci --prefix tests/dashboard` "
            "(nox -s tests does)"
        )
    return AXE


def axe_violations(page: Any, axe: Path) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; its violations, each with impact and targets."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }"""
    )
    return found


@pytest.fixture
def finished_job(dashboard: tuple[UIServer, Groq, LocalServer], tmp_path: Path) -> str:
    ui, client, _ = dashboard
    source = write_job(tmp_path / "in.jsonl", 60, bad_every=4)
    job = client.batches.submit(source)
    job.wait(poll_interval=0.05, timeout=60)
    ui.dashboard.registry.record(
        job.ids, name="mixed", endpoint=ui.dashboard.endpoint, input_path=source
    )
    return "mixed"


@pytest.fixture
def unreachable_ui(tmp_path: Path) -> Iterator[UIServer]:
    with (
        refusing_endpoint() as endpoint,
        Groq(api_key=SECRET, base_url=endpoint, max_retries=0) as client,
    ):
        ui = UIServer(
            client,
            endpoint=endpoint,
            registry=JobRegistry(tmp_path / "down.sqlite3"),
            cache_dir=tmp_path / "down-cache",
            download_dir=tmp_path / "down-downloads",
        ).start()
        try:
            yield ui
        finally:
            ui.stop()


def test_every_page_has_no_serious_axe_violation_at_both_widths_in_both_schemes(
    dashboard: tuple[UIServer, Groq, LocalServer],
    finished_job: str,
    unreachable_ui: UIServer,
    browser: Any,
    axe_script: Path,
    tmp_path: Path,
) -> None:
    ui, client, _ = dashboard
    running = client.batches.submit(write_job(tmp_path / "long.jsonl", 3000))
    ui.dashboard.registry.record(running.ids, name="long", endpoint=ui.dashboard.endpoint)
    # A job recorded on a URL no provider owns: the dashboard refuses to send it a key (409).
    ui.dashboard.registry.record(["batch_elsewhere"], name="elsewhere",
                                 endpoint="https://batches.example.invalid/v1")  # fmt: skip
    # Spent at once, by an HTTP client: a browser opening it later meets the 403 page.
    used_code = ui.login_url()
    assert httpx.get(used_code).status_code == 303
    to_docs = os.environ.get("GROQ_BATCH_DOCS_SCREENSHOTS") == "1"
    shots = DOCS_SHOTS if to_docs else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict[str, int]] = {}
    serious: list[str] = []
    requested: set[str] = set()
    backgrounds: dict[str, set[str]] = {"light": set(), "dark": set()}

    def visit(page: Any, name: str, url: str, status: int, *, ready: str = "main") -> None:
        answer = page.goto(url)
        assert answer.status == status, (name, answer.status)
        page.locator(ready).first.wait_for()

    def check(page: Any, name: str, label: str) -> None:
        found = axe_violations(page, axe_script)
        figures[f"{name} {label}"] = dict(Counter(v["impact"] for v in found))
        serious.extend(
            f"{name} {label}: {v['id']} ({v['impact']}) {v['help']} at {v['targets'][:3]}"
            for v in found
            if v["impact"] in ("serious", "critical")
        )

    for width_name, (width, height) in WIDTHS.items():
        for scheme in ("light", "dark"):
            label = f"{width_name}/{scheme}"
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            try:
                # Everything a page loads comes from the dashboard: no CDN, no font service.
                context.on("request", lambda r: requested.add(r.url.split("/")[2]))
                page = context.new_page()
                page.set_default_timeout(20_000)
                page.goto(ui.login_url())
                pages = [
                    ("jobs", base(ui) + "/", 200, "#jobs"),
                    ("job-running", base(ui) + "/job/long", 200, ".cards"),
                    ("job-finished", base(ui) + f"/job/{finished_job}", 200, "#outcomes"),
                    ("results", base(ui) + f"/job/{finished_job}/results", 200, "#results"),
                    ("not-found", base(ui) + "/job/batch_nope", 404, "#error"),
                    ("refused", base(ui) + "/job/elsewhere", 409, "#refused"),
                ]
                for name, url, status, ready in pages:
                    visit(page, name, url, status, ready=ready)
                    check(page, name, label)
                    backgrounds[scheme].add(
                        page.evaluate("getComputedStyle(document.body).backgroundColor")
                    )
                    if scheme == "light":
                        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
                page.goto(base(ui) + f"/job/{finished_job}/results?outcome=failed")
                page.locator("#results tr.row button").first.click()
                page.locator("#row-dialog").wait_for(state="visible")
                page.locator("#row-answer").filter(has_text="{").wait_for()
                check(page, "row-dialog", label)
                if scheme == "light":
                    page.screenshot(path=str(shots / f"row-dialog-{width}.png"))
                down = context.new_page()
                visit(down, "unreachable", unreachable_ui.login_url(), 503, ready="#error")
                check(down, "unreachable", label)
                if scheme == "light":
                    down.screenshot(path=str(shots / f"unreachable-{width}.png"), full_page=True)
            finally:
                context.close()
    # A spent link, signed out (no cookie): the 403 page.
    context = browser.new_context()
    try:
        page = context.new_page()
        visit(page, "login-used", used_code, 403)
        check(page, "login-used", "desktop/light")
        page.screenshot(path=str(shots / "login-used-1280.png"))
        # The checker is live: a control without a label is a critical violation it reports.
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input>')")
        assert ("label", "critical") in {
            (v["id"], v["impact"]) for v in axe_violations(page, axe_script)
        }
    finally:
        context.close()
    assert {host.split(":")[0] for host in requested} == {"127.0.0.1"}, requested
    # The dark scheme follows the system's: a dark background, not the light one.
    assert backgrounds == {"light": {"rgb(255, 255, 255)"}, "dark": {"rgb(13, 17, 23)"}}
    print(json.dumps(figures, indent=1))
    assert serious == [], "\n".join(serious)


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_every_action_works_from_the_keyboard_alone(
    dashboard: tuple[UIServer, Groq, LocalServer], finished_job: str, page: Any
) -> None:
    ui, _, _ = dashboard
    page.goto(ui.login_url())
    tab_to(page, f'a[href="/job/{finished_job}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/job/{finished_job}")

    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    tab_to(page, "#download-button")
    page.keyboard.press("Enter")
    page.wait_for_url("**msg=downloaded**")
    assert asked
    assert "downloaded" in page.locator("#message").inner_text()

    tab_to(page, "#results-link")
    page.keyboard.press("Enter")
    page.locator("#results").wait_for()
    tab_to(page, "#q")
    page.keyboard.type("number 7")
    tab_to(page, "#filter-button")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=number+7**")
    assert page.locator("#results tr.row th").all_inner_texts() == ["row-00007"]

    tab_to(page, "#results tr.row button")
    page.keyboard.press("Enter")
    page.locator("#row-dialog").wait_for(state="visible")
    page.locator("#row-request").filter(has_text="question number 7").wait_for()
    # Escape closes the dialog and gives the focus back to the row that opened it.
    page.keyboard.press("Escape")
    page.locator("#row-dialog").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.textContent") == "row-00007"
