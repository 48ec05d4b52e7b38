"""`validate`: every problem in a batch input or a table of prompts, offline."""

from __future__ import annotations

import argparse
from typing import Any

from groq_batch_cli.checks import check_provider, require_file
from groq_batch_cli.errors import EXIT_OK, EXIT_USAGE
from groq_batch_cli.output import Output, problem_json
from groq_batch_cli.table_input import read_table_input


def _print_report_json(out: Output, report: Any) -> None:
    out.json(
        {
            "file": report.source,
            "lines": report.lines,
            "bytes": report.bytes,
            "ok": report.ok,
            "parts": report.parts,
            "endpoint": report.endpoint,
            "problems": [problem_json(p) for p in report.problems],
            "warnings": [problem_json(w) for w in report.warnings],
        }
    )


def validate_command(args: argparse.Namespace, out: Output) -> int:
    """``groq-batch validate``."""
    from groq_batch.pricing import load_pricing
    from groq_batch.validation import validate

    require_file(args.file)
    profile = check_provider(args)
    # The provider's models as the package knows them (its price list); none for a gateway.
    known = sorted(load_pricing(profile.name).models) or None
    table = read_table_input(args, out, keep=False)
    report = validate(
        args.file if table is None else table.requests(),
        endpoint=args.endpoint,
        max_lines=profile.max_lines,
        max_bytes=profile.max_bytes,
        urls=profile.endpoints,
        known_models=known,
    )
    report.source = str(args.file)
    if out.as_json:
        _print_report_json(out, report)
    else:
        out.stream.write(f"{report}\n")
        if table is not None and report.problems:
            # The requests were built from the table, one per row.
            out.stream.write("(line N is the request built from row N)\n")
        if report.ok:
            out.stream.write(f"batch endpoint: {report.endpoint}\n")
    return EXIT_OK if report.ok else EXIT_USAGE
