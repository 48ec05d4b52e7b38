"""Regenerate ``generated/groq_batch_api`` and the server's line schema from ``spec/openapi.yaml``.

The local server checks each input line against the spec's ``BatchRequestLine``; an installed
wheel has no ``spec/``, so that schema is copied, self-contained, into the server package
(``REQUEST_LINE_SCHEMA``), and drift-checked like ``generated/``: the spec stays the one source.

Run it through ``nox -s generate``, which installs the pinned generator and ruff. The output is
written to a temporary directory first and moved into place only when generation succeeded, so a
failed run never leaves a half-written package behind. ``--check`` (``nox -s drift``) generates
into a temporary directory and compares, so it never overwrites anything in the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
CONFIG = ROOT / "generator" / "config.yaml"
TEMPLATES = ROOT / "generator" / "templates"
TARGET = ROOT / "generated" / "groq_batch_api"
PROVENANCE = ROOT / "generated" / "PROVENANCE.json"
REQUEST_LINE_SCHEMA = ROOT / "overlays" / "groq_batch_server" / "request_line.schema.json"
REQUEST_LINE = "BatchRequestLine"
ANNOTATIONS = frozenset({"description", "examples", "example", "title", "$comment"})


def _group_pins(group: str) -> dict[str, str]:
    """The exact pins (``name==version``) of a dependency group in pyproject.toml, includes too."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    pins: dict[str, str] = {}
    for entry in groups[group]:
        if isinstance(entry, dict):
            pins.update(_group_pins(entry["include-group"]))
        elif "==" in entry:
            name, _, pinned = entry.partition("==")
            pins[name.strip()] = pinned.strip()
    return pins


# Read from the `generate` dependency group, so the pins are written once (ruff's in its group).
PINNED = _group_pins("generate")
# The upstream templates our overrides in generator/templates/ were copied from. If the installed
# generator's copy differs, the overrides must be re-made from the new upstream (README.md).
UPSTREAM_TEMPLATES = {
    "endpoint_module.py.jinja": "c1b2628053eb4875ba59566baa5ae907666f9cbfafa308d93f970a4404b7cd52",
    "model.py.jinja": "fd1c79680d51c06cfbb89809ad123750ba9add98b688036c04cabbf1f8ba40a0",
    "models_init.py.jinja": "4f64a3d6e1b15a561be5573c1b7702eb928c0e4fa6b67107d20e57a74c44d51a",
    "types.py.jinja": "93df9d75883a4eafac77dd21bc6907f3ef612e3f7841e08656618dcf6c4ce494",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_pins() -> None:
    from importlib.metadata import version

    for name, wanted in PINNED.items():
        found = version(name)
        if found != wanted:
            sys.exit(f"regenerate: {name} {found} is installed, the pin is {wanted}")
    import openapi_python_client

    upstream = Path(openapi_python_client.__file__).parent / "templates"
    for name, digest in UPSTREAM_TEMPLATES.items():
        if _sha256(upstream / name) != digest:
            sys.exit(
                f"regenerate: the generator's own {name} changed; re-copy it into "
                f"generator/templates/ and re-apply the marked groq-batch changes"
            )


def _generate_into(dest: Path) -> None:
    """Generate the package into ``dest/groq_batch_api`` and its stamp into ``dest``."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ)
    # The post hooks call `ruff` by name: make sure it is the pinned one from this environment.
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONHASHSEED"] = "0"
    out = dest / TARGET.name
    subprocess.run(
        [
            str(bindir / "openapi-python-client"),
            "generate",
            "--path",
            str(SPEC),
            "--config",
            str(CONFIG),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
            "--custom-template-path",
            str(TEMPLATES),
        ],
        check=True,
        env=env,
        cwd=dest,
    )
    shutil.rmtree(out / ".ruff_cache", ignore_errors=True)
    # `--meta none` writes no py.typed; without it type checkers ignore the package.
    (out / "py.typed").write_text("")
    stamp = {
        "generator": f"openapi-python-client=={PINNED['openapi-python-client']}",
        "formatter": f"ruff=={PINNED['ruff']}",
        "spec_sha256": _sha256(SPEC),
        "config_sha256": _sha256(CONFIG),
        "templates_sha256": {
            str(p.relative_to(TEMPLATES)): _sha256(p) for p in sorted(TEMPLATES.rglob("*.jinja"))
        },
    }
    (dest / PROVENANCE.name).write_text(json.dumps(stamp, indent=2) + "\n")


def request_line_schema() -> str:
    """``BatchRequestLine`` as a standalone JSON Schema (2020-12), with what it refers to.

    The referenced components go under ``$defs`` and every ``$ref`` is pointed there, so any
    JSON Schema validator reads the file without the rest of the spec. Key order is the spec's,
    so a validator reports a line's problems in the order the spec lists the fields. Only the
    keywords that validate are kept: annotations (``description``, ``examples``, ``x-*``) change
    no verdict, and the spec is where a reader finds them.

    Returns:
        The schema's text, as it is written to `REQUEST_LINE_SCHEMA`.
    """
    import yaml

    components = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]
    prefix = "#/components/schemas/"
    wanted: dict[str, Any] = {}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key in ANNOTATIONS or key.startswith("x-"):
                    continue
                if key == "$ref" and isinstance(value, str) and value.startswith(prefix):
                    name = value[len(prefix) :]
                    if name not in wanted:
                        wanted[name] = None  # claimed before the walk, so a cycle ends
                        wanted[name] = rewrite(components[name])
                    value = f"#/$defs/{name}"
                out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    root = rewrite(components[REQUEST_LINE])
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"Generated from spec/openapi.yaml#/components/schemas/{REQUEST_LINE} by "
            "generator/regenerate.py; do not edit."
        ),
        **root,
        "$defs": {name: wanted[name] for name in sorted(wanted)},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _tree(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    if root.is_file():
        return {root.name: root.read_bytes()}
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def check() -> int:
    """Compare a fresh generation with the committed one, without touching the tree.

    Returns:
        0 when they are identical, 1 otherwise (the differing files are printed).
    """
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        _generate_into(fresh)
        want = {**_tree(fresh / TARGET.name), **_tree(fresh / PROVENANCE.name)}
        have = {**_tree(TARGET), **_tree(PROVENANCE)}
    want[REQUEST_LINE_SCHEMA.name] = request_line_schema().encode()
    have.update(_tree(REQUEST_LINE_SCHEMA))
    changed = sorted(name for name in want.keys() & have.keys() if want[name] != have[name])
    missing = sorted(want.keys() - have.keys())
    extra = sorted(have.keys() - want.keys())
    if not (changed or missing or extra):
        print("generated/ matches a fresh regeneration of spec/openapi.yaml")
        return 0
    for label, names in (("differs", changed), ("missing", missing), ("not generated", extra)):
        for name in names:
            print(f"  {label}: {name}")
    print(
        "generated/ differs from a fresh regeneration of spec/openapi.yaml.\n"
        "Fix: run `nox -s generate` and commit generated/ (and the server's "
        f"{REQUEST_LINE_SCHEMA.name}) together with your spec/ or generator/ change. Never "
        "edit generated files by hand."
    )
    return 1


def main() -> None:
    """Regenerate the package in place, or with ``--check`` only compare."""
    _check_pins()
    if sys.argv[1:] == ["--check"]:
        sys.exit(check())
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        _generate_into(fresh)
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(fresh / TARGET.name), str(TARGET))
        shutil.move(str(fresh / PROVENANCE.name), str(PROVENANCE))
    REQUEST_LINE_SCHEMA.write_text(request_line_schema(), encoding="utf-8")
    print(f"regenerated {TARGET.relative_to(ROOT)} and {REQUEST_LINE_SCHEMA.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
