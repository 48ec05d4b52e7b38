"""What the dashboard says about a job: its batches summed up, its cost as text, its URL segment.

Pure decisions on the API's batches and the cost estimate, shared by every view and the JSON the
pages poll, so that a page drawn on the server and one patched by its poller always agree.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from groq_batch.cost_report import UNPRICED
from groq_batch.statuses import status_of
from groq_batch_cli.output import local_time
from groq_batch_cli.ui.pages import tone

if TYPE_CHECKING:
    from groq_batch_api.models import Batch

__all__ = ["estimate_text", "money", "quote_ref", "summarise"]


def quote_ref(ref: str) -> str:
    """A job reference as one URL path segment."""
    return urllib.parse.quote(ref, safe=",")


def counts(batch: Batch) -> tuple[int, int, int]:
    """A batch's request counts: total, completed and failed (zeros before it has any)."""
    from groq_batch_api.models import BatchRequestCounts

    rc = batch.request_counts
    if not isinstance(rc, BatchRequestCounts):
        return 0, 0, 0
    return rc.total, rc.completed, rc.failed


def finished_at(batch: Batch) -> int | None:
    """When a batch ended, however it ended; None while it runs."""
    for value in (batch.completed_at, batch.failed_at, batch.expired_at, batch.cancelled_at):
        if isinstance(value, int):
            return value
    return None


def summarise(batches: Sequence[Batch]) -> dict[str, Any]:
    """Aggregate a job's batches into what one row of the page shows."""
    total = done = failed = 0
    for batch in batches:
        t, c, f = counts(batch)
        total, done, failed = total + t, done + c, failed + f
    statuses = sorted({status_of(b) for b in batches})
    finished = [finished_at(b) for b in batches]
    ended = all(isinstance(f, int) for f in finished) and bool(finished)
    return {
        "status": ",".join(statuses),
        "total": total,
        "done": done + failed,
        "failed": failed,
        "percent": 100.0 * (done + failed) / total if total else 0.0,
        "created": local_time(min((b.created_at for b in batches), default=None)),
        "finished": local_time(max(f for f in finished if isinstance(f, int))) if ended else "-",
        "tone": tone(",".join(statuses)),
    }


def money(value: float | None) -> str:
    """A cost as text; ``unpriced`` when a model has no price, as the estimate says it."""
    if value is None:
        return f"{UNPRICED} (a model without a price)"
    # A small job costs fractions of a cent: show them rather than $0.0000.
    return f"${value:.4f}" if value >= 0.01 or value == 0 else f"${value:.6f}"


def estimate_text(path: str) -> str:
    """An input file's batch cost range, as text; ``-`` when nothing in it has a price."""
    from groq_batch.costs import estimate

    provider = os.environ.get("GROQ_BATCH_PROVIDER") or "groq"
    try:
        est = estimate(path, provider=provider)
    except (OSError, ValueError):
        return "-"
    if est.batch_cost_high is None:
        return UNPRICED
    low, high = est.batch_cost_low, est.batch_cost_high
    # Each end as `money` writes it: a few millionths of a dollar are not "$0.0000".
    shown = money(low) if low == high else f"{money(low)} - {money(high)}"
    return f"est. {shown}"
