"""Generate the CLI reference page from `groq_batch_cli.build_parser` when the site builds.

Run by mkdocs-gen-files: the page exists only in the built site, so the CLI's options are
written once, in the parser, and the reference can never disagree with `--help`.
"""

from __future__ import annotations

import argparse
import os

import mkdocs_gen_files

from groq_batch_cli import build_parser
from groq_batch_server.__main__ import build_parser as build_serve_parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse has no public accessor for its subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _render(parser: argparse.ArgumentParser, prefix: str, level: int) -> list[str]:
    out: list[str] = []
    for name, sub in _subcommands(parser).items():
        full = f"{prefix} {name}"
        if full == "groq-batch serve":
            # `serve` hands its arguments to the server's own parser; document that one.
            sub = build_serve_parser(prog=full)
        out += [f"{'#' * level} `{full}`", ""]
        if sub.description:
            text = sub.description[0].upper() + sub.description[1:]
            out += [text if text.endswith(".") else text + ".", ""]
        out += ["```text", sub.format_help().rstrip(), "```", ""]
        out += _render(sub, full, level + 1)
    return out


def main() -> None:
    """Write reference/cli.md into the site being built."""
    # Help text wraps at $COLUMNS, read when each formatter is made; a fixed width keeps the
    # page the same on every machine.
    os.environ["COLUMNS"] = "88"
    parser = build_parser()
    lines = [
        "# CLI reference",
        "",
        "<!-- Generated from groq_batch_cli.build_parser by docs/gen_cli_reference.py. -->",
        "This page is generated from the command's own argument parser when the site is built, "
        "so it says exactly what `groq-batch --help` and `groq-batch COMMAND --help` say.",
        "",
        "## `groq-batch`",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    lines += _render(parser, "groq-batch", 2)
    with mkdocs_gen_files.open("reference/cli.md", "w") as page:
        page.write("\n".join(lines))
    mkdocs_gen_files.set_edit_path("reference/cli.md", "../overlays/groq_batch_cli/parser.py")


main()
