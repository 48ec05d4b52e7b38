"""The join: result lines matched to their inputs, every input answered exactly once.

Groq writes successes to the output file and everything else to the error file, in no
particular order. ``ResultJoiner`` takes those lines one at a time: each ``custom_id`` yields
one result (the first line for it wins; later ones are counted in ``JoinStats``, never
yielded), a line that is not a result line at all is counted and skipped, and every input with
no line at all comes out last as ``missing``. ``ResultSummary`` counts what came out.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from groq_batch.input_index import InputIndex
from groq_batch.jsoncodec import decode_line
from groq_batch.result_lines import BatchResult, ResultError, attach_input, bounded_text, classify
from groq_batch.statuses import Outcome

__all__ = [
    "MAX_KEPT_PROBLEMS",
    "JoinProblem",
    "JoinStats",
    "ResultJoiner",
    "ResultSummary",
    "join_results",
]

# The package's results logger (its name is what users configure and what secret scrubbing
# covers), whichever module of the results logs.
logger = logging.getLogger("groq_batch.results")

# Problems kept for the record; beyond this only the counts grow, so a corrupt file of any
# size costs constant memory.
MAX_KEPT_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class JoinProblem:
    """A result line that yielded no result.

    Attributes:
        line: The line's 1-based position in the stream fed to the joiner (output files first,
            then error files, as the job reads them).
        code: ``invalid_json``, ``not_an_object``, ``missing_custom_id``, ``invalid_custom_id``
            or ``duplicate_custom_id``.
        message: What is wrong.
        custom_id: The line's ``custom_id``, when it has a usable one.
    """

    line: int
    code: str
    message: str
    custom_id: str | None = None

    def __str__(self) -> str:
        return f"result line {self.line}: {self.message} [{self.code}]"


@dataclass(slots=True)
class JoinStats:
    """What the join met besides results: duplicates and lines it could not read.

    Attributes:
        lines: Non-blank lines fed.
        yielded: Results produced from lines (``missing`` ones not included).
        duplicates: Lines for a ``custom_id`` already seen; the first line won.
        malformed: Lines that are not a result line at all (not JSON, not an object, no string
            ``custom_id``).
        unknown: Results whose ``custom_id`` is not among the inputs (when they are known).
        problems: The first ``MAX_KEPT_PROBLEMS`` duplicates and malformed lines, in order.
    """

    lines: int = 0
    yielded: int = 0
    duplicates: int = 0
    malformed: int = 0
    unknown: int = 0
    problems: list[JoinProblem] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Whether every line was a result line for a fresh ``custom_id``."""
        return not (self.duplicates or self.malformed)

    def _record(self, problem: JoinProblem) -> None:
        if problem.code == "duplicate_custom_id":
            self.duplicates += 1
        else:
            self.malformed += 1
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(problem)

    def __str__(self) -> str:
        return (
            f"{self.lines} result lines: {self.yielded} results, {self.duplicates} duplicate(s) "
            f"ignored, {self.malformed} malformed line(s) skipped"
        )


class ResultJoiner:
    """Joins result lines to inputs one line at a time, for sync and async readers alike.

    Feed it every output and error line, then take ``missing()`` for the inputs that had none.
    Each ``custom_id`` yields one result at most: the first line for it wins, and later lines
    for it are counted in ``stats`` and dropped. Lines that are not result lines are counted
    too, and skipped. Nothing fed to it raises.

    Attributes:
        inputs: The batch's inputs, if known.
        missing_outcome: The outcome given to inputs with no line.
        stats: Duplicates and malformed lines met so far.
    """

    def __init__(
        self, inputs: InputIndex | None = None, *, missing_outcome: Outcome = Outcome.MISSING
    ) -> None:
        self.inputs = inputs
        self.missing_outcome = missing_outcome
        self.stats = JoinStats()
        # Ids met that are not among the inputs (all ids, without inputs); those that are
        # among them are flagged by entry number, a byte each, not a set of strings.
        self._seen: set[str] = set()
        self._seen_entries = bytearray(inputs.size if inputs is not None else 0)

    def _problem(self, code: str, message: str, custom_id: str | None = None) -> None:
        self.stats._record(JoinProblem(self.stats.lines, code, message, custom_id))

    def feed(self, raw: bytes | str) -> BatchResult | None:
        """Classify one raw line and attach its request.

        Args:
            raw: The line, with or without its newline.

        Returns:
            The result, or None for a blank line, a line that is not a result line, and a
            later line for a ``custom_id`` already seen (see ``stats``).
        """
        if not raw.strip():
            return None
        self.stats.lines += 1
        try:
            # JSON Lines are UTF-8: decoding directly skips json.loads' guess at UTF-16/32,
            # a tenth of the cost of a line; msgspec parses it when the fast extra is in.
            value = decode_line(raw)
        except (ValueError, RecursionError) as exc:
            # ValueError covers invalid UTF-8 too (UnicodeDecodeError is one).
            self._problem("invalid_json", f"Invalid JSON: {bounded_text(str(exc))}")
            return None
        if not isinstance(value, dict):
            kind = "null" if value is None else type(value).__name__
            self._problem("not_an_object", f"Expected a JSON object, got {kind}")
            return None
        custom_id = value.get("custom_id")
        if custom_id is None:
            self._problem("missing_custom_id", "The line has no custom_id")
            return None
        if not isinstance(custom_id, str):
            message = f"custom_id is not a string: {bounded_text(custom_id)}"
            self._problem("invalid_custom_id", message)
            return None
        found = self.inputs.locate(custom_id) if self.inputs is not None else None
        if found is None:
            seen = custom_id in self._seen
            self._seen.add(custom_id)
        else:
            seen = bool(self._seen_entries[found[0]])
            self._seen_entries[found[0]] = 1
        if seen:
            self._problem(
                "duplicate_custom_id",
                f"custom_id {custom_id!r} already had a result; this line is ignored",
                custom_id,
            )
            return None
        result = classify(value)
        self.stats.yielded += 1
        if found is not None:
            attach_input(result, found[1], found[0])
        elif self.inputs is not None:
            self.stats.unknown += 1
        return result

    def missing(self, entries: range | None = None) -> Iterator[BatchResult]:
        """Yield a result for every input that no line mentioned, in input order.

        Also logs, once, a warning with the duplicates and malformed lines met, if any.

        Args:
            entries: Only these input lines (from 0): one part of a split job.
        """
        if not self.stats.clean:
            logger.warning("%s", self.stats)
        if self.inputs is None:
            return
        for entry, custom_id, source in self.inputs.unseen_entries(self._seen_entries, entries):
            reason = {
                Outcome.EXPIRED: " (the batch expired before it ran)",
                Outcome.CANCELLED: " (the batch was cancelled before it ran)",
            }.get(self.missing_outcome, "")
            result = BatchResult(
                custom_id,
                self.missing_outcome,
                error=ResultError(
                    code=self.missing_outcome.value,
                    message="The request appears in neither the output nor the error file" + reason,
                ),
            )
            attach_input(result, source, entry)
            yield result


def join_results(
    lines: Iterable[bytes | str],
    inputs: InputIndex | None = None,
    *,
    missing_outcome: Outcome = Outcome.MISSING,
    stats: JoinStats | None = None,
) -> Iterator[BatchResult]:
    """Stream results from output and error file lines, joined to their inputs.

    Args:
        lines: The raw lines of the output file, then of the error file.
        inputs: The batch's inputs. With them, each result carries its request, and every input
            that has no line is yielded last as ``missing``.
        missing_outcome: The outcome to give inputs with no line.
        stats: Filled in with the duplicates and malformed lines met, if given.

    Yields:
        One result per ``custom_id`` (the first line for it wins), then one per input with no
        line.
    """
    joiner = ResultJoiner(inputs, missing_outcome=missing_outcome)
    if stats is not None:
        joiner.stats = stats
    for raw in lines:
        result = joiner.feed(raw)
        if result is not None:
            yield result
    yield from joiner.missing()


def _token_count(value: Any) -> int | None:
    """A token count as an int, or None when the value is not a count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value.is_integer():
        return int(value)
    return None


@dataclass(slots=True)
class ResultSummary:
    """Counts per outcome and token usage, accumulated over results.

    Attributes:
        outcomes: How many results had each outcome.
        prompt_tokens: Prompt tokens over all responses.
        completion_tokens: Completion tokens over all responses.
        malformed_usage: Results whose ``usage`` held a count that is not a whole number; their
            counts are left out of the totals.
        duplicates: Result lines ignored as duplicates (from ``add_join_stats``).
        malformed_lines: Result lines skipped as malformed (from ``add_join_stats``).
    """

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    malformed_usage: int = 0
    duplicates: int = 0
    malformed_lines: int = 0

    @property
    def total(self) -> int:
        """How many results were counted."""
        return sum(self.outcomes.values())

    @property
    def succeeded(self) -> int:
        """How many requests succeeded."""
        return self.outcomes[Outcome.SUCCEEDED]

    @property
    def failed(self) -> int:
        """How many requests did not succeed, whatever the reason."""
        return self.total - self.succeeded

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def add(self, result: BatchResult) -> BatchResult:
        """Count one result.

        Args:
            result: The result.

        Returns:
            The same result, so that ``summary.add`` can sit inside a loop or a ``map``.
        """
        self.outcomes[result.outcome] += 1
        usage = result.usage
        if usage is not None:
            counts = [_token_count(usage.get(k, 0)) for k in ("prompt_tokens", "completion_tokens")]
            if None in counts:
                self.malformed_usage += 1
            else:
                self.prompt_tokens += counts[0] or 0
                self.completion_tokens += counts[1] or 0
        return result

    def add_join_stats(self, stats: JoinStats) -> None:
        """Count the duplicates and malformed lines a join met.

        Args:
            stats: The joiner's ``stats``.
        """
        self.duplicates += stats.duplicates
        self.malformed_lines += stats.malformed

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain JSON-ready data.

        Returns:
            Outcome counts (every outcome listed, zeros included), token totals, and the counts
            of what was skipped (``problems``).
        """
        return {
            "total": self.total,
            "outcomes": {o.value: self.outcomes[o] for o in Outcome},
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "problems": {
                "duplicate_lines": self.duplicates,
                "malformed_lines": self.malformed_lines,
                "malformed_usage": self.malformed_usage,
            },
        }
