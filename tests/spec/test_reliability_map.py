"""RELIABILITY.md maps each guarantee to the tests that prove it: every test it names exists.

A row that names a renamed or deleted test claims a proof that no longer runs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# `tests/x/test_y.py::test_z` names a file and a test; `::test_z` another test of the last file.
_NAMED = re.compile(r"`(tests/[\w/]+\.py)?::([\w]+)(?:\[[^`]*\])?`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def named_tests(text: str) -> list[tuple[int, str, str]]:
    """Each (line, file, test) a table row of the map names, files carried to ``::name``."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("|"):
            continue
        last = None
        for match in _NAMED.finditer(line):
            last = match.group(1) or last
            if last is None:
                continue  # `::name` spelled out in prose before any file
            found.append((number, last, match.group(2)))
    return found


def test_every_test_the_reliability_map_names_exists() -> None:
    names = named_tests((ROOT / "RELIABILITY.md").read_text(encoding="utf-8"))
    assert len(names) > 300  # the parse found the map, not nothing
    missing = []
    cache: dict[str, set[str]] = {}
    for line, file, test in names:
        path = ROOT / file
        if not path.is_file():
            missing.append(f"RELIABILITY.md:{line}: {file} does not exist")
            continue
        defined = cache.setdefault(file, _test_names(path))
        if test not in defined:
            missing.append(f"RELIABILITY.md:{line}: {file} has no {test}")
    assert missing == []


def test_a_bare_name_is_read_as_a_test_of_the_file_named_before_it() -> None:
    row = "| a guarantee | `tests/spec/test_reliability_map.py::test_gone`, `::named_tests` |"
    assert named_tests(row) == [
        (1, "tests/spec/test_reliability_map.py", "test_gone"),
        (1, "tests/spec/test_reliability_map.py", "named_tests"),
    ]
