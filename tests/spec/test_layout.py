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
