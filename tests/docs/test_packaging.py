"""What the package declares: what it imports, only user-facing extras, one ruff pin."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Import names whose distribution is named otherwise.
DIST = {"attr": "attrs", "toktok": "toktok-rs", "multipart": "python-multipart"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / "overlays" / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {
        DIST.get(m, m).lower()
        for m in found
        if m not in sys.stdlib_module_names and not m.startswith("groq_batch")
    }


def test_every_third_party_module_the_client_imports_is_declared() -> None:
    project = PYPROJECT["project"]
    declared = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    # pandas and polars are converted through Arrow when a caller passes one; never required.
    assert _imports("groq_batch") - {"pandas", "polars"} <= declared
    assert "anyio" in {_name(r) for r in project["dependencies"]}


def test_only_user_facing_extras_are_published() -> None:
    published = set(PYPROJECT["project"]["optional-dependencies"])
    assert published == {"server", "cli", "tables", "aiohttp", "fast"}
    assert {"dev", "docs", "bench", "generate"} <= set(PYPROJECT["dependency-groups"])


def test_ruff_is_pinned_once() -> None:
    pins = []
    for path in [ROOT / "pyproject.toml", ROOT / "noxfile.py", *(ROOT / "generator").glob("*.py")]:
        pins += re.findall(r"ruff==[0-9.]+|\"ruff\": \"[0-9.]+\"", path.read_text(encoding="utf-8"))
    assert pins == ["ruff==" + PYPROJECT["dependency-groups"]["ruff"][0].split("==")[1]]
    for group in ("dev", "docs", "generate"):
        assert {"include-group": "ruff"} in PYPROJECT["dependency-groups"][group]
