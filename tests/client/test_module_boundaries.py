"""Nothing private crosses a module boundary: the decisions both flavours share have public names.

A public-named module (`groq_batch.batch_requests`, `groq_batch.file_requests`...) offers what its
siblings use under public names; importing one of its `_private` names from elsewhere fails here.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import groq_batch

PACKAGE = Path(groq_batch.__file__).parent


def _is_public(module: str) -> bool:
    return not any(part.startswith("_") for part in module.split("."))


def _is_submodule(dotted: str) -> bool:
    # `from groq_batch import _flavours` imports a module, not a private name of one.
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:  # the parent is a module, not a package
        return False


def test_no_private_name_is_imported_from_a_public_module() -> None:
    crossings = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("groq_batch")
                and _is_public(node.module or "")
            ):
                crossings += [
                    f"{path.relative_to(PACKAGE)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                    and not alias.name.startswith("__")
                    and not _is_submodule(f"{node.module}.{alias.name}")
                ]
    assert crossings == []


def test_the_request_decisions_are_public() -> None:
    from groq_batch import batch_requests, file_requests

    for module in (batch_requests, file_requests):
        for name in module.__all__:
            assert not name.startswith("_")
            assert getattr(module, name) is not None
