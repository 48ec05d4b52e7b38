"""Copy spec/openapi.yaml into the built site, beside the wire reference that renders it.

Run by mkdocs-gen-files, so the site always shows the spec of the commit it was built from.
"""

from __future__ import annotations

from pathlib import Path

import mkdocs_gen_files

SPEC = Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"

with mkdocs_gen_files.open("reference/openapi.yaml", "w") as out:
    out.write(SPEC.read_text(encoding="utf-8"))
