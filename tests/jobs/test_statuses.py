"""Statuses and outcomes have one definition (`groq_batch.statuses`) that every layer reads."""

from __future__ import annotations

import groq_batch
import groq_batch.results
import groq_batch_cli
from groq_batch.statuses import (
    FAILED_OUTCOMES,
    OUTCOMES,
    STATUSES,
    TERMINAL_STATUSES,
    Outcome,
)
from groq_batch_api.models import BatchStatus


def test_every_layer_reads_the_one_definition() -> None:
    from groq_batch_cli.ui import summary
    from groq_batch_server import worker

    assert groq_batch.Outcome is groq_batch.results.Outcome is Outcome
    assert groq_batch.results.FAILED_OUTCOMES is FAILED_OUTCOMES
    assert groq_batch_cli.OUTCOMES is OUTCOMES
    assert groq_batch_cli.FAILED_OUTCOMES is FAILED_OUTCOMES
    assert worker.TERMINAL_STATUSES is TERMINAL_STATUSES
    assert summary.local_time is groq_batch_cli.output.local_time


def test_the_statuses_are_the_spec_s() -> None:
    assert set(STATUSES) == {s.value for s in BatchStatus}
    assert set(STATUSES) >= TERMINAL_STATUSES


def test_outcomes_keep_the_summary_order() -> None:
    assert [o.value for o in OUTCOMES] == [
        "succeeded", "request_error", "batch_error", "expired", "cancelled", "missing"
    ]  # fmt: skip
    assert OUTCOMES[1:] == FAILED_OUTCOMES


def test_local_time_shows_a_dash_for_no_time() -> None:
    from groq_batch_cli.output import local_time

    assert local_time(None) == local_time(True) == local_time("x") == "-"
    assert len(local_time(0)) == len("1970-01-01 00:00:00")
