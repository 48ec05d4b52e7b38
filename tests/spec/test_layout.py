"""The code's shape (issue 24): no hand-written module over 600 lines unless it says why."""

from __future__ import annotations

from pathlib import Path

OVERLAYS = Path(__file__).resolve().parents[2] / "overlays"
LIMIT = 600


def test_no_hand_written_module_is_over_600_lines_unless_its_docstring_says_why() -> None:
    modules = [p for p in OVERLAYS.rglob("*.py") if "_sync" not in p.parts]
    assert len(modules) > 100
    over = []
    for path in modules:
        text = path.read_text(encoding="utf-8")
        head = text[:3000]
        if text.count("\n") > LIMIT and "must be one file" not in head:
            over.append(f"{path.relative_to(OVERLAYS)}: {text.count(chr(10))} lines")
    assert not over, f"split these along their seams, or say why each must be one file: {over}"


def test_the_server_imports_only_the_clients_public_modules() -> None:
    """The test double is a second implementation: it reads the client as any user would."""
    import ast

    private = []
    for path in (OVERLAYS / "groq_batch_server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "groq_batch" and any(p.startswith("_") for p in parts[1:]):
                    private.append(f"{path.name}:{node.lineno}: {name}")
    assert not private, private
