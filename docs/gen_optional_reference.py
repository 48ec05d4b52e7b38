"""Write the API reference pages of modules that only some builds have.

The tables and cost modules arrive with their own extras and branches. Each page documents its
modules when they exist in the tree being built, and says that they are absent otherwise, so
the nav never points at a missing page and `mkdocs build --strict` passes either way.
"""

from __future__ import annotations

import importlib.util

import mkdocs_gen_files

PAGES = {
    "reference/tables.md": (
        "Tables",
        "CSV, Parquet, JSON Lines and DataFrames in; answers back as a table (the `tables` extra).",
        ["groq_batch.tables"],
    ),
    "reference/cost.md": (
        "Cost",
        "The estimate before a batch runs and its actual cost after; prices as data.",
        ["groq_batch.costs", "groq_batch.pricing"],
    ),
}


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


for path, (title, intro, modules) in PAGES.items():
    lines = [f"# {title}", "", intro, ""]
    for module in modules:
        if _exists(module):
            lines += [f"::: {module}", ""]
        else:
            lines += [f"`{module}` is not part of this build.", ""]
    with mkdocs_gen_files.open(path, "w") as page:
        page.write("\n".join(lines))
