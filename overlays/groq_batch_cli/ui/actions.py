"""The dashboard's POST actions on a job: cancel it, download its files, resubmit its failures.

Each action answers with one sentence that the job page shows after the redirect; a failure is
a sentence too, scrubbed of secrets, because it travels in the redirect's URL.
"""

from __future__ import annotations

from groq_batch.jobs import CANCELLED
from groq_batch.redaction import scrub
from groq_batch.statuses import is_terminal
from groq_batch_cli.ui.state import Dashboard

__all__ = ["ACTIONS", "perform"]

ACTIONS = ("cancel", "download", "resubmit")


def perform(dash: Dashboard, ref: str, action: str) -> str:
    """Do one of `ACTIONS` on a job and say what happened.

    Args:
        dash: The dashboard.
        ref: The job's name or batch ids, as the URL names it.
        action: One of `ACTIONS`.

    Returns:
        What happened, for the job page's notice.
    """
    ids, record = dash.resolve(ref)
    try:
        if action == "cancel":
            if all(is_terminal(b) for b in dash.batches(ids, record=record)):
                return "nothing to cancel: every batch has finished"
            client = dash.client_for(record)
            for batch_id in ids:
                client.batches.cancel(batch_id)
            if record is not None:
                dash.registry.update_state(record.name, CANCELLED)
            return f"cancel requested for {', '.join(ids)}"
        if action == "download":
            paths = dash.job(ids, record).download(dash.download_dir / ref.replace(",", "_"))
            return "downloaded: " + ", ".join(str(p) for p in paths)
        # The button says "failed rows": all of them, as before (the CLI's resubmit leaves
        # out permanent failures unless --include-permanent; the dashboard has no switch).
        new = dash.job(ids, record).resubmit(inputs=dash.inputs(record), include_permanent=True)
        if new is None:
            return "nothing to resubmit: every request succeeded"
        name = dash.registry.record(
            new.ids,
            endpoint=record.endpoint if record is not None else dash.endpoint,
            provider=dash.client_for(record).provider,
            retry_of=ids,
        ).name
        return f"resubmitted the failed rows as job {name}"
    except Exception as exc:
        # The message goes into a redirect's URL (browser history, proxy logs): a key a
        # server echoed in its error must not.
        return scrub(f"{action} failed: {exc}")
