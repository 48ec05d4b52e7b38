"""The pages that state facts of the code (a schema, the errors, the exit codes) state them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import groq_batch
from groq_batch import GroqError
from groq_batch.statuses import OUTCOMES
from groq_batch_cli import errors as cli_errors

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_the_tables_page_lists_the_result_columns_in_order_and_every_outcome() -> None:
    pytest.importorskip("pyarrow")
    from groq_batch.tables import result_schema

    text = _page("guides/tables.md")
    schema_section = text.split("## The output schema", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", schema_section, re.M)
    assert documented == result_schema().names
    for outcome in OUTCOMES:
        assert f"`{outcome.value}`" in schema_section, outcome


def _public_errors() -> list[str]:
    names = []
    for name in groq_batch.__all__:
        value = getattr(groq_batch, name)
        if isinstance(value, type) and issubclass(value, GroqError):
            names.append(name)
    return names


def test_troubleshooting_names_every_error_the_package_exports() -> None:
    text = _page("troubleshooting.md")
    errors = _public_errors()
    assert len(errors) >= 20
    missing = [name for name in errors if f"`{name}`" not in text]
    assert not missing, f"docs/troubleshooting.md does not explain: {missing}"


def test_troubleshooting_lists_every_exit_code_the_cli_uses() -> None:
    text = _page("troubleshooting.md")
    codes = {v for k, v in vars(cli_errors).items() if k.startswith("EXIT_")}
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == codes
