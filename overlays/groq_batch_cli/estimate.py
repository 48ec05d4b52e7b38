"""`estimate`, and the estimate and ``--max-cost`` check before a submission."""

from __future__ import annotations

import argparse
from typing import Any

from groq_batch_cli.checks import require_file
from groq_batch_cli.connect import provider_name
from groq_batch_cli.errors import EXIT_OK, EXIT_USAGE, CliError
from groq_batch_cli.output import Output, usd
from groq_batch_cli.table_input import read_table_input


def _span(low: Any, high: Any, fmt: Any = str) -> str:
    return fmt(low) if low == high else f"{fmt(low)} - {fmt(high)}"


def _print_estimate(target: Output, est: Any) -> None:
    """Print an `Estimate` as a table (per model and in total) with its caveats."""
    rows = [
        (
            m.model,
            m.requests,
            m.prompt_tokens,
            _span(m.completion_tokens_low, m.completion_tokens_high),
            _span(m.batch_cost_low, m.batch_cost_high, usd),
            _span(m.saving_low, m.saving_high, usd),
        )
        for _, m in sorted(est.models.items())
    ]
    # With no model priced the totals are None, shown as `unpriced` (a $0 would read as free).
    rows.append(
        (
            "total",
            est.requests,
            est.prompt_tokens,
            _span(est.completion_tokens_low, est.completion_tokens_high),
            _span(est.batch_cost_low, est.batch_cost_high, usd),
            _span(est.saving_low, est.saving_high, usd),
        )
    )
    pricing = est.pricing
    discount = pricing.batch_discount
    title = f"estimate ({pricing.provider} batch prices"
    title += f", {discount:.0%} off sync)" if discount else ")"
    target.table(
        title,
        ("model", "requests", "prompt tokens", "completion tokens", "batch cost", "saving"),
        rows,
    )
    notes = []
    if est.rough:
        notes.append("token counts are rough (4 characters a token): install groq-batch[cli]")
    if est.unbounded:
        notes.append(
            f"{est.unbounded} request(s) set no max_tokens: counted at a typical length, "
            "so the upper bound is not a bound"
        )
    if est.unpriced_models:
        notes.append(f"unpriced (left out of the total): {', '.join(est.unpriced_models)}")
    if est.unboundable_lines:
        notes.append(
            f"{est.unboundable_lines} line(s) cannot be bounded: " + "; ".join(est.unboundable)
        )
    if est.unreadable_lines:
        notes.append(f"{est.unreadable_lines} unreadable line(s) left out (see validate)")
    if pricing.source:
        notes.append(f"prices from {pricing.source}, checked {pricing.checked}")
    stale = stale_prices_note(pricing.as_dict())
    if stale:
        notes.append(stale)
    for note in notes:
        target.line(f"note: {note}")


def stale_prices_note(pricing: dict[str, Any]) -> str | None:
    """A warning when the price table is older than 180 days, or None."""
    if not pricing.get("stale"):
        return None
    return (
        f"the {pricing['provider']} prices were checked {pricing['checked']}, "
        f"{pricing['checked_days_ago']} days ago, and may have changed: check "
        f"{pricing['source']} (docs/guides/cost.md says how to update the price file)"
    )


def estimate_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch estimate``."""
    from groq_batch.costs import estimate

    require_file(args.file)
    table = read_table_input(args, out, keep=False)
    est = estimate(args.file if table is None else table.requests(), provider=provider_name(args))
    if est.requests == 0:
        # Nothing read is not a $0 batch: say so rather than print an estimate of nothing.
        raise CliError(
            f"{args.file}: no request could be read ({est.unreadable_lines} unreadable "
            f"line(s)); see: groq-batch validate {args.file}",
            EXIT_USAGE,
        )
    if out.as_json:
        out.json(est.as_dict())
    else:
        _print_estimate(out, est)
    # Some unreadable lines: the estimate of the rest stands, with a note naming them (the
    # submission itself refuses the file until `validate` passes).
    return EXIT_OK


def preflight_cost(args: argparse.Namespace, out: Output) -> None:
    """Print the estimate before submitting; refuse above ``--max-cost`` (nothing uploaded)."""
    from groq_batch.costs import estimate

    # A table of prompts was turned into requests (`requests_file`): estimate those.
    est = estimate(getattr(args, "requests_file", None) or args.file, provider=provider_name(args))
    if out.as_json:
        # In JSON mode every line on the event stream is a JSON event, the estimate included.
        out.event({"event": "estimate", **est.as_dict()})
    else:
        _print_estimate(out, est)
    limit = getattr(args, "max_cost", None)
    if limit is None:
        return
    if est.unboundable_lines or est.unreadable_lines:
        # A line the estimate cannot bound (or read) could cost anything: no budget rests on it.
        reasons = list(est.unboundable)
        if est.unreadable_lines:
            reasons.append(f"{est.unreadable_lines} line(s) are not JSON requests")
        more = est.unboundable_lines - len(est.unboundable)
        raise CliError(
            "--max-cost: the cost has no upper bound: "
            + "; ".join(reasons)
            + (f"; and {more} more line(s)" if more > 0 else "")
            + "; nothing was uploaded",
            EXIT_USAGE,
        )
    unpriced = est.unpriced_models
    if unpriced:
        raise CliError(
            f"--max-cost: {', '.join(unpriced)} {'is' if len(unpriced) == 1 else 'are'} "
            "unpriced, so the cost has no upper bound; nothing was uploaded",
            EXIT_USAGE,
        )
    if est.unbounded:
        # A typical length is a guess, not a bound: a budget cannot rest on it.
        raise CliError(
            f"--max-cost: {est.unbounded} request(s) set no max_tokens, so the cost has no "
            "upper bound; nothing was uploaded",
            EXIT_USAGE,
        )
    high = est.batch_cost_high
    if high is not None and high > limit:
        raise CliError(
            f"estimated cost up to {usd(high)} exceeds --max-cost "
            f"{usd(limit)}; nothing was uploaded",
            EXIT_USAGE,
        )
