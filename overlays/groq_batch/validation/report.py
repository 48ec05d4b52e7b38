"""What validation reports: one ``Problem`` per fault, gathered in a ``ValidationReport``.

The types every check produces and every caller reads (the command line prints them, the job
layer raises them in a ``ValidationError``); they hold no rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from groq_batch._errors import ValidationError
from groq_batch.jsonl import CHAT_COMPLETIONS

__all__ = ["Problem", "ValidationError", "ValidationReport"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a batch input (or, in ``ValidationReport.warnings``, worth a look).

    Attributes:
        line: The 1-based line at fault, or None for a problem with the whole file.
        field: The field at fault (``custom_id``, ``body.model``, ...), or None.
        code: A machine-readable code, for example ``duplicate_custom_id``.
        message: What is wrong, for a person.
    """

    line: int | None
    field: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.field:
            where += f", field {self.field}"
        return f"{where}: {self.message} [{self.code}]"


@dataclass(slots=True)
class ValidationReport:
    """The outcome of validating one input.

    Attributes:
        problems: Every problem found, in line order; file-level problems last.
        warnings: Things that are not errors but worth saying (the input will be split, a
            model is not in ``known_models``). They never make the report fail.
        lines: How many lines the input has.
        bytes: The input's size in bytes, as it would be uploaded.
        parts: How many batches ``submit`` would make of the input (1 when it fits one).
        source: A name for the input, used in messages.
        endpoint: The batch's endpoint: the one given, or the one the lines' ``url`` values
            lead to (see ``batch_endpoint``).
    """

    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    bytes: int = 0
    source: str = "requests"
    warnings: list[Problem] = field(default_factory=list)
    parts: int = 1
    endpoint: str = CHAT_COMPLETIONS

    @property
    def ok(self) -> bool:
        """Whether the input has no problem (warnings do not count)."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise if the input has any problem.

        Raises:
            ValidationError: With every problem found.
        """
        if self.problems:
            raise ValidationError(self.problems, source=self.source)

    def __str__(self) -> str:
        if self.ok:
            head = f"{self.source}: {self.lines} lines, {self.bytes} bytes, no problems"
            if self.parts > 1:
                head += f"; will be split into {self.parts} batches"
            lines = [head]
        else:
            head = f"{self.source}: {len(self.problems)} problem(s) in {self.lines} lines"
            lines = [head, *(f"  {p}" for p in self.problems)]
        lines += [f"  warning: {w}" for w in self.warnings if w.code != "will_split" or not self.ok]
        return "\n".join(lines)
