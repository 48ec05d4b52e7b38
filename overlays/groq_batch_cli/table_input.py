"""A table of prompts (CSV, Parquet, JSON Lines records) as a command's input."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from groq_batch.jobs import (
    default_data_dir,
    file_sha256,
)
from groq_batch_cli.errors import EXIT_USAGE, CliError
from groq_batch_cli.output import Output, report_invalid

if TYPE_CHECKING:
    from groq_batch.tables import PromptTable

_TABLE_ONLY = (
    "model",
    "system",
    "id_column",
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "response_format",
)


def table_flags(args: argparse.Namespace) -> list[str]:
    """The table-input options as typed, so that a hint can repeat the command."""
    flags: list[str] = []
    for dest in ("prompt_column", "template", *_TABLE_ONLY):
        value = getattr(args, dest, None)
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                flags += [f"--{dest.replace('_', '-')}", str(item)]
    return flags


def read_table_input(
    args: argparse.Namespace, out: Output, *, keep: bool = True
) -> PromptTable | None:
    """Read a table of prompts, if that is the input; set ``args.requests_file`` either way.

    Every command that reads an input (validate, estimate, submit, run) reads it here, so that
    each takes the same files with the same options, and a table that cannot be read is exit 2
    with every bad row named.

    With ``keep`` (submit, run), a table becomes a JSONL of requests in the data dir, named by
    the table's bytes and the options, so that the same command re-attaches to its job and
    `results` can join later. Without it (validate, estimate), nothing is written.
    """
    args.requests_file = args.file
    suffix = args.file.suffix.lower()
    chosen = args.prompt_column is not None or args.template is not None
    if not chosen and suffix not in (".csv", ".parquet", ".pq"):
        from groq_batch.tables import is_batch_jsonl

        if is_batch_jsonl(args.file):
            given = [
                f"--{d.replace('_', '-')}" for d in _TABLE_ONLY if getattr(args, d) is not None
            ]
            if given:
                raise CliError(
                    f"{', '.join(given)}: only for a table of prompts; "
                    f"{args.file} holds batch requests",
                    EXIT_USAGE,
                )
            return None
    if not chosen:
        raise CliError(
            f"{args.file} is a table of prompts: say which column holds them "
            "(--prompt-column COLUMN) or how to build them (--template TEXT)",
            EXIT_USAGE,
        )
    if not args.model:
        raise CliError(f"{args.file} is a table of prompts: --model is required", EXIT_USAGE)
    try:
        from groq_batch.tables import TableInputError, load_inputs, prompt_table, save_inputs
    except ImportError as exc:  # pragma: no cover - the dev install has pyarrow
        raise CliError(str(exc), EXIT_USAGE) from exc
    try:
        table = prompt_table(
            args.file,
            model=args.model,
            prompt=args.prompt_column,
            template=args.template,
            system=args.system,
            id_column=args.id_column,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            top_p=args.top_p,
            seed=args.seed,
            stop=args.stop,
            response_format=args.response_format,
        )
    except ImportError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    except TableInputError as exc:
        rows = [
            {"row": p.row, "line": p.line, "column": p.column, "message": p.message}
            for p in exc.problems
        ]
        report_invalid(out, exc.source, exc.problems, rows)
        tail = "; nothing was uploaded" if keep else ""
        raise CliError(f"{len(exc.problems)} problem(s){tail}", EXIT_USAGE) from exc
    if not keep:
        return table
    import hashlib

    from groq_batch.jsonl import write_jsonl

    key = json.dumps([file_sha256(args.file), table_flags(args)], sort_keys=True)
    folder = default_data_dir() / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    args.requests_file = folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.jsonl"
    write_jsonl(table.requests(), args.requests_file)
    kept = args.requests_file.with_suffix(".inputs.parquet")
    save_inputs(table, kept)
    # The prompts are in the requests file now; the results join needs the rows and ids only,
    # and reads them from the copy kept beside the job (a batch at a time, never whole), not
    # from the input, which may change while the job runs.
    return load_inputs(kept)
