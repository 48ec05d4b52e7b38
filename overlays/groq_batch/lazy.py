"""Names a package offers but loads on first use (PEP 562): the one lazy-export helper.

``groq_batch`` uses it so that ``import groq_batch`` costs almost nothing (httpx and the
generated models load with the first client); the shared modules use it to re-export each
flavour's classes without importing either flavour; ``groq_batch_server`` uses it so that its
daemon helpers do not load Starlette.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(owner: str, table: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that imports each name from its module on first use.

    Assign the result to the module's ``__getattr__``. A loaded value is stored in the owning
    module, so later look-ups never reach the function again.

    Args:
        owner: The owning module's ``__name__``.
        table: Each name, and the module that defines it.

    Returns:
        The ``__getattr__`` function.
    """

    def __getattr__(name: str) -> object:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[owner], name, value)
        return value

    return __getattr__
