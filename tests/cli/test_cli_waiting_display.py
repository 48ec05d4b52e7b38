"""The waiting bar: one display for the whole job, rows done, rate and ETA across all parts."""

from __future__ import annotations

import io

import pytest

from groq_batch_cli.output import Output
from groq_batch_cli.waiting import WaitDisplay, eta_text
from tests.jobs.test_progress_meter import part


def test_eta_reads_as_a_clock() -> None:
    assert eta_text(None) == "ETA ?"
    assert eta_text(65.4) == "ETA 1:05"
    assert eta_text(3723) == "ETA 1:02:03"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_waiting_bar_shows_the_whole_job(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rich")
    monkeypatch.setenv("COLUMNS", "200")
    screen = Terminal()
    times = iter([0.0, 10.0])
    with WaitDisplay(Output(False), stream=screen, clock=lambda: next(times)) as display:
        assert display.enabled
        display.update([part(1, "in_progress", 100, 10), part(2, "validating")])
        display.update([part(1, "completed", 100, 100), part(2, "in_progress", 100, 50)])
    text = screen.getvalue()
    assert "150/200" in text
    assert "14.0 rows/s" in text  # 140 rows in 10 s, both parts together
    assert "parts 1/2" in text
    assert "ETA 0:04" in text  # 50 rows left at 14 rows/s


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    screen = io.StringIO()
    with WaitDisplay(Output(False), stream=screen) as display:
        display.update([part(1, "in_progress", 100, 10)])
    assert not display.enabled
    assert screen.getvalue() == ""
