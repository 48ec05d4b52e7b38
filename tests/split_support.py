"""Shared by the tests that hold split modules to the names they offered before the split."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence

Moved = Mapping[str, Mapping[str, Sequence[str]]]
"""Each old module: the modules its names now live in, with those names."""


def moved_cases(moved: Moved) -> list[tuple[str, str, str]]:
    """``(old module, new home, name)`` for every moved name, one test case each."""
    return [(old, home, name) for old, homes in moved.items() for home, names in homes.items()
            for name in names]  # fmt: skip


def offered_as_the_same_object(old: str, home: str, name: str) -> bool:
    """Whether the old module still gives ``name``, and it is its new home's very object."""
    return bool(
        getattr(importlib.import_module(old), name) is getattr(importlib.import_module(home), name)
    )
