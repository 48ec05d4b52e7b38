"""The cost of a batch: an estimate before it runs, the actual cost after.

**Before** (`estimate`): the input file is read one line at a time (memory stays flat) and, per
model, the prompt tokens are counted offline with `groq_batch.tokens` (a real BPE when the
``toktok-rs`` wheel is installed, which the ``cli`` and ``server`` extras bring; a character rule
marked *rough* otherwise). A chat prompt counts as the chat template sends it: the text of every
message, plus `MESSAGE_OVERHEAD` tokens of framing per message (Llama 3's template wraps each
message in ``<|start_header_id|>role<|end_header_id|>``, two newlines, the text and
``<|eot_id|>``), plus the JSON of any ``tools``. Image parts cannot be counted as text, so a
line with one is listed in ``unboundable``. Audio lines have no prompt tokens: Groq bills
Whisper by the hour of audio, which is not known before the run, so their cost is unknown (and
the line is listed in ``unboundable``).

Expected error of the prompt count against a real provider: exact vocabulary for OpenAI's
models; for Llama 3 models ``cl100k_base`` is a subset of the real vocabulary, so English counts
are within a few percent (slightly high for other languages), but the provider's template may
add a fixed preamble per request (Groq's Llama 3.1 template adds a knowledge-cutoff and date
line to the system message, about 20 tokens) that this count does not include.

Every prompt field of every endpoint is counted: chat ``messages`` (and ``tools``), a
completion's ``prompt`` (text, a list of texts, or token ids) and ``suffix``, a response's
``input`` and ``instructions``, an embedding's ``input``. What the count cannot bound (an image
or file part, a ``prompt`` that is neither text nor tokens, an endpoint it does not know, an
``n`` that is not a positive integer, audio billed by a duration not known before the run) is
listed in ``unboundable`` with its line: ``--max-cost`` refuses such a file rather than guess.

Completion tokens are unknown before the run. Per generated output the range is:

- with ``max_completion_tokens`` (or ``max_tokens``, or a response's ``max_output_tokens``):
  from ``min(typical, limit)`` to the limit;
- without: the model's typical value for both ends (`typical_completion_tokens`), and the
  request is counted in ``unbounded``, since nothing stops it from going higher.

A request generates ``n`` outputs (``max(n, best_of)`` for a completion, whose ``best_of``
candidates are all billed), once per prompt of a completion's prompt list; an embedding
generates none.

Costs are at batch prices (the synchronous price less the provider's batch discount), with the
saving against the synchronous API, per model and in total. A model whose price is unknown gets
no cost, and the totals say that they leave it out (``unpriced_models``).

**After** (`actual_cost`, `CostTally`): the ``usage`` of every *succeeded* request, priced the
same way. Failed, expired and cancelled requests are not billed (Groq's rule), so their tokens
are left out.

The pieces live by concept, and are all importable from here as before: one request's token
bound in `groq_batch.cost_bound`, the estimate in `groq_batch.cost_estimate`, the actual tally
in `groq_batch.cost_actual`, and what both report (per-model figures, dollars for people) in
`groq_batch.cost_report`.
"""

from __future__ import annotations

from groq_batch.cost_actual import ActualCost, CostTally, ModelActual, actual_cost
from groq_batch.cost_bound import (
    DEFAULT_TYPICAL_COMPLETION_TOKENS,
    REASONING_TYPICAL_COMPLETION_TOKENS,
    prompt_tokens,
    typical_completion_tokens,
)
from groq_batch.cost_estimate import Estimate, ModelEstimate, estimate
from groq_batch.cost_report import format_usd
from groq_batch.tokens import MESSAGE_OVERHEAD

__all__ = [
    "DEFAULT_TYPICAL_COMPLETION_TOKENS",
    "MESSAGE_OVERHEAD",
    "REASONING_TYPICAL_COMPLETION_TOKENS",
    "ActualCost",
    "CostTally",
    "Estimate",
    "ModelActual",
    "ModelEstimate",
    "actual_cost",
    "estimate",
    "format_usd",
    "prompt_tokens",
    "typical_completion_tokens",
]
